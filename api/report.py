"""The management review as a printable HTML page with its charts drawn in SVG.

One self-contained document -- no scripts, no external files -- so it prints, converts to PDF
and archives as the documented information of the review (ISO 50001:2018 9.3, 7.5).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Any

import numpy as np

from api.enpi_figures import EnpiPeriod, model_line, signature_days
from api.review import INPUT_KEYS, Review
from api.svg import PALETTE, Line, bar_chart, line_chart, scatter_chart
from core.schema import EnpiField
from energy.review_decisions import DESCRIPTIONS, OutputCategory
from plugins.findings import ReviewInput
from plugins.sections import ReportSection

SEVERITIES = ("high", "medium", "low", "info")
STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { border-bottom: 2px solid #1f6fb2; padding-bottom: 0.2em; margin-top: 2em; }
h3 { margin-top: 1.5em; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
th { background: #f0f4f8; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.cards { display: flex; gap: 1em; flex-wrap: wrap; }
.card { border: 1px solid #ccc; border-radius: 4px; padding: 0.6em 1em; min-width: 10em; }
.card b { display: block; font-size: 1.5em; }
.muted, .evidence { color: #666; font-size: 0.85em; }
.sev-high { color: #b22222; font-weight: bold; } .sev-medium { color: #e07b00; }
svg.chart { max-width: 100%; height: auto; display: block; margin: 0.5em 0; }
@media print { h2 { page-break-before: always; } .enpi { page-break-inside: avoid; } }
"""


def _num(value: Any, digits: int = 0, suffix: str = "") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    text = f"{float(value):,.{digits}f}".replace(",", "\u202f")
    return f"{text}{suffix}"


def _cards(document: dict[str, Any]) -> str:
    summary = document["inputs"]["g_energy_performance"]["summary"]
    avoided = _num(summary["avoided_kwh"], 0, " kWh")
    if summary["avoided_uncertainty_kwh_68pct"] is not None:
        avoided += f" ± {_num(summary['avoided_uncertainty_kwh_68pct'], 0)}"
    if summary["avoided_cost"] is not None:
        avoided += f" · {_num(summary['avoided_cost'], 0, ' ' + str(summary['currency']))}"
    cards = [
        ("Improvement against baselines", _num(summary["improvement_pct"], 1, " %")),
        ("Avoided energy (68 %)", avoided),
        ("EnPIs improved / no significant change / worse",
         f"{summary['enpis_improved']} / {summary['enpis_no_significant_change']} / "
         f"{summary['enpis_worse']}"),
        ("EnPIs not reportable", str(len(summary["not_reportable"]))),
        ("Nonconformities and deviations",
         str(document["summary"]["nonconformities_and_deviations"])),
        ("Decisions recorded", str(document["summary"]["decisions"])),
    ]  # fmt: skip
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card">{escape(label)}<b>{escape(value)}</b></div>'
            for label, value in cards
        )
        + "</div>"
    )


def _headline_rules(document: dict[str, Any]) -> str:
    """How the cards count and add, and which EnPIs they leave out and why."""
    summary = document["inputs"]["g_energy_performance"]["summary"]
    items = [f"<li>{escape(rule)}.</li>" for rule in summary["rules"]]
    items += [
        f"<li>Not reportable: {escape(row['enpi'])} — {escape(row['reason'])}</li>"
        for row in summary["not_reportable"]
    ]
    items += [
        f"<li>Left out of the totals: {escape(row['enpi'])} — {escape(row['reason'])}</li>"
        for row in summary["left_out_of_totals"]
    ]
    return f'<ul class="evidence">{"".join(items)}</ul>'


def _status(figures: dict[str, Any]) -> str:
    """An EnPI's status, its verdict, and the data-quality gate's refusal."""
    parts = [str(figures["status"])]
    if figures.get("improvement"):
        parts.append(str(figures["improvement"]["verdict"]))
    if not figures.get("reportable", True):
        parts.append("not reportable")
    return ", ".join(parts)


def _enpi_table(enpis: list[EnpiPeriod]) -> str:
    head = (
        "<tr><th>EnPI</th><th>status</th><th>actual kWh</th><th>expected kWh</th>"
        "<th>improvement</th><th>± (68 %)</th><th>SEnPI</th><th>kWh/m²</th>"
        "<th>baseline</th></tr>"
    )
    rows = []
    for enpi in enpis:
        f = enpi.figures.model_dump(mode="json")
        imp = f.get("improvement") or {}
        base = f.get("baseline") or {}
        stats = base.get("statistics") or {}
        baseline = (
            f"v{base['version']} {escape(str(base['model']))}, {escape(str(base['validity']))}, "
            f"CV(RMSE) {_num((stats.get('cv_rmse') or math.nan) * 100, 1, ' %')}"
            if base
            else "none adopted"
        )
        rows.append(
            f"<tr><td>{escape(str(f['name']))}</td><td>{escape(_status(f))}</td>"
            f'<td class="num">{_num(f.get("actual_kwh"))}</td>'
            f'<td class="num">{_num(imp.get("expected_kwh"))}</td>'
            f'<td class="num">{_num(imp.get("improvement_pct"), 1, " %")}</td>'
            f'<td class="num">{_num(imp.get("savings_uncertainty_kwh_68pct"), 0, " kWh")}</td>'
            f'<td class="num">{_num(imp.get("senpi"), 3)}</td>'
            f'<td class="num">{_num(f.get("kwh_per_m2"), 1)}</td><td>{baseline}</td></tr>'
        )
    return f"<table>{head}{''.join(rows)}</table>"


