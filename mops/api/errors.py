"""One error shape for every 4xx answer: ``{"errors": [{"field", "code", "message"}]}``.

Nested validation errors are flattened to paths such as ``points[3].date``; errors inside a list
also carry ``index``, the position of the item they belong to.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY


def flatten(detail: Any, path: str = "", index: int | None = None) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int):  # DRF reports list items as {position: errors}
                errors.extend(flatten(value, f"{path}[{key}]", key if index is None else index))
                continue
            sub = path if key == NON_FIELD else (f"{path}.{key}" if path else str(key))
            errors.extend(flatten(value, sub, index))
    elif isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail | str) for item in detail):
            for item in detail:
                errors.extend(flatten(item, path, index))
        else:
            for i, item in enumerate(detail):
                if item:
                    errors.extend(flatten(item, f"{path}[{i}]", i if index is None else index))
    else:
        error: dict[str, Any] = {
            "field": path or None,
            "code": getattr(detail, "code", "invalid"),
            "message": str(detail),
        }
        if index is not None:
            error["index"] = index
        errors.append(error)
    return errors


def error_response(detail: Any, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response({"errors": flatten(detail)}, status=status, headers=headers)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            serializers.as_serializer_error(exc)  # type: ignore[arg-type]
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    response.data = {"errors": flatten(exc.detail)}
    return response


ERROR_SCHEMAS = {
    "Error": {
        "type": "object",
        "properties": {
            "field": {"type": "string", "nullable": True},
            "code": {"type": "string"},
            "message": {"type": "string"},
            "index": {"type": "integer"},
        },
        "required": ["field", "code", "message"],
    },
    "ErrorResponse": {
        "type": "object",
        "properties": {
            "errors": {"type": "array", "items": {"$ref": "#/components/schemas/Error"}}
        },
        "required": ["errors"],
    },
}
ERROR_DESCRIPTIONS = {
    "400": "Invalid request: every error with its field.",
    "401": "Missing or invalid credentials.",
    "403": "Authenticated but not allowed (role, team or token scope).",
    "404": "Not found, or not visible to you.",
    "429": "Too many requests; see the Retry-After header.",
}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool):
    """drf-spectacular post-processing hook: declare the error answers every operation can give."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(ERROR_SCHEMAS)
    ref = {"$ref": "#/components/schemas/ErrorResponse"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            codes = ["401", "403", "429"]
            if method in {"post", "put", "patch"}:
                codes.append("400")
            if "{" in path:
                codes.append("404")
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(
                    code,
                    {
                        "description": ERROR_DESCRIPTIONS[code],
                        "content": {"application/json": {"schema": ref}},
                    },
                )
    return result
