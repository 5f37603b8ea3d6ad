"""Shapes of the inventory, check and maintenance API. Input serializers validate types only; the
services hold the rules (their ``ValidationError`` becomes the one error shape)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import (
    Check,
    CheckKind,
    CheckResult,
    MaintenanceWindow,
    Tool,
    ToolAssignment,
    ToolCategory,
    ToolLifecycle,
)


class AssignmentSerializer(serializers.ModelSerializer):
    user: serializers.Field = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ToolAssignment
        fields = ["user", "role", "priority"]


class ToolFlagsSerializer(serializers.Serializer):
    single_owner = serializers.BooleanField()
    renewal_soon = serializers.BooleanField()
    no_runbook = serializers.BooleanField()


class ToolSerializer(serializers.ModelSerializer):
    team: serializers.Field = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    assignments = AssignmentSerializer(many=True, read_only=True)
    flags = serializers.SerializerMethodField()

    class Meta:
        model = Tool
        fields = [
            "id",
            "name",
            "category",
            "vendor",
            "url",
            "team",
            "lifecycle",
            "licence_seats",
            "monthly_cost",
            "currency",
            "renewal_date",
            "holds_personal_data",
            "description",
            "assignments",
            "flags",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(ToolFlagsSerializer)
    def get_flags(self, tool: Tool) -> dict[str, bool]:
        return {
            "single_owner": bool(getattr(tool, "single_owner", False)),
            "renewal_soon": bool(getattr(tool, "renewal_soon", False)),
            "no_runbook": bool(getattr(tool, "no_runbook", False)),
        }


class ToolInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    category = serializers.ChoiceField(choices=ToolCategory.choices, default=ToolCategory.OTHER)
    vendor = serializers.CharField(max_length=120, required=False, allow_blank=True)
    url = serializers.CharField(max_length=500, required=False, allow_blank=True)
    team = serializers.SlugField(
        required=False, help_text="Slug of one of your teams; optional when you are in only one."
    )
    lifecycle = serializers.ChoiceField(choices=ToolLifecycle.choices, default=ToolLifecycle.ACTIVE)
    licence_seats = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    monthly_cost = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True
    )
    currency = serializers.CharField(max_length=3, required=False)
    renewal_date = serializers.DateField(required=False, allow_null=True)
    holds_personal_data = serializers.BooleanField(required=False)
    description = serializers.CharField(required=False, allow_blank=True)


class CheckSerializer(serializers.ModelSerializer):
    team: serializers.Field = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    campaign: serializers.Field = serializers.SlugRelatedField(slug_field="code", read_only=True)
    metric: serializers.Field = serializers.SlugRelatedField(slug_field="key", read_only=True)
    ping_url = serializers.SerializerMethodField()

    class Meta:
        model = Check
        fields = [
            "id",
            "uuid",
            "name",
            "description",
            "kind",
            "tool",
            "integration",
            "team",
            "enabled",
            "state",
            *Check.SETTINGS,
            "last_ping_at",
            "last_evaluated_at",
            "next_due_at",
            "consecutive_failures",
            "ping_url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_ping_url(self, check: Check) -> str:
        path = reverse("ping", args=[str(check.uuid)])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class CheckInputSerializer(serializers.Serializer):
    """Fields of a check. On update every field is optional (PATCH semantics for PUT too)."""

    name = serializers.CharField(max_length=150)
    kind = serializers.ChoiceField(choices=CheckKind.choices)
    team = serializers.SlugField(required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    tool = serializers.IntegerField(required=False, allow_null=True)
    integration = serializers.IntegerField(required=False, allow_null=True)
    interval_seconds = serializers.IntegerField(required=False)
    url = serializers.CharField(max_length=500, required=False, allow_blank=True)
    expected_status = serializers.IntegerField(required=False)
    timeout_seconds = serializers.IntegerField(required=False)
    keyword = serializers.CharField(max_length=200, required=False, allow_blank=True)
    period_seconds = serializers.IntegerField(required=False)
    grace_seconds = serializers.IntegerField(required=False)
    freshness_source = serializers.CharField(max_length=32, required=False, allow_blank=True)
    campaign = serializers.CharField(
        required=False, allow_null=True, help_text="Campaign code (freshness or threshold)."
    )
    max_age_hours = serializers.IntegerField(required=False, allow_null=True)
    metric = serializers.CharField(
        required=False, allow_null=True, help_text="Metric key (threshold checks)."
    )
    min_value = serializers.FloatField(required=False, allow_null=True)
    max_value = serializers.FloatField(required=False, allow_null=True)
    use_anomaly_rule = serializers.BooleanField(required=False)
    failures_before_down = serializers.IntegerField(required=False)
    failure_rate = serializers.FloatField(required=False, allow_null=True)
    window_minutes = serializers.IntegerField(required=False, allow_null=True)


class CheckResultSerializer(serializers.ModelSerializer):
    check: serializers.Field = serializers.PrimaryKeyRelatedField(source="monitor", read_only=True)

    class Meta:
        model = CheckResult
        fields = ["id", "check", "at", "status", "duration_ms", "value", "detail"]


class MaintenanceWindowSerializer(serializers.ModelSerializer):
    team: serializers.Field = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    created_by: serializers.Field = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = MaintenanceWindow
        fields = [
            "id",
            "tool",
            "team",
            "title",
            "description",
            "starts_at",
            "ends_at",
            "recurrence",
            "status",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class MaintenanceWindowInputSerializer(serializers.Serializer):
    tool = serializers.IntegerField()
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    recurrence = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=TU; empty for a one-off window.",
    )


def drop_absent(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not serializers.empty}
