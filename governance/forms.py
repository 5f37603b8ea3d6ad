"""Forms validate shape; services validate rules (their errors land on the fields)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mops.models import Team
from mops.permissions import is_admin

from .models import (
    Action,
    Cadence,
    Direction,
    FeedbackItem,
    KpiTarget,
    Plan,
    Strategy,
    Vision,
)
from .periods import fiscal_period, fiscal_period_of

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def user_choices() -> Any:
    return get_user_model().objects.filter(is_active=True).order_by("username")


def teams_of(user: Any) -> Any:
    return Team.objects.all() if is_admin(user) else user.teams.all()


class TeamScopedForm(forms.ModelForm):
    """Team limited to the user's teams (with the only one preselected); owner: active users."""

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        teams = teams_of(user)
        if "team" in self.fields:
            self.fields["team"].queryset = teams  # type: ignore[attr-defined]
            if not self.instance.pk and teams.count() == 1:
                self.fields["team"].initial = teams.first()
        if "owner" in self.fields:
            self.fields["owner"].queryset = user_choices()  # type: ignore[attr-defined]
            if not self.instance.pk:
                self.fields["owner"].initial = user.pk


class VisionForm(forms.ModelForm):
    class Meta:
        model = Vision
        fields = ["vision", "mission"]
        widgets = {
            "vision": forms.Textarea(attrs={"rows": 3}),
            "mission": forms.Textarea(attrs={"rows": 3}),
        }


