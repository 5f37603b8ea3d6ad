"""``/api/v1/``: the core's endpoints plus what each app registers in ``mops.registry``."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import DefaultRouter

from mops.registry import api_paths, api_routes

from .views import MeView, TeamViewSet

router = DefaultRouter()
router.register("teams", TeamViewSet)
for prefix, (viewset, basename) in api_routes.items():
    router.register(prefix, viewset, basename=basename)

urlpatterns: list[URLPattern | URLResolver] = [path("me/", MeView.as_view(), name="api-me")]
for paths in api_paths.values():
    urlpatterns += paths
urlpatterns += router.urls
