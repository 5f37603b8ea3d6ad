"""The skills matrix: a team's skills, and each member's level in them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mops.models import Team
from mops.permissions import grant_team_access

from ..models import Skill, SkillLevel, SkillRating


def _check_name(skill: Skill) -> None:
    skill.name = skill.name.strip()
    taken = Skill.objects.filter(team_id=skill.team_id, name__iexact=skill.name)
    if skill.pk:
        taken = taken.exclude(pk=skill.pk)
    if taken.exists():
        raise ValidationError(
            {"name": _("This team already has a skill called “%(name)s”.") % {"name": skill.name}}
        )
    skill.full_clean(validate_constraints=False)


@transaction.atomic
def create_skill(*, team: Team, name: str, tool: Any = None, description: str = "") -> Skill:
    skill = Skill(team=team, name=name, tool=tool, description=description.strip())
    _check_name(skill)
    skill.save()
    grant_team_access(team, skill)
    return skill


@transaction.atomic
def update_skill(*, skill: Skill, name: str, tool: Any = None, description: str = "") -> Skill:
    """Rename or re-describe a skill; its team does not change (its ratings are its members')."""
    skill.name, skill.tool, skill.description = name, tool, description.strip()
    _check_name(skill)
    skill.save()
    return skill


@transaction.atomic
def delete_skill(*, skill: Skill) -> None:
    skill.delete()  # and its ratings


@transaction.atomic
def rate_member(*, member: Any, levels: Mapping[Skill, int | None], by: Any) -> int:
    """Set ``member``'s level in each skill (None: not rated, the rating is removed).

    The member must belong to each skill's team. Returns how many ratings changed.
    """
    teams = {skill.team_id for skill in levels}
    member_of = set(
        member.team_memberships.filter(team_id__in=teams).values_list("team_id", flat=True)
    )
    if teams - member_of:
        raise ValidationError(_("%(user)s is not a member of this team.") % {"user": member})
    current = {
        r.skill_id: r
        for r in SkillRating.objects.select_for_update().filter(user=member, skill__in=list(levels))
    }
    changed = 0
    for skill, level in levels.items():
        rating = current.get(skill.pk)
        if level is None:
            if rating is not None:
                rating.delete()
                changed += 1
            continue
        if level not in SkillLevel.values:
            raise ValidationError(_("“%(level)s” is not a skill level.") % {"level": level})
        if rating is None:
            SkillRating.objects.create(skill=skill, user=member, level=level, updated_by=by)
            changed += 1
        elif rating.level != level:
            rating.level, rating.updated_by = level, by
            rating.save()
            changed += 1
    return changed
