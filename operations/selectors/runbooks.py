"""Runbook reads, scoped to what the user may see, and the text forms of a version.

Stale means overdue for review: the review is due ``review_interval_days`` after the last review
(or after creation when never reviewed). The due date is computed in the database so that lists
can filter and count stale runbooks without loading them.
"""

from __future__ import annotations

import datetime
import difflib
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    IntegerField,
    Prefetch,
    QuerySet,
    Value,
    Window,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from mops.models import Role
from mops.permissions import restrict

from ..models import (
    CheckKind,
    Incident,
    Runbook,
    RunbookExecution,
    RunbookStep,
    RunbookVersion,
    StepKind,
    StepRun,
    Tool,
    ToolLifecycle,
)
from ..models.incidents import OPEN_STATES

ONE_DAY = datetime.timedelta(days=1)


def with_review_due(qs: QuerySet[Runbook]) -> QuerySet[Runbook]:
    """Annotate ``due_at``: last review (or creation) plus the review interval."""
    interval = ExpressionWrapper(
        Cast("review_interval_days", IntegerField()) * Value(ONE_DAY, output_field=DurationField()),
        output_field=DurationField(),
    )
    return qs.annotate(
        due_at=ExpressionWrapper(
            Coalesce("last_reviewed_at", "created_at") + interval, output_field=DateTimeField()
        )
    )


def runbooks_for(*, user: Any, action: str = "view") -> QuerySet[Runbook]:
    """Runbooks the user may ``action``, with what a list needs in a constant number of queries."""
    qs = Runbook.objects.select_related("team", "owner", "current_version")
    qs = qs.prefetch_related(Prefetch("tools", queryset=Tool.objects.order_by("name")))
    return with_review_due(restrict(qs, user, action))


def stale_runbooks(*, user: Any, now: datetime.datetime | None = None) -> QuerySet[Runbook]:
    qs = runbooks_for(user=user)
    return qs.filter(due_at__lt=now or timezone.now()).order_by("due_at")  # type: ignore[misc]


def most_overdue(*, user: Any, limit: int) -> tuple[list[Runbook], int]:
    """The ``limit`` runbooks most overdue for review (their title and key only) and how many are
    overdue in all: one query (each row carries the total as a window)."""
    stale = stale_runbooks(user=user).select_related(None).prefetch_related(None)
    rows = list(stale.only("pk", "title").annotate(stale_total=Window(Count("pk")))[:limit])
    return list(rows), rows[0].stale_total if rows else 0


def tools_without_runbook(*, user: Any) -> QuerySet[Tool]:
    """Tools the user may see that no runbook covers (retired tools need none)."""
    qs = restrict(Tool.objects.select_related("team"), user, "view")
    return (
        qs.exclude(lifecycle=ToolLifecycle.RETIRED)
        .annotate(runbook_count=Count("runbooks"))
        .filter(runbook_count=0)
        .order_by("name")
    )


def single_executor_runbooks(*, user: Any) -> QuerySet[Runbook]:
    """Runbooks that only one person has ever started (属人化: nobody else has run them).

    Runbooks never executed are not in this list; they show up as "never run" on their page.
    """
    return (
        runbooks_for(user=user)
        .annotate(
            executor_count=Count("executions__started_by", distinct=True),
            execution_count=Count("executions", distinct=True),
        )
        .filter(executor_count=1)
        .order_by("title")
    )


def sole_executors(runbooks: list[Runbook]) -> dict[int, Any]:
    """Runbook pk -> the one person who executed it (one query for the whole list)."""
    rows = (
        RunbookExecution.objects.filter(runbook__in=[r.pk for r in runbooks])
        .select_related("started_by")
        .order_by("runbook_id", "-started_at")
    )
    found: dict[int, Any] = {}
    for execution in rows:
        found.setdefault(execution.runbook_id, execution.started_by)
    return found


def suggested_runbooks(*, user: Any, incident: Incident) -> QuerySet[Runbook]:
    """Runbooks for an incident: those linked to its affected tools or its check's kind."""
    visible = runbooks_for(user=user)
    tools = list(incident.affected_tools.values_list("pk", flat=True))
    pks = set(visible.filter(tools__in=tools).values_list("pk", flat=True)) if tools else set()
    kind = getattr(incident.source_check, "kind", None)
    if kind:
        # JSON "contains" is not portable to SQLite; runbooks are few, so match in Python.
        pks |= {pk for pk, kinds in visible.values_list("pk", "check_kinds") if kind in kinds}
    return visible.filter(pk__in=pks).order_by("title")


def versions_of(runbook: Runbook) -> QuerySet[RunbookVersion]:
    return runbook.versions.select_related("author").order_by("-number")


def version_steps(version: RunbookVersion) -> list[RunbookStep]:
    return list(version.steps.order_by("order"))


def executions_for(*, user: Any, action: str = "view") -> QuerySet[RunbookExecution]:
    qs = RunbookExecution.objects.select_related(
        "runbook", "runbook__team", "version", "incident", "started_by"
    )
    return restrict(qs, user, action)


