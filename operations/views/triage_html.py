"""The triage board's repeated parts as HTML, built in Python: its incident rows, its check
grid and its recent events.

The board redraws up to 100 rows, a cell per tool and 15 events for every viewer every 5 s.
Through the template language a row cost about 200 µs (some 700 variable look-ups, two
``blocktranslate`` and two badges), and through ``format_html`` still 140 µs (35 lazy-aware
escapes); the 15 events took 2.0 ms (130 µs each: two ``date`` filters, ``naturaltime``,
``url`` and ``truncatechars``) and the grid 0.4 ms. Here each row, cell and event is one
f-string in which every text from the database or a translation goes through ``html.escape``
(what Django's ``escape`` calls), and what repeats (badges, forms, links, words) is worked out
once per board. The markup is what the template drew; ``_triage_board.html`` puts it in place.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from mops.relative_time import Clock
from mops.reverse_many import url_for_each

from ..models import CheckState, IncidentState, Severity
from ..selectors.triage import FeedEvent, TriageRow
from ..templatetags.incident_tags import severity_badge, state_badge

ACTIONS = ("acknowledge", "assign-to-me", "resolve")


class BoardRows:
    """Renders the rows of one board: links, badges and words are worked out once per board."""

    def __init__(self, *, query: str, user: Any, csrf_input: SafeString, clock: Clock) -> None:
        self.user_id = user.pk
        self.clock = clock
        self.query = escape(f"?{query}")
        self.detail_url = url_for_each("operations:incident_detail")
        self.action_urls = {
            action: url_for_each("operations:triage_action", action) for action in ACTIONS
        }
        labels = {
            "acknowledge": _("Acknowledge"),
            "assign-to-me": _("Assign to me"),
            "resolve": _("Resolve"),
        }
        # one hidden token input for the board's 100 forms (any masked token is valid)
        self.csrf_input = csrf_input
        # each action's button after its URLs: its attributes, its label and its end tag
        self.button_ends = {}
        for action in ACTIONS:
            primary = ' class="primary"' if action == "acknowledge" else ""
            self.button_ends[action] = (
                f'{primary} data-action="{action}">{escape(labels[action])}</button>'
            )
        self.severity_badges = {value: severity_badge(value) for value in Severity.values}
        self.state_badges = {
            value: state_badge(value, str(label)) for value, label in IncidentState.choices
        }
        self.overdue = escape(pgettext("badge", "overdue"))
        self.acknowledged = escape(_("acknowledged"))
        self.nobody = escape(_("nobody"))

    def render(self, rows: Iterable[TriageRow]) -> SafeString:
        """The rows' ``<tr>`` elements, one after another."""
        return mark_safe("".join(self.row(row) for row in rows))  # noqa: S308  # all escaped

    def row(self, row: TriageRow) -> str:
        incident = row.incident
        pk = incident.pk
        triggered = self.clock.local(incident.triggered_at)
        classes = " ".join(
            name
            for name, on in (
                ("ops-row-sev1", incident.severity == "sev1"),
                ("ops-row-overdue", row.overdue),
            )
            if on
        )
        severity = self.severity_badges.get(incident.severity) or severity_badge(incident.severity)
        state = self.state_badges.get(incident.state) or state_badge(incident.state, incident.state)
        return (
            f'<tr id="incident-row-{pk}" data-incident="{pk}" class="{classes}">'
            f"<td>{severity}</td>"
            f'<td><a href="{escape(self.detail_url(pk))}">#{pk} {escape(incident.title)}</a>'
            f'<br><small class="help">{self.context(row)}</small></td>'
            f"<td>{state}</td>"
            f'<td><time datetime="{triggered.isoformat()}" title="{triggered:%Y-%m-%d %H:%M}">'
            f"{escape(self.clock.natural(incident.triggered_at))}</time></td>"
            f"<td>{self.deadline(row)}</td><td>{self.assignee(row)}</td>"
            f'<td class="ops-actions">{self.actions(row)}</td></tr>'
        )

    def context(self, row: TriageRow) -> str:
        """The team, the affected tools and the number of alerts: "Team · GTM · 3 alerts"."""
        parts = [row.incident.team_name, *row.tools]
        alerts = row.incident.alert_count
        if alerts > 1:
            parts.append(ngettext("%(n)s alert", "%(n)s alerts", alerts) % {"n": alerts})
        return escape(" · ".join(parts))

    def deadline(self, row: TriageRow) -> str:
        incident = row.incident
        if incident.state == IncidentState.TRIGGERED and row.ack_deadline:
            if row.overdue:
                late = _("by %(t)s") % {"t": self.clock.since(row.ack_deadline)}
                return f'<span class="badge red">{self.overdue}</span> {escape(late)}'
            left = _("%(t)s left") % {"t": self.clock.until(row.ack_deadline)}
            return f'<span class="badge amber">{escape(left)}</span>'
        if incident.acknowledged_at:
            when = escape(self.clock.natural(incident.acknowledged_at))
            return f'<span class="help">{self.acknowledged} {when}</span>'
        return "—"

    def assignee(self, row: TriageRow) -> str:
        if row.incident.assignee_id is None:
            return f'<span class="help">{self.nobody}</span>'
        return escape(row.incident.assignee_name)

    def actions(self, row: TriageRow) -> str:
        if not row.can_manage:
            return ""
        incident = row.incident
        shown = [
            action
            for action, on in (
                ("acknowledge", incident.state == IncidentState.TRIGGERED),
                ("assign-to-me", incident.assignee_id != self.user_id),
                ("resolve", True),
            )
            if on
        ]
        # one form, a button per action: each posts to its own URL (formaction without
        # JavaScript, hx-post with it, the form's token and target going along)
        buttons = []
        for action in shown:
            url = escape(self.action_urls[action](incident.pk)) + self.query
            end = self.button_ends[action]
            buttons.append(f'<button type="submit" formaction="{url}" hx-post="{url}"{end}')
        return (
            '<form method="post" hx-target="#triage-board" hx-swap="outerHTML" class="inline">'
            f"{self.csrf_input}{''.join(buttons)}</form>"
        )


