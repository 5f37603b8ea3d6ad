"""Forms of the skills matrix: a skill, and one member's levels in the team's skills."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ..forms import TeamScopedForm
from ..models import Skill, SkillLevel


class SkillForm(TeamScopedForm):
    """A skill of one of the user's teams; the tool, if any, one the user may see."""

    class Meta:
        model = Skill
        fields = ["team", "name", "tool", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        from operations.selectors.inventory import tools_for

        self.fields["tool"].queryset = tools_for(user=user).order_by("name")  # type: ignore[attr-defined]
        if self.instance.pk:
            del self.fields["team"]  # a skill stays with its team (its ratings are its members')


class MemberSkillsForm(forms.Form):
    """One level per skill of the team for one member; empty means not rated."""

    def __init__(
        self, *args: Any, skills: list[Skill], levels: Mapping[int, int | None], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.skills = skills
        choices = [("", _("Not rated")), *SkillLevel.choices]
        for skill in skills:
            level = levels.get(skill.pk)
            self.fields[f"skill_{skill.pk}"] = forms.TypedChoiceField(
                label=skill.name,
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                initial="" if level is None else level,
            )

    def levels(self) -> dict[Skill, int | None]:
        return {skill: self.cleaned_data[f"skill_{skill.pk}"] for skill in self.skills}