def open_incidents_for(*, user: Any) -> QuerySet[Incident]:
    """Open incidents a runbook may be started from."""
    qs = Incident.objects.filter(state__in=[s.value for s in OPEN_STATES])
    return restrict(qs, user, "view").order_by("-triggered_at")


@dataclass(frozen=True)
class StepLine:
    """One step of an execution as the page shows it."""

    step: RunbookStep
    run: StepRun | None
    is_next: bool

    @property
    def done(self) -> bool:
        return self.run is not None


def execution_steps(execution: RunbookExecution) -> list[StepLine]:
    """Steps of the executed version with their check-offs; the first undone one is next."""
    steps = list(execution.version.steps.order_by("order"))
    runs = {
        run.step_id: run for run in execution.step_runs.select_related("done_by", "approved_by")
    }
    lines: list[StepLine] = []
    next_found = execution.finished_at is not None
    for step in steps:
        run = runs.get(step.pk)
        is_next = not next_found and run is None
        next_found = next_found or is_next
        lines.append(StepLine(step=step, run=run, is_next=is_next))
    return lines


# --- text forms: export and diff ----------------------------------------------------------


def _step_heading(step: dict[str, Any] | RunbookStep) -> str:
    get = step.get if isinstance(step, dict) else lambda k, d="": getattr(step, k, d)
    kind = get("kind", StepKind.ACTION)
    title = get("title", "")
    if kind == StepKind.APPROVAL:
        role = get("approver_role", "")
        label = Role(role).label if role in Role.values else role
        return _("%(title)s (approval by %(role)s)") % {"title": title, "role": label}
    if kind == StepKind.DECISION:
        return _("%(title)s (decision)") % {"title": title}
    return str(title)


def steps_markdown(steps: list[dict[str, Any]]) -> str:
    """The steps as a numbered Markdown list, bodies indented under their step."""
    lines: list[str] = []
    for number, step in enumerate(steps, start=1):
        lines.append(f"{number}. **{_step_heading(step)}**")
        body = (step.get("body") or "").strip()
        if body:
            lines.append("")
            lines.extend(f"    {line}" if line else "" for line in body.splitlines())
        lines.append("")
    return "\n".join(lines).rstrip() + "\n" if lines else ""


def version_text(version: RunbookVersion) -> str:
    """Body and steps of a version: what a diff compares."""
    parts = [version.body_markdown.strip(), ""]
    if version.steps_snapshot:
        parts += [f"## {_('Steps')}", "", steps_markdown(version.steps_snapshot)]
    return "\n".join(parts).strip() + "\n"


def _person(user: Any) -> str:
    """Family name first, as the team writes names (鈴木 健太), with the login in brackets."""
    if user is None:
        return "—"
    name = f"{user.last_name} {user.first_name}".strip()
    return f"{name} ({user.get_username()})" if name else user.get_username()


def export_markdown(runbook: Runbook, version: RunbookVersion) -> str:
    """A self-contained Markdown document: title, metadata, body and steps."""
    kinds = dict(CheckKind.choices)
    tools = ", ".join(t.name for t in runbook.tools.all()) or "—"
    check_kinds = ", ".join(str(kinds.get(k, k)) for k in runbook.check_kinds) or "—"
    owner = _person(runbook.owner)
    author = version.author.get_username() if version.author else "—"
    reviewed = (
        timezone.localtime(runbook.last_reviewed_at).strftime("%Y-%m-%d")
        if runbook.last_reviewed_at
        else _("never")
    )
    meta = [
        (_("Team"), str(runbook.team)),
        (_("Owner"), owner),
        (
            _("Version"),
            f"{version.number} ({timezone.localtime(version.created_at):%Y-%m-%d %H:%M}, {author})",
        ),
        (_("Tools"), tools),
        (_("Check kinds"), check_kinds),
        (_("Review every"), _("%(days)s days") % {"days": runbook.review_interval_days}),
        (_("Last reviewed"), reviewed),
        (_("Next review due"), timezone.localtime(runbook.review_due_at).strftime("%Y-%m-%d")),
    ]
    parts = [f"# {runbook.title}", ""]
    if runbook.summary:
        parts += [f"> {runbook.summary}", ""]
    parts += [f"- **{label}**: {value}" for label, value in meta]
    parts.append("")
    if version.body_markdown.strip():
        parts += [version.body_markdown.strip(), ""]
    if version.steps_snapshot:
        parts += [f"## {_('Steps')}", "", steps_markdown(version.steps_snapshot)]
    return "\n".join(parts).rstrip() + "\n"


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "add", "del", "hunk", "ctx", "file"
    text: str


def version_diff(old: RunbookVersion, new: RunbookVersion) -> list[DiffLine]:
    """A unified diff of two versions' text (the template escapes every line)."""
    lines = difflib.unified_diff(
        version_text(old).splitlines(),
        version_text(new).splitlines(),
        fromfile=f"v{old.number}",
        tofile=f"v{new.number}",
        lineterm="",
    )
    out: list[DiffLine] = []
    for line in lines:
        if line.startswith(("---", "+++")):
            kind = "file"
        elif line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        else:
            kind = "ctx"
        out.append(DiffLine(kind, line))
    return out
