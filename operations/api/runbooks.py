"""Operations API: runbooks and their executions.

Reads need the ``read`` scope (tokens) and the role's view permission; writes need the
``operations:write`` scope and, for runbooks, the role's add/change
permission. Objects are those of the caller's teams (others answer 404). Checking off a step and
finishing are decided by the services: ops staff of the runbook's team run it, and an approval
step is given by someone holding the step's role, so a manager may approve without being able to
change anything else.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from mops.api.permissions import token_allows
from mops.models import Team
from mops.permissions import can, is_admin, restrict
from mops.registry import api_routes

from ..models import Incident, Runbook, RunbookExecution, RunbookStep, StepRun
from ..selectors import runbooks as selectors
from ..services import runbooks as services
from .runbook_serializers import (
    CheckOffSerializer,
    ExecutionCreateSerializer,
    ExecutionSerializer,
    FinishSerializer,
    RunbookSerializer,
    RunbookWriteSerializer,
    VersionSerializer,
)

SCOPES = {
    "GET": "read",
    "POST": "operations:write",
    "PATCH": "operations:write",
    "PUT": "operations:write",
}


class SeenObjectPermission(permissions.BasePermission):
    """For actions whose rule the service decides: signed in, token scope, object visible."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated) and token_allows(request, view)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        return can(request.user, "view", obj)


def _service(call: Any, **kwargs: Any) -> Any:
    try:
        return call(**kwargs)
    except DjangoValidationError as exc:
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        raise ValidationError(detail) from exc


def _team(user: Any, slug: str | None) -> Team:
    teams = Team.objects.all() if is_admin(user) else user.teams.all()
    if slug:
        team = teams.filter(slug=slug).first()
    else:
        team = teams.first() if teams.count() == 1 else None
    if team is None:
        raise ValidationError({"team": [_("Give the slug of one of your teams.")]})
    return team


class RunbookViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Runbooks of your teams with their current version (body and ordered steps).

    Create and update take the body and the full list of steps; every change makes a new
    version. ``versions`` lists every version; ``mark-reviewed`` restarts the review clock.
    """

    queryset = Runbook.objects.none()
    serializer_class = RunbookSerializer
    required_scopes = SCOPES
    http_method_names = ["get", "post", "patch", "put", "head", "options"]
    filterset_fields = ["team__slug", "owner__username", "tools"]

    def get_queryset(self) -> QuerySet[Runbook]:
        return (
            selectors.runbooks_for(user=self.request.user)
            .select_related("current_version__author")
            .prefetch_related(
                Prefetch("current_version__steps", queryset=RunbookStep.objects.order_by("order"))
            )
            .order_by("title", "pk")
        )

    def get_permissions(self) -> Any:
        if self.action == "mark_reviewed":
            return [SeenObjectPermission()]
        return super().get_permissions()

    def _respond(self, runbook: Runbook, code: int = status.HTTP_200_OK) -> Response:
        return Response(
            self.get_serializer(self.get_queryset().get(pk=runbook.pk)).data, status=code
        )

    @extend_schema(request=RunbookWriteSerializer, responses={201: RunbookSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = RunbookWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["team"] = _team(request.user, data.pop("team", None))
        runbook = _service(services.create_runbook, by=request.user, **data)
        return self._respond(runbook, status.HTTP_201_CREATED)

    @extend_schema(request=RunbookWriteSerializer, responses={200: RunbookSerializer})
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        runbook = self.get_object()
        partial = kwargs.get("partial", False)
        serializer = RunbookWriteSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "team" in data:
            data["team"] = _team(request.user, data["team"])
        runbook = _service(services.update_runbook, runbook=runbook, by=request.user, **data)
        return self._respond(runbook)

    @extend_schema(request=RunbookWriteSerializer, responses={200: RunbookSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(responses={200: VersionSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def versions(self, request: Request, pk: str | None = None) -> Response:
        runbook = self.get_object()
        versions = runbook.versions.select_related("author").prefetch_related(
            Prefetch("steps", queryset=RunbookStep.objects.order_by("order"))
        )
        return Response(VersionSerializer(versions.order_by("-number"), many=True).data)

    @extend_schema(request=None, responses={200: RunbookSerializer})
    @action(detail=True, methods=["post"], url_path="mark-reviewed")
    def mark_reviewed(self, request: Request, pk: str | None = None) -> Response:
        runbook = self.get_object()
        _service(services.mark_reviewed, runbook=runbook, by=request.user)
        return self._respond(runbook)


class ExecutionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Runbook executions of your teams: start one (optionally for an incident), check off
    steps in order (``check-off``), and ``finish`` with an outcome."""

    queryset = RunbookExecution.objects.none()
    serializer_class = ExecutionSerializer
    required_scopes = SCOPES
    filterset_fields = ["runbook", "incident", "outcome"]

    def get_queryset(self) -> QuerySet[RunbookExecution]:
        return (
            selectors.executions_for(user=self.request.user)
            .prefetch_related(
                Prefetch("version__steps", queryset=RunbookStep.objects.order_by("order")),
                Prefetch(
                    "step_runs",
                    queryset=StepRun.objects.select_related("done_by", "approved_by").order_by(
                        "step__order"
                    ),
                ),
            )
            .order_by("-started_at", "-pk")
        )

    def get_permissions(self) -> Any:
        if self.action in {"check_off", "finish"}:
            return [SeenObjectPermission()]
        return super().get_permissions()

    def _respond(self, execution: RunbookExecution, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=execution.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(request=ExecutionCreateSerializer, responses={201: ExecutionSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ExecutionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        runbook = selectors.runbooks_for(user=request.user).filter(pk=data["runbook"].pk).first()
        if runbook is None:
            raise ValidationError({"runbook": [_("Unknown runbook, or not one you may see.")]})
        incident = data.get("incident")
        if (
            incident is not None
            and not restrict(Incident.objects.filter(pk=incident.pk), request.user, "view").exists()
        ):
            raise ValidationError({"incident": [_("Unknown incident, or not one you may see.")]})
        execution = _service(
            services.start_execution,
            runbook=runbook,
            by=request.user,
            incident=incident,
            notes=data.get("notes", ""),
        )
        return self._respond(execution, status.HTTP_201_CREATED)

    @extend_schema(request=CheckOffSerializer, responses={200: ExecutionSerializer})
    @action(detail=True, methods=["post"], url_path="check-off")
    def check_off(self, request: Request, pk: str | None = None) -> Response:
        execution = self.get_object()
        serializer = CheckOffSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        step = execution.version.steps.filter(pk=data["step"]).first()
        if step is None:
            raise ValidationError({"step": [_("This step is not part of the executed version.")]})
        _service(
            services.check_off_step,
            execution=execution,
            step=step,
            by=request.user,
            note=data["note"],
            decision=data["decision"],
        )
        return self._respond(execution)

    @extend_schema(request=FinishSerializer, responses={200: ExecutionSerializer})
    @action(detail=True, methods=["post"])
    def finish(self, request: Request, pk: str | None = None) -> Response:
        execution = self.get_object()
        serializer = FinishSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _service(
            services.finish_execution,
            execution=execution,
            by=request.user,
            outcome=serializer.validated_data["outcome"],
            notes=serializer.validated_data["notes"],
        )
        return self._respond(execution)


def register() -> None:
    """Register this area's viewsets in mops.registry.api_routes, and its overview panel.

    Called from ``OperationsConfig.ready()`` through ``operations.api.register()``.
    """
    from mops.registry import Panel, overview_panels

    from ..views.runbook_overview import runbooks_panel

    overview_panels.register(
        "operations.runbooks", Panel(runbooks_panel, frozenset({"operations"}))
    )
    api_routes.register("runbooks", (RunbookViewSet, "runbook"))
    api_routes.register("executions", (ExecutionViewSet, "runbook-execution"))
