"""The balanced scorecard's arithmetic: which findings an indicator reads and how it sums."""

from __future__ import annotations

from datetime import date

import pytest

from api.scorecard import indicator_value, scorecard
from core.config.scorecard import Aggregation, Indicator, ScorecardSettings
from core.i18n import Language, locale_for
from plugins.context import ReviewPeriod
from plugins.findings import Finding, FindingMaker, Kind, Perspective, ReviewInput, Scope, Severity

PERIOD = ReviewPeriod("2025-03", date(2025, 3, 1), date(2025, 3, 31))
MAKER = FindingMaker("commitments", Perspective.CUSTOMER)


def finding(id: str, kind: Kind, **metrics: object) -> Finding:
    severity = Severity.MEDIUM if kind is Kind.NONCONFORMITY else Severity.INFO
    return MAKER.make(
        PERIOD, id, f"finding {id}", kind=kind, severity=severity,
        review_input=ReviewInput.COMPLIANCE, scope=Scope(level="portfolio"), metrics=metrics,
    )  # fmt: skip


FINDINGS = [
    finding("commitment.a.x", Kind.OBSERVATION, share=0.98),
    finding("commitment.a.y", Kind.NONCONFORMITY, share=0.80),
    finding("commitment.b.x", Kind.DEVIATION),  # no data: no share
    finding("commitment.c.x", Kind.OBSERVATION, share=True),  # not a number
    finding("other.z", Kind.OBSERVATION, share=0.1),
]


def test_an_indicator_reads_its_findings_of_its_kinds_and_aggregates_a_metric() -> None:
    kept = Indicator(
        id="kept", name="kept", plugin="commitments", finding=r"commitment\..*",
        kinds=["observation", "nonconformity"], metric="share", aggregate=Aggregation.MEAN,
        scale=100, target=95,
    )  # fmt: skip
    value, read = indicator_value(kept, FINDINGS)
    assert read == 3  # the deviation is not of the kinds; other.z does not match
    assert value == pytest.approx(89.0)  # (98 + 80) / 2: a bool is no share
    broken = kept.model_copy(update={"kinds": ["nonconformity"], "aggregate": Aggregation.COUNT})
    assert indicator_value(broken, FINDINGS) == (100.0, 1)  # scaled like any value
    nothing = kept.model_copy(update={"plugin": "feedback"})
    assert indicator_value(nothing, FINDINGS) == (None, 0)


def test_the_default_scorecard_rolls_every_finding_up_under_its_perspective() -> None:
    card = scorecard(ScorecardSettings(), PERIOD, FINDINGS, locale_for(Language.SV))
    users = card.perspectives[0]
    assert users.name == "Brukare"
    (kept, _) = users.indicators
    assert kept.status == "not met"  # 89 % against 95 %
    assert users.findings_by_kind == {"observation": 3, "nonconformity": 1, "deviation": 1}
    assert users.most_severe[0] == "finding commitment.a.y"
    assert [p.perspective for p in card.perspectives] == [
        "kund", "medarbetare", "ekonomi", "samhälle och miljö", "verksamhet och process"
    ]  # fmt: skip
