"""The evaluation engine: HTTP, freshness and threshold probes, alert rules, suppression by
maintenance and by a down upstream, scheduler gaps, pruning and claiming."""

from __future__ import annotations

import datetime
import http.server
import threading
import time

import pytest
from django.utils import timezone

from analytics.models import Anomaly, BatchKind, BatchStatus, ImportBatch, Metric, MetricFact
from analytics.services.campaigns import create_campaign
from operations.models import (
    Check,
    CheckResult,
    CheckState,
    Flip,
    Incident,
    Ping,
    ResultStatus,
)
from operations.services.evaluation import claim_due_checks, evaluate_due_checks
from operations.services.inventory import create_integration
from operations.services.monitoring import record_ping
from operations.services.probes import probe_http
from operations.tasks.monitoring import prune_check_results

from .inventory_factories import make_check, make_tool, make_window

pytestmark = pytest.mark.django_db


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/slow":
            time.sleep(2)
        status = 503 if self.path == "/broken" else 200
        body = b"<html>status: all systems go</html>"
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def http_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _http(team, url, **fields):
    return make_check(team, name="Landing page", kind="http", url=url, **fields)


def _run(check, minutes=0):
    """Evaluate at T + minutes (each run is due: push next_due_at back)."""
    now = timezone.now() + datetime.timedelta(minutes=minutes)
    Check.objects.filter(pk=check.pk).update(next_due_at=now)
    evaluate_due_checks(now)
    check.refresh_from_db()
    return check


# --- HTTP -------------------------------------------------------------------------------------


def test_http_check_up_with_expected_status_and_keyword(teams, http_server):
    check = _http(teams["marketing-ops"], f"{http_server}/ok", keyword="all systems go")
    outcome = probe_http(check)
    assert outcome.status == ResultStatus.UP and outcome.value == 200


def test_http_check_down_on_wrong_status(teams, http_server):
    check = _http(teams["marketing-ops"], f"{http_server}/broken")
    outcome = probe_http(check)
    assert outcome.status == ResultStatus.DOWN
    assert "503" in outcome.detail and outcome.value == 503


def test_http_check_down_when_keyword_missing(teams, http_server):
    check = _http(teams["marketing-ops"], f"{http_server}/ok", keyword="maintenance mode off")
    outcome = probe_http(check)
    assert outcome.status == ResultStatus.DOWN
    assert "maintenance mode off" in outcome.detail


def test_http_check_down_on_timeout_without_raising(teams, http_server):
    check = _http(teams["marketing-ops"], f"{http_server}/slow", timeout_seconds=1)
    outcome = probe_http(check)
    assert outcome.status == ResultStatus.DOWN
    assert "1 s" in outcome.detail


def test_http_check_down_on_refused_connection(teams):
    check = _http(teams["marketing-ops"], "http://127.0.0.1:9/")
    outcome = probe_http(check)
    assert outcome.status == ResultStatus.DOWN and outcome.detail


def test_http_evaluation_stores_result_and_opens_one_incident(teams, http_server):
    check = _http(teams["marketing-ops"], f"{http_server}/broken")
    _run(check)
    _run(check, 6)
    assert check.state == CheckState.DOWN
    assert CheckResult.objects.filter(monitor=check, status="down").count() == 2
    assert Incident.objects.filter(source_check=check).count() == 1


# --- freshness and threshold ------------------------------------------------------------------


def _batch(source, hours_ago):
    return ImportBatch.objects.create(
        kind=BatchKind.API,
        source=source,
        status=BatchStatus.SUCCEEDED,
        finished_at=timezone.now() - datetime.timedelta(hours=hours_ago),
    )


def test_freshness_up_while_data_is_recent_and_down_when_stale(teams):
    team = teams["marketing-ops"]
    check = make_check(
        team,
        name="Google Ads feed",
        kind="freshness",
        freshness_source="google_ads",
        max_age_hours=24,
    )
    _run(check)
    assert check.state == CheckState.DOWN  # nothing ever arrived
    _batch("google_ads", hours_ago=2)
    _run(check, 6)
    assert check.state == CheckState.UP
    assert check.results.first().value == pytest.approx(2.1, abs=0.2)
    _run(check, 60 * 30)
    assert check.state == CheckState.DOWN


