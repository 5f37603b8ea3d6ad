"""Governance under ``/api/v1/``: strategies, plans, actions, KPIs with status, reviews, feedback,
skills.

Reads need the ``read`` scope (tokens) and the role's view permission; writes need
``governance:write`` and the role's add/change permission; objects are those of the caller's
teams (others answer 404), and the owner of an action may update it whatever their team.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Prefetch
from django.utils.translation import gettext as _
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from mops.permissions import can, is_admin

from .. import selectors
from ..models import (
    Action,
    FeedbackItem,
    KpiProfile,
    Plan,
    ReviewMeeting,
    Skill,
    SkillRating,
    Strategy,
)
from ..readings import read_kpi
from ..services.actions import create_action, update_action
from ..services.feedback import create_feedback, update_feedback
from ..services.planning import create_plan, create_strategy, update_plan, update_strategy
from .serializers import (
    ActionSerializer,
    FeedbackSerializer,
    KpiSerializer,
    PlanSerializer,
    ReviewSerializer,
    SkillSerializer,
    StrategySerializer,
)

READ_WRITE = {
    "GET": "read",
    "POST": "governance:write",
    "PATCH": "governance:write",
    "PUT": "governance:write",
}


def _own_team(user: Any, team: Any, field: str = "team") -> None:
    if team is not None and not is_admin(user) and not user.teams.filter(pk=team.pk).exists():
        raise ValidationError({field: [_("Choose one of your teams.")]})


def _visible(user: Any, obj: Any, queryset: Any, field: str) -> None:
    """A linked object must be one the caller may see (else it answers as unknown)."""
    if obj is not None and not queryset.filter(pk=obj.pk).exists():
        raise ValidationError({field: [_("Unknown, or not one of your teams' objects.")]})


class WriteViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    required_scopes = READ_WRITE
    http_method_names = ["get", "post", "patch", "put", "head", "options"]

    def perform_service(self, call: Any, **kwargs: Any) -> Any:
        try:
            return call(**kwargs)
        except DjangoValidationError as exc:
            raise ValidationError(
                exc.message_dict
                if hasattr(exc, "error_dict")
                else {"non_field_errors": exc.messages}
            ) from exc

    def respond(self, obj: Any, code: int = status.HTTP_200_OK) -> Response:
        obj = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(obj).data, status=code)


class StrategyViewSet(WriteViewSet):
    """Strategies of your teams with their analysis (SWOT, market, competitors)."""

    queryset = Strategy.objects.none()
    serializer_class = StrategySerializer
    filterset_fields = ["status", "period_kind"]

    def get_queryset(self):
        return selectors.strategies_for(user=self.request.user).order_by("-period_start", "pk")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _own_team(request.user, serializer.validated_data["team"])
        obj = self.perform_service(create_strategy, **serializer.validated_data)
        return self.respond(obj, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        serializer = self.get_serializer(
            obj, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        _own_team(request.user, serializer.validated_data.get("team"))
        self.perform_service(update_strategy, strategy=obj, **serializer.validated_data)
        return self.respond(obj)


class PlanViewSet(WriteViewSet):
    """Plans of your teams; ``budget`` is the total of the monthly rows (set in the portal)."""

    queryset = Plan.objects.none()
    serializer_class = PlanSerializer
    filterset_fields = ["status", "strategy"]

    def get_queryset(self):
        return (
            selectors.plans_for(user=self.request.user)
            .prefetch_related("budget_rows")
            .order_by("start_date", "pk")
        )

    def _check(self, data: dict) -> None:
        _own_team(self.request.user, data.get("team"))
        _visible(
            self.request.user,
            data.get("strategy"),
            selectors.strategies_for(user=self.request.user),
            "strategy",
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self._check(serializer.validated_data)
        obj = self.perform_service(create_plan, **serializer.validated_data)
        return self.respond(obj, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        serializer = self.get_serializer(
            obj, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        self._check(serializer.validated_data)
        self.perform_service(update_plan, plan=obj, **serializer.validated_data)
        return self.respond(obj)


OWNER_FIELDS = {"status", "description", "due_date"}


class ActionViewSet(WriteViewSet):
    """Actions of your teams and the ones you own. Owners may update status, description and
    due date of their own actions; managers of the team may change everything."""

    queryset = Action.objects.none()
    serializer_class = ActionSerializer
    filterset_fields = ["status", "plan", "review", "owner__username"]

    def get_queryset(self):
        return selectors.actions_for(user=self.request.user).order_by("due_date", "pk")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user: Any = request.user
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        _own_team(user, data.get("team"))
        _visible(user, data.get("plan"), selectors.plans_for(user=user), "plan")
        review = data.get("review")
        _visible(user, review, selectors.reviews_for(user=user), "review")
        if review is not None and not can(user, "change", review):
            raise PermissionDenied
        if data.get("team") is None and data.get("plan") is None and review is None:
            teams = user.teams.all()
            if teams.count() != 1:
                raise ValidationError({"team": [_("Give the slug of one of your teams.")]})
            data["team"] = teams.first()
        obj = self.perform_service(create_action, by=user, **data)
        return self.respond(obj, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user: Any = request.user
        obj = self.get_object()
        serializer = self.get_serializer(
            obj, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        manager = is_admin(user) or (
            user.has_perm("governance.add_action") and user.teams.filter(pk=obj.team_id).exists()
        )
        changed = {k for k, v in data.items() if getattr(obj, k) != v}
        if not manager and changed - OWNER_FIELDS:
            raise PermissionDenied
        data.pop("team", None)
        if "review" in data and data["review"] != obj.review:
            raise ValidationError({"review": [_("The review that created an action is fixed.")]})
        data.pop("review", None)
        _visible(user, data.get("plan"), selectors.plans_for(user=user), "plan")
        self.perform_service(update_action, action=obj, **data)
        return self.respond(obj)


class KpiViewSet(viewsets.ReadOnlyModelViewSet):
    """KPIs with direction, owner, targets per period and the current status (see the rule on
    the KPI pages: forecast to period end against the target, 10 % tolerance)."""

    queryset = KpiProfile.objects.none()
    serializer_class = KpiSerializer
    lookup_field = "kpi__key"
    lookup_url_kwarg = "key"
    required_scopes = {"GET": "read"}

    def get_queryset(self):
        return (
            selectors.kpi_profiles_for(user=self.request.user)
            .prefetch_related("targets")
            .order_by("kpi__key")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "readings": _Readings()}


class SkillViewSet(viewsets.ReadOnlyModelViewSet):
    """Skills of your teams with their current members' ratings (0 cannot do it … 4 can teach
    it) and how many can do each alone; filter by ``team__slug`` or ``tool``."""

    queryset = Skill.objects.none()
    serializer_class = SkillSerializer
    filterset_fields = ["team__slug", "tool"]
    required_scopes = {"GET": "read"}

    def get_queryset(self):
        members = SkillRating.objects.filter(
            user__team_memberships__team=F("skill__team")
        ).select_related("user")
        return (
            selectors.skills_for(user=self.request.user)
            .annotate(capable=selectors.capable_members())
            .prefetch_related(
                Prefetch(
                    "ratings", queryset=members.order_by("user__username"), to_attr="member_ratings"
                )
            )
            .order_by("team__slug", "name")
        )


class _Readings(dict):
    """Computes a KPI's reading on first use (per serialized profile)."""

    def __missing__(self, key: int):
        profile = KpiProfile.objects.select_related("kpi").prefetch_related("targets").get(pk=key)
        reading = read_kpi(profile=profile)
        self[key] = reading
        return reading


