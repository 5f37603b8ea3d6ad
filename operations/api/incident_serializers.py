"""Serializers of the incidents API: shape and types only; the rules are in the services."""

from __future__ import annotations

from rest_framework import serializers

from ..models import (
    EscalationPolicy,
    EscalationStep,
    Incident,
    IncidentEvent,
    IncidentState,
    Severity,
)


class IncidentSerializer(serializers.ModelSerializer):
    team: serializers.Field = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    assignee: serializers.Field = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    affected_tools: serializers.Field = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            "title",
            "description",
            "severity",
            "state",
            "team",
            "source",
            "dedup_key",
            "alert_count",
            "assignee",
            "affected_tools",
            "triggered_at",
            "acknowledged_at",
            "mitigated_at",
            "resolved_at",
            "closed_at",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, obj: Incident) -> str:
        return obj.get_absolute_url()


class IncidentCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.SEV3)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    team = serializers.SlugField(
        required=False, help_text="Team slug; defaults to the caller's only team."
    )
    dedup_key = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=False,
        help_text="Alerts with the same key append to the open incident instead of opening one.",
    )
    tools = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        help_text="Ids of the affected tools.",
    )
    details = serializers.DictField(
        required=False, default=dict, help_text="Free-form alert details kept on the timeline."
    )


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class TransitionSerializer(NoteSerializer):
    to = serializers.ChoiceField(choices=IncidentState.choices)


class CommentSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=10_000)


class IncidentEventSerializer(serializers.ModelSerializer):
    actor: serializers.Field = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = IncidentEvent
        fields = ["id", "at", "kind", "actor", "from_state", "to_state", "message", "data"]
        read_only_fields = fields


class EscalationStepSerializer(serializers.ModelSerializer):
    notify_user: serializers.Field = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    channel: serializers.Field = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = EscalationStep
        fields = ["order", "delay_minutes", "notify_user", "notify_role", "channel_kind", "channel"]
        read_only_fields = fields


class EscalationPolicySerializer(serializers.ModelSerializer):
    team: serializers.Field = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    steps = EscalationStepSerializer(many=True, read_only=True)

    class Meta:
        model = EscalationPolicy
        fields = ["id", "name", "team", "repeat_count", "is_default", "steps"]
        read_only_fields = fields