def _fact(campaign, metric_key, day, value, source="google_ads"):
    MetricFact.objects.create(
        campaign=campaign,
        metric=Metric.objects.get(key=metric_key),
        date=day,
        source=source,
        value=value,
    )


def test_threshold_check_compares_yesterdays_value_with_the_bounds(teams):
    team = teams["marketing-ops"]
    campaign = create_campaign(team=teams["digital-marketing"], name="Winter sale", code="winter")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    check = make_check(
        team,
        name="Conversions floor",
        kind="threshold",
        metric=Metric.objects.get(key="conversions"),
        min_value=10,
    )
    _run(check)
    assert check.state == CheckState.NEW  # no value yet: unknown, neither up nor down
    assert check.results.first().status == ResultStatus.UNKNOWN
    _fact(campaign, "conversions", yesterday, 4)
    _run(check, 6)
    assert check.state == CheckState.DOWN
    assert "below the minimum" in check.results.first().detail


def test_threshold_check_with_anomaly_rule_pages_on_drops_not_spikes(teams):
    team = teams["marketing-ops"]
    campaign = create_campaign(team=teams["digital-marketing"], name="Spring", code="spring")
    other = create_campaign(team=teams["digital-marketing"], name="Sale", code="sale")
    metric = Metric.objects.get(key="conversions")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    check = make_check(
        team, name="Conversion anomalies", kind="threshold", metric=metric, use_anomaly_rule=True
    )
    Anomaly.objects.create(
        campaign=other,
        metric=metric,
        date=yesterday,
        value=90,
        expected=40,
        score=5,
        direction="spike",
    )
    _run(check)
    assert check.state == CheckState.UP
    Anomaly.objects.create(
        campaign=campaign,
        metric=metric,
        date=yesterday,
        value=1,
        expected=40,
        score=6,
        direction="drop",
    )
    _run(check, 6)
    assert check.state == CheckState.DOWN
    assert "Anomaly" in check.results.first().detail


# --- alert rules ------------------------------------------------------------------------------


def test_n_consecutive_failures_before_down(teams, http_server):
    check = _http(teams["marketing-ops"], f"{http_server}/broken", failures_before_down=3)
    _run(check)
    _run(check, 6)
    assert check.state == CheckState.NEW and check.consecutive_failures == 2
    _run(check, 12)
    assert check.state == CheckState.DOWN
    assert "3 consecutive" in check.flips.first().reason


def test_a_success_resets_the_consecutive_count(teams, http_server):
    check = _http(teams["marketing-ops"], f"{http_server}/broken", failures_before_down=2)
    _run(check)
    Check.objects.filter(pk=check.pk).update(url=f"{http_server}/ok")
    _run(check, 6)
    assert check.state == CheckState.UP and check.consecutive_failures == 0


def test_failure_rate_over_window(teams, http_server):
    check = _http(teams["marketing-ops"], f"{http_server}/ok", failure_rate=0.5, window_minutes=60)
    _run(check)
    _run(check, 6)
    Check.objects.filter(pk=check.pk).update(url=f"{http_server}/broken")
    _run(check, 12)
    assert check.state == CheckState.UP  # 1 of 3 failed: under 50%
    _run(check, 18)
    assert check.state == CheckState.DOWN  # 2 of 4
    assert "failure rate 50%" in check.flips.first().reason


# --- suppression ------------------------------------------------------------------------------


