from django.urls import path

from mops.views import section

app_name = "analytics"

urlpatterns = [
    path("", section, {"key": "analytics"}, name="index"),
]
