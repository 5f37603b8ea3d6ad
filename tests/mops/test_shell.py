"""The UI shell: login, sections, profile language, seed_demo, the scheduler."""

from __future__ import annotations

import io
import os

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from mops.management.commands.run_scheduler import run_due_tasks
from mops.models import Team

pytestmark = pytest.mark.django_db


def test_pages_need_login(client):
    for url in ["/", "/operations/", "/governance/", "/analytics/", "/accounts/profile/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/operations/",
        "/governance/",
        "/analytics/",
        "/accounts/profile/",
        "/accounts/tokens/",
        "/teams/",
        "/teams/marketing-ops/",
        "/accounts/password/",
    ],
)
def test_every_shell_page_renders_for_every_role(client, users, url):
    for user in users.values():
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, (user, url)
        assert b'<html lang="en">' in response.content


def test_login_form_logs_in(client, users, settings):
    response = client.post(
        "/accounts/login/", {"username": "ops", "password": "mops-demo-2026"}, follow=True
    )
    assert response.context["user"].username == "ops"


def test_pages_send_a_strict_content_security_policy(client, users):
    client.force_login(users["ops"])
    csp = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert (
        "unsafe-eval" not in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )


def test_profile_language_is_applied_and_remembered(client, users):
    user = users["manager"]
    client.force_login(user)
    response = client.post("/accounts/profile/", {"language": "ja"})
    assert response.status_code == 302
    user.profile.refresh_from_db()
    assert user.profile.language == "ja"
    # A new browser (no language cookie) gets the profile's language.
    client.cookies.pop("django_language", None)
    response = client.get("/")
    assert b'<html lang="ja">' in response.content
    assert response.cookies["django_language"].value == "ja"


def test_language_switch_in_the_top_bar(client, users):
    client.force_login(users["marketer"])
    response = client.post("/i18n/setlang/", {"language": "ja", "next": "/"})
    assert response.status_code == 302
    assert b'<html lang="ja">' in client.get("/").content


def test_seed_demo_is_idempotent_and_prints_logins(db):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    counts = (get_user_model().objects.count(), Team.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (get_user_model().objects.count(), Team.objects.count()) == counts
    text = out.getvalue()
    for username in ["marketer", "ops", "manager", "admin"]:
        assert username in text
    assert "mops-demo-2026" in text
    manager = get_user_model().objects.get(username="manager")
    assert manager.groups.filter(name="manager").exists()
    assert manager.check_password("mops-demo-2026")


def test_scheduler_runs_due_tasks_once(db, monkeypatch):
    calls = []
    monkeypatch.setattr("django.core.management.call_command", lambda *a, **k: calls.append(a))
    monkeypatch.setattr("mops.tasks.call_command", lambda *a, **k: calls.append(a))
    assert "mops: clear expired sessions" in run_due_tasks()
    assert calls == [("clearsessions",)]
    # Just ran: not due again until tomorrow night.
    assert run_due_tasks() == []
    task = PeriodicTask.objects.get(name="mops: clear expired sessions")
    assert task.total_run_count == 1 and task.last_run_at is not None


def test_table_changes_are_pruned_every_ten_minutes(db):
    task = PeriodicTask.objects.select_related("interval").get(name="mops: prune table changes")
    assert (task.interval.every, task.interval.period) == (10, "minutes")
    assert task.enabled and task.task == "mops.tasks.prune_table_changes"


def test_the_scheduler_finds_every_scheduled_task_in_a_fresh_process(db):
    """``run_scheduler`` is not a Celery worker: nothing imports the apps' ``tasks`` modules for
    it. In a process of its own (this one has imported them all), every scheduled task's name
    resolves to a task."""
    import subprocess
    import sys

    names = sorted(set(PeriodicTask.objects.values_list("task", flat=True)))
    assert "operations.tasks.evaluate_checks" in names
    script = (
        "import sys, django; django.setup()\n"
        "from mops.management.commands.run_scheduler import find_task\n"
        "print(' '.join(n for n in sys.argv[1:] if find_task(n) is None))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *names],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "mops.settings"},
        check=True,
    )
    assert done.stdout.split() == []  # no scheduled task names an unknown task
