"""Re-deliveries take their first delivery's receipt time; new messages never do."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from core.deployment import load_deployment
from core.storage.points import Point
from daemon.mqtt.client import Message
from daemon.mqtt.collector import MqttCollector
from daemon.mqtt.redelivery import Redeliveries, message_key
from daemon.receipt_times import ReceiptClock
from tests.fuzz_inputs import all_formats_config


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


class Sink:
    """A writer stand-in that makes readings durable at once, or drops them."""

    def __init__(self, *, accept: bool) -> None:
        self.accept = accept
        self.saturated = False
        self.points: list[Point] = []

    def submit(self, points: Sequence[Point], on_durable: Callable[[], None] | None = None) -> bool:
        if not self.accept:
            return False
        self.points += points
        if on_durable is not None:
            on_durable()
        return True


def receipt_collector(tmp_path: Path) -> MqttCollector:
    path = tmp_path / "site.yaml"
    path.write_text(all_formats_config(["tasmota_energy"]))
    return MqttCollector(load_deployment(path))


def test_a_dropped_reading_is_forgotten_so_its_redelivery_is_stored(tmp_path: Path) -> None:
    collector = receipt_collector(tmp_path)
    first = Message("plain/ute", b"21.5", 10**18, mid=1, qos=1, generation=1)
    collector._submit(Sink(accept=False), [first])  # the writer's queue was full
    assert len(collector.redeliveries) == 0
    again = Message("plain/ute", b"21.5", 10**18 + 5, mid=7, qos=1, generation=2, dup=True)
    sink = Sink(accept=True)
    collector._submit(sink, [again])
    assert [p.time_ns for p in sink.points] == [10**18 + 5]  # a new reading, not matched


def test_times_are_kept_until_the_acknowledgement_has_surely_arrived(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("daemon.mqtt.collector.ACK_GRACE_S", 0.05)
    collector = receipt_collector(tmp_path)
    collector.connection.generation = 1
    collector.connection.connected.set()  # as if connected: acknowledgements go out
    sink = Sink(accept=True)
    message = Message("plain/ute", b"21.5", 10**18, mid=1, qos=1, generation=1)
    collector._submit(sink, [message])
    assert len(collector.redeliveries) == 1  # acknowledged, within the grace period
    collector.connection.generation = 2  # the connection was lost before the PUBACK arrived
    time.sleep(0.06)
    collector._submit(sink, [Message("plain/ute", b"3", 10**18 + 9, mid=2, qos=1, generation=2)])
    redelivered = Message("plain/ute", b"21.5", 10**18 + 50, mid=3, qos=1, generation=2, dup=True)
    collector._submit(sink, [redelivered])
    assert sink.points[-1].time_ns == 10**18  # the first delivery's point, not a second one
    time.sleep(0.06)
    collector._submit(sink, [])  # both now acknowledged on a connection that stayed up
    assert len(collector.redeliveries) == 0
