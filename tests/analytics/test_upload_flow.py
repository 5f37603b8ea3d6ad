"""Upload → preview → confirm: detection shown, mappings saved and reused, the task path with
progress, the batch list, downloads of the original file, and permissions."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile

from analytics.models import BatchStatus, ColumnMap, ImportBatch, MetricFact
from analytics.services.campaigns import create_campaign
from mops.services import add_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files go to a temporary MEDIA_ROOT, not the working tree."""
    settings.MEDIA_ROOT = tmp_path / "media"


WIDE_JA = (
    "キャンペーン レポート\n2026/11/01 - 2026/11/03\n"
    "日,キャンペーン,表示回数,クリック数,費用\n"
    '2026/11/01,冬のセール,1000,50,"￥12,000"\n'
    '2026/11/02,冬のセール,1200,60,"￥13,500"\n'
    '合計,,2200,110,"￥25,500"\n'
)
# A house export whose headers no detector knows: the mapping form makes sense of it.
HOUSE = "day,which,eyeballs,taps\n2026-11-01,winter,100,5\n2026-11-02,winter,120,6\n"


@pytest.fixture
def winter(teams):
    return create_campaign(team=teams["digital-marketing"], name="冬のセール", code="winter")


@pytest.fixture
def marketer(client, users):
    client.force_login(users["marketer"])
    return client


