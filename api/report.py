"""The management review as a printable document: HTML from a template, with SVG charts.

One self-contained A4 document -- no scripts, no external files -- so it prints, converts to
PDF (``api.pdf``) and archives as the documented information of the review (ISO 50001:2018
9.3, 7.5): a cover with the approval block, the contents, a summary, the inputs a) to h) in
the standard's order, the outputs, and a glossary. The page is ``api/templates/report.html``
(Jinja, autoescaped); every text comes from the message catalogue in the reader's language
and every number in its locale's format.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from api.enpi_figures import EnpiPeriod, model_line, signature_days
from api.review import INPUT_KEYS, Review, build_review
from api.scorecard import scorecard, scorecard_section
from api.state import ApiState
from api.svg import PALETTE, Level, Line, Mark, bar_chart, line_chart, scatter_chart
from baselines.deviation import episodes, sums
from baselines.validity import NOT_VALID, VALID
from core.i18n import N_, Locale
from core.schema import EnpiField
from energy.nonconformities import STATUS_TEXT
from energy.review_decisions import DESCRIPTIONS, OutputCategory
from energy.totals import Verdict
from plugins.builtin.enpi_deviation import NAME as DEVIATION_PLUGIN
from plugins.builtin.enpi_deviation import DeviationSettings
from plugins.context import ReviewPeriod
from plugins.findings import ReviewInput
from plugins.runner import report_sections
from plugins.sections import ReportSection

#: The inputs of 9.3 as the report's section titles.
INPUT_TITLES = {
    ReviewInput.PREVIOUS_ACTIONS: N_("9.3 a) Status of actions from previous reviews"),
    ReviewInput.ISSUES_RISKS: N_("9.3 b) Changes in issues, risks and opportunities"),
    ReviewInput.NONCONFORMITIES: N_("9.3 c) 1) Nonconformities and corrective actions"),
    ReviewInput.MONITORING: N_("9.3 c) 2) Monitoring and measurement results"),
    ReviewInput.AUDITS: N_("9.3 c) 3) Audit results"),
    ReviewInput.COMPLIANCE: N_("9.3 c) 4) Compliance evaluation"),
    ReviewInput.OPPORTUNITIES: N_("9.3 d) Opportunities for continual improvement"),
    ReviewInput.POLICY: N_("9.3 e) Energy policy"),
    ReviewInput.OBJECTIVES: N_("9.3 f) Objectives and energy targets"),
    ReviewInput.ENERGY_PERFORMANCE: N_("9.3 g) Energy performance and improvement based on EnPIs"),
    ReviewInput.ACTION_PLANS: N_("9.3 h) Status of action plans"),
}

#: Words the data carries (severities, kinds, statuses, verdicts, scope levels), as read.
TERMS = {
    "high": N_("high"),
    "medium": N_("medium"),
    "low": N_("low"),
    "info": N_("info"),
    "nonconformity": N_("nonconformity"),
    "deviation": N_("deviation"),
    "observation": N_("observation"),
    "opportunity": N_("opportunity"),
    "positive": N_("positive"),
    "portfolio": N_("portfolio"),
    "site": N_("site"),
    "building": N_("building"),
    "seu": N_("SEU"),
    "meter": N_("meter"),
    "enpi": N_("EnPI"),
    "plugin": N_("plugin"),
    "reporting": N_("reporting"),
    "baseline period": N_("baseline period"),
    "no data": N_("no data"),
    "no baseline": N_("no baseline"),
    "not reportable": N_("not reportable"),
    Verdict.IMPROVED.value: N_("improved"),
    Verdict.NO_SIGNIFICANT_CHANGE.value: N_("no significant change"),
    Verdict.WORSE.value: N_("worse"),
    VALID: N_("valid"),
    NOT_VALID: N_("not valid"),
    **{status.value: text for status, text in STATUS_TEXT.items()},
}


def term(locale: Locale, word: str) -> str:
    """A word the data carries (``TERMS``) in ``locale``'s language; others as they are."""
    return locale.text(TERMS[word]) if word in TERMS else word


OUTPUT_TITLES = DESCRIPTIONS  # marked for the catalogue where they are defined

GLOSSARY = (
    ("EnPI", N_("Energy performance indicator: a measure of energy performance chosen by the "
                "organisation, here energy use against what its baseline expects.")),
    ("EnB", N_("Energy baseline: the reference that energy performance is compared with, a "
               "model of daily energy use fitted on a baseline period (ISO 50006).")),
    ("SEnPI", N_("Energy performance improvement ratio: actual over expected energy in the "
                 "reporting period; below 1 is an improvement.")),
    ("CUSUM", N_("Cumulative sum of the daily deviations from the baseline. The report draws "
                 "the tabular CUSUM, which signals a lasting shift when it passes the decision "
                 "interval h (in baseline RMSEs).")),
    ("CV(RMSE)", N_("Coefficient of variation of the root mean square error: how far the "
                    "baseline model's days scatter around it, as a share of the mean.")),
    ("FSU", N_("Fractional savings uncertainty: the uncertainty of the avoided energy as a "
               "share of it, at 68 % confidence (ASHRAE Guideline 14).")),
    ("Atemp", N_("Heated floor area in m² (Boverket's building regulations), the denominator "
                 "of kWh/m².")),
    ("SEU", N_("Significant energy use: a use that accounts for much of the energy or offers "
               "considerable potential for improvement (ISO 50001 6.3).")),
)  # fmt: skip


