"""The API foundation every app plugs into: root, schema, docs, errors, pagination, throttling."""

from __future__ import annotations

import pytest
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from mops.api.errors import flatten
from mops.services import create_team

pytestmark = pytest.mark.django_db


def test_api_root_lists_the_registered_endpoints(client, users):
    client.force_login(users["manager"])
    response = client.get("/api/v1/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert "teams" in response.json()


def test_schema_is_openapi_3_and_declares_bearer_and_error_answers(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    teams = schema["paths"]["/api/v1/teams/"]["get"]
    assert {"200", "401", "403", "429"} <= set(teams["responses"])
    assert "404" in schema["paths"]["/api/v1/teams/{slug}/"]["get"]["responses"]
    assert "ErrorResponse" in schema["components"]["schemas"]


def test_docs_page_uses_no_cdn(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower() and "http://" not in html and "https://" not in html


def test_list_is_paginated_with_a_count(client, users):
    for i in range(3):
        create_team(name=f"Extra {i}", slug=f"extra-{i}")
    client.force_login(users["manager"])
    body = client.get("/api/v1/teams/?page_size=2").json()
    assert body["count"] == 6
    assert len(body["results"]) == 2
    assert body["next"]


def test_filtering_by_field(client, users):
    client.force_login(users["manager"])
    body = client.get("/api/v1/teams/?slug=marketing-ops").json()
    assert [t["slug"] for t in body["results"]] == ["marketing-ops"]


def test_not_found_has_the_error_shape(client, users):
    client.force_login(users["manager"])
    response = client.get("/api/v1/teams/nope/")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def test_nested_errors_are_flattened_with_index_and_path():
    class Point(serializers.Serializer):
        date = serializers.DateField()
        value = serializers.FloatField()

    class Batch(serializers.Serializer):
        points = Point(many=True)

    batch = Batch(
        data={"points": [{"date": "2026-11-01", "value": 1}, {"date": "x", "value": "y"}]}
    )
    assert not batch.is_valid()
    errors = flatten(ValidationError(batch.errors).detail)
    fields = {(e["index"], e["field"]) for e in errors}
    assert fields == {(1, "points[1].date"), (1, "points[1].value")}
    assert all(e["code"] == "invalid" and e["message"] for e in errors)


def test_throttled_requests_get_429_with_retry_after(client, users, settings):
    from django.core.cache import cache

    cache.clear()
    original = settings.REST_FRAMEWORK
    settings.REST_FRAMEWORK = {
        **original,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "user": "2/min",
        },
    }
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    api_settings.reload()
    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    try:
        client.force_login(users["ops"])
        codes = [client.get("/api/v1/teams/").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        response = client.get("/api/v1/teams/")
        assert int(response["Retry-After"]) > 0
        assert response.json()["errors"][0]["code"] == "throttled"
    finally:
        # Restore the rates before re-reading them: the settings fixture only undoes its
        # override after the test, and the throttle class keeps what it read until then.
        cache.clear()
        settings.REST_FRAMEWORK = original
        api_settings.reload()
        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        assert SimpleRateThrottle.THROTTLE_RATES["user"] != "2/min"


def test_anonymous_api_request_is_401(client):
    response = client.get("/api/v1/teams/")
    assert response.status_code in {401, 403}
    assert response.json()["errors"][0]["code"] == "not_authenticated"
