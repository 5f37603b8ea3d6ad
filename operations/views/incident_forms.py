"""Forms of the incident pages: shape and choices only; the rules are in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from analytics.selectors import campaigns_for, kpis_for
from mops.permissions import is_admin, restrict
from mops.selectors import teams_for

from ..models import Incident, IncidentState, Postmortem, Tool


class IncidentForm(forms.ModelForm):
    class Meta:
        model = Incident
        fields = [
            "title",
            "severity",
            "team",
            "description",
            "affected_tools",
            "affected_campaigns",
            "affected_kpis",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "affected_tools": forms.CheckboxSelectMultiple,
            "affected_campaigns": forms.SelectMultiple(attrs={"size": 6}),
            "affected_kpis": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = teams_for(user=user)
        if not is_admin(user):
            teams = teams.filter(memberships__user=user)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        if self.instance.pk:
            # The team of an existing incident is where its permissions live: not moved here.
            del self.fields["team"]
        elif teams.count() == 1:
            self.fields["team"].initial = teams.first()
        self.fields["affected_tools"].queryset = restrict(Tool.objects.all(), user, "view")  # type: ignore[attr-defined]
        self.fields["affected_campaigns"].queryset = campaigns_for(user=user)  # type: ignore[attr-defined]
        self.fields["affected_kpis"].queryset = kpis_for(user=user)  # type: ignore[attr-defined]
        self.fields["affected_tools"].required = False
        self.fields["affected_campaigns"].required = False
        self.fields["affected_kpis"].required = False


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label=_("new state"), choices=IncidentState.choices)
    note = forms.CharField(label=_("note"), required=False, max_length=2000)


class CommentForm(forms.Form):
    message = forms.CharField(
        label=_("comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000
    )


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("assignee"), queryset=get_user_model().objects.none(), required=False
    )

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = (  # type: ignore[attr-defined]
            get_user_model()
            .objects.filter(is_active=True, teams=incident.team_id, groups__name="ops")
            .distinct()
            .order_by("username")
        )
        self.fields["assignee"].empty_label = _("Nobody")  # type: ignore[attr-defined]


class PostmortemForm(forms.ModelForm):
    class Meta:
        model = Postmortem
        fields = ["summary", "impact", "root_cause", "went_well"]
        widgets = {
            name: forms.Textarea(attrs={"rows": 4})
            for name in ["summary", "impact", "root_cause", "went_well"]
        }


class ActionItemForm(forms.Form):
    title = forms.CharField(label=_("action item"), max_length=200, required=False)
    owner = forms.ModelChoiceField(
        label=_("owner"), queryset=get_user_model().objects.none(), required=False
    )
    due_date = forms.DateField(
        label=_("due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, owners: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if owners is not None:
            self.fields["owner"].queryset = owners  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("owner") or data.get("due_date")) and not data.get("title"):
            self.add_error("title", _("Say what the action is, or clear its owner and date."))
        return data


ActionItemFormSet = forms.formset_factory(ActionItemForm, extra=2, max_num=20)


class ReportForm(forms.Form):
    date_from = forms.DateField(label=_("from"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("to"), widget=forms.DateInput(attrs={"type": "date"}))
    group_by = forms.ChoiceField(
        label=_("group by"),
        choices=[("tool", _("tool")), ("team", _("team")), ("severity", _("severity"))],
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date must be on or after the start date."))
        return data
