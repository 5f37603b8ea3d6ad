"""Operations URLs: each area's views module keeps its own ``urlpatterns``."""

from django.urls import include, path

from .views import incidents, inventory, runbooks

app_name = "operations"

urlpatterns = [
    path("", include(incidents)),
    path("", include(inventory)),
    path("", include(runbooks)),
]
