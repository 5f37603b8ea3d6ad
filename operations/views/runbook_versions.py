"""Runbook versions: the list, one old version, a diff between two, and the Markdown export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from ..models import Runbook, RunbookVersion
from ..selectors import runbooks as selectors


def _runbook(request: HttpRequest, pk: int) -> Runbook:
    return get_object_or_404(selectors.runbooks_for(user=request.user), pk=pk)


def _version(runbook: Runbook, number: str | int | None) -> RunbookVersion:
    if number in (None, ""):
        if runbook.current_version is None:
            raise Http404(_("This runbook has no version yet."))
        return runbook.current_version
    try:
        return runbook.versions.select_related("author").get(number=int(number))
    except (RunbookVersion.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("No such version.")) from exc


@login_required
def runbook_versions(request: HttpRequest, pk: int) -> HttpResponse:
    runbook = _runbook(request, pk)
    versions = list(selectors.versions_of(runbook))
    return render(
        request,
        "operations/runbook_versions.html",
        {"runbook": runbook, "versions": versions},
    )


@login_required
def runbook_version(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    runbook = _runbook(request, pk)
    version = _version(runbook, number)
    return render(
        request,
        "operations/runbook_version.html",
        {"runbook": runbook, "version": version, "steps": selectors.version_steps(version)},
    )


@login_required
def runbook_diff(request: HttpRequest, pk: int) -> HttpResponse:
    """``?from=N&to=M``; by default the previous version against the current one."""
    runbook = _runbook(request, pk)
    new = _version(runbook, request.GET.get("to"))
    default_old = max(new.number - 1, 1)
    old = _version(runbook, request.GET.get("from") or default_old)
    versions = list(runbook.versions.order_by("-number").values_list("number", flat=True))
    return render(
        request,
        "operations/runbook_diff.html",
        {
            "runbook": runbook,
            "old": old,
            "new": new,
            "lines": selectors.version_diff(old, new),
            "numbers": versions,
        },
    )


@login_required
def runbook_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Download a version (``?version=N``, default the current one) as a Markdown file."""
    runbook = _runbook(request, pk)
    version = _version(runbook, request.GET.get("version"))
    text = selectors.export_markdown(runbook, version)
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    filename = f"{runbook.title} v{version.number}.md".replace("/", "-")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


urlpatterns = [
    path("runbooks/<int:pk>/versions/", runbook_versions, name="runbook_versions"),
    path("runbooks/<int:pk>/versions/<int:number>/", runbook_version, name="runbook_version"),
    path("runbooks/<int:pk>/diff/", runbook_diff, name="runbook_diff"),
    path("runbooks/<int:pk>/export.md", runbook_export, name="runbook_export"),
]
