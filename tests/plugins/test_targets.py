"""Targets and action plans on the fixture portfolio: achieved, behind, overdue, verified."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.storage import Store
from enms.cli.main import main
from tests.fixture_portfolio import SAVING, TARGETS, config_text, deploy
from tests.plugins.portfolio import plugin_findings

pytestmark = pytest.mark.anyio


@pytest.fixture
async def deployment(configured_store: tuple[str, Store], tmp_path: Path) -> Path:
    storage, store = configured_store
    return await deploy(store, storage, tmp_path, extra=TARGETS)


async def evaluate(path: Path, period: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    return await plugin_findings(path, period, capsys, "targets")


async def test_targets_and_plans_for_the_first_quarter(
    deployment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    found = await evaluate(deployment, "2025-01-01..2025-03-31", capsys)
    assert set(found) == {
        "target.asp-2027",
        "action-plan.asp-2027.vent",
        "action-plan.asp-2027.led",
        "target.bok-2025",
        "action-plan.bok-2025.rebalance",
    }  # the cancelled plan is not judged
    school = found["target.asp-2027"]
    assert school["kind"] == "positive"
    assert school["metrics"]["status"] == "achieved"
    assert school["metrics"]["improvement_pct"] == pytest.approx(100 * SAVING, abs=3)
    assert school["review_input"].startswith("9.3 f)")
    preschool = found["target.bok-2025"]
    assert preschool["kind"] == "deviation"
    assert preschool["metrics"]["status"] == "behind"
    # a straight path from 0 on 2024-12-31 to 30 % on 2025-06-30: halfway at the end of March
    assert preschool["metrics"]["path_pct"] == pytest.approx(30 * 90 / 181, abs=0.01)
    assert preschool["metrics"]["improvement_pct"] < preschool["metrics"]["path_pct"]
    led = found["action-plan.asp-2027.led"]
    assert (led["kind"], led["severity"]) == ("deviation", "medium")
    assert led["metrics"]["days_overdue"] == 31
    assert led["review_input"].startswith("9.3 h)")
    vent = found["action-plan.asp-2027.vent"]["metrics"]
    # 12 % of a baseline year's heat verified; the plan expected 12,000 kWh a year
    assert vent["verified_share_pct"] == pytest.approx(100 * SAVING, abs=3)
    assert vent["realised_share"] == pytest.approx(
        vent["verified_savings_kwh_per_year"] / 12000, rel=1e-2
    )
    assert vent["verified_over_days"] == 90
    rebalance = found["action-plan.bok-2025.rebalance"]
    assert (rebalance["kind"], rebalance["metrics"]["status"]) == ("observation", "planned")


async def test_a_period_before_any_reporting_day_is_not_assessed(
    deployment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    found = await evaluate(deployment, "2024-06", capsys)
    assert found["target-not-assessed.asp-2027"]["kind"] == "observation"
    assert "action-plan.asp-2027.led" in found
    assert found["action-plan.asp-2027.led"]["kind"] == "observation"  # not yet due


def test_configuration_errors_name_the_target_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "site.yaml"
    storage = "{backend: embedded, embedded: {path: d.sqlite}}"
    path.write_text(config_text(storage, extra=TARGETS.replace("enpi: bok-fjv", "enpi: nowhere")))
    assert main(["config", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert (
        "target 'bok-2025' (targets[1].enpi): unknown EnPI 'nowhere' (known: asp-fjv, bok-fjv)"
        in err
    )
    undated = TARGETS.replace("status: done, completed: 2024-12-31", "status: done")
    path.write_text(config_text(storage, extra=undated))
    assert main(["config", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "(targets[0].action_plans[0]): a plan with status done needs its 'completed' date" in err
