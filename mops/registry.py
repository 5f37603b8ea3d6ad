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


# key -> callable(request) -> dict(title=..., template=..., context=...) or None
overview_panels = Registry("overview_panels")
# key -> callable(*, start, end, scope) -> list of spans for charts
chart_annotations = Registry("chart_annotations")
# key -> callable(*, stdout) -> None; run by seed_demo in registration order
demo_seeders = Registry("demo_seeders")
# prefix -> (viewset class, basename); the /api/v1/ router is built from these
api_routes = Registry("api_routes")
# key -> list of django.urls.path() mounted under /api/v1/ (views that are not viewsets)
api_paths = Registry("api_paths")

DemoSeeder = Callable[..., None]
