"""Shapes of the runbook and execution API (input serializers validate types only; the services
hold the rules)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from mops.models import Role

from ..models import (
    CheckKind,
    ExecutionOutcome,
    Incident,
    Runbook,
    RunbookExecution,
    RunbookStep,
    RunbookVersion,
    StepKind,
    StepRun,
    Tool,
)
from ..services.runbooks import MAX_BODY, MAX_STEPS


class StepSerializer(serializers.ModelSerializer):
    class Meta:
        model = RunbookStep
        fields = ["id", "order", "title", "body", "kind", "approver_role"]


class StepInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=StepKind.choices, default=StepKind.ACTION)
    approver_role = serializers.ChoiceField(
        choices=Role.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="For approval steps: the role that must give the approval.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("kind") == StepKind.APPROVAL and not attrs.get("approver_role"):
            raise serializers.ValidationError(
                {"approver_role": _("An approval step needs the role that approves it.")}
            )
        return attrs


class VersionSerializer(serializers.ModelSerializer):
    author: serializers.Field = serializers.SlugRelatedField(slug_field="username", read_only=True)
    steps = StepSerializer(many=True, read_only=True)

    class Meta:
        model = RunbookVersion
        fields = ["number", "created_at", "author", "change_note", "body_markdown", "steps"]


class RunbookSerializer(serializers.ModelSerializer):
    team: serializers.Field = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    owner: serializers.Field = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    tools: serializers.Field = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    check_kinds = serializers.ListField(child=serializers.ChoiceField(CheckKind.choices))
    review_due_at = serializers.DateTimeField(read_only=True)
    is_stale = serializers.BooleanField(read_only=True)
    current_version = VersionSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Runbook
        fields = [
            "id",
            "title",
            "summary",
            "team",
            "owner",
            "tools",
            "check_kinds",
            "review_interval_days",
            "last_reviewed_at",
            "review_due_at",
            "is_stale",
            "current_version",
            "created_at",
            "updated_at",
        ]


class RunbookWriteSerializer(serializers.Serializer):
    """Create or change a runbook; on update, fields left out keep their value. Any change makes
    a new version."""

    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=300, required=False, allow_blank=True)
    team = serializers.SlugField(required=False, help_text="Team slug; default: your only team.")
    owner: serializers.Field = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        allow_null=True,
    )
    tools: serializers.Field = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Tool.objects.all(), required=False
    )
    check_kinds = serializers.ListField(
        child=serializers.ChoiceField(CheckKind.choices), required=False
    )
    review_interval_days = serializers.IntegerField(min_value=1, max_value=3650, required=False)
    body_markdown = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_BODY, trim_whitespace=False
    )
    steps = StepInputSerializer(many=True, required=False, max_length=MAX_STEPS)  # type: ignore[call-arg]
    change_note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class StepRunSerializer(serializers.ModelSerializer):
    step: serializers.Field = serializers.PrimaryKeyRelatedField(read_only=True)
    done_by: serializers.Field = serializers.SlugRelatedField(slug_field="username", read_only=True)
    approved_by: serializers.Field = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = StepRun
        fields = ["step", "done_by", "done_at", "note", "decision", "approved_by"]


class ExecutionSerializer(serializers.ModelSerializer):
    runbook: serializers.Field = serializers.PrimaryKeyRelatedField(read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)
    incident: serializers.Field = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    started_by: serializers.Field = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    duration_seconds = serializers.SerializerMethodField()
    steps = StepSerializer(source="version.steps", many=True, read_only=True)
    step_runs = StepRunSerializer(many=True, read_only=True)
    next_step = serializers.SerializerMethodField()

    class Meta:
        model = RunbookExecution
        fields = [
            "id",
            "runbook",
            "version",
            "incident",
            "started_by",
            "started_at",
            "finished_at",
            "outcome",
            "notes",
            "duration_seconds",
            "steps",
            "step_runs",
            "next_step",
        ]

    def get_duration_seconds(self, obj: RunbookExecution) -> int | None:
        return None if obj.duration is None else int(obj.duration.total_seconds())

    def get_next_step(self, obj: RunbookExecution) -> int | None:
        """The step to check off next (null when all are done or the execution is finished)."""
        if obj.finished_at is not None:
            return None
        done = {run.step_id for run in obj.step_runs.all()}
        for step in obj.version.steps.all():
            if step.pk not in done:
                return step.pk
        return None


class ExecutionCreateSerializer(serializers.Serializer):
    runbook: serializers.Field = serializers.PrimaryKeyRelatedField(queryset=Runbook.objects.all())
    incident: serializers.Field = serializers.PrimaryKeyRelatedField(
        queryset=Incident.objects.all(), required=False, allow_null=True
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=10_000)


class CheckOffSerializer(serializers.Serializer):
    step = serializers.IntegerField(help_text="Id of the step (see the execution's steps).")
    note = serializers.CharField(required=False, allow_blank=True, max_length=10_000, default="")
    decision = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class FinishSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=ExecutionOutcome.choices)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=10_000, default="")
