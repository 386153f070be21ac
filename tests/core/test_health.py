"""A source's health point: how long it has gone unread, including a source never read."""

from __future__ import annotations

from core.health import SourceHealth

S = 1_000_000_000


def fields(health: SourceHealth, now_s: int) -> dict[str, object]:
    return dict(health.to_point(now_s * S).fields)


def test_a_source_never_read_is_unread_since_the_first_attempt() -> None:
    health = SourceHealth("modbus", "asp-ftx")
    assert "seconds_unread" not in fields(health, 100)  # not tried yet: nothing to judge
    for second in (100, 160, 220):
        health.record_failure(second * S, "timeout", "no answer")
    point = fields(health, 4000)
    assert point["seconds_unread"] == 3900
    assert "seconds_since_success" not in point
    assert point["online"] is False


def test_a_source_read_once_is_unread_since_that_read() -> None:
    health = SourceHealth("modbus", "asp-el")
    health.record_failure(100 * S, "timeout", "no answer")
    health.record_success(130 * S, 0.01, 4)
    health.record_failure(190 * S, "timeout", "no answer")
    point = fields(health, 1000)
    assert point["seconds_unread"] == 870
    assert point["seconds_since_success"] == 870
