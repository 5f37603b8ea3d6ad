from django.contrib.auth import get_user_model
from rest_framework import serializers

from mops.models import Team


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name", "slug", "description"]


class MeSerializer(serializers.ModelSerializer):
    teams = TeamSerializer(many=True, read_only=True)
    roles = serializers.SerializerMethodField()
    scopes = serializers.SerializerMethodField()

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "email", "teams", "roles", "scopes"]

    def get_roles(self, user) -> list[str]:
        return sorted(g.name for g in user.groups.all() if not hasattr(g, "team"))

    def get_scopes(self, user) -> list[str] | None:
        token = self.context["request"].auth
        return list(token.scopes) if hasattr(token, "scopes") else None
