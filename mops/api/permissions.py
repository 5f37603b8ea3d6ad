"""API permissions: role model permissions, token scopes and team object permissions.

Each view may set ``required_scopes = {"GET": "metrics:read", "POST": "metrics:write"}``. A token
must carry the scope for the method; the ``read`` scope covers every safe method. Browser sessions
are limited by the user's role and teams only.
"""

from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request

from mops.models import ApiToken
from mops.permissions import can, is_admin, perm_name

ACTION_BY_METHOD = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


def token_allows(request: Request, view: Any) -> bool:
    token = request.auth
    if not isinstance(token, ApiToken):
        return True
    required = getattr(view, "required_scopes", {}).get(request.method)
    if request.method in permissions.SAFE_METHODS and token.has_scope("read"):
        return True
    return required is not None and token.has_scope(required)


class ScopedRolePermission(permissions.BasePermission):
    """Authenticated, token scope held, and the role's model permission for the method."""

    message = "You do not have permission to perform this action."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if not token_allows(request, view):
            self.message = "This API token lacks the scope for this request."
            return False
        model = getattr(getattr(view, "queryset", None), "model", None)
        if model is None or is_admin(user):
            return True
        return user.has_perm(
            perm_name(model, ACTION_BY_METHOD.get(request.method or "GET", "view"))
        )

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        return can(request.user, ACTION_BY_METHOD.get(request.method or "GET", "view"), obj)
