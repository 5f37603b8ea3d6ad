"""Operations API: incidents (create with a dedup key, acknowledge, resolve, comment, timeline)
and escalation policies (read); plus this area's registrations (see ``register``)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from mops.api.permissions import ScopedRolePermission
from mops.permissions import can, is_admin, restrict

from ..models import EscalationPolicy, Incident, IncidentSource, IncidentState, Severity, Tool
from ..selectors.incidents import incidents_for, timeline
from ..services import incidents as svc
from .incident_serializers import (
    CommentSerializer,
    EscalationPolicySerializer,
    IncidentCreateSerializer,
    IncidentEventSerializer,
    IncidentSerializer,
    NoteSerializer,
    TransitionSerializer,
)


class IncidentPermission(ScopedRolePermission):
    """Managing an incident needs *change* on it (ops of its team); commenting needs *view*."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if getattr(view, "action", None) == "comment":
            user = request.user
            from mops.api.permissions import token_allows

            return bool(
                user
                and user.is_authenticated
                and token_allows(request, view)
                and (is_admin(user) or user.has_perm("operations.view_incident"))
            )
        return super().has_permission(request, view)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS") or view.action == "comment":
            return can(request.user, "view", obj)
        return can(request.user, "change", obj)


class IncidentFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=IncidentState.choices)
    severity = django_filters.ChoiceFilter(choices=Severity.choices)
    team = django_filters.CharFilter(field_name="team__slug")
    dedup_key = django_filters.CharFilter()
    open = django_filters.BooleanFilter(method="filter_open", label="Only open incidents")

    class Meta:
        model = Incident
        fields = ["state", "severity", "team", "dedup_key", "open"]

    def filter_open(self, queryset: Any, name: str, value: bool) -> Any:
        from ..models import OPEN_STATES

        if value is None:
            return queryset
        return (
            queryset.filter(state__in=OPEN_STATES)
            if value
            else queryset.exclude(state__in=OPEN_STATES)
        )


class IncidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Incidents of your teams. Alert sources POST with a ``dedup_key``: a repeat of an open
    key appends an alert to that incident (200) instead of opening a new one (201)."""

    queryset = Incident.objects.none()  # the model for role checks; rows come from get_queryset
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilter
    permission_classes = [IncidentPermission]
    required_scopes = {"GET": "read", "POST": "incidents:write"}

    def get_queryset(self):
        return incidents_for(user=self.request.user).prefetch_related("affected_tools")

    def _team(self, slug: str | None) -> Any:
        user = self.request.user
        teams = user.teams.all()  # type: ignore[union-attr]
        if is_admin(user):
            from mops.models import Team

            teams = Team.objects.all()
        if slug:
            team = teams.filter(slug=slug).first()
        else:
            team = teams.first() if teams.count() == 1 else None
        if team is None:
            raise ValidationError({"team": ["Give the slug of one of your teams."]})
        return team

    @extend_schema(
        request=IncidentCreateSerializer,
        responses={
            201: OpenApiResponse(IncidentSerializer, description="A new incident was opened."),
            200: OpenApiResponse(
                IncidentSerializer,
                description="An incident with this dedup key was open: the alert was appended.",
            ),
        },
    )
    def create(self, request: Request) -> Response:
        serializer = IncidentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        team = self._team(data.get("team"))
        tools = list(restrict(Tool.objects.filter(pk__in=data["tools"]), request.user, "view"))
        if len(tools) != len(set(data["tools"])):
            raise ValidationError({"tools": ["Unknown tool id, or not one of your teams' tools."]})
        if data.get("dedup_key"):
            incident, created = svc.raise_alert(
                dedup_key=data["dedup_key"],
                title=data["title"],
                team=team,
                severity=data["severity"],
                source=IncidentSource.API,
                tools=tools,
                description=data["description"],
                data=data["details"],
                by=request.user,
            )
        else:
            with transaction.atomic():
                incident = svc.create_incident(
                    title=data["title"],
                    team=team,
                    severity=data["severity"],
                    description=data["description"],
                    source=IncidentSource.API,
                    tools=tools,
                    by=request.user,
                    data=data["details"],
                )
            created = True
        incident = self.get_queryset().get(pk=incident.pk)
        return Response(
            IncidentSerializer(incident).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def _respond(self, incident: Incident) -> Response:
        return Response(IncidentSerializer(self.get_queryset().get(pk=incident.pk)).data)

    @extend_schema(request=NoteSerializer, responses={200: IncidentSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        incident = self.get_object()
        body = NoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        svc.acknowledge(incident=incident, by=request.user, note=body.validated_data["note"])
        return self._respond(incident)

    @extend_schema(request=NoteSerializer, responses={200: IncidentSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        incident = self.get_object()
        body = NoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        svc.resolve(incident=incident, by=request.user, note=body.validated_data["note"])
        return self._respond(incident)

    @extend_schema(request=TransitionSerializer, responses={200: IncidentSerializer})
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """Any allowed state change (see the state machine); a refused one answers 400."""
        incident = self.get_object()
        body = TransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        svc.transition(
            incident=incident,
            to=body.validated_data["to"],
            by=request.user,
            note=body.validated_data["note"],
        )
        return self._respond(incident)

    @extend_schema(request=CommentSerializer, responses={201: IncidentEventSerializer})
    @action(detail=True, methods=["post"])
    def comment(self, request: Request, pk: str | None = None) -> Response:
        incident = self.get_object()
        body = CommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        event = svc.comment(
            incident=incident, by=request.user, message=body.validated_data["message"]
        )
        return Response(IncidentEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: IncidentEventSerializer(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def events(self, request: Request, pk: str | None = None) -> Response:
        """The incident's timeline, oldest first."""
        incident = self.get_object()
        return Response(IncidentEventSerializer(timeline(incident=incident), many=True).data)


class EscalationPolicyViewSet(viewsets.ReadOnlyModelViewSet):
    """Escalation policies of your teams, with their ordered steps (read only)."""

    queryset = EscalationPolicy.objects.none()
    serializer_class = EscalationPolicySerializer
    required_scopes = {"GET": "read"}
    filterset_fields = ["is_default"]

    def get_queryset(self):
        user = self.request.user
        qs = EscalationPolicy.objects.select_related("team").prefetch_related(
            "steps__notify_user", "steps__channel"
        )
        if not is_admin(user):
            # Policies are team configuration: visible to the role holders of that team.
            qs = qs.filter(team__memberships__user=user.pk)
        return qs.order_by("team__slug", "name")


def register() -> None:
    """Register this area's API routes, its overview panel and its chart annotations.

    Called from ``OperationsConfig.ready()`` through ``operations.api.register()``, which is the
    one hook the app config gives each operations area: ``mops`` imports no app, so the core finds
    these only through its registries, and they must be filled before the first request.
    """
    from mops.registry import Panel, api_routes, chart_annotations, overview_panels

    from ..views.incident_overview import incident_spans, open_incidents_panel

    api_routes.register("incidents", (IncidentViewSet, "incident"))
    api_routes.register("escalation-policies", (EscalationPolicyViewSet, "escalation-policy"))
    # the triage board, on the operations page, shows the same and more
    overview_panels.register(
        "operations.incidents", Panel(open_incidents_panel, frozenset({"overview"}))
    )
    chart_annotations.register("operations.incidents", incident_spans)
