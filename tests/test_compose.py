"""Static checks of docker-compose.yml (the Dockerfile's are in ``test_dockerfile.py``).

No Docker engine is needed: the compose file is parsed with PyYAML, its ``${VAR…}`` references are
resolved the way Compose resolves them, and the result is checked against what ``mops/settings.py``
actually reads. The last tests run ``manage.py check --deploy`` with the web service's environment.
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
SETTINGS_FILE = ROOT / "mops" / "settings.py"

APP_SERVICES = ("web", "worker", "beat")
REQUIRED_APP_ENV = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS")
# Not the bare names: conftest.py skips items whose keywords include "worker" or "redis".
SERVICE_IDS = [f"{name}-service" for name in APP_SERVICES]
BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- helpers ----------------------------------------------------------------------------

_INTERPOLATION = re.compile(
    r"\$(?:(?P<escaped>\$)"
    r"|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
    r"|(?P<named>[A-Za-z_][A-Za-z0-9_]*))"
)


class MissingVariable(Exception):
    """A ``${VAR:?message}`` reference whose variable is unset (Compose refuses to start)."""


def interpolate(value: str, environ: dict[str, str]) -> str:
    """Resolve Compose variable references: ``$$``, ``$VAR``, ``${VAR}``, ``${VAR:-default}``,
    ``${VAR-default}``, ``${VAR:?error}`` and ``${VAR?error}``."""

    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        name = match["braced"] or match["named"]
        op, arg = match["op"], match["arg"] or ""
        current = environ.get(name)
        unset_or_empty = not current
        if op == ":-":
            return arg if unset_or_empty else current
        if op == "-":
            return arg if current is None else current
        if (op == ":?" and unset_or_empty) or (op == "?" and current is None):
            raise MissingVariable(f"{name}: {arg}")
        return current or ""

    return _INTERPOLATION.sub(replace, value)


def load_compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def raw_environment(service: dict) -> dict[str, object]:
    """The service's ``environment`` as a mapping (Compose accepts a mapping or ``KEY=value``)."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return dict(env)


def resolved_environment(service: dict, environ: dict[str, str]) -> dict[str, str]:
    return {
        name: interpolate(str(value), environ)
        for name, value in raw_environment(service).items()
        if value is not None
    }


def command_text(service: dict) -> str:
    command = service.get("command")
    assert command, "service has no command"
    return shlex.join(command) if isinstance(command, list) else command


def command_tokens(service: dict) -> list[str]:
    command = service["command"]
    return list(command) if isinstance(command, list) else shlex.split(command)


def depends_on(service: dict) -> dict[str, dict]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return {name: {"condition": "service_started"} for name in deps}
    return {name: (spec or {"condition": "service_started"}) for name, spec in deps.items()}


def settings_env_names() -> set[str]:
    """Names that mops/settings.py reads with ``_read("NAME", …)``."""
    source = SETTINGS_FILE.read_text(encoding="utf-8")
    return set(re.findall(r"""_read\(\s*["']([A-Z][A-Z0-9_]*)["']""", source))


@pytest.fixture(scope="module")
def compose() -> dict:
    return load_compose()


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict]:
    return compose["services"]


@pytest.fixture(scope="module")
def operator_environ() -> dict[str, str]:
    """What an operator exports before ``docker compose up``: only the required SECRET_KEY."""
    return {"SECRET_KEY": secrets.token_urlsafe(45)}


# --- services and commands --------------------------------------------------------------


def test_compose_defines_the_five_services(services):
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)


def test_backing_services_use_pinned_images_with_healthchecks(services):
    postgres, redis = services["postgres"], services["redis"]
    assert postgres["image"] == "postgres:15"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert any(str(v).endswith("/var/lib/postgresql/data") for v in postgres["volumes"])
    assert redis["image"] == "redis:7"
    assert "redis-cli ping" in " ".join(redis["healthcheck"]["test"])


