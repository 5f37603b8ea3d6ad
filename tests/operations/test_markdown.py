"""Markdown in runbooks is rendered, then sanitized with an allow-list."""

from __future__ import annotations

import pytest

from mops.markdown import render_markdown


def test_markdown_renders_headings_lists_tables_and_code():
    html = render_markdown("## 手順\n\n- a\n- b\n\n|x|y|\n|-|-|\n|1|2|\n\n```\ncode <b>\n```")
    assert "<h2>手順</h2>" in html
    assert "<li>a</li>" in html
    assert "<td>1</td>" in html
    assert "code &lt;b&gt;" in html


@pytest.mark.parametrize(
    "evil",
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        '<img src=x onerror="alert(1)">',
        '<a href="https://ok.example" onclick="alert(1)">x</a>',
        '<div onmouseover="alert(1)">x</div>',
        "<iframe src=https://evil.example></iframe>",
        "<style>body{display:none}</style>",
        '<svg onload="alert(1)"></svg>',
    ],
)
def test_script_and_event_handlers_are_removed(evil):
    html = render_markdown(f"before\n\n{evil}\n\nafter")
    lowered = html.lower()
    assert "<script" not in lowered
    assert "alert(1)" not in lowered
    assert " on" not in lowered.replace("noopener", "")
    assert "<iframe" not in lowered and "<style" not in lowered and "<img" not in lowered
    assert "before" in html and "after" in html


@pytest.mark.parametrize(
    "link",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[x](vbscript:msgbox)",
    ],
)
def test_dangerous_url_schemes_are_dropped(link):
    html = render_markdown(link).lower()
    assert "javascript:" not in html and "data:" not in html and "vbscript:" not in html
    assert ">x</a>" in html


def test_links_keep_http_and_get_noopener_noreferrer():
    html = render_markdown(
        "[GTM](https://tagmanager.google.com/) and <a href='mailto:a@b.jp'>m</a>"
    )
    assert 'href="https://tagmanager.google.com/"' in html
    assert html.count('rel="noopener noreferrer"') == 2


def test_user_supplied_rel_or_target_is_not_kept():
    html = render_markdown('<a href="https://x.example" rel="opener" target="_blank">x</a>')
    assert 'rel="noopener noreferrer"' in html and 'opener"' not in html.replace("noopener", "")
    assert "target" not in html


def test_empty_text_renders_nothing():
    assert render_markdown("") == "" and render_markdown(None) == ""


def test_template_filter_output_is_not_escaped_twice(rf):
    from django.template import engines

    template = engines["django"].from_string("{% load mops_markdown %}{{ text|markdown }}")
    html = template.render({"text": "**bold** <script>x()</script>"})
    assert "<strong>bold</strong>" in html and "<script" not in html
