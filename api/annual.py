"""The energy section of the municipality's annual report (årsredovisning), for one year.

What the council reads once a year, in the portfolio's language: energy use and kWh/m² Atemp
(normal-year corrected where the EnPIs allow) against the year before, the energy targets,
cost and emissions per carrier, the service commitments and how many months each was kept,
and the nonconformities and feedback of the year. Every figure comes from the code the review
and the API use (``energy.comparisons``, the plugins' evaluation, the register); this module
only gathers them, and ``annual.html`` lays them out.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from api.report import css_string, environment, term
from api.review import cached_evaluation
from api.state import ApiState
from core.i18n import Locale
from energy.comparisons import Compared, compare, references_of
from energy.nonconformities import Status
from plugins.builtin.commitments import follow_up
from plugins.context import EvaluationContext, ReviewPeriod
from plugins.findings import Finding, Kind
from plugins.runner import contexts


def _totals(rows: Sequence[Compared]) -> dict[str, float] | None:
    """The portfolio's kWh, kWh/m² and normal-year corrected kWh/m² over its buildings."""
    if not rows:
        return None
    area = sum(r.atemp_m2 for r in rows)
    kwh = sum(r.kwh for r in rows)
    corrected = sum(r.corrected_kwh_per_m2 * r.atemp_m2 for r in rows)
    return {
        "kwh": kwh,
        "atemp_m2": area,
        "per_m2": kwh / area,
        "corrected_per_m2": corrected / area,
    }


def _change(now: float | None, before: float | None) -> float | None:
    return 100 * (now - before) / before if now is not None and before else None


async def annual_data(api: ApiState, year: int, locale: Locale) -> dict[str, Any]:
    """Everything the annual section shows for ``year``, formatted in ``locale``."""
    config = api.config
    today = api.today()
    period = ReviewPeriod(str(year), date(year, 1, 1), date(year, 12, 31))
    last = period.measured_until(today)
    references, _ = references_of(config)
    versions = api.register.current_versions(config.enpis)
    rows = await compare(
        api.store, config, period.first, last, references=references, versions=versions
    )
    earlier = await compare(
        api.store, config, date(year - 1, 1, 1), date(year - 1, 12, 31),
        references=references, versions=versions,
    )  # fmt: skip
    totals, before = _totals(rows), _totals(earlier)
    evaluation, _ = await cached_evaluation(api, period)
    findings = [f.localized(locale) for f in evaluation.findings]

    def of(plugin: str, prefix: str = "") -> list[Finding]:
        return [f for f in findings if f.plugin == plugin and f.id.startswith(prefix)]

    carriers = []
    for f in of("cost_co2", "carrier."):
        carriers.append({
            "carrier": term(locale, f.id.removeprefix("carrier.")),
            "mwh": locale.number((f.metrics.get("kwh") or 0) / 1000, 1),
            "cost": locale.money(f.metrics["cost"], str(f.metrics.get("currency") or "SEK"))
            if f.metrics.get("cost") is not None else "–",
            "co2": locale.number(f.metrics["co2_t"], 1)
            if f.metrics.get("co2_t") is not None else "–",
        })  # fmt: skip

    def make_context(chosen: ReviewPeriod) -> EvaluationContext:
        return contexts(config, api.store, chosen, api.register)("commitments")

    names = {b.id: b.name for _, b in config.buildings()}
    commitments = []
    for commitment in config.commitments:
        months = await follow_up(make_context, commitment, year, today)
        for building, results in months.items():
            judged = [r.kept(commitment) for r in results]
            commitments.append({
                "text": commitment.text,
                "approved": f"{commitment.approved_by}, {locale.date(commitment.approved_on)}",
                "building": names.get(building, building),
                "kept": sum(k is True for k in judged),
                "followed": sum(k is not None for k in judged),
            })  # fmt: skip

    register = api.register.nonconformities()
    in_year = [n for n in register if n.opened_at[:4] == str(year)]
    closed = [
        n
        for n in register
        if n.status is Status.CLOSED and any(e.status == "closed" and e.at[:4] == str(year)
                                             for e in n.events)
    ]  # fmt: skip
    still_open = [
        n for n in register if n.status is not Status.CLOSED and n.opened_at[:4] <= str(year)
    ]
    feedback = api.register.feedback(period.first, last, zone=config.portfolio.timezone)
    answered = [d for f in feedback if (d := f.days_to_answer()) is not None]
    confirmed = [f for f in of("feedback", "feedback.") if f.kind is Kind.NONCONFORMITY]
    return {
        "year": year,
        "last": last,
        "partial": last < period.last,
        "totals": totals,
        "before": before,
        "change_pct": _change(
            totals["corrected_per_m2"] if totals else None,
            before["corrected_per_m2"] if before else None,
        ),
        "buildings": rows,
        "targets": of("targets"),
        "carriers": carriers,
        "commitments": commitments,
        "opened": in_year,
        "closed": closed,
        "open": still_open,
        "feedback": len(feedback),
        "confirmed": len(confirmed),
        "median_days": statistics.median(answered) if answered else None,
    }


def render_annual(
    data: Mapping[str, Any], *, locale: Locale, portfolio: str, board: str | None, zone: str
) -> str:
    template = environment().get_template("annual.html")
    generated = datetime.now(ZoneInfo(zone)).date()
    return template.render(
        lang=locale.language.value,
        data=data,
        portfolio=portfolio,
        board=board,
        prepared=locale.date(generated),
        footer=css_string(
            f"{portfolio} · " + locale.text("Energy in the annual report {year}", year=data["year"])
        ),
        text=locale.text,
        number=locale.number,
        percent=locale.percent,
        day=locale.date,
        term=lambda word: term(locale, word),
    )


async def annual_html(api: ApiState, year: int, locale: Locale) -> str:
    """The annual section of ``year`` as one HTML page."""
    data = await annual_data(api, year, locale)
    portfolio = api.config.portfolio
    return render_annual(
        data, locale=locale, portfolio=portfolio.name, board=portfolio.board,
        zone=portfolio.timezone,
    )  # fmt: skip
