"""The skills matrix (スキルマップ): who in a team can do what, and where one person is all
there is (属人化)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mops.forms import add_service_errors
from mops.models import Team

from .. import selectors
from ..forms import teams_of
from ..models import SkillLevel, SkillRating
from ..services.skills import create_skill, delete_skill, rate_member, update_skill
from .common import form_page, require_perm
from .skill_forms import MemberSkillsForm, SkillForm


def _matrix_url(team: Team) -> str:
    return reverse("governance:skills") + f"?team={team.slug}"


def _crumbs(team: Team | None = None) -> list[tuple[str, str]]:
    crumbs = [(_("Governance"), reverse("governance:index"))]
    if team is not None:
        crumbs.append((_("Skills matrix"), _matrix_url(team)))
    return crumbs


def _teams(request: HttpRequest) -> QuerySet[Team]:
    """The teams whose matrix the user may open: their own (all for admins)."""
    return teams_of(request.user).order_by("name")


def _fields(form: SkillForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in ("name", "tool", "description")}


@login_required
def skills(request: HttpRequest) -> HttpResponse:
    require_perm(request, "governance.view_skill")
    teams = list(_teams(request))
    team = next((t for t in teams if t.slug == request.GET.get("team")), None)
    team = team or (teams[0] if teams else None)
    matrix = selectors.skill_matrix(user=request.user, team=team) if team else None
    can_edit = bool(team) and request.user.has_perm("governance.change_skillrating")
    return render(
        request,
        "governance/skills.html",
        {
            "teams": teams,
            "team": team,
            "matrix": matrix,
            "levels": SkillLevel.choices,
            "can_add": bool(team) and request.user.has_perm("governance.add_skill"),
            "can_edit": can_edit,
        },
    )


@login_required
def skill_create(request: HttpRequest) -> HttpResponse:
    require_perm(request, "governance.add_skill")
    team = _teams(request).filter(slug=request.GET.get("team", "")).first()
    form = SkillForm(
        request.POST or None,
        user=request.user,
        initial={"team": team, "tool": request.GET.get("tool") or None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            skill = create_skill(team=form.cleaned_data["team"], **_fields(form))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Skill “%(name)s” added.") % {"name": skill.name})
            return redirect(_matrix_url(skill.team))
    return form_page(request, form, heading=_("New skill"), crumbs=_crumbs(team))


@login_required
def skill_edit(request: HttpRequest, pk: int) -> HttpResponse:
    skill = get_object_or_404(selectors.skills_for(user=request.user, action="change"), pk=pk)
    form = SkillForm(request.POST or None, instance=skill, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            update_skill(skill=skill, **_fields(form))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Skill “%(name)s” saved.") % {"name": skill.name})
            return redirect(_matrix_url(skill.team))
    can_delete = request.user.has_perm("governance.delete_skill")
    return form_page(
        request,
        form,
        heading=_("Edit the skill “%(name)s”") % {"name": skill.name},
        crumbs=_crumbs(skill.team),
        extra={
            "delete_url": reverse("governance:skill_delete", args=[skill.pk]) if can_delete else "",
            "delete_label": _("Delete this skill"),
            "delete_help": _("Everyone's level in it is deleted with it."),
        },
    )


@login_required
@require_POST
def skill_delete(request: HttpRequest, pk: int) -> HttpResponse:
    skill = get_object_or_404(selectors.skills_for(user=request.user, action="delete"), pk=pk)
    team = skill.team
    delete_skill(skill=skill)
    messages.success(request, _("Skill “%(name)s” deleted.") % {"name": skill.name})
    return redirect(_matrix_url(team))


@login_required
def member_skills(request: HttpRequest, team_slug: str, user_pk: int) -> HttpResponse:
    """One member's level in each of the team's skills."""
    require_perm(request, "governance.change_skillrating")
    team = get_object_or_404(_teams(request), slug=team_slug)
    member = get_object_or_404(get_user_model(), pk=user_pk, team_memberships__team=team)
    skills = list(selectors.skills_for(user=request.user, action="change").filter(team=team))
    if not skills:
        raise PermissionDenied
    ratings = SkillRating.objects.filter(user=member, skill__in=skills)
    levels = dict(ratings.values_list("skill_id", "level"))
    form = MemberSkillsForm(request.POST or None, skills=skills, levels=levels)
    name = member.get_full_name() or member.get_username()
    if request.method == "POST" and form.is_valid():
        try:
            rate_member(member=member, levels=form.levels(), by=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Skills of %(name)s saved.") % {"name": name})
            return redirect(_matrix_url(team))
    return form_page(
        request,
        form,
        heading=_("Skills of %(name)s in %(team)s") % {"name": name, "team": team.name},
        crumbs=_crumbs(team),
    )


def tool_skills_section(request: HttpRequest, tool: Any) -> dict[str, Any] | None:
    """On a tool's page: the skills that name it and how many can do each alone (registered in
    ``mops.registry.tool_sections``). Nothing for those who may not read skills."""
    user = request.user
    if not user.has_perm("governance.view_skill"):
        return None
    skills = list(selectors.skills_of_tool(user=user, tool=tool).order_by("team__name", "name"))
    can_add = user.has_perm("governance.add_skill") and tool.team_id is not None
    if not skills and not can_add:
        return None
    add_url = ""
    if can_add:
        add_url = reverse("governance:skill_create") + f"?team={tool.team.slug}&tool={tool.pk}"
    return {"template": "governance/_tool_skills.html", "skills": skills, "add_url": add_url}