def test_app_services_build_the_project_image(services):
    for name in APP_SERVICES:
        assert services[name].get("build") in (".", {"context": "."}), name
    images = {services[name].get("image") for name in APP_SERVICES}
    assert len(images) == 1, "web, worker and beat should run the same image"


def test_web_migrates_then_serves_with_gunicorn(services):
    web = services["web"]
    text = command_text(web)
    assert "manage.py migrate" in text
    assert "gunicorn" in text
    assert text.index("manage.py migrate") < text.index("gunicorn"), "migrate must run first"
    assert "mops.wsgi:application" in text
    assert "0.0.0.0:8000" in text
    assert "8000:8000" in [str(port) for port in web["ports"]]


def test_worker_runs_celery_worker(services):
    tokens = command_tokens(services["worker"])
    assert tokens[:4] == ["celery", "-A", "mops", "worker"]


def test_beat_runs_celery_beat_with_database_scheduler(services):
    tokens = command_tokens(services["beat"])
    assert tokens[:4] == ["celery", "-A", "mops", "beat"]
    text = " ".join(tokens)
    forms = (
        f"--scheduler {BEAT_SCHEDULER}",
        f"--scheduler={BEAT_SCHEDULER}",
        f"-S {BEAT_SCHEDULER}",
    )
    assert any(form in text for form in forms), text


def test_app_services_wait_for_healthy_postgres_and_redis(services):
    for name in APP_SERVICES:
        deps = depends_on(services[name])
        for backing in ("postgres", "redis"):
            assert backing in deps, f"{name} does not depend on {backing}"
            assert deps[backing]["condition"] == "service_healthy", (name, backing)


def test_worker_and_beat_wait_for_web_migrations(services):
    """beat's DatabaseScheduler reads tables that web's ``migrate`` creates."""
    for name in ("worker", "beat"):
        assert depends_on(services[name]).get("web", {}).get("condition") == "service_healthy"


def test_worker_and_beat_override_the_http_healthcheck(services):
    """The image's HEALTHCHECK polls gunicorn; worker and beat serve no HTTP, so override it."""
    assert services["beat"].get("healthcheck"), "beat inherits the web HEALTHCHECK"
    assert services["worker"].get("healthcheck"), "worker inherits the web HEALTHCHECK"


# --- environment ------------------------------------------------------------------------


def test_settings_regex_finds_the_documented_variables():
    names = settings_env_names()
    assert set(REQUIRED_APP_ENV) | {"TIME_ZONE", "EMAIL_URL", "LOG_LEVEL"} <= names
    assert "SECURE_SSL_REDIRECT" in names


@pytest.mark.parametrize("name", APP_SERVICES, ids=SERVICE_IDS)
def test_app_environment_only_sets_variables_settings_read(services, name):
    given = set(raw_environment(services[name]))
    unknown = given - settings_env_names()
    assert not unknown, f"{name} sets variables settings never read: {sorted(unknown)}"
    missing = set(REQUIRED_APP_ENV) - given
    assert not missing, f"{name} lacks {sorted(missing)}"


@pytest.mark.parametrize("name", APP_SERVICES, ids=SERVICE_IDS)
def test_app_environment_values_are_strings(services, name):
    """Compose rejects unquoted YAML booleans such as ``DEBUG: false``."""
    for var, value in raw_environment(services[name]).items():
        assert isinstance(value, str), f"{name}.{var} is {type(value).__name__}, quote it"


def test_app_services_share_one_environment(services, operator_environ):
    envs = [resolved_environment(services[name], operator_environ) for name in APP_SERVICES]
    assert envs[0] == envs[1] == envs[2]


def test_app_environment_is_production_mode(services, operator_environ):
    env = resolved_environment(services["web"], operator_environ)
    assert env["DEBUG"].lower() == "false"
    assert env["SECRET_KEY"] == operator_environ["SECRET_KEY"]
    assert {"localhost", "127.0.0.1"} <= set(env["ALLOWED_HOSTS"].split(","))
    assert env["TIME_ZONE"] == "Asia/Tokyo"
    # No TLS proxy in the local stack: the HTTPS redirect is off unless the operator turns it on.
    assert env["SECURE_SSL_REDIRECT"] == "false"
    on = resolved_environment(services["web"], {**operator_environ, "SECURE_SSL_REDIRECT": "true"})
    assert on["SECURE_SSL_REDIRECT"] == "true"


