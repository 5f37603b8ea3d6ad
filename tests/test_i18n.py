"""The Japanese catalogue: complete, compiled, covering the code, and used by the pages."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "locale"
PO_PATH = LOCALE_DIR / "ja" / "LC_MESSAGES" / "django.po"
MO_PATH = LOCALE_DIR / "ja" / "LC_MESSAGES" / "django.mo"

# The same flags as the Makefile's ``messages`` target.
MAKEMESSAGES_ARGS = [
    "makemessages",
    "--locale",
    "ja",
    "--no-obsolete",
    "--ignore",
    ".venv/*",
    "--ignore",
    "staticfiles/*",
]
COPY_IGNORE = shutil.ignore_patterns(
    ".venv", ".git", "staticfiles", "node_modules", "__pycache__", "*.sqlite3", "*.sqlite3-*"
)
GETTEXT_TOOLS = ("xgettext", "msguniq", "msgmerge")

# printf-style (``%(name)s``, ``%s``, ``%d``…) and brace-style (``{name}``) placeholders.
PLACEHOLDER = re.compile(
    r"%(?:\([^)]+\))?[-#0 +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa]|\{[^{}\s]*\}"
)


def load_po(path: Path) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale="ja")


def forms(value: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text.replace("%%", "")))


def entries(catalog: Catalog):
    """The catalogue's messages without the header."""
    return [message for message in catalog if message.id]


def translated(message) -> bool:
    return bool(forms(message.string)) and all(s.strip() for s in forms(message.string))


def pairs(catalog: Catalog) -> set[tuple]:
    return {(m.context, forms(m.id), forms(m.string)) for m in catalog if m.id}


def test_po_header_is_japanese():
    catalog = load_po(PO_PATH)
    assert str(catalog.locale) == "ja"
    headers = dict(catalog.mime_headers)
    assert headers["Language"] == "ja"
    assert headers["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"
    assert not catalog.fuzzy, "the header is marked fuzzy: pybabel compile would skip the catalogue"
    assert entries(catalog), "the catalogue is empty"


def test_every_entry_is_translated_not_fuzzy_and_keeps_placeholders():
    catalog = load_po(PO_PATH)
    untranslated, fuzzy, mismatched, plural_forms = [], [], [], []
    for message in entries(catalog):
        if not translated(message):
            untranslated.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
        if message.pluralizable and len(forms(message.string)) != 1:
            plural_forms.append(message.id)
        # With nplurals=1 the single form serves every count: it must carry the plural's names.
        expected = placeholders(forms(message.id)[-1])
        for text in forms(message.string):
            if text and placeholders(text) != expected:
                mismatched.append(f"{message.id!r}: {sorted(expected)} ≠ {text!r}")
    problems = {
        "untranslated": untranslated,
        "fuzzy": fuzzy,
        "placeholders differ": mismatched,
        "plural entries need exactly one msgstr[0]": plural_forms,
    }
    problems = {kind: ids for kind, ids in problems.items() if ids}
    for kind, ids in problems.items():
        print(f"{kind}:")
        for msgid in ids:
            print(f"  {msgid!r}")
    assert not problems, f"{PO_PATH.relative_to(ROOT)} has problems: {problems}"
    assert not catalog.obsolete, f"obsolete entries left: {list(catalog.obsolete)}"


def test_committed_mo_matches_po():
    assert MO_PATH.exists(), "compile the catalogue: make messages"
    buffer = io.BytesIO()
    write_mo(buffer, load_po(PO_PATH))
    buffer.seek(0)
    expected = pairs(read_mo(buffer))
    with MO_PATH.open("rb") as fh:
        committed = pairs(read_mo(fh))
    missing, stale = expected - committed, committed - expected
    for label, diff in (("not in the .mo", missing), ("stale in the .mo", stale)):
        for context, msgid, strings in sorted(diff, key=repr):
            where = f" (context {context!r})" if context else ""
            print(f"{label}: {msgid!r}{where} → {strings!r}")
    assert not missing and not stale, "django.mo is out of date: run `make messages`"


def test_catalogue_covers_the_code(tmp_path):
    missing_tools = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    if missing_tools:
        message = f"GNU gettext is not installed (missing {', '.join(missing_tools)})"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI must install gettext")
        pytest.skip(message)

    copy = tmp_path / "project"
    # The copy's own catalogue is left out: the extraction must come from the code alone.
    shutil.copytree(ROOT, copy, ignore=_ignore_with_locale)
    (copy / "locale").mkdir()

    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL", "REDIS_URL"}
    }
    result = subprocess.run(
        [sys.executable, "manage.py", *MAKEMESSAGES_ARGS],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"

    extracted = entries(load_po(copy / "locale" / "ja" / "LC_MESSAGES" / "django.po"))
    assert extracted, "makemessages extracted nothing"
    committed = load_po(PO_PATH)
    missing = []
    for message in extracted:
        known = committed.get(message.id, context=message.context)
        if known is None or not translated(known) or known.fuzzy:
            missing.append(message.id)
    for msgid in missing:
        print(f"not translated in {PO_PATH.relative_to(ROOT)}: {msgid!r}")
    assert not missing, f"{len(missing)} msgid(s) need a Japanese translation: run `make messages`"


def _ignore_with_locale(directory: str, names: list[str]) -> set[str]:
    ignored = set(COPY_IGNORE(directory, names))
    if Path(directory).resolve() == ROOT:
        ignored.add("locale")
    return ignored


def test_pages_render_in_japanese(client, users):
    client.force_login(users["manager"])
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<html[^>]*\blang="ja"', html), "the page is not marked lang=ja"
    for word in ("運用", "運営", "分析", "ホーム"):
        assert word in html, f"{word} missing from the Japanese page"
    assert ">Operations<" not in html
