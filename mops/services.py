"""Core write actions: teams, memberships, profiles and API tokens."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ApiToken, Scope, Team, TeamMembership, UserProfile, hash_token


@transaction.atomic
def create_team(*, name: str, slug: str, description: str = "") -> Team:
    """A team and the group that will hold its object permissions."""
    group, _created = Group.objects.get_or_create(name=f"team:{slug}")
    team = Team(name=name, slug=slug, description=description, group=group)
    team.full_clean()
    team.save()
    return team


@transaction.atomic
def add_member(*, team: Team, user: Any, is_lead: bool = False) -> TeamMembership:
    """Membership in a team also puts the user in the team's permission group."""
    membership, created = TeamMembership.objects.get_or_create(
        team=team, user=user, defaults={"is_lead": is_lead}
    )
    if not created and membership.is_lead != is_lead:
        membership.is_lead = is_lead
        membership.save(update_fields=["is_lead"])
    user.groups.add(team.group)
    return membership


@transaction.atomic
def remove_member(*, team: Team, user: Any) -> None:
    TeamMembership.objects.filter(team=team, user=user).delete()
    user.groups.remove(team.group)


def set_role(*, user: Any, role: str) -> None:
    """Put the user in exactly one site-wide role group."""
    from .roles import ROLE_NAMES

    if role not in ROLE_NAMES:
        raise ValidationError({"role": _("Unknown role: %(role)s") % {"role": role}})
    user.groups.remove(*Group.objects.filter(name__in=ROLE_NAMES).exclude(name=role))
    user.groups.add(Group.objects.get(name=role))


def update_profile(*, user: Any, language: str) -> UserProfile:
    profile, _created = UserProfile.objects.get_or_create(user=user)
    profile.language = language
    profile.full_clean()
    profile.save()
    return profile


def create_api_token(
    *, owner: Any, name: str, scopes: Iterable[str], expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token; returns it with the raw key, which is shown once and never stored."""
    scopes = list(dict.fromkeys(scopes))
    valid = set(Scope.values)
    unknown = [s for s in scopes if s not in valid]
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("Give the token a name that says where it is used.")]
    if not scopes:
        errors["scopes"] = [_("Choose at least one scope.")]
    elif unknown:
        errors["scopes"] = [
            _("Unknown scope %(scope)s; valid scopes: %(valid)s")
            % {"scope": ", ".join(unknown), "valid": ", ".join(sorted(valid))}
        ]
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = [_("The expiry must be in the future.")]
    if errors:
        raise ValidationError(errors)
    raw = ApiToken.generate_raw()
    token = ApiToken.objects.create(
        owner=owner,
        name=name.strip(),
        scopes=scopes,
        expires_at=expires_at,
        prefix=raw[:12],
        key_hash=hash_token(raw),
    )
    return token, raw


def revoke_api_token(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