def test_maintenance_suppresses_the_incident_but_records_the_flip(teams, http_server):
    team = teams["marketing-ops"]
    tool = make_tool(team, "Marketo", category="ma")
    make_window(tool, timezone.now() - datetime.timedelta(minutes=30), hours=2, title="Upgrade")
    check = _http(team, f"{http_server}/broken", tool=tool)
    _run(check)
    assert check.state == CheckState.DOWN
    flip = check.flips.get()
    assert "maintenance" in flip.reason and flip.processed_at is not None
    assert not Incident.objects.exists()
    for minutes in range(10, 81, 10):
        _run(check, minutes)
    assert not Incident.objects.exists()  # still in the window
    _run(check, 90)  # the window is over and the check is still down: now it pages
    assert check.flips.count() == 1  # no new flip: the incident comes from the still-down rule
    assert Incident.objects.filter(source_check=check).count() == 1
    _run(check, 100)
    assert Incident.objects.filter(source_check=check).count() == 1


def test_a_down_upstream_suppresses_a_second_incident(teams, http_server):
    team = teams["marketing-ops"]
    crm = make_tool(team, "Salesforce")
    ma = make_tool(team, "Marketo", category="ma")
    integration = create_integration(source=crm, target=ma, data_flow="leads")
    upstream = _http(team, f"{http_server}/broken", tool=crm)
    _run(upstream)
    assert upstream.state == CheckState.DOWN and Incident.objects.count() == 1
    downstream = make_check(
        team, name="Lead sync", kind="heartbeat", tool=ma, integration=integration
    )
    record_ping(check=downstream)
    Check.objects.filter(pk=downstream.pk).update(
        last_ping_at=timezone.now() - datetime.timedelta(hours=3)
    )
    _run(downstream)
    assert downstream.state == CheckState.DOWN
    assert "upstream" in downstream.flips.order_by("-at", "-pk").first().reason
    assert Incident.objects.count() == 1


# --- scheduler gaps ---------------------------------------------------------------------------


def test_a_scheduler_gap_is_recorded_as_unknown_not_up_or_down(teams, http_server):
    from operations.selectors.monitoring import downtime

    check = _http(teams["marketing-ops"], f"{http_server}/ok")
    _run(check)
    assert check.state == CheckState.UP
    _run(check, 120)  # interval 5 min: 2 h without an evaluation
    gap = check.results.filter(status=ResultStatus.UNKNOWN).get()
    assert "scheduler" in gap.detail
    assert list(check.flips.order_by("at").values_list("new_state", flat=True)) == [
        "up",
        "unknown",
        "up",
    ]
    spans = downtime(check=check, end=timezone.now() + datetime.timedelta(minutes=121))
    assert spans.down == datetime.timedelta(0)
    assert datetime.timedelta(minutes=100) < spans.unknown < datetime.timedelta(minutes=120)


def test_downtime_is_computed_from_flips(teams):
    from operations.selectors.monitoring import downtime

    check = make_check(teams["marketing-ops"])
    end = timezone.now()
    for minutes, old, new in [(300, "new", "up"), (240, "up", "down"), (180, "down", "up")]:
        Flip.objects.create(
            monitor=check,
            at=end - datetime.timedelta(minutes=minutes),
            old_state=old,
            new_state=new,
        )
    result = downtime(check=check, end=end)
    assert result.down == datetime.timedelta(hours=1)
    assert result.unknown == datetime.timedelta(0)


# --- claiming and pruning ---------------------------------------------------------------------


def test_a_claimed_check_is_not_claimed_again(teams):
    check = make_check(teams["marketing-ops"])
    now = timezone.now()
    assert claim_due_checks(now) == [check.pk]
    assert claim_due_checks(now) == []


def test_prune_keeps_the_newest_results_and_drops_old_ones(teams):
    check = make_check(teams["marketing-ops"])
    now = timezone.now()
    CheckResult.objects.bulk_create(
        [
            CheckResult(monitor=check, at=now - datetime.timedelta(minutes=i), status="up")
            for i in range(30)
        ]
        + [CheckResult(monitor=check, at=now - datetime.timedelta(days=40), status="down")]
    )
    Ping.objects.create(monitor=check, at=now - datetime.timedelta(days=40))
    counts = prune_check_results(keep=10)
    assert counts == {"results": 21, "pings": 1}
    kept = list(check.results.order_by("-at").values_list("at", flat=True))
    assert len(kept) == 10 and kept[0] == now