def _enpi_charts(enpi: EnpiPeriod) -> str:
    f, series, baseline = enpi.figures.model_dump(mode="json"), enpi.series, enpi.baseline
    name = str(f["name"])
    if series is None or baseline is None:
        return f'<p class="muted">{escape(name)}: no baseline adopted yet.</p>'
    actual = [float(v) for v in series[EnpiField.ACTUAL_KWH]]
    expected = [float(v) for v in series[EnpiField.EXPECTED_KWH]]
    cusum = [float(v) for v in series[EnpiField.CUSUM_KWH]]
    charts = [
        line_chart(
            f"{name}: actual and expected per day",
            series.days,
            [Line("actual", actual, PALETTE[0]), Line("expected", expected, PALETTE[1], True)],
            "kWh per day",
        )
    ]
    if any(math.isfinite(v) for v in cusum):
        charts.append(
            line_chart(
                f"{name}: CUSUM (actual − expected)",
                series.days,
                [Line("CUSUM", cusum, PALETTE[2])],
                "kWh",
            )
        )
    temperature = series[EnpiField.TEMPERATURE_C]
    points = [(float(temperature[i]), actual[i]) for i in np.flatnonzero(signature_days(series))]
    charts.append(
        scatter_chart(
            f"{name}: energy signature",
            points,
            model_line(baseline),
            x_unit="outdoor °C",
            y_unit="kWh per day",
        )
    )
    evidence = f.get("evidence") or {}
    return (
        f'<div class="enpi"><h3>{escape(name)}</h3>{"".join(charts)}'
        f'<p class="evidence">Evidence: {escape(str(evidence.get("query")))}; days '
        f"{escape(str(evidence.get('first')))} to {escape(str(evidence.get('last')))}; "
        f"data: {escape(str((evidence.get('links') or {}).get('daily')))}</p></div>"
    )


