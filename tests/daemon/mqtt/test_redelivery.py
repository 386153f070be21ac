"""Re-deliveries take their first delivery's receipt time; new messages never do."""

from __future__ import annotations

from daemon.mqtt.redelivery import Redeliveries, message_key
from daemon.receipt_times import ReceiptClock


def test_a_redelivery_on_a_later_connection_takes_the_first_time() -> None:
    remembered = Redeliveries()
    key = message_key("t", b"21.5")
    remembered.remember(key, generation=1, time_ns=100)
    assert remembered.first_time(key, generation=1) is None  # same connection: a new message
    assert remembered.first_time(key, generation=2) == 100
    assert remembered.matched == 1


def test_two_equal_payloads_keep_their_own_times_and_are_forgotten_once_acknowledged() -> None:
    remembered = Redeliveries()
    key = message_key("t", b"21.5")
    remembered.remember(key, 1, 100)
    remembered.remember(key, 1, 200)
    assert remembered.first_time(key, 2) == 100
    remembered.forget(key, 100)
    assert remembered.first_time(key, 2) == 200
    remembered.forget(key, 200)
    assert remembered.first_time(key, 2) is None
    assert len(remembered) == 0


def test_the_memory_is_bounded_oldest_first() -> None:
    remembered = Redeliveries(limit=3)
    for i in range(5):
        remembered.remember(message_key("t", b"%d" % i), 1, i)
    assert len(remembered) == 3
    assert remembered.first_time(message_key("t", b"0"), 2) is None
    assert remembered.first_time(message_key("t", b"4"), 2) == 4


def test_receipt_times_step_by_the_store_resolution_and_never_repeat() -> None:
    clock = ReceiptClock(resolution_ns=1_000_000)  # InfluxDB at precision ms
    times = [clock.stamp("series", 5_000_123_456) for _ in range(5)]
    assert times == [5_000_000_000 + k * 1_000_000 for k in range(5)]
    assert clock.stamp("other", 5_000_123_456) == 5_000_000_000  # per series
    assert clock.shifted == 4
