"""``/api/v1/metrics/`` and ``/api/v1/campaigns/`` per the public contract."""

from __future__ import annotations

import django_filters
import numpy as np
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from ..models import BatchKind, Campaign, ImportBatch, MetricFact
from ..selectors import campaigns_for, facts_for
from ..services.campaigns import create_campaign
from ..services.facts import PointError, load_frame, refuse
from .points import points_from_request
from .serializers import (
    CampaignCreateSerializer,
    CampaignSerializer,
    MetricBatchSerializer,
    MetricCountsSerializer,
    MetricFactSerializer,
)


class MetricFilter(django_filters.FilterSet):
    campaign = django_filters.CharFilter(field_name="campaign__code")
    metric = django_filters.CharFilter(field_name="metric__key")
    source = django_filters.CharFilter()
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = MetricFact
        fields = ["campaign", "metric", "source", "date_from", "date_to"]


class MetricViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Metric facts: read them (``metrics:read``) or push a batch (``metrics:write``)."""

    queryset = MetricFact.objects.none()
    serializer_class = MetricFactSerializer
    filterset_class = MetricFilter
    required_scopes = {"GET": "metrics:read", "POST": "metrics:write"}

    def get_queryset(self):
        return (
            facts_for(user=self.request.user)
            .select_related("campaign", "metric")
            .order_by("date", "campaign__code", "metric__key", "source")
        )

    @extend_schema(request=MetricBatchSerializer, responses={200: MetricCountsSerializer})
    def create(self, request: Request) -> Response:
        # Checked a column at a time (analytics.api.points); the serializer documents the shape
        # and judges only the points the column checks do not accept outright.
        frame = points_from_request(request.data)
        batch = ImportBatch.objects.create(
            kind=BatchKind.API,
            source="api",
            created_by=request.user,  # type: ignore[misc]
            received=len(frame),
        )
        # Facts go only to campaigns the caller may change; others answer as unknown. Only the
        # push's own codes are asked for (a team may have thousands of campaigns).
        allowed = set(
            campaigns_for(user=request.user, action="change")
            .filter(code__in=frame["campaign"].unique().tolist())
            .order_by()
            .values_list("code", flat=True)
        )
        outside = ~frame["campaign"].isin(allowed).to_numpy()
        forbidden = [
            PointError(
                int(i),
                f"points[{int(i)}].campaign",
                f"Unknown campaign “{frame['campaign'].iat[i]}”, or not one of your teams' "
                "campaigns.",
                "unknown_campaign",
            )
            for i in np.flatnonzero(outside)
        ]
        if forbidden:
            result = refuse(batch, forbidden)
        else:
            result = load_frame(frame, batch=batch, field_prefix=lambda index: f"points[{index}].")
        if result.refused:
            return Response(
                {"errors": [e.as_json() for e in result.errors]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response({**result.batch.counts(), "batch": result.batch.pk})


class CampaignViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Campaigns of your teams. Create with ``code`` (optional: generated) and ``name``."""

    queryset = Campaign.objects.none()  # the model for role checks; rows come from get_queryset
    serializer_class = CampaignSerializer
    lookup_field = "code"
    filterset_fields = ["channel", "status", "source"]
    required_scopes = {"GET": "metrics:read", "POST": "metrics:write"}

    def get_queryset(self):
        return campaigns_for(user=self.request.user).order_by("code")

    def get_serializer_class(self):
        return CampaignCreateSerializer if self.action == "create" else CampaignSerializer

    @extend_schema(request=CampaignCreateSerializer, responses={201: CampaignSerializer})
    def create(self, request: Request) -> Response:
        serializer = CampaignCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        teams = request.user.teams.all()  # type: ignore[union-attr]
        slug = data.pop("team", None)
        team = (
            teams.filter(slug=slug).first()
            if slug
            else (teams.first() if teams.count() == 1 else None)
        )
        if team is None:
            raise ValidationError({"team": ["Give the slug of one of your teams."]})
        try:
            with transaction.atomic():
                campaign = create_campaign(team=team, **data)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)
