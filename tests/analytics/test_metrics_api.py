"""POST/GET /api/v1/metrics/ and /api/v1/campaigns/ per the public contract."""

from __future__ import annotations

import pytest

from analytics.models import BatchStatus, Campaign, ImportBatch, MetricFact
from analytics.services.campaigns import create_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaigns(teams):
    team = teams["digital-marketing"]
    return [
        create_campaign(team=team, name="冬のセール 検索", code="winter-search"),
        create_campaign(team=team, name="Brand video", code="brand-video"),
    ]


@pytest.fixture
def writer(users, bearer):
    return bearer(users["marketer"], "metrics:write", "metrics:read")


def batch_of(n=3, value=100.0, source=None):
    points = []
    for i in range(n):
        point = {
            "campaign": "winter-search",
            "date": f"2026-11-{i + 1:02d}",
            "metric": "clicks",
            "value": value,
        }
        if source:
            point["source"] = source
        points.append(point)
    return {"points": points}


def test_push_creates_facts_and_answers_counts(campaigns, writer):
    response = writer.post("/api/v1/metrics/", batch_of(3), format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert {k: body[k] for k in ["received", "created", "updated", "unchanged", "rejected"]} == {
        "received": 3,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
    }
    assert MetricFact.objects.filter(source="api").count() == 3


def test_same_batch_twice_creates_and_updates_nothing(campaigns, writer):
    writer.post("/api/v1/metrics/", batch_of(3), format="json")
    body = writer.post("/api/v1/metrics/", batch_of(3), format="json").json()
    assert (body["created"], body["updated"], body["unchanged"]) == (0, 0, 3)


def test_changed_values_are_updated(campaigns, writer):
    writer.post("/api/v1/metrics/", batch_of(3), format="json")
    body = writer.post("/api/v1/metrics/", batch_of(3, value=120), format="json").json()
    assert (body["created"], body["updated"], body["unchanged"]) == (0, 3, 0)
    assert set(MetricFact.objects.values_list("value", flat=True)) == {120.0}


def test_sources_do_not_overwrite_each_other(campaigns, writer):
    writer.post("/api/v1/metrics/", batch_of(1, source="google_ads"), format="json")
    writer.post("/api/v1/metrics/", batch_of(1, value=7, source="yahoo_ads"), format="json")
    assert MetricFact.objects.count() == 2


def test_invalid_batch_answers_every_error_by_index_and_writes_nothing(campaigns, writer):
    payload = batch_of(4)
    payload["points"][1]["date"] = "2026/11/02"
    payload["points"][2]["metric"] = "likes"
    payload["points"][3] = dict(payload["points"][0])  # duplicate key
    response = writer.post("/api/v1/metrics/", payload, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert ("points[1].date", 1) in {(e["field"], e["index"]) for e in errors}
    assert not MetricFact.objects.exists()


def test_semantic_errors_are_all_reported(campaigns, writer):
    payload = batch_of(3)
    payload["points"][0]["metric"] = "likes"
    payload["points"][1]["value"] = -5
    payload["points"][2] = dict(batch_of(1)["points"][0])
    payload["points"].append(dict(payload["points"][2]))
    response = writer.post("/api/v1/metrics/", payload, format="json")
    assert response.status_code == 400
    found = {(e["index"], e["field"]) for e in response.json()["errors"]}
    assert found == {(0, "points[0].metric"), (1, "points[1].value"), (3, "points[3].campaign")}
    assert not MetricFact.objects.exists()
    batch = ImportBatch.objects.get()
    assert batch.status == BatchStatus.REFUSED and batch.rejected == batch.received == 4


def test_campaign_of_another_team_is_unknown(campaigns, users, bearer, teams):
    other = create_campaign(team=teams["management"], name="IR", code="ir")
    client = bearer(users["marketer"], "metrics:write")
    payload = {
        "points": [{"campaign": other.code, "date": "2026-11-01", "metric": "clicks", "value": 1}]
    }
    response = client.post("/api/v1/metrics/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "points[0].campaign"


def test_push_needs_the_write_scope(campaigns, users, bearer):
    client = bearer(users["marketer"], "metrics:read")
    assert client.post("/api/v1/metrics/", batch_of(1), format="json").status_code == 403


def test_more_than_10000_points_is_refused(campaigns, writer):
    payload = {"points": [batch_of(1)["points"][0]] * 10_001}
    response = writer.post("/api/v1/metrics/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "points"


def test_read_metrics_with_filters_and_count(campaigns, writer):
    writer.post("/api/v1/metrics/", batch_of(5), format="json")
    body = writer.get(
        "/api/v1/metrics/?campaign=winter-search&metric=clicks&date_from=2026-11-02"
        "&date_to=2026-11-04"
    ).json()
    assert body["count"] == 3
    assert body["results"][0] == {
        "campaign": "winter-search",
        "date": "2026-11-02",
        "metric": "clicks",
        "source": "api",
        "value": 100.0,
    }


def test_campaigns_list_and_create(campaigns, writer):
    body = writer.get("/api/v1/campaigns/").json()
    assert {c["code"] for c in body["results"]} == {"winter-search", "brand-video"}
    response = writer.post("/api/v1/campaigns/", {"name": "春の新生活"}, format="json")
    assert response.status_code == 201, response.json()
    code = response.json()["code"]
    assert code.startswith("c-")
    assert Campaign.objects.get(code=code).team.slug == "digital-marketing"


def test_campaign_create_reports_field_errors(campaigns, writer):
    response = writer.post(
        "/api/v1/campaigns/",
        {
            "name": "x",
            "code": "winter-search",
            "start_date": "2026-12-01",
            "end_date": "2026-11-01",
        },
        format="json",
    )
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"code", "end_date"} <= fields
