"""The storage contract, run against the embedded store and against a real InfluxDB.

Expected values are computed here independently, point by point with ``zoneinfo``, not with
the bucket code under test.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from core.errors import InvalidPoint
from core.storage import Aggregate, Bucket, EmbeddedStore, Point, SeriesSelector, Store

pytestmark = pytest.mark.anyio

TZ = "Europe/Stockholm"
ZONE = ZoneInfo(TZ)
NS = 1_000_000_000
# 2024-03-01 .. 2024-11-16 local: both DST changes (31 March, 27 October) lie inside.
START = datetime(2024, 3, 1, tzinfo=ZONE)
METERS = ("el-a", "el-b", "fjv-a", "fjv-b")
STEP_S = 900
PER_METER = 25_000  # 4 meters x 25,000 = 100,000 points
END = START + timedelta(seconds=STEP_S * PER_METER)


def make_points() -> list[Point]:
    rng = np.random.default_rng(2024)
    origin = int(START.timestamp())
    points = []
    for index, meter in enumerate(METERS):
        # jitter so points do not all sit on bucket boundaries; never two at the same instant
        offsets = np.arange(PER_METER) * STEP_S + 4 * rng.integers(0, 60, PER_METER) + index
        values = np.round(rng.normal(50 + 10 * index, 15, PER_METER), 6)
        building = "skolan" if meter.endswith("-a") else "forskolan"
        for offset, value in zip(offsets.tolist(), values.tolist(), strict=True):
            points.append(
                Point(
                    "readings",
                    {"meter": meter, "building": building, "medium": meter.split("-")[0]},
                    {"power_kw": value},
                    (origin + offset) * NS,
                )
            )
    return points


POINTS = make_points()


def bucket_start(time_ns: int, bucket: Bucket) -> int:
    """The local-calendar bucket start of an instant, straight from zoneinfo."""
    local = datetime.fromtimestamp(time_ns // NS, ZONE)
    if bucket is Bucket.HOUR:
        return time_ns // (3600 * NS) * 3600 * NS  # Stockholm's offsets are whole hours
    day = local.date()
    if bucket is Bucket.WEEK:
        day -= timedelta(days=day.weekday())
    elif bucket is Bucket.MONTH:
        day = date(day.year, day.month, 1)
    return int(datetime(day.year, day.month, day.day, tzinfo=ZONE).timestamp()) * NS


REDUCERS: dict[Aggregate, Callable[[list[float]], float]] = {
    Aggregate.MEAN: lambda v: sum(v) / len(v),
    Aggregate.SUM: sum,
    Aggregate.MIN: min,
    Aggregate.MAX: max,
    Aggregate.COUNT: len,
    Aggregate.LAST: lambda v: v[-1],
}


@functools.cache
def point_bucket_starts(bucket: Bucket) -> tuple[int, ...]:
    return tuple(bucket_start(point.time_ns, bucket) for point in POINTS)


@functools.cache
def expected(
    bucket: Bucket, group_by: tuple[str, ...]
) -> dict[tuple[str, ...], dict[int, list[float]]]:
    """Per group and bucket start, the values in time order."""
    grouped: dict[tuple[str, ...], dict[int, list[tuple[int, float]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for point, start in zip(POINTS, point_bucket_starts(bucket), strict=True):
        value = point.fields["power_kw"]
        assert isinstance(value, float)
        grouped[tuple(point.tags[tag] for tag in group_by)][start].append((point.time_ns, value))
    return {
        key: {start: [v for _, v in sorted(items)] for start, items in buckets.items()}
        for key, buckets in grouped.items()
    }


async def visible(store: Store, selector: SeriesSelector, expected: int) -> None:
    """Wait (at most 10 s) until every written point is visible to an hourly query.

    Once, under heavy load in CI, InfluxDB 1.6.7 (Debian's build is a release candidate)
    answered the first hourly query straight after this 100,000-point write with 12 of a
    bucket's 16 points, and with all of them moments later: a read racing the server's cache
    snapshot, not a lost point. The contract is about what is stored, so it is checked once
    the write is visible; counts are still compared exactly.
    """
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        series = await store.aggregate(selector, START, END, Bucket.HOUR, Aggregate.COUNT, tz=TZ)
        if sum(int(s.counts.sum()) for s in series) == expected:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(
                f"only {sum(int(s.counts.sum()) for s in series)} of {expected} visible"
            )
        await asyncio.sleep(0.2)


async def test_100k_points_read_back_aggregated_in_local_buckets(store: Store) -> None:
    assert await store.write(POINTS) == len(POINTS)
    selector = SeriesSelector("readings", "power_kw")
    await visible(store, selector, len(POINTS))
    for bucket, group_by, agg in itertools.product(
        Bucket, [(), ("building",), ("meter",)], Aggregate
    ):
        case = (bucket.value, group_by, agg.value)
        got = await store.aggregate(selector, START, END, bucket, agg, tz=TZ, group_by=group_by)
        want = expected(bucket, group_by)
        assert sorted(tuple(s.tags.values()) for s in got) == sorted(want), case
        for series in got:
            by_start = want[tuple(series.tags.values())]
            assert series.tz == TZ
            assert set(by_start) <= set(series.starts_ns.tolist()), case
            for start, value, count in zip(
                series.starts_ns.tolist(),
                series.values.tolist(),
                series.counts.tolist(),
                strict=True,
            ):
                if start not in by_start:
                    assert count == 0, (*case, start)
                    assert np.isnan(value), (*case, start)
                    continue
                values = by_start[start]
                assert count == len(values), (*case, start)
                assert value == pytest.approx(REDUCERS[agg](values), rel=1e-9, abs=1e-9), (
                    *case,
                    start,
                )


@pytest.fixture
async def filled(store: Store) -> Store:
    await store.write([p for p in POINTS if p.tags["meter"] in ("el-a", "fjv-b")])
    return store


async def test_daily_buckets_follow_dst_day_lengths(filled: Store) -> None:
    selector = SeriesSelector("readings", "power_kw", {"meter": "el-a"})
    got = await filled.aggregate(
        selector,
        datetime(2024, 3, 30, tzinfo=ZONE),
        datetime(2024, 4, 2, tzinfo=ZONE),
        Bucket.DAY,
        Aggregate.COUNT,
        tz=TZ,
    )
    (series,) = got
    assert [d.isoformat() for d in series.starts()] == [
        "2024-03-30T00:00:00+01:00",
        "2024-03-31T00:00:00+01:00",
        "2024-04-01T00:00:00+02:00",
    ]
    assert series.counts.tolist() == [96, 92, 96]  # quarter-hours in 24, 23 and 24 hours


async def test_tag_filters_match_any_of_several_values(filled: Store) -> None:
    selector = SeriesSelector("readings", "power_kw", {"meter": ["el-a", "fjv-b"]})
    series = await filled.raw(selector, START, END)
    # series come ordered by their tag sets: building=forskolan sorts before building=skolan
    assert [s.tags["meter"] for s in series] == ["fjv-b", "el-a"]
    assert all(len(s.values) == PER_METER for s in series)
    assert all(np.all(np.diff(s.times_ns) > 0) for s in series)
    first = POINTS[0]
    assert series[1].times_ns[0] == first.time_ns
    assert series[1].values[0] == first.fields["power_kw"]


async def test_writing_the_same_point_twice_stores_it_once(store: Store) -> None:
    point = Point("readings", {"meter": "m1"}, {"energy_kwh": 10.5}, 1_700_000_000 * NS)
    await store.write([point])
    await store.write(
        [point, Point("readings", {"meter": "m1"}, {"energy_kwh": 11.0}, point.time_ns)]
    )
    (series,) = await store.raw(SeriesSelector("readings", "energy_kwh"), 0, 2_000_000_000 * NS)
    assert series.values.tolist() == [11.0]


async def test_awkward_names_and_values_survive_the_round_trip(store: Store) -> None:
    tags = {"building": "Hus A, plan 2", "room name": 'rum=12 "b"', "site": "Å,ä ö"}
    point = Point("my readings", tags, {"temp c": -3.25, "note": 'said "hi" \\ ok', "n": 3}, 10**18)
    await store.write([point])
    (series,) = await store.raw(
        SeriesSelector("my readings", "temp c", {"site": "Å,ä ö"}), 0, 2 * 10**18
    )
    assert dict(series.tags) == tags
    assert series.values.tolist() == [-3.25]
    (ints,) = await store.raw(SeriesSelector("my readings", "n"), 0, 2 * 10**18)
    assert ints.values.tolist() == [3.0]
    assert await store.raw(SeriesSelector("my readings", "note"), 0, 2 * 10**18) == []


async def test_no_matching_data_gives_no_series(store: Store) -> None:
    selector = SeriesSelector("nothing", "here")
    assert await store.raw(selector, START, END) == []
    assert await store.aggregate(selector, START, END, Bucket.DAY, Aggregate.SUM, tz=TZ) == []


def counter_points() -> list[Point]:
    """Two hourly kWh registers around the autumn DST change, 1 kWh per hour each.

    Meter 'a' is reset to zero right after its 11:00 reading on 27 October (the 25-hour day),
    so at 12:00 it shows 1 kWh; meter 'b' is replaced on 29 October by a meter whose register
    starts at 50,000 kWh.
    """
    start = int(datetime(2024, 10, 20, tzinfo=ZONE).timestamp())
    points = []
    reading_a, reading_b = 1000.0, 7000.0
    for hour in range(24 * 14):
        t = (start + hour * 3600) * NS
        if t == int(datetime(2024, 10, 27, 12, tzinfo=ZONE).timestamp()) * NS:
            reading_a = 1.0
        if t == int(datetime(2024, 10, 29, 6, tzinfo=ZONE).timestamp()) * NS:
            reading_b = 50_000.0
        points.append(
            Point("readings", {"meter": "a", "building": "x"}, {"energy_kwh": reading_a}, t)
        )
        points.append(
            Point("readings", {"meter": "b", "building": "x"}, {"energy_kwh": reading_b}, t)
        )
        reading_a += 1.0
        reading_b += 1.0
    return points


async def test_counter_consumption_handles_a_reset_a_replacement_and_a_dst_day(
    store: Store,
) -> None:
    await store.write(counter_points())
    selector = SeriesSelector("readings", "energy_kwh")
    days = await store.counter_consumption(
        selector,
        datetime(2024, 10, 25, tzinfo=ZONE),
        datetime(2024, 10, 31, tzinfo=ZONE),
        Bucket.DAY,
        tz=TZ,
        group_by=("meter",),
    )
    by_meter = {s.tags["meter"]: s for s in days}
    labels = [d.date().isoformat() for d in by_meter["a"].starts()]
    assert labels == [
        "2024-10-25",
        "2024-10-26",
        "2024-10-27",
        "2024-10-28",
        "2024-10-29",
        "2024-10-30",
    ]
    a, b = by_meter["a"], by_meter["b"]
    # The reset hour counts the 1 kWh the restarted register shows; the DST day has 25 hours.
    np.testing.assert_allclose(a.values, [24, 24, 25, 24, 24, 24])
    np.testing.assert_allclose(a.coverage, [1, 1, 1, 1, 1, 1])
    # Meter b: the DST day counts 25 kWh; the replacement hour is a gap, not a 43,000 kWh spike.
    np.testing.assert_allclose(b.values, [24, 24, 25, 24, 23, 24])
    np.testing.assert_allclose(b.coverage, [1, 1, 1, 1, 23 / 24, 1])
    (total,) = await store.counter_consumption(
        selector,
        datetime(2024, 10, 25, tzinfo=ZONE),
        datetime(2024, 10, 31, tzinfo=ZONE),
        Bucket.DAY,
        tz=TZ,
        group_by=("building",),
    )
    np.testing.assert_allclose(total.values, a.values + b.values)
    assert total.counts.tolist() == [2] * 6


async def test_counter_consumption_per_hour_splits_readings_between_hours(store: Store) -> None:
    base = int(datetime(2024, 1, 10, tzinfo=ZONE).timestamp())
    # readings at :30 each hour, 2 kWh per hour
    points = [
        Point(
            "readings", {"meter": "m"}, {"energy_kwh": 100.0 + 2 * i}, (base + 1800 + 3600 * i) * NS
        )
        for i in range(30)
    ]
    await store.write(points)
    (series,) = await store.counter_consumption(
        SeriesSelector("readings", "energy_kwh"),
        datetime(2024, 1, 10, 2, tzinfo=ZONE),
        datetime(2024, 1, 10, 6, tzinfo=ZONE),
        Bucket.HOUR,
        tz=TZ,
    )
    np.testing.assert_allclose(series.values, [2, 2, 2, 2])
    np.testing.assert_allclose(series.coverage, [1, 1, 1, 1])


async def test_invalid_points_are_refused_by_name_and_the_valid_ones_still_written(
    store: Store,
) -> None:
    good = [
        Point("readings", {"meter": "m"}, {"power_kw": float(i)}, (1_700_000_000 + i) * NS)
        for i in range(10)
    ]
    bad = [
        Point("readings", {"meter": "m"}, {"power_kw": float("nan")}, 1_700_000_100 * NS),
        Point("readings", {"meter": "m"}, {}, 1_700_000_101 * NS),
    ]
    with pytest.raises(InvalidPoint) as caught:
        await store.write(good[:5] + bad + good[5:])
    assert caught.value.written == 10
    assert [point for point, _ in caught.value.rejected] == bad
    assert "nan" in caught.value.rejected[0][1].lower()
    assert "no fields" in caught.value.rejected[1][1]
    (series,) = await store.raw(SeriesSelector("readings", "power_kw"), 0, 2 * 10**18)
    assert series.values.tolist() == [float(i) for i in range(10)]


async def test_latest_returns_the_newest_point_of_each_series_with_all_fields(store: Store) -> None:
    def health(source: str, t: int, ok: bool, failures: int, error: str | None) -> Point:
        fields: dict[str, float | int | bool | str] = {
            "online": ok,
            "failures": failures,
            "latency_ms": 12.5,
        }
        if error:
            fields["last_error"] = error
        return Point("collector_health", {"collector": "modbus", "source": source}, fields, t * NS)

    await store.write(
        [
            health("m1", 1_700_000_000, True, 0, None),
            health("m1", 1_700_000_060, False, 3, "timeout, unit 4"),
            health("m2", 1_700_000_030, True, 0, None),
            health("m3", 1_600_000_000, True, 0, None),  # older than the window
        ]
    )
    latest = await store.latest("collector_health", 1_690_000_000 * NS)
    assert [(p.tags["source"], p.time_ns // NS) for p in latest] == [
        ("m1", 1_700_000_060),
        ("m2", 1_700_000_030),
    ]
    assert latest[0].fields == {
        "online": False,
        "failures": 3,
        "latency_ms": 12.5,
        "last_error": "timeout, unit 4",
    }
    assert latest[1].fields["online"] is True
    only = await store.latest("collector_health", 0, {"source": "m3"})
    assert [p.tags["source"] for p in only] == ["m3"]
    assert await store.raw(SeriesSelector("collector_health", "online"), 0, 2 * 10**18) == []


async def test_series_written_through_another_connection_are_found(tmp_path: Path) -> None:
    reader = EmbeddedStore(tmp_path / "shared.sqlite")  # opened first, as the API would be
    writer = EmbeddedStore(tmp_path / "shared.sqlite")  # the daemon, in another process
    await writer.write([Point("readings", {"meter": "new"}, {"v": 1.0}, 10 * NS)])
    (series,) = await reader.raw(SeriesSelector("readings", "v"), 0, 100 * NS)
    assert series.tags == {"meter": "new"}
    await reader.close()
    await writer.close()


async def test_numpy_numbers_are_stored_as_plain_numbers(store: Store) -> None:
    point = Point(
        "readings",
        {"meter": "np"},
        {"energy_kwh": np.float64(12.5), "pulses": np.int64(7), "ok": np.bool_(True)},
        np.int64(10**18).item(),
    )
    await store.write([point])
    (energy,) = await store.raw(SeriesSelector("readings", "energy_kwh"), 0, 2 * 10**18)
    (pulses,) = await store.raw(SeriesSelector("readings", "pulses"), 0, 2 * 10**18)
    assert energy.values.tolist() == [12.5]
    assert pulses.values.tolist() == [7.0]
    (latest,) = await store.latest("readings", 0)
    assert latest.fields["ok"] is True
