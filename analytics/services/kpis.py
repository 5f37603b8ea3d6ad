"""KPI definitions: the formula grammar, its validation, and the create/update services.

A KPI formula is a sum of metric keys, optionally divided by another sum::

    formula := sum [ "/" sum ]
    sum     := term { "+" term }
    term    := metric_key | "(" sum ")"

So ``conversions``, ``clicks + leads``, ``cost / conversions`` and ``(cost + fee) / (clicks)``
are formulas; ``a - b``, ``a / b / c`` and ``a * 2`` are not. Every key must be in the metric
catalogue. Ratios are computed as ratios of sums over the period (never averages of daily
ratios); a period whose denominator sums to zero has no value (n/a).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Campaign, Kpi, KpiValue, Metric

TOKEN = re.compile(r"\s*(?:(?P<key>[A-Za-z_][A-Za-z0-9_-]*)|(?P<op>[+/()])|(?P<bad>\S))")

# Changing any of these invalidates every stored value of the KPI.
DEFINITION_FIELDS = ("expression", "granularity", "scope_channel", "scope_team", "scope_plan")


@dataclass(frozen=True)
class Expression:
    numerator: list[str]
    denominator: list[str] = field(default_factory=list)

    @property
    def is_ratio(self) -> bool:
        return bool(self.denominator)

    @property
    def metric_keys(self) -> list[str]:
        return list(dict.fromkeys([*self.numerator, *self.denominator]))

    def __str__(self) -> str:
        top = " + ".join(self.numerator)
        if not self.denominator:
            return top
        bottom = " + ".join(self.denominator)
        if len(self.numerator) > 1:
            top = f"({top})"
        if len(self.denominator) > 1:
            bottom = f"({bottom})"
        return f"{top} / {bottom}"


def _tokens(expression: str) -> list[str]:
    tokens: list[str] = []
    position = 0
    text = expression.rstrip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if match is None:  # pragma: no cover - the pattern matches any non-space character
            break
        if match.group("bad"):
            raise ValidationError(
                _("“%(char)s” is not allowed in a formula: use metric keys, +, / and parentheses.")
                % {"char": match.group("bad")}
            )
        tokens.append(match.group("key") or match.group("op"))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> str | None:
        token = self.peek()
        self.position += 1
        return token

    def sum(self) -> list[str]:
        keys = self.term()
        while self.peek() == "+":
            self.take()
            keys += self.term()
        return keys

    def term(self) -> list[str]:
        part = self.take()
        if part is None:
            raise ValidationError(_("The formula ends too early: a metric key is missing."))
        if part == "(":
            keys = self.sum()
            if self.take() != ")":
                raise ValidationError(_("A parenthesis is not closed."))
            return keys
        if part in {"+", "/", ")"}:
            raise ValidationError(
                _("“%(token)s” cannot stand here: a metric key is expected.") % {"token": part}
            )
        return [part]


def parse_expression(expression: str, *, known_keys: Collection[str] | None = None) -> Expression:
    """Parse and validate a formula against the metric catalogue.

    Raises ``ValidationError`` (plain messages) for malformed formulas and unknown metric keys.
    ``known_keys`` is the catalogue's keys when the caller has read them already (the recompute
    parses every KPI's formula in one go); by default they are read here.
    """
    tokens = _tokens(expression or "")
    if not tokens:
        raise ValidationError(_("Enter a formula, e.g. “cost / conversions”."))
    parser = _Parser(tokens)
    numerator = parser.sum()
    denominator: list[str] = []
    if parser.peek() == "/":
        parser.take()
        denominator = parser.sum()
    rest = parser.peek()
    if rest is not None:
        if rest == "/":
            raise ValidationError(_("Only one division is allowed: “a / b”, not “a / b / c”."))
        raise ValidationError(
            _("Unexpected “%(token)s”: only + and / join metric keys.") % {"token": rest}
        )
    for part in (numerator, denominator):
        repeated = sorted({key for key in part if part.count(key) > 1})
        if repeated:
            raise ValidationError(
                _("%(keys)s appears twice in the same sum.") % {"keys": ", ".join(repeated)}
            )
    known = set(Metric.objects.values_list("key", flat=True) if known_keys is None else known_keys)
    unknown = [key for key in dict.fromkeys([*numerator, *denominator]) if key not in known]
    if unknown:
        raise ValidationError(
            _("Unknown metric %(keys)s; known metrics: %(known)s")
            % {
                "keys": ", ".join(f"“{key}”" for key in unknown),
                "known": ", ".join(sorted(known)),
            }
        )
    return Expression(numerator=numerator, denominator=denominator)


def expression_warnings(expr: Expression) -> list[str]:
    """Warnings (not refusals): a denominator that can sum to zero leaves periods without value."""
    if not expr.denominator:
        return []
    metrics = Metric.objects.filter(key__in=expr.denominator)
    can_be_zero = sorted(m.key for m in metrics if m.min_value is None or m.min_value <= 0)
    if not can_be_zero:
        return []
    return [
        _(
            "The denominator (%(keys)s) can be zero: periods where it sums to zero have no "
            "value and show as “—”."
        )
        % {"keys": " + ".join(can_be_zero)}
    ]


def kpi_warnings(*, kpi: Kpi) -> list[str]:
    try:
        return expression_warnings(parse_expression(kpi.expression))
    except ValidationError:
        return []


def scope_filter(kpi: Kpi) -> dict[str, Any]:
    """The campaign filter of the KPI's scope (an empty dict: every campaign)."""
    scope: dict[str, Any] = {}
    if kpi.scope_channel:
        scope["channel"] = kpi.scope_channel
    if kpi.scope_team_id:
        scope["team_id"] = kpi.scope_team_id
    if kpi.scope_plan_id:
        scope["plan_id"] = kpi.scope_plan_id
    return scope