def upload(client, content: bytes, name="report.csv", **data):
    response = client.post(
        "/analytics/imports/new/",
        {"file": SimpleUploadedFile(name, content, content_type="text/csv"), **data},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    batch = ImportBatch.objects.latest("pk")
    assert response["Location"] == f"/analytics/imports/{batch.pk}/preview/"
    return batch


def mapping_post(preview, **overrides):
    """The preview form as the browser would post it (with optional changed choices)."""
    data = {}
    for i, (header, choice) in enumerate(preview.mapping.items()):
        data[f"header-{i}"] = header
        data[f"map-{i}"] = overrides.get(header, choice)
    return data


def test_upload_saves_a_pending_batch_and_previews_detection(marketer, users, winter):
    batch = upload(marketer, WIDE_JA.encode("cp932"))
    assert (
        batch.status == BatchStatus.PENDING and batch.file and batch.created_by == users["marketer"]
    )
    assert not MetricFact.objects.exists()
    response = marketer.get(f"/analytics/imports/{batch.pk}/preview/")
    html = response.content.decode()
    preview = response.context["preview"]
    assert preview.parsed.encoding == "cp932" and preview.parsed.layout == "wide"
    assert preview.parsed.header_row == 3 and preview.fact_count == 6
    assert 'data-detected="encoding">cp932<' in html and "wide (one column per metric)" in html
    assert preview.mapping == {
        "日": "date",
        "キャンペーン": "campaign",
        "表示回数": "impressions",
        "クリック数": "clicks",
        "費用": "cost",
    }
    assert len(preview.rows) == 6 and "冬のセール" in html
    assert preview.can_confirm and "disabled" not in html.split("data-confirm-load", 1)[1][:20]


def test_preview_lists_every_error_and_disables_confirm(marketer, winter):
    bad = WIDE_JA.replace("1200,60", "1200,-60").replace("2026/11/01,", "2026/13/01,")
    batch = upload(marketer, bad.encode("utf-8"))
    response = marketer.get(f"/analytics/imports/{batch.pk}/preview/")
    preview = response.context["preview"]
    assert preview.error_count == 2 and not preview.can_confirm
    assert {(e["row"], e["column"]) for e in preview.errors} == {(4, "日"), (5, "クリック数")}
    html = response.content.decode()
    assert "2 problems" in html and "disabled" in html.split("data-confirm-load", 1)[1][:20]
    # confirming anyway is refused by the server and writes nothing
    response = marketer.post(f"/analytics/imports/{batch.pk}/confirm/", mapping_post(preview))
    assert response.status_code == 400 and not MetricFact.objects.exists()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PENDING


def test_unknown_campaign_shows_in_the_preview(marketer, db, org):
    batch = upload(marketer, WIDE_JA.encode("utf-8"))
    preview = marketer.get(f"/analytics/imports/{batch.pk}/preview/").context["preview"]
    assert preview.error_count == 1 and "冬のセール" in preview.errors[0]["message"]
    assert preview.errors[0]["row"] == 4
    batch = upload(marketer, WIDE_JA.encode("utf-8"), create_campaigns="on")
    preview = marketer.get(f"/analytics/imports/{batch.pk}/preview/").context["preview"]
    assert preview.can_confirm


def test_confirm_loads_small_files_in_the_request(marketer, winter):
    batch = upload(marketer, WIDE_JA.encode("cp932"))
    preview = marketer.get(f"/analytics/imports/{batch.pk}/preview/").context["preview"]
    response = marketer.post(f"/analytics/imports/{batch.pk}/confirm/", mapping_post(preview))
    assert response.status_code == 302 and response["Location"] == f"/analytics/imports/{batch.pk}/"
    batch.refresh_from_db()
    assert batch.status == BatchStatus.SUCCEEDED and batch.progress == 100
    assert (batch.received, batch.created, batch.encoding) == (6, 6, "cp932")
    assert MetricFact.objects.get(metric__key="cost", date="2026-11-02").value == 13500
    page = marketer.get(f"/analytics/imports/{batch.pk}/").content.decode()
    assert 'data-count="created">6<' in page and "hx-get" not in page  # finished: no polling
    # confirming twice does not load twice
    response = marketer.post(f"/analytics/imports/{batch.pk}/confirm/", mapping_post(preview))
    assert response.status_code == 302 and MetricFact.objects.count() == 6


def test_mapping_is_edited_saved_for_the_source_and_reused(marketer, users, winter):
    batch = upload(marketer, HOUSE.encode(), source="house")
    response = marketer.get(f"/analytics/imports/{batch.pk}/preview/")
    preview = response.context["preview"]
    assert not preview.can_confirm  # no date or metric column recognised
    posted = {
        "header-0": "day",
        "map-0": "date",
        "header-1": "which",
        "map-1": "campaign",
        "header-2": "eyeballs",
        "map-2": "impressions",
        "header-3": "taps",
        "map-3": "clicks",
    }
    response = marketer.post(f"/analytics/imports/{batch.pk}/preview/", posted)  # re-preview
    preview = response.context["preview"]
    assert preview.can_confirm and preview.fact_count == 4 and preview.mapping_origin == "edited"
    response = marketer.post(
        f"/analytics/imports/{batch.pk}/confirm/", {**mapping_post(preview), "save_mapping": "on"}
    )
    batch.refresh_from_db()
    assert batch.status == BatchStatus.SUCCEEDED and batch.created == 4
    saved = ColumnMap.objects.get(source="house")
    assert saved.mapping["eyeballs"] == "impressions" and saved.updated_by == users["marketer"]
    # the next upload of the same source starts from the saved mapping
    second = upload(marketer, HOUSE.replace("100,5", "150,5").encode(), source="house")
    response = marketer.get(f"/analytics/imports/{second.pk}/preview/")
    preview = response.context["preview"]
    assert preview.mapping_origin == "saved" and preview.can_confirm
    assert "Starting from the mapping saved for house" in response.content.decode()


def test_confirm_with_a_mapping_that_was_not_previewed_is_refused(marketer, winter):
    batch = upload(marketer, WIDE_JA.encode("utf-8"))
    preview = marketer.get(f"/analytics/imports/{batch.pk}/preview/").context["preview"]
    changed = mapping_post(preview, **{"クリック数": "ignore"})
    response = marketer.post(f"/analytics/imports/{batch.pk}/confirm/", changed)
    assert response.status_code == 400 and not MetricFact.objects.exists()
    assert "check the preview again" in response.content.decode()


def test_large_files_load_in_the_task_with_progress(
    marketer, winter, settings, django_capture_on_commit_callbacks, monkeypatch
):
    from analytics.tasks import load_upload

    settings.ANALYTICS_UPLOAD_TASK_THRESHOLD = 5  # this 6-fact file counts as large
    batch = upload(marketer, WIDE_JA.encode("cp932"))
    preview = marketer.get(f"/analytics/imports/{batch.pk}/preview/").context["preview"]
    assert preview.runs_in_background
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = marketer.post(f"/analytics/imports/{batch.pk}/confirm/", mapping_post(preview))
    assert response.status_code == 302 and len(callbacks) == 1
    batch.refresh_from_db()
    assert batch.status == BatchStatus.RUNNING and batch.progress == 0
    assert not MetricFact.objects.exists()
    page = marketer.get(f"/analytics/imports/{batch.pk}/").content.decode()
    assert "<progress" in page and 'hx-trigger="every 2s"' in page and "data-poll" in page
    progress = marketer.get(f"/analytics/imports/{batch.pk}/progress/", HTTP_HX_REQUEST="true")
    assert 'data-progress="0"' in progress.content.decode() and "HX-Refresh" not in progress
    queued = []

    def run_here(batch_id):  # what a worker would do with the queued task, in this process
        queued.append(batch_id)
        return load_upload.apply(args=[batch_id])

    monkeypatch.setattr(load_upload, "delay", run_here)
    callbacks[0]()
    assert queued == [batch.pk]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.SUCCEEDED and batch.progress == 100 and batch.created == 6
    progress = marketer.get(f"/analytics/imports/{batch.pk}/progress/", HTTP_HX_REQUEST="true")
    html = progress.content.decode()
    assert 'data-progress="100"' in html and "hx-get" not in html
    assert progress["HX-Refresh"] == "true"


def test_progress_reported_inside_the_loads_transaction_shows_before_it_commits(
    marketer, winter, settings, django_capture_on_commit_callbacks, monkeypatch
):
    """A streamed load reports progress from inside its one transaction, whose row update no
    other connection sees until the end: the progress fragment reads what it reported."""
    from django.db import transaction

    from analytics.services import uploads

    settings.ANALYTICS_UPLOAD_TASK_THRESHOLD = 5
    batch = upload(marketer, WIDE_JA.encode("cp932"))
    preview = marketer.get(f"/analytics/imports/{batch.pk}/preview/").context["preview"]
    with django_capture_on_commit_callbacks(execute=False):
        marketer.post(f"/analytics/imports/{batch.pk}/confirm/", mapping_post(preview))
    shown = []

    def half_way(handle, filename, *, progress, **options):
        with transaction.atomic():  # the load's transaction, not committed while it runs
            progress(40)
            transaction.set_rollback(True)  # as another connection sees the row: unchanged
        assert ImportBatch.objects.get(pk=batch.pk).progress == 0
        page = marketer.get(f"/analytics/imports/{batch.pk}/progress/", HTTP_HX_REQUEST="true")
        shown.append(page.content.decode())

    monkeypatch.setattr(uploads, "load_file", half_way)
    uploads.run_upload(batch_id=batch.pk)
    assert 'data-progress="40"' in shown[0] and "hx-get" in shown[0]


def test_task_is_idempotent(winter, users):
    from analytics.tasks import load_upload

    batch = ImportBatch.objects.create(kind="upload", status=BatchStatus.SUCCEEDED, created=3)
    assert load_upload(batch.pk)["status"] == BatchStatus.SUCCEEDED
    batch.refresh_from_db()
    assert batch.created == 3


def test_refused_load_shows_every_error_and_writes_nothing(marketer, winter):
    batch = upload(marketer, WIDE_JA.encode("utf-8"))
    preview = marketer.get(f"/analytics/imports/{batch.pk}/preview/").context["preview"]
    winter.delete()  # the campaign disappears between preview and confirm
    response = marketer.post(f"/analytics/imports/{batch.pk}/confirm/", mapping_post(preview))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.REFUSED and not MetricFact.objects.exists()
    page = marketer.get(response["Location"]).content.decode()
    assert "problems" in page and "冬のセール" in page and batch.error_count == len(batch.errors)


def test_batch_list_and_download_of_the_original(marketer, users, winter):
    content = WIDE_JA.encode("cp932")
    batch = upload(marketer, content)
    page = marketer.get("/analytics/imports/").content.decode()
    assert "report.csv" in page and "marketer" in page
    response = marketer.get(f"/analytics/imports/{batch.pk}/file/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == content
    assert 'filename="report.csv"' in response["Content-Disposition"]


def test_other_teams_batches_are_not_found(client, users, teams, winter):
    client.force_login(users["marketer"])
    batch = upload(client, WIDE_JA.encode("cp932"))
    client.force_login(users["ops"])  # marketing-ops: not the marketer's team
    for url in ("", "file/", "progress/"):
        assert client.get(f"/analytics/imports/{batch.pk}/{url}").status_code == 404, url
    # ops may not upload at all; a marketer of another team does not find the batch
    assert client.get(f"/analytics/imports/{batch.pk}/preview/").status_code == 403
    other = User.objects.create_user("other-marketer")
    other.groups.add(Group.objects.get(name="marketer"))
    add_member(team=teams["marketing-ops"], user=other)
    client.force_login(other)
    for url in ("", "preview/", "file/", "progress/"):
        assert client.get(f"/analytics/imports/{batch.pk}/{url}").status_code == 404, url
    assert client.post(f"/analytics/imports/{batch.pk}/confirm/", {}).status_code == 404
    assert "report.csv" not in client.get("/analytics/imports/").content.decode()
    client.force_login(users["admin"])
    assert client.get(f"/analytics/imports/{batch.pk}/file/").status_code == 200


def test_ops_cannot_upload(client, users):
    client.force_login(users["ops"])
    assert client.get("/analytics/imports/new/").status_code == 403


def test_uploads_never_confirmed_are_pruned_with_their_files_after_a_week(
    marketer, winter, settings
):
    import datetime
    from pathlib import Path

    from django.utils import timezone

    from analytics.services.uploads import prune_abandoned_uploads
    from analytics.tasks import prune_abandoned_uploads as nightly

    abandoned = upload(marketer, WIDE_JA.encode("cp932"), name="old.csv")
    recent = upload(marketer, WIDE_JA.encode("cp932"), name="recent.csv")
    loaded = upload(marketer, WIDE_JA.encode("cp932"), name="loaded.csv")
    preview = marketer.get(f"/analytics/imports/{loaded.pk}/preview/").context["preview"]
    marketer.post(f"/analytics/imports/{loaded.pk}/confirm/", mapping_post(preview))
    eight_days_ago = timezone.now() - datetime.timedelta(days=8)
    ImportBatch.objects.filter(pk__in=[abandoned.pk, loaded.pk]).update(started_at=eight_days_ago)
    old_file = Path(abandoned.file.path)
    assert old_file.exists()

    from django_celery_beat.models import PeriodicTask

    scheduled = PeriodicTask.objects.get(task="analytics.tasks.prune_abandoned_uploads")
    assert scheduled.enabled and scheduled.crontab.hour == "3"
    assert nightly() == 1  # what the scheduler runs
    assert not ImportBatch.objects.filter(pk=abandoned.pk).exists() and not old_file.exists()
    # the recent preview and the loaded batch (and its file) stay
    assert ImportBatch.objects.filter(pk__in=[recent.pk, loaded.pk]).count() == 2
    assert Path(ImportBatch.objects.get(pk=loaded.pk).file.path).exists()
    assert prune_abandoned_uploads() == 0  # idempotent
    settings.ANALYTICS_ABANDONED_UPLOAD_DAYS = 0
    assert prune_abandoned_uploads(now=timezone.now() + datetime.timedelta(seconds=1)) == 1
    assert not ImportBatch.objects.filter(pk=recent.pk).exists()


def test_batch_tables_read_what_they_show_in_constant_queries(
    marketer, users, teams, django_assert_num_queries
):
    """The import lists read a batch's figures, not its stored errors; more batches cost no
    more queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def refused(first, last):
        for i in range(first, last + 1):
            ImportBatch.objects.create(
                kind="upload",
                status=BatchStatus.REFUSED,
                created_by=users["marketer"],
                team=teams["digital-marketing"],
                filename=f"refused-{i}.csv",
                errors=[{"index": r, "field": "date", "message": "bad date"} for r in range(300)],
                error_count=300,
                rejected=300,
            )

    refused(0, 0)
    counts = {}
    for url in ("/analytics/imports/", "/analytics/imports/new/", "/"):
        marketer.get(url)
        with CaptureQueriesContext(connection) as queries:
            marketer.get(url)
        counts[url] = len(queries)
        assert not any('"errors"' in q["sql"] for q in queries.captured_queries), url
    refused(1, 4)
    for url, expected in counts.items():
        with django_assert_num_queries(expected):
            page = marketer.get(url).content.decode()
        assert "refused-4.csv" in page and "marketer" in page, url
