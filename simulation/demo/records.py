"""What people recorded in the demo's register: synpunkter, and internal controls performed.

Feedback the sensors will confirm and feedback they will not:

Set from the demo day, inside the reporting period the demo evaluates:

- classroom 2B at Ekbackaskolan is cold at the parents' evening, 19:30 on a working day --
  since the saving the heating follows the air handling units, off from 18:00, and the room
  is at the setback's 19.5 °C: confirmed, since 18:00 (a saving bought with comfort);
- the same classroom "too cold" at 10:30 another day, when it is at 21 °C: not confirmed;
- "too hot" in Tallgården's corridor after the radiator valve stuck open: confirmed;
- a fault report at Kommunhuset never answered (overdue), and praise for Lönnen answered
  within two working days.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from baselines.calendar import DayKind, day_kind
from energy.feedback import Category
from energy.register import Register, now_text
from simulation.portfolio import Timeline

RECORDED_BY = "enms demo"


def working_day_before(day: date, days: int) -> date:
    """The last ordinary working day (no holiday, school break or summer) ``days`` or more
    days before ``day``."""
    found = day - timedelta(days=days)
    while day_kind(found) is not DayKind.WORKDAY:
        found -= timedelta(days=1)
    return found


def seed_feedback(register: Register, timeline: Timeline, zone: ZoneInfo) -> int:
    """Record the demo's feedback once (by case reference); the number newly recorded."""

    def at(day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), zone)

    cold_evening = working_day_before(timeline.today, 8)
    warm_day = working_day_before(timeline.today, 6)
    hot = max(timeline.fault_from + timedelta(days=7), timeline.today - timedelta(days=20))
    lamp = working_day_before(timeline.today, 25)
    praise = working_day_before(timeline.today, 12)
    cases = [
        ("DEMO-1", "ekbackaskolan", "klassrum 2B", Category.TOO_COLD, at(cold_evening, 19, 30),
         "Kallt i klassrum 2B på föräldramötet", at(cold_evening + timedelta(days=1), 9)),
        ("DEMO-2", "ekbackaskolan", "klassrum 2B", Category.TOO_COLD, at(warm_day, 10, 30),
         "Fortfarande kallt i 2B", None),
        ("DEMO-3", "tallgarden", "korridor plan 2", Category.TOO_HOT, at(hot, 14, 15),
         "Alldeles för varmt i korridoren, de boende mår dåligt", None),
        ("DEMO-4", "kommunhuset", "entré", Category.FAULT_REPORT, at(lamp, 9, 5),
         "Entrédörren stänger inte av sig själv", None),
        ("DEMO-5", "lonnen", None, Category.PRAISE, at(praise, 15, 40),
         "Tack för att ventilationen i vilrummet blev tystare!", at(praise, 15, 40)
         + timedelta(days=2)),
    ]  # fmt: skip
    recorded = 0
    for case_ref, building, zone_name, category, received, text, answered in cases:
        _, new = register.add_feedback(
            building=building, category=category, received_at=received, text=text,
            zone=zone_name, channel="e-tjänst", case_ref=case_ref, answered_at=answered,
            recorded_by=RECORDED_BY, recorded_at=now_text(),
        )  # fmt: skip
        recorded += new
    return recorded


def seed_controls(register: Register, timeline: Timeline) -> int:
    """The energy-contract review performed two months ago, nothing found; the meters'
    calibration certificates, due yearly since the plan was adopted, never checked (overdue)."""
    if register.control_results("energiavtal"):
        return 0
    register.add_control_result(
        "energiavtal", performed_on=timeline.today - timedelta(days=60), ok=True,
        note="Avtalen gäller till och med nästa år", recorded_by=RECORDED_BY,
        recorded_at=now_text(),
    )  # fmt: skip
    return 1