class ReviewViewSet(viewsets.ReadOnlyModelViewSet):
    """Reviews with their agenda (figures as stored: as at closing for closed reviews)."""

    queryset = ReviewMeeting.objects.none()
    serializer_class = ReviewSerializer
    filterset_fields = ["state", "team__slug"]
    required_scopes = {"GET": "read"}

    def get_queryset(self):
        return (
            selectors.reviews_for(user=self.request.user)
            .prefetch_related("items", "participants", "created_actions")
            .order_by("-period_start", "pk")
        )


class FeedbackViewSet(WriteViewSet):
    """Feedback items between management and operations, both directions."""

    queryset = FeedbackItem.objects.none()
    serializer_class = FeedbackSerializer
    filterset_fields = ["direction", "status"]

    def get_queryset(self):
        return selectors.feedback_for(user=self.request.user).order_by("-created_at", "pk")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        _own_team(request.user, data["from_team"], "from_team")
        obj = self.perform_service(create_feedback, by=request.user, **data)
        return self.respond(obj, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        serializer = self.get_serializer(
            obj, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        data = {
            k: v
            for k, v in serializer.validated_data.items()
            if k not in {"direction", "from_team", "to_team"}
        }
        self.perform_service(update_feedback, item=obj, **data)
        return self.respond(obj)