def test_secret_key_must_come_from_the_operator(services):
    raw = raw_environment(services["web"])["SECRET_KEY"]
    assert "${SECRET_KEY:?" in str(raw)
    with pytest.raises(MissingVariable):
        resolved_environment(services["web"], {})
    with pytest.raises(MissingVariable):
        resolved_environment(services["web"], {"SECRET_KEY": ""})


def test_database_url_points_at_the_postgres_service(services, operator_environ):
    url = urlsplit(resolved_environment(services["web"], operator_environ)["DATABASE_URL"])
    pg = {k: str(v) for k, v in raw_environment(services["postgres"]).items()}
    assert url.scheme in {"postgres", "postgresql", "pgsql"}
    assert url.hostname == "postgres"
    assert (url.port or 5432) == 5432
    assert url.username == pg["POSTGRES_USER"]
    assert url.password == pg["POSTGRES_PASSWORD"]
    assert url.path.lstrip("/") == pg["POSTGRES_DB"]


def test_redis_url_points_at_the_redis_service(services, operator_environ):
    url = urlsplit(resolved_environment(services["web"], operator_environ)["REDIS_URL"])
    assert url.scheme == "redis"
    assert url.hostname == "redis"
    assert (url.port or 6379) == 6379


def test_interpolation_helper():
    env = {"SET": "v", "EMPTY": ""}
    assert interpolate("${SET:-d}/${UNSET:-d}/${EMPTY:-d}/${EMPTY-d}", env) == "v/d/d/"
    assert interpolate("$SET $$SET ${SET}", env) == "v $SET v"
    with pytest.raises(MissingVariable):
        interpolate("${EMPTY:?needed}", env)
    assert interpolate("${EMPTY?needed}", env) == ""


# --- volumes ----------------------------------------------------------------------------


def test_backups_go_to_a_volume_web_and_worker_share(services):
    for name in ("web", "worker", "beat"):
        assert "backups:/app/backups" in services[name]["volumes"], name


# --- the settings accept the compose environment ----------------------------------------


_PASS_THROUGH = {"PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "SYSTEMROOT"}


def _deploy_check(env_overrides: dict[str, str], tmp_path: Path, fail_level: str):
    # Like the container: only the compose environment, plus what the interpreter needs. (The
    # test process's own variables, e.g. conftest's DJANGO_ALLOW_ASYNC_UNSAFE, stay out.)
    env = {k: v for k, v in os.environ.items() if k in _PASS_THROUGH}
    env.update(env_overrides)
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'deploy-check.sqlite3'}"
    env.pop("REDIS_URL", None)
    env["DJANGO_SETTINGS_MODULE"] = "mops.settings"
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", fail_level],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_deploy_check_passes_with_the_web_environment_behind_tls(services, tmp_path):
    """The web environment as deployed behind a TLS proxy (SECURE_SSL_REDIRECT=true)."""
    operator = {"SECRET_KEY": secrets.token_urlsafe(45), "SECURE_SSL_REDIRECT": "true"}
    assert len(operator["SECRET_KEY"]) == 60
    web_env = resolved_environment(services["web"], operator)
    result = _deploy_check(web_env, tmp_path, "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_check_with_local_defaults_only_flags_the_ssl_redirect(services, tmp_path):
    """Locally (no TLS proxy) the redirect is off on purpose; that must be the only finding."""
    web_env = resolved_environment(services["web"], {"SECRET_KEY": secrets.token_urlsafe(45)})
    assert web_env["SECURE_SSL_REDIRECT"] == "false"
    result = _deploy_check(web_env, tmp_path, "ERROR")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert set(re.findall(r"\(([\w.]+\.[A-Z]\d{3})\)", output)) == {"security.W008"}, output
