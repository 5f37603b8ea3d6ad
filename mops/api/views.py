from drf_spectacular.utils import extend_schema
from rest_framework import generics, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from mops.models import Team

from .serializers import MeSerializer, TeamSerializer


class TeamViewSet(viewsets.ReadOnlyModelViewSet):
    """Teams: the units that own objects. Every role may list them."""

    queryset = Team.objects.all()
    serializer_class = TeamSerializer
    lookup_field = "slug"
    required_scopes = {"GET": "read"}
    filterset_fields = ["slug"]


class MeView(generics.GenericAPIView):
    """Who the caller is: user, teams, roles and (for a token) its scopes."""

    serializer_class = MeSerializer
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        user = request.user
        return Response(self.get_serializer(user).data)
