"""A marketer's analytics journey in a real browser: campaign form → Shift_JIS export → preview →
confirm with a progress bar → the dashboard shows the new numbers on its chart and table."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files go to a temporary MEDIA_ROOT, not the working tree."""
    settings.MEDIA_ROOT = tmp_path / "media"


CAMPAIGN = "秋の新商品キャンペーン"
LOAD_TIMEOUT_MS = 20_000  # a real worker picks the task up and htmx polls every 2 s


def log_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page).to_have_url(f"{base}/")


def shift_jis_export(path, days):
    """A Yahoo!広告-style wide export, in Shift_JIS, with a title line and a total row."""
    lines = ["キャンペーンレポート", "日,キャンペーン,表示回数,クリック数,費用,コンバージョン"]
    for i, day in enumerate(days):
        lines.append(
            f'{day:%Y/%m/%d},{CAMPAIGN},{1000 + i},{50 + i},"￥{12000 + i * 1000:,}",{3 + i}'
        )
    lines.append('合計,,3003,153,"￥39,000",12')
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp932"))
    return path


def test_marketer_uploads_a_japanese_export_and_sees_the_dashboard_change(
    page: Page, live_server, live_org, demo_password, server_errors, settings, request, tmp_path
):
    # Force the background path (task + progress bar) for this small file.
    settings.ANALYTICS_UPLOAD_TASK_THRESHOLD = 1
    if settings.REDIS_URL:
        request.getfixturevalue("celery_worker")  # a real worker; else tasks run eagerly
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    base = live_server.url
    log_in(page, base, "marketer", demo_password)

    # 1. The campaign, through the form.
    page.goto(f"{base}/analytics/campaigns/new/")
    page.get_by_label(re.compile(r"^name\b", re.IGNORECASE)).fill(CAMPAIGN)
    page.get_by_label(re.compile(r"^channel\b", re.IGNORECASE)).select_option("search")
    page.get_by_label(re.compile(r"^status\b", re.IGNORECASE)).select_option("active")
    page.get_by_label(re.compile(r"^budget\b", re.IGNORECASE)).fill("30000")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(CAMPAIGN)

    # Before the upload the dashboard has nothing for the period.
    page.goto(f"{base}/analytics/?period=last_30")
    expect(page.get_by_text("No campaigns ran in this period.")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(CAMPAIGN)

    # 2. Upload a Shift_JIS export written here.
    today = timezone.localdate()
    days = [today - timedelta(days=d) for d in (2, 1, 0)]
    export = shift_jis_export(tmp_path / "yahoo_report.csv", days)
    page.goto(f"{base}/analytics/imports/new/")
    page.get_by_label(re.compile(r"^File\b", re.IGNORECASE)).set_input_files(str(export))
    page.get_by_role("button", name="Preview").click()

    # 3. The preview: encoding, layout, mapping, first rows, no errors.
    expect(page).to_have_url(re.compile(r"/analytics/imports/\d+/preview/$"))
    expect(page.locator("[data-detected=encoding]")).to_have_text(re.compile("cp932|shift_jis"))
    expect(page.locator("[data-detected=layout]")).to_contain_text("wide")
    expect(page.locator("[data-detected=facts]")).to_have_text("12")
    expect(page.get_by_label("日", exact=True)).to_have_value("date")
    expect(page.get_by_label("費用", exact=True)).to_have_value("cost")
    expect(page.locator("[data-table=facts]")).to_contain_text(CAMPAIGN)
    expect(page.get_by_text("in the background with a progress bar")).to_be_visible()
    confirm = page.get_by_role("button", name="Confirm and load")
    expect(confirm).to_be_enabled()
    confirm.click()

    # 4. The batch page: the progress bar, live until the load ends, then the counts.
    expect(page).to_have_url(re.compile(r"/analytics/imports/\d+/$"))
    expect(page.locator("progress")).to_be_visible()
    expect(page.locator(".progress-text")).to_have_attribute(
        "data-status", "succeeded", timeout=LOAD_TIMEOUT_MS
    )
    expect(page.locator("progress")).to_have_attribute("value", "100")
    expect(page.locator("[data-count=created]")).to_have_text("12")

    # 5. The dashboard shows the new numbers in its table and draws the chart.
    page.goto(f"{base}/analytics/?period=last_30")
    table = page.locator("[data-table=performance]")
    row = table.locator("tbody tr").filter(has_text=CAMPAIGN)
    expect(row).to_contain_text("¥39,000")  # 12,000 + 13,000 + 14,000
    expect(row).to_contain_text("3,003")
    expect(row).to_contain_text("¥3,250")  # CPA = 39,000 / 12
    expect(page.locator(".chart-canvas[data-chart-ready=true]").first).to_be_visible()
    expect(page.locator(".chart-canvas .main-svg").first).to_be_attached()
    assert server_errors == [] and csp_errors == []
