"""import_metrics and the upload form share the loader: counts, idempotency, refusals."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from analytics.models import BatchStatus, ImportBatch, MetricFact
from analytics.services.campaigns import create_campaign

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


@pytest.fixture
def winter(teams):
    return create_campaign(team=teams["digital-marketing"], name="冬のセール", code="winter")


def run(path, *args, capsys):
    with pytest.raises(SystemExit) if "refused" in args else _nothing():
        call_command("import_metrics", str(path), *[a for a in args if a != "refused"])
    out = capsys.readouterr().out.strip().splitlines()
    return json.loads(out[-1])


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_wide_japanese_cp932_file_loads_by_campaign_name(tmp_path, winter, capsys):
    path = tmp_path / "report.csv"
    path.write_bytes(WIDE_JA.encode("cp932"))
    counts = run(path, capsys=capsys)
    assert counts == {"received": 6, "created": 6, "updated": 0, "unchanged": 0, "rejected": 0}
    assert MetricFact.objects.get(metric__key="cost", date="2026-11-02").value == 13500
    again = run(path, capsys=capsys)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 6)


def test_unknown_campaign_is_refused_unless_created(tmp_path, db, org, capsys):
    path = tmp_path / "report.csv"
    path.write_bytes(WIDE_JA.encode("utf-8"))
    counts = run(path, "refused", capsys=capsys)
    assert counts["rejected"] == counts["received"] == 6 and counts["created"] == 0
    assert not MetricFact.objects.exists()
    counts = run(path, "--create-campaigns", capsys=capsys)
    assert counts["created"] == 6


def test_refusal_exits_non_zero_and_names_row_and_column(tmp_path, winter, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("date,campaign,metric,value\n2026-11-01,winter,clicks,abc\n")
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_metrics", str(path))
    assert exit_info.value.code == 1
    captured = capsys.readouterr()
    assert "row 2" in captured.err
    assert json.loads(captured.out.strip().splitlines()[-1])["rejected"] == 1


def test_upload_form_loads_and_shows_the_batch(client, users, winter):
    """The upload form goes through the preview; confirming loads through the same loader."""
    client.force_login(users["marketer"])
    upload = SimpleUploadedFile("report.csv", WIDE_JA.encode("cp932"), content_type="text/csv")
    response = client.post("/analytics/imports/new/", {"file": upload}, follow=True)
    preview = response.context["preview"]
    batch = ImportBatch.objects.get()
    assert batch.status == BatchStatus.PENDING and preview.can_confirm
    posted = {}
    for i, (header, choice) in enumerate(preview.mapping.items()):
        posted.update({f"header-{i}": header, f"map-{i}": choice})
    response = client.post(f"/analytics/imports/{batch.pk}/confirm/", posted, follow=True)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.SUCCEEDED and batch.created == 6
    assert batch.created_by == users["marketer"] and batch.encoding
    assert response.status_code == 200 and f"#{batch.pk}" in response.content.decode()


def test_upload_with_bad_rows_is_refused_whole(client, users, winter):
    client.force_login(users["marketer"])
    text = WIDE_JA.replace("1200,60", "1200,-60")
    upload = SimpleUploadedFile("report.csv", text.encode("utf-8"), content_type="text/csv")
    response = client.post("/analytics/imports/new/", {"file": upload}, follow=True)
    batch = ImportBatch.objects.get()
    assert response.context["preview"].error_count == 1 and not batch.created
    assert not MetricFact.objects.exists()
    assert "クリック数" in response.content.decode()
    response = client.post(f"/analytics/imports/{batch.pk}/confirm/", {"header-0": "x"})
    assert response.status_code == 400 and not MetricFact.objects.exists()


META_USD = (
    "Reporting starts,Reporting ends,Campaign name,Day,Amount spent (USD),Impressions\n"
    "2026-11-01,2026-11-01,冬のセール,2026-11-01,12.50,1000\n"
)


def test_file_in_another_currency_than_the_campaign_is_refused_and_writes_nothing(
    tmp_path, winter, capsys
):
    path = tmp_path / "meta.csv"
    path.write_text(META_USD, encoding="utf-8")
    counts = run(path, "refused", capsys=capsys)
    assert counts["rejected"] == counts["received"] > 0
    assert not MetricFact.objects.exists()
    batch = ImportBatch.objects.get()
    assert batch.errors[0]["field"] == "currency"
    assert "USD" in batch.errors[0]["message"] and "JPY" in batch.errors[0]["message"]


def test_file_in_the_campaigns_currency_loads(tmp_path, winter, capsys):
    winter.currency = "USD"
    winter.save()
    path = tmp_path / "meta.csv"
    path.write_text(META_USD, encoding="utf-8")
    counts = run(path, capsys=capsys)
    assert counts["created"] == 2
    assert MetricFact.objects.get(metric__key="cost").value == 12.5
