"""Static checks of the Dockerfile and .dockerignore (no Docker engine needed: the Dockerfile is
read as (instruction, arguments) pairs)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with comments dropped and continuation lines joined."""
    logical: list[str] = []
    pending = ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append(pending + stripped)
        pending = ""
    if pending:
        logical.append(pending)
    pairs = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        pairs.append((keyword.upper(), " ".join(rest.split())))
    return pairs


def test_dockerfile_base_image():
    froms = [args for keyword, args in dockerfile_instructions() if keyword == "FROM"]
    assert froms and froms[0].split()[0] == "python:3.11-slim"


def test_dockerfile_installs_the_hashed_lock():
    runs = [args for keyword, args in dockerfile_instructions() if keyword == "RUN"]
    installs = [run for run in runs if "pip install" in run and "requirements.lock" in run]
    assert installs, "no RUN installs requirements.lock"
    assert any("--require-hashes" in run and "-r requirements.lock" in run for run in installs)


def test_dockerfile_collects_static_with_build_only_secrets():
    instructions = dockerfile_instructions()
    runs = [args for keyword, args in instructions if keyword == "RUN"]
    collect = [run for run in runs if "collectstatic" in run]
    assert collect and "--noinput" in collect[0]
    assert re.search(r"\bDEBUG=(false|False|0|off|no)\b", collect[0])
    assert re.search(r"\bALLOWED_HOSTS=\S+", collect[0])
    key = re.search(r"\bSECRET_KEY=(\S+)", collect[0])
    assert key and len(key[1].strip("'\"")) >= 50
    # The build-only values must stay out of the image's runtime environment.
    persisted = " ".join(args for keyword, args in instructions if keyword in {"ENV", "ARG"})
    assert "SECRET_KEY" not in persisted
    assert "ALLOWED_HOSTS" not in persisted


def test_dockerfile_has_pg_dump_for_backups_and_a_directory_the_app_may_write():
    runs = [args for keyword, args in dockerfile_instructions() if keyword == "RUN"]
    assert any("apt-get install" in run and "postgresql-client" in run for run in runs)
    assert any("/app/backups" in run and "chown mops" in run for run in runs)


def test_dockerfile_does_not_run_as_root():
    users = [args.split()[0] for keyword, args in dockerfile_instructions() if keyword == "USER"]
    assert users, "no USER instruction: the container would run as root"
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_dockerfile_serves_gunicorn_with_a_healthcheck():
    instructions = dict(dockerfile_instructions())
    assert "8000" in instructions["EXPOSE"].split()
    cmd = instructions["CMD"]
    assert "gunicorn" in cmd and "mops.wsgi:application" in cmd and "0.0.0.0:8000" in cmd
    workers = re.search(r"""(?:--workers|-w)["',\s=]+(\d+)""", cmd)
    assert workers and int(workers[1]) >= 2
    healthcheck = instructions["HEALTHCHECK"]
    assert "/healthz" in healthcheck and "urllib" in healthcheck
    assert "curl" not in healthcheck


def test_dockerignore_keeps_local_state_out_of_the_image():
    patterns = {
        line.strip().rstrip("/")
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for pattern in (".git", ".venv", "db.sqlite3*", "staticfiles", ".env"):
        assert pattern in patterns, pattern
