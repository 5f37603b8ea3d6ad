"""Forms of the runbook pages: the runbook with its ordered steps, check-off and finish."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from mops.forms import steps_formset
from mops.models import Role, Team
from mops.permissions import is_admin, restrict

from ..models import CheckKind, ExecutionOutcome, StepKind, Tool
from ..services.runbooks import MAX_BODY, MAX_STEPS, StepInput


class RunbookForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=300,
        required=False,
        help_text=_("One line: when to use this runbook."),
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none())
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=get_user_model().objects.none(),
        required=False,
        help_text=_("Keeps the runbook current; a member of the team."),
    )
    tools = forms.ModelMultipleChoiceField(
        label=_("Tools"),
        queryset=Tool.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    check_kinds = forms.MultipleChoiceField(
        label=_("Check kinds"),
        choices=CheckKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Incidents opened by these kinds of check suggest this runbook."),
    )
    review_interval_days = forms.IntegerField(
        label=_("Review every (days)"),
        min_value=1,
        max_value=3650,
        initial=90,
        help_text=_("The runbook is stale when its review is overdue."),
    )
    body_markdown = forms.CharField(
        label=_("Body (Markdown)"),
        required=False,
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Background, prerequisites and links. Markdown; HTML is sanitized."),
    )
    change_note = forms.CharField(
        label=_("What changed"),
        max_length=300,
        required=False,
        help_text=_("Shown in the version list, e.g. “Added the GA4 check”."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = Team.objects.all() if is_admin(user) else user.teams.all()
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        if not self.initial.get("team") and teams.count() == 1:
            self.fields["team"].initial = teams.first()
        self.fields["owner"].queryset = (  # type: ignore[attr-defined]
            get_user_model()
            .objects.filter(is_active=True, teams__in=teams)
            .distinct()
            .order_by("username")
        )
        self.fields["tools"].queryset = restrict(  # type: ignore[attr-defined]
            Tool.objects.order_by("name"), user, "view"
        )


class StepForm(forms.Form):
    title = forms.CharField(label=_("Step title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=StepKind.choices, initial=StepKind.ACTION)
    approver_role = forms.ChoiceField(
        label=_("Approved by"),
        choices=[("", "—"), *Role.choices],
        required=False,
        help_text=_("For approval steps: the role that must give the approval."),
    )
    body = forms.CharField(
        label=_("Instructions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == StepKind.APPROVAL and not data.get("approver_role"):
            self.add_error("approver_role", _("An approval step needs the role that approves it."))
        return data


class BaseStepFormSet(forms.BaseFormSet):
    def steps(self) -> list[StepInput]:
        """The filled-in steps in the order the user gave (ORDER field), deleted ones left out."""
        return [
            StepInput(
                title=form.cleaned_data["title"],
                body=form.cleaned_data.get("body", ""),
                kind=form.cleaned_data["kind"],
                approver_role=form.cleaned_data.get("approver_role", ""),
            )
            for form in self.ordered_forms  # type: ignore[attr-defined]
            if form.cleaned_data
        ]


StepFormSet = steps_formset(StepForm, BaseStepFormSet, max_num=MAX_STEPS)


class StartForm(forms.Form):
    incident = forms.IntegerField(required=False, widget=forms.HiddenInput)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=10_000)


class CheckOffForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 2})
    )
    decision = forms.CharField(label=_("Decision taken"), required=False, max_length=200)


class FinishForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[("", "—"), *ExecutionOutcome.choices])
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What happened, what to improve in the runbook."),
    )