def _years_table(enpis: list[dict[str, Any]]) -> str:
    """Complete calendar years per EnPI, normal-year corrected where it has a normal year."""
    rows = [
        f"<tr><td>{escape(e['name'])}</td><td>{y['year']}</td>"
        f'<td class="num">{_num(y.get("actual_kwh"))}</td>'
        f'<td class="num">{_num(y.get("normal_year_corrected_kwh"))}</td>'
        f'<td class="num">{_num(y.get("actual_kwh_per_m2"), 1)}</td>'
        f'<td class="num">{_num(y.get("normal_year_corrected_kwh_per_m2"), 1)}</td></tr>'
        for e in enpis
        for y in e["years"]
    ]
    if not rows:
        return ""
    return (
        "<h3>Complete years, normal-year corrected</h3><table><tr><th>EnPI</th><th>year</th>"
        "<th>kWh</th><th>normal-year kWh</th><th>kWh/m²</th><th>normal-year kWh/m²</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _recorded(entries: list[dict[str, Any]]) -> str:
    """What people recorded for an input: title, text, who and when."""
    return "".join(
        f'<div class="recorded"><h3>{escape(e["title"])}</h3><p>{escape(e["text"])}</p>'
        f'<p class="muted">recorded by {escape(e["recorded_by"])}, {escape(e["recorded_at"])}'
        "</p></div>"
        for e in entries
    )


def _findings_table(findings: list[dict[str, Any]]) -> str:
    if not findings:
        return '<p class="muted">None.</p>'
    rows = "".join(
        f'<tr><td class="sev-{escape(f["severity"])}">{escape(f["severity"])}</td>'
        f"<td>{escape(f['kind'])}</td><td>{escape(f['title'])}</td>"
        f"<td>{escape(f['scope']['level'])} {escape(str(f['scope'].get('id') or ''))}</td>"
        f"<td>{escape(', '.join(f.get('references') or []))}</td>"
        f"<td>{escape(f['plugin'])}</td></tr>"
        for f in sorted(
            findings, key=lambda f: ("high", "medium", "low", "info").index(f["severity"])
        )
    )
    return (
        "<table><tr><th>severity</th><th>kind</th><th>finding</th><th>about</th>"
        f"<th>references</th><th>plugin</th></tr>{rows}</table>"
    )


def _register_table(nonconformities: list[dict[str, Any]]) -> str:
    if not nonconformities:
        return '<p class="muted">No nonconformity in the register.</p>'
    rows = []
    for n in nonconformities:
        steps = "; ".join(
            f"{e['status']}{': ' + e['note'] if e['note'] and e['status'] != 'open' else ''}"
            for e in n["events"]
        )
        rows.append(
            f'<tr class="nonconformity"><td>{n["id"]}</td>'
            f'<td class="sev-{escape(n["severity"])}">{escape(n["severity"])}</td>'
            f"<td>{escape(n['title'])}</td><td>{escape(n['status'])}</td>"
            f"<td>{escape(n['first_period'])} – {escape(n['last_period'])}</td>"
            f"<td>{escape(steps)}</td></tr>"
        )
    return (
        "<table><tr><th>no.</th><th>severity</th><th>nonconformity</th><th>status</th>"
        f"<th>seen</th><th>lifecycle</th></tr>{''.join(rows)}</table>"
    )


def _decisions_table(decisions: list[dict[str, Any]]) -> str:
    if not decisions:
        return '<p class="muted">None recorded.</p>'
    rows = "".join(
        f"<tr><td>{escape(d['period'])}</td><td>{escape(d['category_text'])}</td>"
        f"<td>{escape(d['decision'])}</td><td>{escape(d['owner'] or '')}</td>"
        f"<td>{escape(d['due'] or '')}</td><td>{escape(d['recorded_by'])}</td></tr>"
        for d in decisions
    )
    return (
        "<table><tr><th>review</th><th>about</th><th>decision</th><th>owner</th><th>due</th>"
        f"<th>recorded by</th></tr>{rows}</table>"
    )


def _plugin_section(section: ReportSection) -> str:
    parts = [f'<section class="plugin"><h3>{escape(section.title)}</h3>']
    if section.review_input is not None:
        parts.append(f'<p class="muted">{escape(section.review_input.value)}</p>')
    parts += [f"<p>{escape(text)}</p>" for text in section.paragraphs]
    if section.table:
        columns = list(dict.fromkeys(key for row in section.table for key in row))
        head = "".join(f"<th>{escape(c)}</th>" for c in columns)
        body = "".join(
            "<tr>"
            + "".join(
                f'<td class="num">{_num(row.get(c), 2)}</td>'
                if isinstance(row.get(c), int | float) and not isinstance(row.get(c), bool)
                else f"<td>{escape('' if row.get(c) is None else str(row.get(c)))}</td>"
                for c in columns
            )
            + "</tr>"
            for row in section.table
        )
        parts.append(f"<table><tr>{head}</tr>{body}</table>")
    parts.append(f'<p class="evidence">From the plugin {escape(section.plugin)}.</p></section>')
    return "".join(parts)


def render(review: Review, plugin_sections: Sequence[ReportSection] = ()) -> str:
    document = review.document.model_dump(mode="json", by_alias=True)  # what a JSON client reads
    inputs = document["inputs"]
    performance = inputs["g_energy_performance"]
    ranking = performance["building_ranking"]
    bars = [
        (row["name"], float(row["kwh_per_m2"]))
        for row in ranking["buildings"]
        if row["kwh_per_m2"] is not None
    ]
    sections = [
        f"<h1>Management review {escape(document['period'])}</h1>"
        f'<p class="muted">{escape(document["portfolio"])} · {escape(document["first"])} to '
        f"{escape(document['last'])} · generated {escape(document['generated_at'])} by enms · "
        "ISO 50001:2018 9.3</p>",
        _cards(document),
        _headline_rules(document),
        "<h2>9.3 g) Energy performance and improvement, based on EnPIs</h2>",
        _enpi_table(review.enpis),
        bar_chart("Energy per m² Atemp, by building", bars, "kWh/m²"),
        _years_table(performance["complete_years"]),
        f'<p class="evidence">Evidence: {escape(ranking["evidence"]["query"])}.</p>',
        *(_enpi_charts(enpi) for enpi in review.enpis),
        _findings_table(performance["findings"]),
        "<h2>9.3 a) Status of actions from previous reviews</h2>",
        _decisions_table(inputs["a_previous_actions"]["decisions"]),
    ]
    for review_input, key in INPUT_KEYS.items():
        if review_input in (ReviewInput.PREVIOUS_ACTIONS, ReviewInput.ENERGY_PERFORMANCE):
            continue
        sections.append(f"<h2>{escape(review_input.value)}</h2>")
        if review_input is ReviewInput.NONCONFORMITIES:
            sections.append(_register_table(inputs[key]["register"]))
        sections.append(_recorded(inputs[key]["recorded"]))
        sections.append(_findings_table(inputs[key]["findings"]))
    if plugin_sections:
        sections.append("<h2>From the plugins</h2>")
        sections += [_plugin_section(section) for section in plugin_sections]
    sections.append("<h2>Outputs: decisions of this review</h2>")
    for category in OutputCategory:
        decided = document["outputs"][category.value]
        if decided:
            sections.append(f"<h3>{escape(DESCRIPTIONS[category])}</h3>")
            sections.append(_decisions_table(decided))
    if not any(document["outputs"].values()):
        sections.append('<p class="muted">No decision recorded yet.</p>')
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Management review {escape(document['period'])} · enms</title>"
        f"<style>{STYLE}</style></head><body>" + "\n".join(sections) + "</body></html>"
    )
