"""Bearer API tokens: hashed at rest, scoped, expiring, revocable, managed in the UI and CLI."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from mops.models import ApiToken, hash_token
from mops.services import create_api_token, revoke_api_token

pytestmark = pytest.mark.django_db


def test_raw_token_is_never_stored(users):
    token, raw = create_api_token(owner=users["ops"], name="pipeline", scopes=["read"])
    stored = ApiToken.objects.values().get(pk=token.pk)
    assert raw not in {str(v) for v in stored.values()}
    assert stored["key_hash"] == hash_token(raw)
    assert raw.startswith(stored["prefix"])


def test_bearer_token_authenticates_and_records_last_use(users, api_client):
    token, raw = create_api_token(owner=users["ops"], name="pipeline", scopes=["read"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["username"] == "ops"
    assert response.json()["scopes"] == ["read"]
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda t: revoke_api_token(token=t), "revoked"),
        (
            lambda t: ApiToken.objects.filter(pk=t.pk).update(
                expires_at=timezone.now() - timedelta(seconds=1)
            ),
            "expired",
        ),
    ],
)
def test_revoked_or_expired_token_is_refused(users, api_client, mutate, message):
    token, raw = create_api_token(owner=users["ops"], name="pipeline", scopes=["read"])
    mutate(token)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = api_client.get("/api/v1/teams/")
    assert response.status_code == 401
    assert message in response.json()["errors"][0]["message"]
    assert response["WWW-Authenticate"] == "Bearer"


def test_unknown_token_is_refused_with_the_error_shape(api_client, db):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer mops_nosuchtoken")
    response = api_client.get("/api/v1/teams/")
    assert response.status_code == 401
    assert response.json() == {
        "errors": [{"field": None, "code": "authentication_failed", "message": "Invalid token."}]
    }


def test_token_without_the_scope_is_forbidden(users, bearer):
    client = bearer(users["ops"], "metrics:write")
    response = client.get("/api/v1/teams/")
    assert response.status_code == 403
    assert "scope" in response.json()["errors"][0]["message"]
    assert bearer(users["ops"], "read").get("/api/v1/teams/").status_code == 200


def test_create_token_validates_scopes_and_expiry(users):
    with pytest.raises(ValidationError) as exc:
        create_api_token(
            owner=users["ops"],
            name=" ",
            scopes=["root"],
            expires_at=timezone.now() - timedelta(days=1),
        )
    assert set(exc.value.message_dict) == {"name", "scopes", "expires_at"}
    assert "root" in exc.value.message_dict["scopes"][0]


def test_create_api_token_command_prints_raw_token_last(users):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_token",
        "ops",
        "--name",
        "GA4 export",
        "--scope",
        "metrics:read",
        "--scope",
        "metrics:write",
        stdout=out,
        stderr=err,
    )
    raw = out.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get(key_hash=hash_token(raw))
    assert token.owner == users["ops"]
    assert token.scopes == ["metrics:read", "metrics:write"]
    assert raw not in err.getvalue()


def test_create_api_token_command_refuses_unknown_user(db):
    with pytest.raises(CommandError, match="nobody"):
        call_command("create_api_token", "nobody", "--name", "x", "--scope", "read")


def test_tokens_are_managed_in_the_ui(client, users):
    client.force_login(users["marketer"])
    response = client.post(
        "/accounts/tokens/", {"name": "Looker Studio", "scopes": ["metrics:read"]}
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(name="Looker Studio")
    raw = response.context["raw_token"]
    assert hash_token(raw) == token.key_hash
    assert raw in response.content.decode()
    # The list shows it afterwards without the raw key.
    page = client.get("/accounts/tokens/").content.decode()
    assert "Looker Studio" in page and raw not in page
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_user_cannot_revoke_someone_elses_token(client, users):
    token, _raw = create_api_token(owner=users["ops"], name="ops job", scopes=["read"])
    client.force_login(users["marketer"])
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_ui_form_shows_field_errors(client, users):
    client.force_login(users["marketer"])
    response = client.post("/accounts/tokens/", {"name": "", "scopes": []})
    assert response.status_code == 200
    form = response.context["form"]
    assert "name" in form.errors and "scopes" in form.errors
    assert not ApiToken.objects.exists()


def test_tokens_that_wrote_operations_objects_keep_that_right(users):
    """Migration mops 0003: ``incidents:write`` used to cover tools, checks and runbooks."""
    from importlib import import_module

    from django.apps import apps

    old, _raw = create_api_token(owner=users["ops"], name="bot", scopes=["incidents:write"])
    reader, _raw = create_api_token(owner=users["ops"], name="reader", scopes=["read"])
    import_module("mops.migrations.0003_operations_write_scope").split_scope(apps, None)
    old.refresh_from_db()
    reader.refresh_from_db()
    assert old.scopes == ["incidents:write", "operations:write"]
    assert reader.scopes == ["read"]
