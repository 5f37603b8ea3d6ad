from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

SECTIONS = [
    ("operations", _("Operations"), "運用", "operations:index"),
    ("governance", _("Governance"), "運営", "governance:index"),
    ("analytics", _("Analytics"), "分析", "analytics:index"),
]


def navigation(request: HttpRequest) -> dict:
    match = getattr(request, "resolver_match", None)
    current = match.app_name if match else ""
    return {
        "nav_sections": [
            {"key": key, "label": label, "kanji": kanji, "url_name": url, "active": key == current}
            for key, label, kanji, url in SECTIONS
        ]
    }
