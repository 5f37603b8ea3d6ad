from django.urls import path

from mops.views import section

app_name = "governance"

urlpatterns = [
    path("", section, {"key": "governance"}, name="index"),
]
