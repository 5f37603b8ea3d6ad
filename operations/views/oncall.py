"""Operations pages: a team's on-call settings (notification channels, escalation policies,
acknowledge SLAs per severity), seen by the team's ops staff and edited by them, and by admins.
URL patterns are included by ``views/incidents.py``."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mops.forms import add_service_errors, with_one_more_form
from mops.models import Team

from ..models import EscalationPolicy, NotificationChannel
from ..selectors.oncall import can_edit_oncall, oncall_teams, team_oncall, team_slas
from ..services import oncall as services
from .oncall_forms import BaseStepFormSet, ChannelForm, PolicyForm, SlaForm, StepFormSet


def _team(request: HttpRequest, slug: str, *, edit: bool = False) -> Team:
    team = get_object_or_404(oncall_teams(user=request.user), slug=slug)
    if edit and not can_edit_oncall(request.user, team):
        raise PermissionDenied  # visible but not theirs to change: 403, not 404
    return team


def _page(team: Team) -> str:
    return reverse("operations:oncall_team", args=[team.slug])


@login_required
def oncall_index(request: HttpRequest) -> HttpResponse:
    teams = list(oncall_teams(user=request.user).order_by("name"))
    if not teams and not request.user.has_perm("operations.view_escalationpolicy"):
        raise PermissionDenied
    if len(teams) == 1:
        return redirect(_page(teams[0]))
    return render(request, "operations/oncall_index.html", {"teams": teams})


@login_required
def oncall_team(request: HttpRequest, slug: str) -> HttpResponse:
    team = _team(request, slug)
    return render(
        request,
        "operations/oncall_team.html",
        {
            "oncall": team_oncall(team),
            "team": team,
            "can_edit": can_edit_oncall(request.user, team),
            "other_teams": oncall_teams(user=request.user).exclude(pk=team.pk).order_by("name"),
        },
    )


@login_required
def channel_form(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    team = _team(request, slug, edit=True)
    channel = get_object_or_404(NotificationChannel, team=team, pk=pk) if pk else None
    initial = (
        {f: getattr(channel, f) for f in ("name", "kind", "target", "enabled")} if channel else {}
    )
    form = ChannelForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_channel(team=team, channel=channel, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Channel “%(name)s” saved.") % {"name": saved.name})
            return redirect(_page(team))
    return render(
        request, "operations/oncall_form.html", {"form": form, "team": team, "object": channel}
    )


@login_required
@require_POST
def channel_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    team = _team(request, slug, edit=True)
    channel = get_object_or_404(NotificationChannel, team=team, pk=pk)
    try:
        services.delete_channel(channel=channel)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Channel “%(name)s” deleted.") % {"name": channel.name})
    return redirect(_page(team))


@login_required
def policy_form(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    team = _team(request, slug, edit=True)
    policy = get_object_or_404(EscalationPolicy, team=team, pk=pk) if pk else None
    initial: dict[str, Any] = {}
    steps: list[dict[str, Any]] = []
    if policy is not None:
        initial = {f: getattr(policy, f) for f in ("name", "repeat_count", "is_default")}
        steps = [
            {
                "delay_minutes": s.delay_minutes,
                "notify_user": s.notify_user_id,
                "notify_role": s.notify_role,
                "channel": s.channel_id,
                "ORDER": s.order,
            }
            for s in policy.steps.order_by("order")
        ]
    data = request.POST if request.method == "POST" else None
    form = PolicyForm(data, initial=initial)
    context = {"form": form, "team": team, "object": policy}
    if data is not None and "add_step" in data:
        context["formset"] = with_one_more_form(
            StepFormSet, data, prefix="steps", form_kwargs={"team": team}
        )
        return render(request, "operations/oncall_form.html", context)
    formset = StepFormSet(data, initial=steps, prefix="steps", form_kwargs={"team": team})
    context["formset"] = formset
    if data is not None and form.is_valid() and formset.is_valid():
        try:
            saved = services.save_policy(
                team=team,
                policy=policy,
                steps=cast(BaseStepFormSet, formset).steps(),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Escalation policy “%(name)s” saved.") % {"name": saved})
            return redirect(_page(team))
    return render(request, "operations/oncall_form.html", context)


@login_required
@require_POST
def policy_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    team = _team(request, slug, edit=True)
    policy = get_object_or_404(EscalationPolicy, team=team, pk=pk)
    services.delete_policy(policy=policy)
    messages.success(request, _("Escalation policy “%(name)s” deleted.") % {"name": policy.name})
    return redirect(_page(team))


@login_required
def sla_form(request: HttpRequest, slug: str) -> HttpResponse:
    team = _team(request, slug, edit=True)
    initial = {}
    for row in team_slas(team):
        if row.own is not None:
            initial[f"{row.severity}_ack"] = row.own.ack_minutes
            initial[f"{row.severity}_escalate"] = row.own.escalate_after_minutes
    form = SlaForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_team_slas(team=team, slas=form.slas())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Acknowledge times saved."))
            return redirect(_page(team))
    return render(request, "operations/oncall_form.html", {"form": form, "team": team, "sla": True})


urlpatterns: list[URLPattern] = [
    path("on-call/", oncall_index, name="oncall"),
    path("on-call/<slug:slug>/", oncall_team, name="oncall_team"),
    path("on-call/<slug:slug>/sla/", sla_form, name="oncall_sla"),
    path("on-call/<slug:slug>/channels/new/", channel_form, name="oncall_channel_create"),
    path("on-call/<slug:slug>/channels/<int:pk>/", channel_form, name="oncall_channel_edit"),
    path(
        "on-call/<slug:slug>/channels/<int:pk>/delete/",
        channel_delete,
        name="oncall_channel_delete",
    ),
    path("on-call/<slug:slug>/policies/new/", policy_form, name="oncall_policy_create"),
    path("on-call/<slug:slug>/policies/<int:pk>/", policy_form, name="oncall_policy_edit"),
    path(
        "on-call/<slug:slug>/policies/<int:pk>/delete/",
        policy_delete,
        name="oncall_policy_delete",
    ),
]
