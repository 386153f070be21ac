"""Languages: the Swedish catalogue covers every marked text; numbers read as each locale writes.

The catalogue check is the one ``scripts/update_catalog.py --check`` runs: Babel extracts every
text marked in the packages and the report template, and each needs a Swedish translation with
the same placeholders.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from core.i18n import Language, Message, locale_for, message, negotiate

REPO = Path(__file__).resolve().parents[2]
SV, EN = locale_for(Language.SV), locale_for(Language.EN)


def catalog_tool():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "update_catalog", REPO / "scripts" / "update_catalog.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_text_marked_in_the_code_has_its_swedish_translation() -> None:
    tool = catalog_tool()
    template = tool.extracted()
    assert len(template) > 150  # the findings, the report, the command line
    assert {"Not recorded", "Glossary", "Contents"} <= {m.id for m in template}
    assert tool.problems(tool.current(), template) == [], (
        "run .venv/bin/python scripts/update_catalog.py and translate the new entries"
    )


def test_the_check_names_a_text_without_translation() -> None:
    tool = catalog_tool()
    template = tool.extracted()
    template.add("A sentence nobody has translated {n:n0}", locations=[("x.py", 1)])
    catalog = tool.current()
    catalog.get("Glossary").string = "Ordlista {extra}"
    found = tool.problems(catalog, template)
    assert any("no Swedish translation" in p or "not in the catalogue" in p for p in found)
    assert any("placeholders differ" in p and "Glossary" in p for p in found)


@pytest.mark.parametrize(
    ("locale", "number", "money", "percent", "day"),
    [
        (SV, "49\u00a0788\u00a0kWh", "821\u00a0086\u00a0kr", "8,9\u00a0%", "31 mars 2025"),
        (EN, "49,788\u00a0kWh", "821,086\u00a0SEK", "8.9%", "31 March 2025"),
    ],
)
def test_numbers_money_percent_and_days_in_each_locale(
    locale: object, number: str, money: str, percent: str, day: str
) -> None:
    assert locale.quantity(49788.4, "kWh") == number  # type: ignore[attr-defined]
    assert locale.money(821086.3, "SEK") == money  # type: ignore[attr-defined]
    assert locale.percent(8.94) == percent  # type: ignore[attr-defined]
    assert locale.date("2025-03-31") == day  # type: ignore[attr-defined]
    assert locale.number(float("nan")) == "–"  # type: ignore[attr-defined]
    assert locale.number(None) == "–"  # type: ignore[attr-defined]


def test_signed_percent_and_negative_numbers() -> None:
    assert SV.percent(-3.21, signed=True) == "\u22123,2\u00a0%"
    assert EN.percent(3.21, signed=True) == "+3.2%"
    assert SV.number(-1234.5, 1) == "-1\u00a0234,5"


def test_a_message_is_kept_as_data_and_shown_in_either_language() -> None:
    title = message(
        "{carrier} {period}: {mwh:n1} MWh, {cost}, {co2}",
        carrier=message("district heating"),
        period="2025",
        mwh=1234.56,
        cost=message("{cost:money}", cost={"amount": 821086.4, "currency": "SEK"}),
        co2=message("CO2 unknown"),
    )
    assert title.render(SV) == "fjärrvärme 2025: 1\u00a0234,6 MWh, 821\u00a0086\u00a0kr, CO2 okänt"
    assert title.render(EN) == "district heating 2025: 1,234.6 MWh, 821,086\u00a0SEK, CO2 unknown"
    stored = Message.model_validate(json.loads(title.model_dump_json()))  # as stored in JSON
    assert stored.render(SV) == title.render(SV)


@pytest.mark.parametrize(
    ("asked", "header", "expected"),
    [
        (None, None, Language.SV),  # the portfolio's
        ("en", "sv", Language.EN),  # ?lang= wins
        (None, "en-GB,en;q=0.9,sv;q=0.8", Language.EN),
        (None, "de-DE, sv;q=0.5, en;q=0.4", Language.SV),  # the best one enms has
        (None, "de, fr;q=0.8", Language.SV),  # none it has: the portfolio's
        (None, "en;q=bad, sv", Language.SV),
    ],
)
def test_the_language_a_request_asks_for(
    asked: str | None, header: str | None, expected: Language
) -> None:
    assert negotiate(asked, header, Language.SV) is expected


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="fi"):
        negotiate("fi", None, Language.SV)


def test_a_finding_title_reads_as_a_sentence_but_keeps_an_id_as_written() -> None:
    carrier = message("{carrier} {period}: {co2}", carrier=message("district heating"),
                      period="2025", co2=message("CO2 unknown"))  # fmt: skip
    assert carrier.sentence(SV) == "Fjärrvärme 2025: CO2 okänt"
    assert carrier.sentence(EN) == "District heating 2025: CO2 unknown"
    meter = message("{meter}: value unchanged for {hours:n0} h", meter="asp-el", hours=30)
    assert meter.sentence(SV) == "asp-el: värdet oförändrat i 30 h"  # an id is not a word


def test_a_plugin_message_that_cannot_be_filled_in_keeps_the_plugins_title() -> None:
    """A finding whose message does not fit its values is shown as the plugin titled it;
    reading the review does not fail on it."""
    from plugins.findings import (  # noqa: PLC0415
        Finding,
        Kind,
        Perspective,
        Phase,
        ReviewInput,
        Scope,
        Severity,
    )  # fmt: skip

    finding = Finding(
        id="x", plugin="p", title="as the plugin wrote it", kind=Kind.OBSERVATION,
        severity=Severity.INFO, scope=Scope(level="portfolio"), period="2025",
        perspective=Perspective.PROCESS, phase=Phase.CHECK, review_input=ReviewInput.MONITORING,
        message=Message(text="{cost:money} and {missing}", values={"cost": "not a mapping"}),
    )  # fmt: skip
    assert finding.localized(SV).title == "as the plugin wrote it"
