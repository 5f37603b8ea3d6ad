"""Forms of the inventory, monitoring and maintenance pages: shape and types only; the services
validate the rules (their ``ValidationError`` lands on the form through ``add_service_errors``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mops.models import Team
from mops.permissions import is_admin

from ..models import (
    AssignmentRole,
    Check,
    Integration,
    IntegrationFrequency,
    MaintenanceWindow,
    Tool,
)


def _teams_of(user: Any) -> Any:
    return Team.objects.all() if is_admin(user) else user.teams.all()


class TeamScopedForm(forms.ModelForm):
    """The team field offers the user's teams, preselected when there is only one."""

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "team" in self.fields:
            teams = _teams_of(user)
            self.fields["team"].queryset = teams  # type: ignore[attr-defined]
            if not self.instance.pk and teams.count() == 1:
                self.fields["team"].initial = teams.first()

    def _post_clean(self) -> None:
        """No model validation here: the services validate, once, with messages to act on."""


class ToolForm(TeamScopedForm):
    url = forms.URLField(label=_("URL"), max_length=500, required=False, assume_scheme="https")

    class Meta:
        model = Tool
        fields = [
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
        ]
        widgets = {
            "renewal_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }


class AssignmentForm(forms.Form):
    user = forms.ModelChoiceField(label=_("person"), queryset=get_user_model().objects.none())
    role = forms.ChoiceField(label=_("role"), choices=AssignmentRole.choices)
    priority = forms.IntegerField(label=_("priority"), min_value=1, max_value=99, initial=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (  # type: ignore[attr-defined]
            get_user_model().objects.filter(is_active=True).order_by("username")
        )


class IntegrationForm(forms.Form):
    direction = forms.ChoiceField(
        label=_("direction"),
        choices=[("out", _("from this tool to…")), ("in", _("into this tool from…"))],
    )
    other = forms.ModelChoiceField(label=_("other tool"), queryset=Tool.objects.none())
    data_flow = forms.CharField(
        label=_("what flows"), max_length=200, help_text=_("e.g. leads, conversions, audiences")
    )
    frequency = forms.ChoiceField(label=_("frequency"), choices=IntegrationFrequency.choices)
    freshness_hours = forms.IntegerField(
        label=_("promised freshness (hours)"), min_value=1, required=False
    )

    def __init__(self, *args: Any, tools: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["other"].queryset = tools if tools is not None else Tool.objects.none()  # type: ignore[attr-defined]


class CheckForm(TeamScopedForm):
    # A plain CharField: the service explains a malformed URL in words people act on.
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        required=False,
        help_text=_("HTTP checks: the page to request, e.g. https://example.com/health."),
    )

    class Meta:
        model = Check
        fields = [
            "name",
            "kind",
            "team",
            "tool",
            "integration",
            "description",
            *Check.SETTINGS,
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, user: Any = None, tools: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        if tools is not None:
            self.fields["tool"].queryset = tools  # type: ignore[attr-defined]
            self.fields["integration"].queryset = (  # type: ignore[attr-defined]
                Integration.objects.filter(Q(source__in=tools) | Q(target__in=tools))
                .select_related("source", "target")
                .distinct()
            )
        # Signed bounds let the service answer "cannot be negative" rather than a form error.
        for name in ("grace_seconds", "period_seconds"):
            self.fields[name].min_value = None  # type: ignore[attr-defined]
            self.fields[name].validators = []
            self.fields[name].widget.attrs.pop("min", None)


class MaintenanceWindowForm(TeamScopedForm):
    class Meta:
        model = MaintenanceWindow
        fields = ["tool", "title", "description", "starts_at", "ends_at", "recurrence"]
        widgets = {
            "starts_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "ends_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, user: Any = None, tools: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        if tools is not None:
            self.fields["tool"].queryset = tools  # type: ignore[attr-defined]
