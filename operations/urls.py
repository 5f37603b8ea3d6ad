from django.urls import path

from mops.views import section

app_name = "operations"

urlpatterns = [
    path("", section, {"key": "operations"}, name="index"),
]
