"""Settings come from the environment; bad configuration stops start-up naming the variable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "k3Jx-9qLw_Vt2ZpRm8YbNc4HsDf6GaEu1TiOy7WeXvBn0QlKj5MrUoPz"


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    base.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DEBUG": "false", "ALLOWED_HOSTS": "a.example"}, "SECRET_KEY"),
        ({"DEBUG": "false", "SECRET_KEY": "short", "ALLOWED_HOSTS": "a.example"}, "SECRET_KEY"),
        ({"DEBUG": "false", "SECRET_KEY": GOOD_SECRET}, "ALLOWED_HOSTS"),
        ({"DATABASE_URL": "nosuchdb://x/y"}, "DATABASE_URL"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
    ],
)
def test_bad_configuration_fails_at_start_naming_the_variable(env, variable):
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert variable in result.stderr


def test_production_settings_pass_check_deploy(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=GOOD_SECRET,
        ALLOWED_HOSTS="mops.example.jp",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_redirects_to_https_except_probes(tmp_path, settings):
    """The production settings' own values, applied to Django's SecurityMiddleware."""
    from django.middleware.security import SecurityMiddleware
    from django.test import RequestFactory

    code = (
        "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k) "
        "for k in ['SECURE_SSL_REDIRECT', 'SECURE_REDIRECT_EXEMPT', 'SECURE_PROXY_SSL_HEADER', "
        "'SECURE_HSTS_SECONDS', 'SECURE_HSTS_PRELOAD']}))"
    )
    result = run_manage(
        "shell",
        "-c",
        code,
        DEBUG="false",
        SECRET_KEY=GOOD_SECRET,
        ALLOWED_HOSTS="testserver",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert result.returncode == 0, result.stderr
    prod = json.loads(result.stdout.strip().splitlines()[-1])
    assert prod["SECURE_HSTS_PRELOAD"] is True and prod["SECURE_HSTS_SECONDS"] >= 31536000
    for key in ("SECURE_SSL_REDIRECT", "SECURE_REDIRECT_EXEMPT"):
        setattr(settings, key, prod[key])
    settings.SECURE_PROXY_SSL_HEADER = tuple(prod["SECURE_PROXY_SSL_HEADER"])
    middleware = SecurityMiddleware(lambda request: None)
    rf = RequestFactory()
    assert middleware.process_request(rf.get("/healthz")) is None
    assert middleware.process_request(rf.get("/ping/5f0c7d4e/")) is None
    assert middleware.process_request(rf.get("/")).status_code == 301
    proxied = rf.get("/", HTTP_X_FORWARDED_PROTO="https")
    assert middleware.process_request(proxied) is None