class StrategyForm(TeamScopedForm):
    fiscal_year = forms.IntegerField(
        label=_("fiscal year"),
        required=False,
        help_text=_("Fills the period from the fiscal calendar (April start). 2026 = 2026年度."),
    )
    period_index = forms.IntegerField(
        label=_("half / quarter number"),
        required=False,
        min_value=1,
        max_value=4,
        help_text=_("1–2 for a half, 1–4 for a quarter; ignored for a fiscal year."),
    )

    class Meta:
        model = Strategy
        fields = [
            "title",
            "description",
            "team",
            "owner",
            "status",
            "period_kind",
            "fiscal_year",
            "period_index",
            "period_start",
            "period_end",
            "market",
            "competitors",
            "strengths",
            "weaknesses",
            "opportunities",
            "threats",
        ]
        widgets = {
            "period_start": DATE,
            "period_end": DATE,
            **{
                name: forms.Textarea(attrs={"rows": 3})
                for name in [
                    "description",
                    "market",
                    "competitors",
                    "strengths",
                    "weaknesses",
                    "opportunities",
                    "threats",
                ]
            },
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period_start"].required = False
        self.fields["period_end"].required = False
        if not self.instance.pk:
            year, _index = fiscal_period_of("fy", timezone.localdate())
            self.fields["fiscal_year"].initial = year

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        year = data.get("fiscal_year")
        kind = data.get("period_kind")
        if year and kind:
            try:
                data["period_start"], data["period_end"] = fiscal_period(
                    kind, year, data.get("period_index") or 1
                )
            except ValueError:
                self.add_error("period_index", _("That half or quarter does not exist."))
        elif not (data.get("period_start") and data.get("period_end")):
            self.add_error("fiscal_year", _("Give a fiscal year, or the start and end dates."))
        elif data["period_end"] < data["period_start"]:
            self.add_error("period_end", _("End date must be on or after the start date."))
        return data


class PlanForm(TeamScopedForm):
    class Meta:
        model = Plan
        fields = [
            "strategy",
            "title",
            "objective",
            "team",
            "owner",
            "status",
            "start_date",
            "end_date",
            "currency",
        ]
        widgets = {
            "start_date": DATE,
            "end_date": DATE,
            "objective": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, strategies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["strategy"].queryset = strategies  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("End date must be on or after the start date."))
        return data


class BudgetForm(forms.Form):
    """One amount per month of the plan's schedule."""

    def __init__(self, *args: Any, plan: Plan, months: list[datetime.date], **kwargs: Any):
        super().__init__(*args, **kwargs)
        current = {row.month: row.amount for row in plan.budget_rows.all()}
        for month in months:
            self.fields[month.strftime("m_%Y_%m")] = forms.DecimalField(
                label=month.strftime("%Y-%m"),
                required=False,
                min_value=0,
                decimal_places=0,
                initial=current.get(month),
            )
        self.months = months

    def amounts(self) -> list[tuple[datetime.date, Any]]:
        return [
            (month, self.cleaned_data.get(month.strftime("m_%Y_%m")) or 0) for month in self.months
        ]


class ActionForm(TeamScopedForm):
    class Meta:
        model = Action
        fields = ["title", "description", "team", "owner", "due_date", "status", "plan"]
        widgets = {"due_date": DATE, "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, plans: Any, owner_only: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans  # type: ignore[attr-defined]
        if owner_only:
            # The owner (not a manager of the team) may move the work along, not reassign it.
            for name in ["title", "team", "owner", "plan"]:
                self.fields.pop(name)
        elif self.instance.pk:
            self.fields.pop("team")


class KpiForm(forms.Form):
    key = forms.SlugField(label=_("key"), max_length=40)
    name = forms.CharField(label=_("name"), max_length=100)
    name_ja = forms.CharField(label=_("Japanese name"), max_length=100, required=False)
    expression = forms.CharField(
        label=_("formula"),
        max_length=200,
        help_text=_(
            "A sum of metric keys, optionally divided by another sum: conversions, "
            "cost / conversions (CPA), clicks / impressions (CTR), revenue / cost (ROAS)."
        ),
    )
    unit = forms.CharField(label=_("unit"), max_length=20, required=False)
    display_format = forms.ChoiceField(label=_("display format"))
    granularity = forms.ChoiceField(label=_("granularity"))
    scope_channel = forms.ChoiceField(label=_("channel"), required=False)
    scope_team = forms.ModelChoiceField(
        label=_("scope: team"), queryset=Team.objects.all(), required=False
    )
    scope_plan = forms.ModelChoiceField(
        label=_("scope: plan"), queryset=Plan.objects.none(), required=False
    )
    direction = forms.ChoiceField(label=_("direction"), choices=Direction.choices)
    team = forms.ModelChoiceField(label=_("team"), queryset=Team.objects.none())
    owner = forms.ModelChoiceField(label=_("owner"), queryset=Team.objects.none())
    strategy = forms.ModelChoiceField(
        label=_("strategy"), queryset=Strategy.objects.none(), required=False
    )
    plan = forms.ModelChoiceField(label=_("plan"), queryset=Plan.objects.none(), required=False)
    description = forms.CharField(
        label=_("why it matters"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(
        self,
        *args: Any,
        user: Any,
        strategies: Any,
        plans: Any,
        editing: bool = False,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        from analytics.models import Channel, Granularity, KpiFormat

        self.fields["display_format"].choices = KpiFormat.choices  # type: ignore[attr-defined]
        self.fields["granularity"].choices = Granularity.choices  # type: ignore[attr-defined]
        self.fields["scope_channel"].choices = [("", _("All channels")), *Channel.choices]  # type: ignore[attr-defined]
        teams = teams_of(user)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["owner"].queryset = user_choices()  # type: ignore[attr-defined]
        self.fields["strategy"].queryset = strategies  # type: ignore[attr-defined]
        self.fields["plan"].queryset = plans  # type: ignore[attr-defined]
        self.fields["scope_plan"].queryset = plans  # type: ignore[attr-defined]
        if not self.is_bound and not editing:
            self.fields["owner"].initial = user.pk
            if teams.count() == 1:
                self.fields["team"].initial = teams.first()
        if editing:
            self.fields.pop("key")


class TargetForm(forms.Form):
    """A target for a period; which of value / band applies is the service's rule (direction)."""

    period_start = forms.DateField(label=_("period start"), widget=DATE)
    period_end = forms.DateField(label=_("period end"), widget=DATE)
    value = forms.FloatField(
        label=_("target"), required=False, help_text=_("For higher / lower is better KPIs.")
    )
    low = forms.FloatField(label=_("band low"), required=False, help_text=_("For band KPIs."))
    high = forms.FloatField(label=_("band high"), required=False)
    currency = forms.CharField(
        label=_("currency"),
        max_length=3,
        required=False,
        help_text=_("For money KPIs: the currency the target is in (JPY by default)."),
    )
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args: Any, instance: KpiTarget | None = None, **kwargs: Any) -> None:
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    name: getattr(instance, name)
                    for name in [
                        "period_start",
                        "period_end",
                        "value",
                        "low",
                        "high",
                        "currency",
                        "note",
                    ]
                },
            )
        super().__init__(*args, **kwargs)


class ReviewForm(forms.Form):
    team = forms.ModelChoiceField(label=_("team"), queryset=Team.objects.none())
    meeting_date = forms.DateField(
        label=_("meeting date"),
        widget=DATE,
        help_text=_("The review covers the period of the team's cadence that contains this day."),
    )
    participants = forms.ModelMultipleChoiceField(
        label=_("participants"),
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["participants"].queryset = user_choices()  # type: ignore[attr-defined]
        if teams.count() >= 1:
            self.fields["team"].initial = teams.first()
        self.fields["meeting_date"].initial = timezone.localdate()


class CadenceForm(forms.Form):
    cadence = forms.ChoiceField(label=_("cadence"), choices=Cadence.choices)


class ItemNotesForm(forms.Form):
    notes = forms.CharField(
        label=_("Notes (Check)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    root_cause = forms.CharField(
        label=_("Root cause"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    decision = forms.CharField(
        label=_("Decision"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class NextActionForm(forms.Form):
    title = forms.CharField(label=_("Next action"), max_length=200)
    owner = forms.ModelChoiceField(label=_("owner"), queryset=Team.objects.none())
    due_date = forms.DateField(label=_("due date"), widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = user_choices()  # type: ignore[attr-defined]
        self.fields["due_date"].initial = timezone.localdate() + datetime.timedelta(days=7)


class FeedbackForm(forms.ModelForm):
    class Meta:
        model = FeedbackItem
        fields = [
            "direction",
            "title",
            "body",
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
        ]
        widgets = {"body": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from_team"].queryset = teams_of(user)  # type: ignore[attr-defined]
        self.fields["owner"].queryset = user_choices()  # type: ignore[attr-defined]


class FeedbackUpdateForm(forms.ModelForm):
    class Meta:
        model = FeedbackItem
        fields = ["status", "owner", "resolution"]
        widgets = {"resolution": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = user_choices()  # type: ignore[attr-defined]
