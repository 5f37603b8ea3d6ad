"""The shell's pages: overview, profile, API tokens, teams and (for admins) backups."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import ApiTokenForm, ProfileForm, add_service_errors
from .registry import panels_on


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "mops/home.html", {"panels": panels_on("overview", request)})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]  # login_required
    profile = user.profile
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        language = form.cleaned_data["language"]
        services.update_profile(user=user, language=language)
        if language:
            translation.activate(language)
        messages.success(request, _("Your profile has been saved."))
        response = redirect("profile")
        if language:
            response.set_cookie("django_language", language, samesite="Lax")
        else:
            response.delete_cookie("django_language")
        return response
    return render(
        request,
        "mops/profile.html",
        {"form": form, "memberships": user.team_memberships.select_related("team")},
    )


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("mops.view_apitoken"):
        raise PermissionDenied
    form = ApiTokenForm(request.POST or None)
    raw_token = None
    if request.method == "POST":
        if not request.user.has_perm("mops.add_apitoken"):
            raise PermissionDenied
        if form.is_valid():
            try:
                token, raw_token = services.create_api_token(
                    owner=request.user,
                    name=form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"],
                    expires_at=form.cleaned_data["expires_at"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Token “%(name)s” created. Copy it now: it will not be shown again.")
                    % {"name": token.name},
                )
                form = ApiTokenForm()
    tokens = selectors.tokens_for(user=request.user)
    return render(
        request, "mops/token_list.html", {"form": form, "tokens": tokens, "raw_token": raw_token}
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(selectors.tokens_for(user=request.user), pk=pk)
    services.revoke_api_token(token=token)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("token_list")


@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    return render(request, "mops/team_list.html", {"teams": selectors.teams_for(user=request.user)})


@login_required
def team_detail(request: HttpRequest, slug: str) -> HttpResponse:
    team = get_object_or_404(selectors.teams_for(user=request.user), slug=slug)
    return render(
        request,
        "mops/team_detail.html",
        {"team": team, "history": selectors.history_of(team)},
    )


@login_required
def backups(request: HttpRequest) -> HttpResponse:
    """Admins see the database backups and can make one now (the nightly task makes one too)."""
    from .backups import BackupError, back_up, list_backups, nightly_time
    from .permissions import is_admin

    if not is_admin(request.user):
        raise PermissionDenied
    if request.method == "POST":
        try:
            made, _deleted = back_up()
        except BackupError as exc:
            messages.error(request, _("The backup failed: %(reason)s") % {"reason": exc})
        else:
            messages.success(request, _("Backup %(name)s made.") % {"name": made.name})
        return redirect("backups")
    return render(
        request,
        "mops/backups.html",
        {
            "backups": list_backups(),
            "directory": settings.BACKUP_DIR,
            "keep": settings.BACKUP_KEEP,
            "nightly": nightly_time(),
        },
    )