# a tool's cell is coloured by its worst check state
GRID_COLOURS = {CheckState.DOWN: "red", CheckState.LATE: "amber", CheckState.UP: "green"}


def grid_cells(grid: Iterable[dict[str, Any]]) -> SafeString:
    """The check grid's ``<li>`` cells (``selectors.triage.check_grid``): each tool, linked to
    the board filtered by it, and how many of its checks are in each state."""
    words = {
        CheckState.UP: _("up"),
        CheckState.DOWN: _("down"),
        CheckState.LATE: _("late"),
        CheckState.NEW: _("new"),
        CheckState.PAUSED: _("paused"),
    }
    unknown = _("unknown")
    board_url = escape(reverse("operations:index"))
    cells = []
    for entry in grid:
        tool = escape(str(entry["tool"]))
        if entry["tool_id"]:
            tool = f'<a href="{board_url}?tool={entry["tool_id"]}">{tool}</a>'
        counts = ", ".join(
            f"{n} {escape(words.get(state, unknown))}" for state, n in entry["counts"].items()
        )
        worst = entry["worst"]
        cells.append(
            f'<li class="ops-grid-cell ops-{escape(worst)}">{tool} '
            f'<span class="badge {GRID_COLOURS.get(worst, "grey")}">{counts}</span></li>'
        )
    return mark_safe("".join(cells))  # noqa: S308  # all escaped


def event_items(events: Iterable[FeedEvent], clock: Clock) -> SafeString:
    """The recent events' ``<li>`` items: when (relative, the time in its title), the
    incident's link, what happened (its message cut at 90 characters) and by whom."""
    detail_url = url_for_each("operations:incident_detail")
    items = []
    for event in events:
        at = clock.local(event.at)
        what = escape(event.kind_label)
        if event.to_state_label:
            what += f": {escape(event.to_state_label)}"
        if event.message:
            what += f" — {escape(Truncator(event.message).chars(90))}"
        if event.actor_username:
            what += f" ({escape(event.actor_username)})"
        items.append(
            f'<li><time datetime="{at.isoformat()}" title="{at:%Y-%m-%d %H:%M}">'
            f"{escape(clock.natural(event.at))}</time> "
            f'<a href="{escape(detail_url(event.incident_id))}">#{event.incident_id}</a> '
            f"{what}</li>"
        )
    return mark_safe("".join(items))  # noqa: S308  # all escaped
