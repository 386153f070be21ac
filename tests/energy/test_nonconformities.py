"""Nonconformities in the register: opened by evaluations, taken through their lifecycle."""

from __future__ import annotations

from pathlib import Path

import pytest

from energy.nonconformities import LifecycleError, Status
from energy.register import Register


def record(register: Register, period: str, excess: float) -> int:
    found = register.record_nonconformity(
        plugin="enpi_deviation",
        finding="enpi-deviation.asp-fjv",
        title="District heating of Aspskolan above its baseline",
        severity="high",
        scope=("enpi", "asp-fjv"),
        period=period,
        metrics={"excess_kwh": excess},
    )
    return found.id


def test_an_evaluation_opens_one_and_later_ones_update_it(tmp_path: Path) -> None:
    register = Register(tmp_path / "register.sqlite")
    first = record(register, "2025-03", 1200.0)
    again = record(register, "2025-04", 2500.0)
    assert first == again
    (found,) = register.nonconformities()
    assert (found.status, found.first_period, found.last_period) == (
        Status.OPEN,
        "2025-03",
        "2025-04",
    )
    assert found.metrics == {"excess_kwh": 2500.0}
    assert [(e.status, e.by) for e in found.events] == [("open", "plugin enpi_deviation")]
    register.close()


def test_the_lifecycle_goes_in_order_and_an_ineffective_action_needs_another(
    tmp_path: Path,
) -> None:
    register = Register(tmp_path / "register.sqlite")
    ident = record(register, "2025-03", 1200.0)
    with pytest.raises(LifecycleError, match="cannot become closed; next: cause_identified"):
        register.update_nonconformity(
            ident, status=Status.CLOSED, note=None, effective=None, by="x"
        )
    steps = [
        (Status.CAUSE_IDENTIFIED, "valve VS1 stuck open", None, Status.CAUSE_IDENTIFIED),
        (Status.ACTION_TAKEN, "actuator replaced", None, Status.ACTION_TAKEN),
        (Status.EFFECTIVENESS_CHECKED, "still high", False, Status.CAUSE_IDENTIFIED),
        (Status.ACTION_TAKEN, "valve body replaced", None, Status.ACTION_TAKEN),
        (Status.EFFECTIVENESS_CHECKED, "on baseline 30 days", True, Status.EFFECTIVENESS_CHECKED),
        (Status.CLOSED, None, None, Status.CLOSED),
    ]  # fmt: skip
    for status, note, effective, expected in steps:
        if effective:  # the data show it: an evaluation after the action no longer finds it
            register.record_evaluation("2025-07")
        found = register.update_nonconformity(
            ident, status=status, note=note, effective=effective, by="energy-team"
        )
        assert found.status is expected
    other = record(register, "2025-06", 10.0)  # closed: a recurrence is a new one
    assert other != ident
    for status in (Status.CAUSE_IDENTIFIED, Status.ACTION_TAKEN):
        register.update_nonconformity(other, status=status, note="n", effective=None, by="x")
    with pytest.raises(LifecycleError, match="must say effective"):
        register.update_nonconformity(
            other, status=Status.EFFECTIVENESS_CHECKED, note="?", effective=None, by="x"
        )
    with pytest.raises(KeyError):
        register.update_nonconformity(999, status=Status.CLOSED, note=None, effective=None, by="x")
    with pytest.raises(KeyError):  # no 64-bit integer: no such row
        register.update_nonconformity(
            2**70, status=Status.CLOSED, note=None, effective=None, by="x"
        )
    # a failed update leaves no transaction open: the next one goes through
    register.record_evaluation("2025-07")
    register.update_nonconformity(
        other, status=Status.EFFECTIVENESS_CHECKED, note="ok", effective=True, by="x"
    )
    register.close()
    reopened = Register(tmp_path / "register.sqlite")  # what was recorded stays recorded
    closed = reopened.nonconformity(ident)
    assert closed is not None
    assert [e.status for e in closed.events] == [
        "open", "cause_identified", "action_taken", "effectiveness_checked", "action_taken",
        "effectiveness_checked", "closed",
    ]  # fmt: skip
    assert [e.effective for e in closed.events if e.status == "effectiveness_checked"] == [
        False,
        True,
    ]
    assert len(reopened.nonconformities(status=Status.CLOSED)) == 1
    assert len(reopened.nonconformities(status=Status.EFFECTIVENESS_CHECKED)) == 1
    reopened.close()


def test_an_effect_counts_only_when_recorded_evaluations_show_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = iter(f"2026-0{month}-01T08:00:00+01:00" for month in range(1, 10))
    monkeypatch.setattr("energy.nonconformity_records._now", lambda: next(clock))
    register = Register(tmp_path / "register.sqlite")
    ident = record(register, "2025-03", 1200.0)  # opened 1 January
    for status in (Status.CAUSE_IDENTIFIED, Status.ACTION_TAKEN):  # action on 1 March
        register.update_nonconformity(ident, status=status, note="n", effective=None, by="x")

    def check() -> None:
        register.update_nonconformity(
            ident, status=Status.EFFECTIVENESS_CHECKED, note="ok", effective=True, by="x",
            verify_days=14,
        )  # fmt: skip

    with pytest.raises(LifecycleError, match="not yet shown on the data"):
        check()  # no evaluation since the action
    record(register, "2025-04", 900.0)  # 1 April: an evaluation still finds it
    register.record_evaluation("2025-04")  # 1 May
    with pytest.raises(LifecycleError, match="not effective on the data: an evaluation found"):
        check()
    assert register.nonconformity(ident).status is Status.ACTION_TAKEN  # type: ignore[union-attr]
    register.update_nonconformity(  # another action, 1 June
        ident, status=Status.EFFECTIVENESS_CHECKED, note="still high", effective=False, by="x"
    )
    register.update_nonconformity(
        ident, status=Status.ACTION_TAKEN, note="valve replaced", effective=None, by="x"
    )
    register.record_evaluation("2025-06")  # 1 August: evaluated, not found
    check()  # effective: shown by the data, 14 days on
    assert register.nonconformity(ident).status is Status.EFFECTIVENESS_CHECKED  # type: ignore[union-attr]
    register.close()


def test_owner_due_date_and_action_plan_are_kept_with_an_event(tmp_path: Path) -> None:
    register = Register(tmp_path / "register.sqlite")
    found = register.record_nonconformity(
        plugin="p", finding="f", title="t", severity="high", scope=("enpi", "e"),
        period="2025-03", metrics={}, owner="driftchef", due="2025-04-30",
    )  # fmt: skip
    assert (found.owner, found.due, found.action_plan) == ("driftchef", "2025-04-30", None)
    again = register.record_nonconformity(
        plugin="p", finding="f", title="t", severity="high", scope=("enpi", "e"),
        period="2025-04", metrics={}, owner="someone else", due="2025-05-31",
    )  # fmt: skip
    assert (again.owner, again.due) == ("driftchef", "2025-04-30")  # as people set them
    assigned = register.assign_nonconformity(
        found.id, owner="elansvarig", due="2025-06-30", action_plan="rebalance", by="team"
    )
    assert (assigned.owner, assigned.due, assigned.action_plan) == (
        "elansvarig",
        "2025-06-30",
        "rebalance",
    )
    assert assigned.events[-1].status == "assigned"
    register.close()