@dataclass
class Section:
    anchor: str
    number: int
    title: str
    kind: str
    page: int | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:  # the template reads data as attributes
        try:
            return self.__dict__["data"][name]
        except KeyError:
            raise AttributeError(name) from None


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("api", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def css_string(text: str) -> Markup:
    """``text`` safe inside a quoted CSS string in the page's <style>."""
    escaped = "".join(c if c.isalnum() or c in " ,.-–·()/" else f"\\{ord(c):x} " for c in text)
    return Markup(escaped)


def _cards(
    summary: Mapping[str, Any], document: Mapping[str, Any], locale: Locale
) -> list[tuple[str, str]]:
    avoided = locale.quantity(summary["avoided_kwh"], "kWh")
    if summary["avoided_uncertainty_kwh_68pct"] is not None:
        avoided += f" ± {locale.number(summary['avoided_uncertainty_kwh_68pct'])}"
    cost = (
        locale.money(summary["avoided_cost"], str(summary["currency"]))
        if summary["avoided_cost"] is not None
        else locale.text("Not recorded")
    )
    return [
        (locale.text("Improvement against the baselines"),
         locale.percent(summary["improvement_pct"], 1)),
        (locale.text("Avoided energy (± 68 %)"), avoided),
        (locale.text("Avoided cost"), cost),
        (locale.text("EnPIs improved / no significant change / worse"),
         f"{summary['enpis_improved']} / {summary['enpis_no_significant_change']} / "
         f"{summary['enpis_worse']}"),
        (locale.text("EnPIs not reportable"), str(len(summary["not_reportable"]))),
        (locale.text("Nonconformities and deviations"),
         str(document["summary"]["nonconformities_and_deviations"])),
    ]  # fmt: skip


def _enpi_rows(enpis: Sequence[EnpiPeriod], locale: Locale) -> list[dict[str, str]]:
    rows = []
    for enpi in enpis:
        f = enpi.figures.model_dump(mode="json")
        imp = f.get("improvement") or {}
        base = f.get("baseline") or {}
        stats = base.get("statistics") or {}
        status = [term(locale, f["status"])]
        if imp:
            status.append(term(locale, imp["verdict"]))
        if not f.get("reportable", True):
            status.append(locale.text(TERMS["not reportable"]))
        cv = stats.get("cv_rmse")
        baseline = (
            locale.text(
                "v{version} {model}, {validity}, CV(RMSE) {cv:pct1}",
                version=base["version"],
                model=base["model"],
                validity=term(locale, base["validity"]),
                cv=cv * 100 if cv is not None else None,
            )
            if base
            else locale.text("none adopted")
        )
        rows.append(
            {
                "name": f["name"],
                "status": ", ".join(status),
                "actual": locale.number(f.get("actual_kwh")),
                "expected": locale.number(imp.get("expected_kwh")),
                "improvement": locale.percent(imp.get("improvement_pct"), 1),
                "uncertainty": locale.quantity(imp.get("savings_uncertainty_kwh_68pct"), "kWh"),
                "senpi": locale.number(imp.get("senpi"), 3),
                "per_m2": locale.number(f.get("kwh_per_m2"), 1),
                "baseline": baseline,
            }
        )
    return rows


def _cusum_chart(
    enpi: EnpiPeriod, residual: np.ndarray, settings: DeviationSettings, locale: Locale
) -> tuple[str, str] | None:
    """The tabular CUSUM in kWh with its decision interval ±h·σ and the signal days."""
    assert enpi.series is not None
    assert enpi.baseline is not None
    sigma = enpi.baseline.statistics.get("rmse")
    if not isinstance(sigma, int | float) or not sigma > 0 or not np.isfinite(residual).any():
        return None
    k, h = settings.slack, settings.decision
    upper = sums(residual, float(sigma), upward=True, k=k) * sigma
    lower = -sums(residual, float(sigma), upward=False, k=k) * sigma
    days = enpi.series.days
    marks = [
        Mark(e.signalled, locale.text("signal {day:date}", day=days[e.signalled].isoformat()),
             color)
        for upward, color in ((True, PALETTE[3]), (False, PALETTE[2]))
        for e in episodes(residual, float(sigma), upward=upward, k=k, h=h)
    ]  # fmt: skip
    limit = h * float(sigma)
    svg = line_chart(
        locale.text("{enpi}: CUSUM against the baseline", enpi=enpi.figures.name),
        days,
        [
            Line(locale.text("above expected"), upper.tolist(), PALETTE[3]),
            Line(locale.text("below expected"), lower.tolist(), PALETTE[2]),
        ],
        "kWh",
        levels=[
            Level(limit, locale.text("decision interval +h"), "#666"),
            Level(-limit, locale.text("decision interval −h"), "#666"),
        ],
        marks=marks,
        locale=locale,
    )
    caption = locale.text(
        "Tabular CUSUM with slack k = {k:n1} and decision interval h = {h:n0} baseline RMSEs "
        "(σ = {sigma:n1} kWh per day): a sum past ±h signals a lasting shift; a vertical line "
        "marks the day it signalled.",
        k=k, h=h, sigma=sigma,
    )  # fmt: skip
    return svg, caption


def _enpi_charts(enpi: EnpiPeriod, settings: DeviationSettings, locale: Locale) -> dict[str, Any]:
    f = enpi.figures.model_dump(mode="json")
    name = str(f["name"])
    series, baseline = enpi.series, enpi.baseline
    if series is None or baseline is None:
        return {"name": name, "figures": [], "evidence": ""}
    actual = [float(v) for v in series[EnpiField.ACTUAL_KWH]]
    expected = [float(v) for v in series[EnpiField.EXPECTED_KWH]]
    figures = [
        {
            "svg": Markup(
                line_chart(
                    locale.text("{enpi}: actual and expected per day", enpi=name),
                    series.days,
                    [
                        Line(locale.text("actual"), actual, PALETTE[0]),
                        Line(locale.text("expected"), expected, PALETTE[1], True),
                    ],
                    locale.text("kWh per day"),
                    locale=locale,
                )
            ),
            "caption": "",
        }
    ]
    residual = np.asarray(actual) - np.asarray(expected)
    cusum = _cusum_chart(enpi, residual, settings, locale)
    if cusum is not None:
        figures.append({"svg": Markup(cusum[0]), "caption": cusum[1]})
    temperature = series[EnpiField.TEMPERATURE_C]
    points = [(float(temperature[i]), actual[i]) for i in np.flatnonzero(signature_days(series))]
    figures.append(
        {
            "svg": Markup(
                scatter_chart(
                    locale.text("{enpi}: energy signature", enpi=name),
                    points,
                    model_line(baseline),
                    x_unit=locale.text("outdoor °C"),
                    y_unit=locale.text("kWh per day"),
                    labels=(locale.text("days"), locale.text("baseline model")),
                    locale=locale,
                )
            ),
            "caption": "",
        }
    )
    evidence = f.get("evidence") or {}
    return {
        "name": name,
        "figures": figures,
        "evidence": locale.text(
            "Evidence: {query}; days {first} to {last}; data: {link}",
            query=str(evidence.get("query")),
            first=str(evidence.get("first")),
            last=str(evidence.get("last")),
            link=str((evidence.get("links") or {}).get("daily")),
        ),
    }


def _years(enpis: Sequence[Mapping[str, Any]], locale: Locale) -> list[dict[str, str]]:
    return [
        {
            "name": e["name"],
            "year": str(y["year"]),
            "kwh": locale.number(y.get("actual_kwh")),
            "normal_kwh": locale.number(y.get("normal_year_corrected_kwh")),
            "per_m2": locale.number(y.get("actual_kwh_per_m2"), 1),
            "normal_per_m2": locale.number(y.get("normal_year_corrected_kwh_per_m2"), 1),
        }
        for e in enpis
        for y in e["years"]
    ]


def _plugin_section(section: ReportSection, locale: Locale) -> dict[str, Any]:
    columns = list(dict.fromkeys(key for row in section.table for key in row))
    rows = [
        [
            {"text": locale.number(value, 2), "num": True}
            if isinstance(value, int | float) and not isinstance(value, bool)
            else {"text": "" if value is None else str(value), "num": False}
            for value in (row.get(c) for c in columns)
        ]
        for row in section.table
    ]
    return {
        "title": section.title,
        "plugin": section.plugin,
        "review_input": locale.text(INPUT_TITLES[section.review_input])
        if section.review_input
        else "",
        "paragraphs": section.paragraphs,
        "columns": columns,
        "rows": rows,
    }


def _sections(
    review: Review,
    plugin_sections: Sequence[ReportSection],
    settings: DeviationSettings,
    locale: Locale,
) -> list[Section]:
    document = review.document.model_dump(mode="json", by_alias=True)
    inputs = document["inputs"]
    sections = [Section("summary", 1, locale.text("Summary"), "summary")]

    def add(anchor: str, title: str, kind: str, **data: Any) -> None:
        sections.append(Section(anchor, len(sections) + 1, title, kind, data=data))

    for review_input, key in INPUT_KEYS.items():
        title = locale.text(INPUT_TITLES[review_input])
        got = inputs[key]
        if review_input is ReviewInput.PREVIOUS_ACTIONS:
            add(key, title, "previous", decisions=got["decisions"], findings=got["findings"])
        elif review_input is ReviewInput.ENERGY_PERFORMANCE:
            ranking = got["building_ranking"]
            bars = [
                (row["name"], float(row["kwh_per_m2"]))
                for row in ranking["buildings"]
                if row["kwh_per_m2"] is not None
            ]
            add(
                key, title, "performance",
                enpis=_enpi_rows(review.enpis, locale),
                ranking=Markup(bar_chart(
                    locale.text("Energy per m² Atemp, by building"), bars, "kWh/m²",
                    locale=locale,
                )) if bars else "",
                ranking_query=ranking["evidence"]["query"],
                years=_years(got["complete_years"], locale),
                findings=got["findings"],
                charts=[_enpi_charts(e, settings, locale) for e in review.enpis],
            )  # fmt: skip
        else:
            add(
                key, title, "input",
                findings=got["findings"], recorded=got.get("recorded", []),
                register=got.get("register"),
            )  # fmt: skip
    if plugin_sections:
        add(
            "plugins",
            locale.text("From the plugins"),
            "plugins",
            plugin_sections=[_plugin_section(s, locale) for s in plugin_sections],
        )
    outputs = [
        (locale.text(OUTPUT_TITLES[category]), document["outputs"][category.value])
        for category in OutputCategory
        if document["outputs"][category.value]
    ]
    add("outputs", locale.text("Outputs: decisions of this review"), "outputs", outputs=outputs)
    add("glossary", locale.text("Glossary"), "glossary")
    return sections


def render(
    review: Review,
    plugin_sections: Sequence[ReportSection] = (),
    *,
    locale: Locale,
    board: str | None = None,
    zone: str = "Europe/Stockholm",
    settings: DeviationSettings | None = None,
    pages: Mapping[str, int] | None = None,
) -> str:
    """The report's HTML; ``pages`` (section anchor -> page) fills in the contents' pages."""
    document = review.document.model_dump(mode="json", by_alias=True)
    summary = document["inputs"]["g_energy_performance"]["summary"]
    sections = _sections(review, plugin_sections, settings or DeviationSettings(), locale)
    for section in sections:
        section.page = (pages or {}).get(section.anchor)
    generated = datetime.fromisoformat(document["generated_at"]).astimezone(ZoneInfo(zone))
    evaluated = datetime.fromisoformat(document["evaluated_at"]).astimezone(ZoneInfo(zone))
    template = environment().get_template("report.html")
    return template.render(
        lang=locale.language.value,
        document=document,
        summary=summary,
        cards=_cards(summary, document, locale),
        sections=sections,
        board=board,
        prepared=generated.date().isoformat(),
        evaluated=f"{locale.date(evaluated.date())} {evaluated:%H:%M}",
        glossary=[(name, locale.text(meaning)) for name, meaning in GLOSSARY],
        footer=css_string(
            f"{document['portfolio']} · "
            + locale.text("Management review {period}", period=document["period"])
        ),
        text=locale.text,
        term=lambda word: term(locale, word),
        output_text=lambda value: locale.text(OUTPUT_TITLES[OutputCategory(value)]),
    )


Renderer = Callable[[Mapping[str, int] | None], str]


async def report_renderer(api: ApiState, period: ReviewPeriod, locale: Locale) -> Renderer:
    """The review of ``period`` gathered once; the result renders it with given page numbers
    for the contents (``None``: without), as a print in two passes needs."""
    review = await build_review(api, period, locale)
    sections = await report_sections(
        api.plugins, api.config, api.store, period, api.register, locale=locale
    )
    card = scorecard(api.config.scorecard, period, review.findings, locale)
    sections = [scorecard_section(card, locale), *sections]
    settings = DeviationSettings.model_validate(
        api.config.plugins.settings.get(DEVIATION_PLUGIN, {})
    )

    def with_pages(pages: Mapping[str, int] | None) -> str:
        return render(
            review,
            sections,
            locale=locale,
            board=api.config.portfolio.board,
            zone=api.config.portfolio.timezone,
            settings=settings,
            pages=pages,
        )

    return with_pages


async def report_html(api: ApiState, period: ReviewPeriod, locale: Locale) -> str:
    """The review of ``period`` as the report's HTML, as ``GET /review/report`` serves it."""
    return (await report_renderer(api, period, locale))(None)


__all__ = [
    "GLOSSARY", "INPUT_TITLES", "TERMS", "render", "report_html", "report_renderer", "term"
]  # fmt: skip
