"""Synpunkter checked against the sensors: a cold-classroom complaint the data confirm, one
they do not, one no sensor can judge, and answers late or on time -- imported from a case
system's CSV export with `enms feedback import`, evaluated with `enms evaluate`."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from core.storage import Store
from enms.cli.main import main
from tests.fixture_portfolio import deploy, readings
from tests.plugins.portfolio import plugin_findings
from tests.plugins.test_indoor_climate import cold_mornings

pytestmark = pytest.mark.anyio

#: the case system's export, in Swedish, as a municipality's would be
CASES = """\
ärende;inkommen;byggnad;rum;kategori;synpunkt;besvarad
S-101;2025-02-04 09:30;asp-skolan;klassrum 12;för kallt;Kallt på morgonen;2025-02-05 10:00
S-102;2025-02-04 14:00;asp-skolan;;för kallt;Kallt i matsalen;
S-103;2025-02-05 08:00;bok-forskolan;;för kallt;Kallt i vilrummet;2025-02-06 09:00
S-104;2025-02-06 12:00;asp-skolan;;beröm;Bra att ventilationen lagats;2025-02-10 12:00
S-105;2025-02-03 10:00;asp-skolan;gymnastiksal;felanmälan;Lampa trasig;
S-101;2025-02-04 09:30;asp-skolan;klassrum 12;för kallt;Kallt på morgonen;2025-02-05 10:00
S-106;2025-02-07 10:00;okand-skola;;för kallt;Fel byggnad;
S-107;igår;asp-skolan;;för kallt;Ingen tid;
"""


async def test_complaints_are_confirmed_or_not_by_the_sensors(
    configured_store: tuple[str, Store],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    storage, store = configured_store
    path = await deploy(store, storage, tmp_path, points=cold_mornings(readings()))
    cases = tmp_path / "synpunkter.csv"
    cases.write_text(CASES, encoding="utf-8")
    capsys.readouterr()
    command = ["feedback", "import", "--config", str(path), str(cases)]
    assert await asyncio.to_thread(main, command) == 3  # two rows refused
    out, err = capsys.readouterr()
    assert "5 recorded, 1 already recorded, 2 refused" in out
    assert f"{cases}:8: building 'okand-skola' is not in the configuration" in err
    assert f"{cases}:9: a time is not ISO 8601" in err
    assert await asyncio.to_thread(main, command) == 3  # run again: nothing twice
    assert "0 recorded, 6 already recorded" in capsys.readouterr().out

    found = await plugin_findings(path, "2025-02", capsys, "feedback")
    # classroom 12 has no sensor of its own: the school's sensor says 19 °C since 07:00
    confirmed = found["feedback.1"]
    assert (confirmed["kind"], confirmed["severity"]) == ("nonconformity", "medium")
    assert confirmed["metrics"]["temperature_c"] == pytest.approx(19.0)
    assert confirmed["metrics"]["since"] == "2025-02-04T07:00+01:00"
    assert confirmed["metrics"]["hours_outside"] == 3  # 07, 08 and 09
    assert confirmed["metrics"]["sensors"] == ["asp-inne"]
    assert "confirmed: 19.0 °C, outside 20.0–23.0 °C since" in confirmed["title"]
    # at two in the afternoon the dining hall was inside the band: an answer, not a fault
    refuted = found["feedback.2"]
    assert (refuted["kind"], refuted["metrics"]["confirmed"]) == ("observation", False)
    assert 20.0 <= refuted["metrics"]["temperature_c"] <= 23.0
    # the preschool has no indoor sensor
    unchecked = found["feedback.3"]
    assert (unchecked["kind"], unchecked["metrics"]["checked"]) == ("observation", False)
    assert "feedback.4" not in found  # praise and fault reports are not sensor questions

    school = found["feedback-summary.asp-skolan"]
    # the lamp of 3 February and the dining hall of 4 February were never answered
    assert school["kind"] == "deviation"
    assert school["metrics"]["overdue"] == [5, 2]
    assert school["metrics"]["by_category"] == {"too_cold": 2, "praise": 1, "fault_report": 1}
    assert school["metrics"]["median_working_days_to_answer"] == 1.5  # 1 and 2 working days
    assert found["feedback-summary.bok-forskolan"]["kind"] == "observation"
    # the indoor-climate evaluation sees the users' complaints beside its sensor-hours
    indoor = await plugin_findings(path, "2025-02", capsys, "indoor_climate")
    assert indoor["indoor-band.asp-skolan"]["metrics"]["temperature_complaints"] == 2
