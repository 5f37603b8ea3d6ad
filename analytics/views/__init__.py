"""Analytics pages: the dashboard, campaigns, and metric uploads (one module per topic)."""

from .campaigns import campaign_detail, campaign_form, campaign_list
from .dashboard import dashboard
from .imports import (
    batch_detail,
    batch_download,
    batch_list,
    batch_progress,
    upload,
    upload_confirm,
    upload_preview,
)

__all__ = [
    "batch_detail",
    "batch_download",
    "batch_list",
    "batch_progress",
    "campaign_detail",
    "campaign_form",
    "campaign_list",
    "dashboard",
    "upload",
    "upload_confirm",
    "upload_preview",
]
