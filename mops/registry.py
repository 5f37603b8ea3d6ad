"""Small registries that higher apps fill in ``AppConfig.ready()``.

``mops`` imports no app. Where the core must show or run something an app owns (an overview
panel, a chart annotation, demo data, API routes), the app registers a callable here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Registry:
    """An ordered list of named entries; registering a name twice replaces the entry."""

    name: str
    entries: dict[str, Any] = field(default_factory=dict)

    def register(self, key: str, value: Any) -> None:
        self.entries[key] = value

    def items(self) -> list[tuple[str, Any]]:
        return list(self.entries.items())

    def values(self) -> list[Any]:
        return list(self.entries.values())


@dataclass(frozen=True)
class Panel:
    """A summary an app shows on other pages: ``build(request)`` returns the template's context
    (``section``, ``title``, ``template``…) or None when there is nothing for this user. ``pages``
    names where it is shown: ``"overview"`` and the section landing pages (``"operations"``…).
    What it shows may depend only on the user and the database (it is cached on those)."""

    build: Callable[[Any], dict[str, Any] | None]
    pages: frozenset[str]


# key -> Panel
overview_panels = Registry("overview_panels")


def panels_on(page: str, request: Any) -> list[dict[str, Any]]:
    """The panels shown on ``page`` that have something for this request's user, in order, as
    ``{"section", "html"}`` (rendered, and cached per user: ``mops.panel_cache``)."""
    from .panel_cache import rendered_panels

    return rendered_panels([(k, p) for k, p in overview_panels.items() if page in p.pages], request)


# key -> callable(request, tool) -> dict(template=..., ...) or None: sections other apps add to
# a tool's page (governance: the skills that name the tool)
tool_sections = Registry("tool_sections")
# key -> callable(*, start, end, scope) -> list of spans for charts
chart_annotations = Registry("chart_annotations")
# key -> callable(*, stdout) -> None; run by seed_demo in registration order
demo_seeders = Registry("demo_seeders")
# prefix -> (viewset class, basename); the /api/v1/ router is built from these
api_routes = Registry("api_routes")
# key -> list of django.urls.path() mounted under /api/v1/ (views that are not viewsets)
api_paths = Registry("api_paths")

DemoSeeder = Callable[..., None]
