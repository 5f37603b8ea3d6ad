from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def require_perm(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def form_page(
    request: HttpRequest,
    form: Any,
    *,
    heading: str,
    crumbs: list[tuple[str, str]],
    submit: str = "",
    extra: dict[str, Any] | None = None,
    warnings: list[str] | None = None,
) -> HttpResponse:
    """The one create/edit page: breadcrumbs, error summary, fields, save."""
    return render(
        request,
        "governance/form.html",
        {
            "form": form,
            "heading": heading,
            "crumbs": crumbs,
            "submit": submit,
            "warnings": warnings or [],
            **(extra or {}),
        },
    )
