from rest_framework import serializers

from ..models import Campaign, MetricFact
from ..services.facts import MAX_REPORTED_ERRORS

MAX_POINTS = 10_000
assert MAX_POINTS <= MAX_REPORTED_ERRORS * 10


class CampaignSerializer(serializers.ModelSerializer):
    team: serializers.Field = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    code = serializers.SlugField(max_length=64, required=False, allow_blank=True)

    class Meta:
        model = Campaign
        fields = [
            "code",
            "name",
            "channel",
            "source",
            "team",
            "status",
            "budget",
            "currency",
            "start_date",
            "end_date",
            "utm_source",
            "utm_medium",
            "utm_campaign",
            "landing_page",
            "notes",
        ]


class CampaignCreateSerializer(CampaignSerializer):
    team: serializers.Field = serializers.SlugField(  # type: ignore[assignment]
        required=False, help_text="Team slug; defaults to the caller's only team."
    )


class PointSerializer(serializers.Serializer):
    campaign = serializers.CharField(max_length=64, help_text="Campaign code")
    date = serializers.DateField(input_formats=["%Y-%m-%d"])
    metric = serializers.CharField(max_length=40)
    value = serializers.FloatField()
    source = serializers.CharField(  # type: ignore[assignment]
        max_length=32, required=False, default="api"
    )


class MetricBatchSerializer(serializers.Serializer):
    points = PointSerializer(  # type: ignore[call-arg]
        many=True, max_length=MAX_POINTS, allow_empty=False
    )


class MetricCountsSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()
    batch = serializers.IntegerField(help_text="Import batch id")


class MetricFactSerializer(serializers.ModelSerializer):
    campaign = serializers.CharField(source="campaign.code")
    metric = serializers.CharField(source="metric.key")

    class Meta:
        model = MetricFact
        fields = ["campaign", "date", "metric", "source", "value"]
