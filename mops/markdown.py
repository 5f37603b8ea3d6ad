"""Markdown rendered safely: Python-Markdown, then an nh3 allow-list sanitizer.

Runbook bodies and step instructions are written by people and shown to others, so the HTML that
Markdown produces (it passes raw HTML through) is cleaned: only the tags and attributes below
survive, links may only use http(s) and mailto, and every link gets ``rel="noopener noreferrer"``.
Images are left out on purpose: the CSP allows no third-party image source, and a remote image
is a tracking pixel.
"""

from __future__ import annotations

import markdown as _markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "ins",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "ol": {"start"},
    "td": {"align"},
    "th": {"align"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["extra", "sane_lists"]
MAX_LENGTH = 200_000


def sanitize(html: str) -> str:
    """Keep only allow-listed tags/attributes; drop script/style with their content."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render_markdown(text: str | None) -> SafeString:
    """Markdown to HTML that is safe to put in a page as is."""
    if not text:
        return mark_safe("")
    html = _markdown.markdown(text[:MAX_LENGTH], extensions=EXTENSIONS, output_format="html")
    return mark_safe(sanitize(html))  # noqa: S308 - sanitized by nh3 with an allow-list