def _validate(kpi: Kpi) -> None:
    errors: dict[str, list[str]] = {}
    try:
        kpi.full_clean()
    except ValidationError as error:
        errors.update(error.message_dict)
    if "expression" not in errors:
        try:
            parse_expression(kpi.expression)
        except ValidationError as error:
            errors["expression"] = error.messages
    scope = scope_filter(kpi)
    if scope and not Campaign.objects.filter(**scope).exists():
        errors.setdefault("__all__", []).append(
            _("No campaign matches this scope (channel, team and plan): the KPI would be empty.")
        )
    if errors:
        raise ValidationError(errors)


def _recompute(kpi: Kpi) -> None:
    from .recompute import recompute_kpis

    recompute_kpis(kpis=[kpi])


@transaction.atomic
def create_kpi(
    *,
    key: str,
    name: str,
    expression: str,
    name_ja: str = "",
    unit: str = "",
    display_format: str = "number",
    granularity: str = "week",
    scope_channel: str = "",
    scope_team: Any = None,
    scope_plan: Any = None,
) -> Kpi:
    """Define a KPI; refused for unknown metric keys, a malformed formula or an empty scope.

    Its values are computed at once (one aggregate query), so pages show it immediately.
    ``kpi_warnings(kpi=…)`` tells whether the denominator can be zero.
    """
    kpi = Kpi(
        key=key,
        name=name,
        name_ja=name_ja,
        expression=(expression or "").strip(),
        unit=unit,
        display_format=display_format,
        granularity=granularity,
        scope_channel=scope_channel or "",
        scope_team=scope_team,
        scope_plan=scope_plan,
    )
    _validate(kpi)
    kpi.save()
    _recompute(kpi)
    return kpi


@transaction.atomic
def update_kpi(*, kpi: Kpi, **fields: Any) -> Kpi:
    """Change a KPI; a changed formula, granularity or scope recomputes all its values (so does
    turning an inactive KPI back on: inactive KPIs are not reconciled)."""
    allowed = {f.name for f in Kpi._meta.get_fields()} - {"id", "created_at", "updated_at"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(
            {name: _("This field cannot be changed here.") for name in sorted(unknown)}
        )
    before = {name: getattr(kpi, name) for name in DEFINITION_FIELDS}
    was_active = kpi.is_active
    for name, value in fields.items():
        if name == "expression":
            value = (value or "").strip()
        if name == "scope_channel":
            value = value or ""
        setattr(kpi, name, value)
    _validate(kpi)
    kpi.save()
    if any(getattr(kpi, name) != before[name] for name in DEFINITION_FIELDS):
        KpiValue.objects.filter(kpi=kpi).delete()
        _recompute(kpi)
    elif kpi.is_active and not was_active:  # not reconciled while inactive: bring it up to date
        _recompute(kpi)
    return kpi
