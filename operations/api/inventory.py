"""Operations API: tools, checks, check results (read) and maintenance windows.

Reads come from the selectors (objects you may not see are 404); writes go through the services
and need *change* on the object (ops of its team) and, for tokens, the ``operations:write`` scope.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from mops.api.permissions import ScopedRolePermission
from mops.models import Team
from mops.permissions import can, is_admin

from ..models import Check, CheckResult, MaintenanceWindow, Tool
from ..selectors.inventory import tools_for, with_flags
from ..selectors.maintenance import windows_for
from ..selectors.monitoring import checks_for, results_for
from ..services import inventory as inventory_services
from ..services import maintenance as maintenance_services
from ..services import monitoring as monitoring_services
from .inventory_serializers import (
    CheckInputSerializer,
    CheckResultSerializer,
    CheckSerializer,
    MaintenanceWindowInputSerializer,
    MaintenanceWindowSerializer,
    ToolInputSerializer,
    ToolSerializer,
)

SCOPES = {
    "GET": "read",
    "POST": "operations:write",
    "PATCH": "operations:write",
    "PUT": "operations:write",
}


class ManagePermission(ScopedRolePermission):
    """Reading needs *view* on the object; every write on an object (edit, pause, cancel) needs
    *change* on it."""

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return can(request.user, "view", obj)
        return can(request.user, "change", obj)


def _team(request: Request, slug: str | None) -> Team:
    """The team a new object belongs to: one of the caller's teams (any team for admins)."""
    user = request.user
    teams = Team.objects.all() if is_admin(user) else user.teams.all()  # type: ignore[union-attr]
    if slug:
        team = teams.filter(slug=slug).first()
    else:
        team = teams.first() if teams.count() == 1 else None
    if team is None:
        raise ValidationError({"team": ["Give the slug of one of your teams."]})
    return team


def _service(call: Any, **kwargs: Any) -> Any:
    try:
        return call(**kwargs)
    except DjangoValidationError as exc:
        raise ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        ) from exc


class _Base(viewsets.GenericViewSet):
    permission_classes = [ManagePermission]
    required_scopes = SCOPES
    http_method_names = ["get", "post", "patch", "put", "head", "options"]


class ToolViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    """Marketing tools of your teams, with the 属人化 / renewal / runbook flags."""

    queryset = Tool.objects.none()
    serializer_class = ToolSerializer
    filterset_fields = ["category", "lifecycle", "team__slug", "holds_personal_data"]

    def get_queryset(self):
        return (
            with_flags(tools_for(user=self.request.user))
            .prefetch_related("assignments__user")
            .order_by("name", "pk")
        )

    def _fields(self, request: Request, partial: bool) -> dict[str, Any]:
        serializer = ToolInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _answer(self, tool: Tool, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=tool.pk)
        return Response(ToolSerializer(fresh, context={"request": self.request}).data, status=code)

    @extend_schema(request=ToolInputSerializer, responses={201: ToolSerializer})
    def create(self, request: Request) -> Response:
        data = self._fields(request, partial=False)
        data["team"] = _team(request, data.pop("team", None))
        tool = _service(inventory_services.create_tool, **data)
        return self._answer(tool, status.HTTP_201_CREATED)

    @extend_schema(request=ToolInputSerializer, responses={200: ToolSerializer})
    def update(self, request: Request, pk: str | None = None) -> Response:
        tool = self.get_object()
        data = self._fields(request, partial=True)
        if "team" in data:
            data["team"] = _team(request, data.pop("team"))
        tool = _service(inventory_services.update_tool, tool=tool, **data)
        return self._answer(tool)

    @extend_schema(request=ToolInputSerializer, responses={200: ToolSerializer})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update(request, pk)


def _check_relations(request: Request, data: dict[str, Any]) -> dict[str, Any]:
    """Turn ids, codes and keys into objects the caller may use (unknown = a field error)."""
    from analytics.models import Metric
    from analytics.selectors import campaigns_for

    from ..models import Integration

    errors: dict[str, list[str]] = {}
    if data.get("tool") is not None:
        tool = tools_for(user=request.user).filter(pk=data["tool"]).first()
        if tool is None:
            errors["tool"] = ["Unknown tool, or not one of your teams' tools."]
        data["tool"] = tool
    if data.get("integration") is not None:
        integration = Integration.objects.filter(
            pk=data["integration"], source__in=tools_for(user=request.user).values("pk")
        ).first()
        if integration is None:
            errors["integration"] = ["Unknown integration."]
        data["integration"] = integration
    if data.get("campaign"):
        campaign = campaigns_for(user=request.user).filter(code=data["campaign"]).first()
        if campaign is None:
            errors["campaign"] = ["Unknown campaign code."]
        data["campaign"] = campaign
    elif "campaign" in data:
        data["campaign"] = None
    if data.get("metric"):
        metric = Metric.objects.filter(key=data["metric"]).first()
        if metric is None:
            errors["metric"] = ["Unknown metric key."]
        data["metric"] = metric
    elif "metric" in data:
        data["metric"] = None
    if errors:
        raise ValidationError(errors)
    return data


class CheckViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    """Monitoring checks (HTTP, heartbeat, data freshness, metric threshold). Heartbeat checks
    are pinged at ``ping_url`` (no token: the uuid is the secret)."""

    queryset = Check.objects.none()
    serializer_class = CheckSerializer
    filterset_fields = ["kind", "state", "tool", "team__slug", "enabled"]

    def get_queryset(self):
        return checks_for(user=self.request.user).order_by("name", "pk")

    def _fields(self, request: Request, partial: bool) -> dict[str, Any]:
        serializer = CheckInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return _check_relations(request, dict(serializer.validated_data))

    def _answer(self, check: Check, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=check.pk)
        return Response(CheckSerializer(fresh, context={"request": self.request}).data, status=code)

    @extend_schema(request=CheckInputSerializer, responses={201: CheckSerializer})
    def create(self, request: Request) -> Response:
        data = self._fields(request, partial=False)
        data["team"] = _team(request, data.pop("team", None))
        check = _service(monitoring_services.create_check, **data)
        return self._answer(check, status.HTTP_201_CREATED)

    @extend_schema(request=CheckInputSerializer, responses={200: CheckSerializer})
    def update(self, request: Request, pk: str | None = None) -> Response:
        check = self.get_object()
        data = self._fields(request, partial=True)
        if "team" in data:
            data["team"] = _team(request, data.pop("team"))
        check = _service(monitoring_services.update_check, check=check, **data)
        return self._answer(check)

    @extend_schema(request=CheckInputSerializer, responses={200: CheckSerializer})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update(request, pk)

    @extend_schema(request=None, responses={200: CheckSerializer})
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk: str | None = None) -> Response:
        check = monitoring_services.pause_check(check=self.get_object(), by=request.user)
        return self._answer(check)

    @extend_schema(request=None, responses={200: CheckSerializer})
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str | None = None) -> Response:
        check = monitoring_services.resume_check(check=self.get_object(), by=request.user)
        return self._answer(check)


class CheckResultViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    """Every stored evaluation of the checks you may see, newest first (bounded history)."""

    queryset = CheckResult.objects.none()
    serializer_class = CheckResultSerializer
    filterset_fields = {"monitor": ["exact"], "status": ["exact"], "at": ["gte", "lte"]}
    http_method_names = ["get", "head", "options"]

    def get_queryset(self):
        return results_for(user=self.request.user)

    def check_object_permissions(self, request: Request, obj: Any) -> None:
        # A result is visible with its check (results carry no object permissions of their own).
        if not can(request.user, "view", obj.monitor):
            self.permission_denied(request)


class MaintenanceWindowViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    """Planned maintenance on tools, one-off or recurring (RRULE); checks on a tool in
    maintenance do not open incidents."""

    queryset = MaintenanceWindow.objects.none()
    serializer_class = MaintenanceWindowSerializer
    filterset_fields = ["tool", "status", "team__slug"]

    def get_queryset(self):
        return windows_for(user=self.request.user).order_by("-starts_at", "pk")

    def _fields(self, request: Request, partial: bool) -> dict[str, Any]:
        serializer = MaintenanceWindowInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "tool" in data:
            tool = tools_for(user=request.user, action="change").filter(pk=data["tool"]).first()
            if tool is None:
                raise ValidationError({"tool": ["Unknown tool, or not one your team manages."]})
            data["tool"] = tool
        return data

    def _answer(self, window: MaintenanceWindow, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=window.pk)
        return Response(MaintenanceWindowSerializer(fresh).data, status=code)

    @extend_schema(
        request=MaintenanceWindowInputSerializer, responses={201: MaintenanceWindowSerializer}
    )
    def create(self, request: Request) -> Response:
        data = self._fields(request, partial=False)
        window = _service(maintenance_services.create_window, by=request.user, **data)
        return self._answer(window, status.HTTP_201_CREATED)

    @extend_schema(
        request=MaintenanceWindowInputSerializer, responses={200: MaintenanceWindowSerializer}
    )
    def update(self, request: Request, pk: str | None = None) -> Response:
        window = self.get_object()
        data = self._fields(request, partial=True)
        if "tool" in data:
            data["team"] = data["tool"].team
        window = _service(maintenance_services.update_window, window=window, **data)
        return self._answer(window)

    @extend_schema(
        request=MaintenanceWindowInputSerializer, responses={200: MaintenanceWindowSerializer}
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update(request, pk)

    @extend_schema(request=None, responses={200: MaintenanceWindowSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        window = _service(maintenance_services.cancel_window, window=self.get_object())
        return self._answer(window)


def register() -> None:
    """Register this area's viewsets in mops.registry.api_routes (runs in AppConfig.ready)."""
    from mops.registry import Panel, api_routes, overview_panels

    from ..selectors.maintenance import register_annotations
    from ..views.inventory_overview import inventory_panel

    api_routes.register("tools", (ToolViewSet, "tool"))
    api_routes.register("checks", (CheckViewSet, "check"))
    api_routes.register("check-results", (CheckResultViewSet, "check-result"))
    api_routes.register("maintenance-windows", (MaintenanceWindowViewSet, "maintenance-window"))
    # The overview panel and the chart annotation provider are registered here too: this
    # function is this area's only hook into AppConfig.ready() (apps.py belongs to the whole app).
    overview_panels.register(
        "operations.inventory", Panel(inventory_panel, frozenset({"overview", "operations"}))
    )
    register_annotations()
