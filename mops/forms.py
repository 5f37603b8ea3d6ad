from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from .models import Scope, UserProfile


class ProfileForm(forms.ModelForm):
    class Meta:
        model = UserProfile
        fields = ["language"]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Where the token is used, e.g. “BigQuery export job”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Give the token only what its program needs."),
    )
    expires_at = forms.DateTimeField(
        label=_("Expires at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Leave empty for a token that does not expire."),
    )


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the form: per field where the form has it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def steps_formset(
    form: type[forms.Form], base: type[forms.BaseFormSet], *, max_num: int
) -> type[forms.BaseFormSet]:
    """A formset of ordered steps: one blank step to fill in, reorder by number, tick to delete,
    at most ``max_num`` (the runbook and escalation policy forms)."""
    return forms.formset_factory(
        form,
        formset=base,
        extra=1,
        can_order=True,
        can_delete=True,
        max_num=max_num,
        validate_max=True,
    )


def with_one_more_form(
    formset_class: type[forms.BaseFormSet], data: QueryDict, *, prefix: str, **kwargs: Any
) -> forms.BaseFormSet:
    """The posted formset again with one more blank form: an "Add a step" button that needs no
    script (the button posts the form; the page comes back with the extra form)."""
    data = data.copy()
    data[f"{prefix}-TOTAL_FORMS"] = str(int(data.get(f"{prefix}-TOTAL_FORMS") or 0) + 1)
    return formset_class(data, prefix=prefix, **kwargs)
