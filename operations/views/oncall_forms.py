"""Forms of the on-call settings page: shape and types only; ``services.oncall`` checks the rules
(a step's target, a person in the team, a channel of the team, the address of a channel)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from mops.forms import steps_formset
from mops.models import Role

from ..models import ChannelKind, NotificationChannel, Severity
from ..services.oncall import Sla, StepSpec

MAX_STEPS = 10


class ChannelForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=ChannelKind.choices)
    target = forms.CharField(
        label=_("address or URL"),
        max_length=500,
        help_text=_("An email address, or for a webhook the URL that receives a JSON POST."),
    )
    enabled = forms.BooleanField(label=_("enabled"), required=False, initial=True)


class PolicyForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    repeat_count = forms.IntegerField(
        label=_("repeat"),
        min_value=0,
        max_value=10,
        initial=2,
        help_text=_("How many times the steps run again after the first."),
    )
    is_default = forms.BooleanField(
        label=_("team default"),
        required=False,
        help_text=_("New incidents of the team follow the default policy."),
    )


class StepForm(forms.Form):
    delay_minutes = forms.IntegerField(
        label=_("wait (minutes)"),
        min_value=0,
        max_value=24 * 60,
        initial=0,
        help_text=_("After the previous step; the first, after the severity's escalation time."),
    )
    notify_user = forms.ModelChoiceField(
        label=_("person"), queryset=get_user_model().objects.none(), required=False, empty_label="—"
    )
    notify_role = forms.ChoiceField(
        label=_("role"),
        choices=[("", "—"), *Role.choices],
        required=False,
        help_text=_("Every member of the team with this role."),
    )
    channel = forms.ModelChoiceField(
        label=_("channel"),
        queryset=NotificationChannel.objects.none(),
        required=False,
        empty_label="—",
    )

    def __init__(self, *args: Any, team: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if team is not None:
            people: Any = self.fields["notify_user"]
            people.queryset = get_user_model().objects.filter(teams=team).order_by("username")
            people.label_from_instance = lambda u: u.get_full_name() or u.get_username()
            channels: Any = self.fields["channel"]
            channels.queryset = NotificationChannel.objects.filter(team=team).order_by("name")


class BaseStepFormSet(forms.BaseFormSet):
    def steps(self) -> list[StepSpec]:
        """The filled-in steps in the order given (ORDER field), deleted and blank ones left out."""
        specs = []
        for form in self.ordered_forms:  # type: ignore[attr-defined]
            data = form.cleaned_data
            if not data:
                continue
            specs.append(
                StepSpec(
                    delay_minutes=data.get("delay_minutes") or 0,
                    notify_user=data.get("notify_user"),
                    notify_role=data.get("notify_role", ""),
                    channel=data.get("channel"),
                )
            )
        return specs


StepFormSet = steps_formset(StepForm, BaseStepFormSet, max_num=MAX_STEPS)


class SlaForm(forms.Form):
    """Per severity: the team's own minutes, or blank for the organisation's default."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for value, label in Severity.choices:
            for field, text in (
                ("ack", _("%(severity)s: acknowledge within (minutes)")),
                ("escalate", _("%(severity)s: escalate after (minutes)")),
            ):
                self.fields[f"{value}_{field}"] = forms.IntegerField(
                    label=text % {"severity": label}, min_value=1, required=False
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for value, _label in Severity.choices:
            ack, escalate = data.get(f"{value}_ack"), data.get(f"{value}_escalate")
            if (ack is None) != (escalate is None):
                missing = f"{value}_escalate" if escalate is None else f"{value}_ack"
                self.add_error(missing, _("Give both times, or neither to use the default."))
        return data

    def slas(self) -> dict[str, Sla | None]:
        data = self.cleaned_data
        out: dict[str, Sla | None] = {}
        for value, _label in Severity.choices:
            ack, escalate = data.get(f"{value}_ack"), data.get(f"{value}_escalate")
            out[value] = Sla(ack, escalate) if ack is not None and escalate is not None else None
        return out
