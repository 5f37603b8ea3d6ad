"""Shapes of the governance API. Serializers validate types; services apply the rules."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from mops.models import Team

from ..models import (
    Action,
    AgendaItem,
    FeedbackItem,
    KpiProfile,
    KpiTarget,
    Plan,
    PlanBudget,
    ReviewMeeting,
    Skill,
    SkillRating,
    Strategy,
    at_risk,
)

User = get_user_model()


def team_field(**kwargs) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="slug", queryset=Team.objects.all(), **kwargs)


def user_field(**kwargs) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True), **kwargs
    )


class StrategySerializer(serializers.ModelSerializer):
    team = team_field()
    owner = user_field()

    class Meta:
        model = Strategy
        fields = [
            "id",
            "title",
            "description",
            "team",
            "owner",
            "status",
            "period_kind",
            "period_start",
            "period_end",
            "market",
            "competitors",
            "strengths",
            "weaknesses",
            "opportunities",
            "threats",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class PlanBudgetSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanBudget
        fields = ["month", "amount"]


class PlanSerializer(serializers.ModelSerializer):
    team = team_field()
    owner = user_field()
    strategy = serializers.PrimaryKeyRelatedField(queryset=Strategy.objects.all())
    budget_rows = PlanBudgetSerializer(many=True, read_only=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "strategy",
            "title",
            "objective",
            "team",
            "owner",
            "status",
            "start_date",
            "end_date",
            "budget",
            "currency",
            "budget_rows",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "budget", "budget_rows", "created_at", "updated_at"]


class ActionSerializer(serializers.ModelSerializer):
    team = team_field(required=False)
    owner = user_field()
    plan = serializers.PrimaryKeyRelatedField(
        queryset=Plan.objects.all(), required=False, allow_null=True
    )
    review = serializers.PrimaryKeyRelatedField(
        queryset=ReviewMeeting.objects.all(), required=False, allow_null=True
    )
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Action
        fields = [
            "id",
            "title",
            "description",
            "team",
            "owner",
            "due_date",
            "status",
            "plan",
            "review",
            "is_overdue",
            "created_at",
            "updated_at",
            "completed_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at", "completed_at", "is_overdue"]


class KpiTargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = KpiTarget
        fields = ["id", "period_start", "period_end", "value", "low", "high", "currency", "note"]


class KpiStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["on_track", "at_risk", "off_track", "unknown"])
    as_of = serializers.DateField()
    period_start = serializers.DateField(allow_null=True)
    period_end = serializers.DateField(allow_null=True)
    currency = serializers.CharField()
    target = KpiTargetSerializer(allow_null=True)
    actual = serializers.FloatField(allow_null=True, help_text="Actual so far (null: n/a)")
    forecast = serializers.FloatField(allow_null=True, help_text="Forecast to period end")
    forecast_low = serializers.FloatField(allow_null=True)
    forecast_high = serializers.FloatField(allow_null=True)


class KpiSerializer(serializers.ModelSerializer):
    key = serializers.CharField(source="kpi.key")
    name = serializers.CharField(source="kpi.name")
    name_ja = serializers.CharField(source="kpi.name_ja")
    expression = serializers.CharField(source="kpi.expression")
    unit = serializers.CharField(source="kpi.unit")
    display_format = serializers.CharField(source="kpi.display_format")
    granularity = serializers.CharField(source="kpi.granularity")
    team: serializers.Field = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    owner: serializers.Field = serializers.SlugRelatedField(slug_field="username", read_only=True)
    targets = KpiTargetSerializer(many=True, read_only=True)
    current = serializers.SerializerMethodField()

    class Meta:
        model = KpiProfile
        fields = [
            "key",
            "name",
            "name_ja",
            "expression",
            "unit",
            "display_format",
            "granularity",
            "direction",
            "team",
            "owner",
            "strategy",
            "plan",
            "targets",
            "current",
        ]

    @extend_schema_field(KpiStatusSerializer)
    def get_current(self, profile: KpiProfile) -> dict:
        reading = self.context["readings"][profile.pk]
        return KpiStatusSerializer(
            {
                "status": reading.status.value,
                "as_of": reading.as_of,
                "period_start": reading.period_start,
                "period_end": reading.period_end,
                "currency": reading.currency,
                "target": reading.target,
                "actual": reading.actual.value if reading.actual else None,
                "forecast": reading.forecast,
                "forecast_low": reading.forecast_low,
                "forecast_high": reading.forecast_high,
            }
        ).data


class AgendaItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgendaItem
        fields = [
            "id",
            "kind",
            "ref",
            "position",
            "title",
            "figures",
            "notes",
            "root_cause",
            "decision",
        ]


class ReviewSerializer(serializers.ModelSerializer):
    team: serializers.Field = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    participants: serializers.Field = serializers.SlugRelatedField(
        slug_field="username", many=True, read_only=True
    )
    items = AgendaItemSerializer(many=True, read_only=True)
    actions: serializers.Field = serializers.PrimaryKeyRelatedField(
        source="created_actions", many=True, read_only=True
    )

    class Meta:
        model = ReviewMeeting
        fields = [
            "id",
            "title",
            "team",
            "cadence",
            "period_start",
            "period_end",
            "meeting_date",
            "state",
            "participants",
            "summary",
            "agenda_prepared_at",
            "closed_at",
            "items",
            "actions",
        ]


class FeedbackSerializer(serializers.ModelSerializer):
    from_team = team_field()
    to_team = team_field()
    owner = user_field(required=False, allow_null=True)

    class Meta:
        model = FeedbackItem
        fields = [
            "id",
            "direction",
            "title",
            "body",
            "status",
            "from_team",
            "to_team",
            "owner",
            "review",
            "plan",
            "kpi",
            "tool",
            "runbook",
            "monitoring_check",
            "incident",
            "resolution",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class SkillRatingSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True)
    level_label = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = SkillRating
        fields = ["user", "level", "level_label", "updated_at"]


class SkillSerializer(serializers.ModelSerializer):
    """A skill with its current members' ratings; ``capable`` counts those who can do it alone
    (level 3 or more): fewer than two is a 属人化 risk (``at_risk``)."""

    team = serializers.CharField(source="team.slug", read_only=True)
    tool = serializers.IntegerField(source="tool_id", read_only=True, allow_null=True)
    tool_name = serializers.SerializerMethodField()
    capable = serializers.IntegerField(read_only=True)
    at_risk = serializers.SerializerMethodField()
    ratings = SkillRatingSerializer(source="member_ratings", many=True, read_only=True)

    class Meta:
        model = Skill
        fields = [
            "id",
            "team",
            "name",
            "description",
            "tool",
            "tool_name",
            "capable",
            "at_risk",
            "ratings",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_tool_name(self, skill: Skill) -> str | None:
        return skill.tool.name if skill.tool is not None else None

    @extend_schema_field(serializers.BooleanField())
    def get_at_risk(self, skill: Skill) -> bool:
        return at_risk(skill.capable)  # type: ignore[attr-defined]
