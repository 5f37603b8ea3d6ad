"""KPI formulas: the grammar, refusals with clear messages, warnings, and the services."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from analytics.models import Kpi, KpiValue, Metric
from analytics.services.kpis import (
    Expression,
    create_kpi,
    expression_warnings,
    kpi_warnings,
    parse_expression,
    update_kpi,
)

from .kpi_helpers import make_campaign, put_facts

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "numerator", "denominator"),
    [
        ("conversions", ["conversions"], []),
        ("clicks + leads", ["clicks", "leads"], []),
        ("cost / conversions", ["cost"], ["conversions"]),
        ("(cost + revenue) / (clicks)", ["cost", "revenue"], ["clicks"]),
        ("  revenue/cost ", ["revenue"], ["cost"]),
        ("((clicks))", ["clicks"], []),
        ("cost / (clicks + conversions)", ["cost"], ["clicks", "conversions"]),
    ],
)
def test_valid_formulas_parse_into_numerator_and_denominator(text, numerator, denominator):
    expr = parse_expression(text)
    assert expr == Expression(numerator=numerator, denominator=denominator)
    assert expr.is_ratio == bool(denominator)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter a formula"),
        ("cost -", "not allowed"),
        ("cost * 2", "not allowed"),
        ("cost /", "ends too early"),
        ("/ cost", "cannot stand here"),
        ("(cost + clicks", "not closed"),
        ("cost)", "Unexpected"),
        ("cost / clicks / impressions", "Only one division"),
        ("cost clicks", "Unexpected"),
        ("clicks + clicks", "appears twice"),
        ("cost / spend", "Unknown metric “spend”"),
    ],
)
def test_malformed_formulas_and_unknown_keys_are_refused_with_a_reason(text, message):
    with pytest.raises(ValidationError) as error:
        parse_expression(text)
    assert message in " ".join(error.value.messages)


def test_unknown_key_message_lists_the_known_metrics():
    with pytest.raises(ValidationError) as error:
        parse_expression("spend")
    assert "impressions" in error.value.messages[0] and "conversions" in error.value.messages[0]


def test_a_denominator_that_can_be_zero_gets_a_warning_not_a_refusal():
    assert expression_warnings(parse_expression("cost / conversions"))
    assert not expression_warnings(parse_expression("conversions"))
    Metric.objects.create(key="days", name="Days", min_value=1)
    assert not expression_warnings(parse_expression("cost / days"))
    Metric.objects.create(key="balance", name="Balance", min_value=None)
    assert expression_warnings(parse_expression("cost / balance"))


def test_create_kpi_refuses_a_bad_formula_under_the_expression_field(org):
    with pytest.raises(ValidationError) as error:
        create_kpi(key="cpa", name="CPA", expression="cost / spend")
    assert "expression" in error.value.message_dict
    assert not Kpi.objects.exists()


def test_create_kpi_refuses_a_scope_matching_no_campaign(teams):
    make_campaign(teams["digital-marketing"], "search-1", channel="search")
    with pytest.raises(ValidationError) as error:
        create_kpi(key="social-cv", name="CV", expression="conversions", scope_channel="social")
    assert "No campaign matches" in " ".join(error.value.messages)
    with pytest.raises(ValidationError):
        create_kpi(
            key="mgmt-cv", name="CV", expression="conversions", scope_team=teams["management"]
        )
    kpi = create_kpi(key="search-cv", name="CV", expression="conversions", scope_channel="search")
    assert kpi.pk


def test_create_kpi_refuses_duplicate_keys_and_bad_choices(org):
    create_kpi(key="cv", name="CV", expression="conversions")
    with pytest.raises(ValidationError) as error:
        create_kpi(key="cv", name="CV again", expression="conversions", granularity="year")
    assert {"key", "granularity"} <= set(error.value.message_dict)


def test_a_ratio_period_with_zero_denominator_has_no_value(teams):
    campaign = make_campaign(teams["digital-marketing"], "c1")
    put_facts(
        [
            (campaign, date(2026, 11, 2), "cost", 500),
            (campaign, date(2026, 11, 2), "conversions", 0),
        ]
    )
    kpi = create_kpi(key="cpa", name="CPA", expression="cost / conversions", granularity="day")
    assert kpi_warnings(kpi=kpi)
    value = KpiValue.objects.get(kpi=kpi)
    assert (value.numerator, value.denominator, value.value) == (500, 0, None)


def test_update_kpi_recomputes_when_the_formula_or_granularity_changes(teams):
    campaign = make_campaign(teams["digital-marketing"], "c1")
    put_facts(
        [
            (campaign, date(2026, 11, 2), "clicks", 10),
            (campaign, date(2026, 11, 3), "clicks", 20),
            (campaign, date(2026, 11, 3), "cost", 600),
        ]
    )
    kpi = create_kpi(key="clicks", name="Clicks", expression="clicks", granularity="day")
    assert KpiValue.objects.filter(kpi=kpi).count() == 2
    update_kpi(kpi=kpi, granularity="week")
    assert list(KpiValue.objects.filter(kpi=kpi).values_list("period_start", "value")) == [
        (date(2026, 11, 2), 30.0)
    ]
    update_kpi(kpi=kpi, expression="cost / clicks")
    assert KpiValue.objects.get(kpi=kpi).value == pytest.approx(20.0)
    with pytest.raises(ValidationError) as error:
        update_kpi(kpi=kpi, expression="cost / nothing")
    assert "expression" in error.value.message_dict
    with pytest.raises(ValidationError):
        update_kpi(kpi=kpi, created_at=None)


def test_turning_a_kpi_back_on_brings_its_values_up_to_date(teams):
    campaign = make_campaign(teams["digital-marketing"], "c1")
    kpi = create_kpi(key="clicks", name="Clicks", expression="clicks", granularity="day")
    update_kpi(kpi=kpi, is_active=False)
    put_facts([(campaign, date(2026, 11, 2), "clicks", 10)])
    assert not KpiValue.objects.filter(kpi=kpi).exists()
    update_kpi(kpi=kpi, is_active=True)
    assert KpiValue.objects.get(kpi=kpi).value == 10
