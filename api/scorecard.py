"""The balanced scorecard of a period, from the evaluation's findings (``scorecard:``).

Each indicator aggregates one metric of one plugin's findings (or counts them) and is compared
with its target; each perspective rolls up every finding evaluated under it, by kind, with the
most severe first. Names are shown in the reader's language where they are enms's own.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from collections.abc import Callable, Sequence

from api.models.scorecard import IndicatorOut, PerspectiveOut, Scorecard
from core.config.scorecard import Aggregation, Indicator, ScorecardSettings
from core.i18n import Locale
from plugins.context import ReviewPeriod
from plugins.findings import Finding, Severity
from plugins.sections import Cell, ReportSection

_RANK = {Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1, Severity.INFO: 0}
_AGGREGATE: dict[Aggregation, Callable[[list[float]], float]] = {
    Aggregation.SUM: sum,
    Aggregation.MEAN: statistics.fmean,
    Aggregation.MIN: min,
    Aggregation.MAX: max,
}


def indicator_value(indicator: Indicator, findings: Sequence[Finding]) -> tuple[float | None, int]:
    """The indicator's scaled value (None without data) and how many findings it read."""
    pattern = re.compile(indicator.finding)
    chosen = [
        f
        for f in findings
        if f.plugin == indicator.plugin
        and pattern.fullmatch(f.id)
        and (not indicator.kinds or f.kind.value in indicator.kinds)
    ]
    if indicator.aggregate is Aggregation.COUNT:
        return len(chosen) * indicator.scale, len(chosen)
    values = [
        float(value)
        for f in chosen
        if isinstance(value := f.metrics.get(indicator.metric or ""), int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    ]
    if not values:
        return None, len(chosen)
    return _AGGREGATE[indicator.aggregate](values) * indicator.scale, len(chosen)


def _status(indicator: Indicator, value: float | None) -> str:
    if value is None:
        return "no data"
    if indicator.target is None:
        return "no target"
    met = value >= indicator.target if indicator.better == "higher" else value <= indicator.target
    return "met" if met else "not met"


def scorecard(
    settings: ScorecardSettings, period: ReviewPeriod, findings: Sequence[Finding], locale: Locale
) -> Scorecard:
    perspectives = []
    for part in settings.perspectives:
        indicators = []
        for indicator in part.indicators:
            value, read = indicator_value(indicator, findings)
            indicators.append(
                IndicatorOut(
                    id=indicator.id, name=locale.gettext(indicator.name), value=value,
                    unit=indicator.unit, target=indicator.target, better=indicator.better,
                    status=_status(indicator, value), findings=read,
                )
            )  # fmt: skip
        mine = [f for f in findings if f.perspective.value == part.perspective]
        worst = sorted(
            (f for f in mine if f.severity is not Severity.INFO),
            key=lambda f: -_RANK[f.severity],
        )[:3]
        perspectives.append(
            PerspectiveOut(
                perspective=part.perspective,
                name=locale.gettext(part.name),
                indicators=indicators,
                findings_by_kind=dict(Counter(f.kind.value for f in mine)),
                most_severe=[f.localized(locale).title for f in worst],
            )
        )
    return Scorecard(period=period.label, perspectives=perspectives)


def scorecard_section(card: Scorecard, locale: Locale) -> ReportSection:
    """The scorecard as one page of the printed review."""
    status = {
        "met": locale.text("met"), "not met": locale.text("not met"),
        "no target": locale.text("no target"), "no data": locale.text("no data"),
    }  # fmt: skip
    rows: list[dict[str, Cell]] = []
    for part in card.perspectives:
        kinds = ", ".join(
            f"{locale.text(kind)} {count}" for kind, count in sorted(part.findings_by_kind.items())
        )
        shown: list[IndicatorOut | None] = [*part.indicators] or [None]
        for indicator in shown:
            rows.append({
                locale.text("perspective"): part.name,
                locale.text("indicator"): indicator.name if indicator else "–",
                locale.text("value"): (
                    f"{locale.number(indicator.value, 1)} {indicator.unit}".strip()
                    if indicator and indicator.value is not None else "–"
                ),
                locale.text("target"): (
                    f"{locale.number(indicator.target, 1)} {indicator.unit}".strip()
                    if indicator and indicator.target is not None else "–"
                ),
                locale.text("status"): status[indicator.status] if indicator else "–",
                locale.text("findings"): kinds or "–",
            })  # fmt: skip
    return ReportSection(
        title=locale.text("Balanced scorecard"),
        paragraphs=[
            locale.text(
                "Each perspective's indicators against their targets, and every finding of the "
                "period rolled up under its perspective."
            )
        ],
        table=rows,
    )
