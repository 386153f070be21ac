"""Line protocol: escaping, types, precision; round-tripped through a real InfluxDB."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.config.models import InfluxDBSettings
from core.errors import InvalidPoint
from core.storage import InfluxDBStore, Point, SeriesSelector
from core.storage.influxql import identifier
from core.storage.lineprotocol import LineEncoder

NS = 1_000_000_000


def line(point: Point, precision: str = "ns") -> str:
    return LineEncoder(precision).line(point)


def test_special_characters_are_escaped_where_line_protocol_requires() -> None:
    point = Point(
        "my meas,x",
        {"b key": "v=1,2", "a": "plain"},
        {"f,1": 1.5, "s": 'he said "hi" \\'},
        123,
    )
    assert (
        line(point)
        == 'my\\ meas\\,x,a=plain,b\\ key=v\\=1\\,2 f\\,1=1.5,s="he said \\"hi\\" \\\\" 123'
    )


def test_field_types_are_encoded_distinctly() -> None:
    point = Point("m", {}, {"f": 2.0, "i": 2, "b": True, "big": 1e21, "neg": -0.1}, 0)
    assert line(point) == "m f=2.0,i=2i,b=true,big=1e+21,neg=-0.1 0"


def test_timestamps_follow_the_precision() -> None:
    point = Point("m", {}, {"v": 1.0}, 1_700_000_000_123_456_789)
    assert line(point, "ms").endswith(" 1700000000123")
    assert line(point, "s").endswith(" 1700000000")
    assert line(point, "us").endswith(" 1700000000123456")


def test_empty_tag_values_are_left_out() -> None:
    assert line(Point("m", {"a": "", "b": "x"}, {"v": 1.0}, 0)) == "m,b=x v=1.0 0"


@pytest.mark.parametrize(
    ("point", "reason"),
    [
        (Point("m", {}, {}, 0), "no fields"),
        (Point("m", {}, {"v": math.nan}, 0), "NaN"),
        (Point("m", {}, {"v": math.inf}, 0), "infinity"),
        (Point("m\n2", {}, {"v": 1.0}, 0), "newline"),
        (Point("m", {"t": "ends\\"}, {"v": 1.0}, 0), "final"),
        (Point("#m", {}, {"v": 1.0}, 0), "may not start with '#'"),
    ],
)
def test_unrepresentable_points_are_refused_with_a_reason(point: Point, reason: str) -> None:
    with pytest.raises(InvalidPoint, match=reason):
        line(point)


_names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\\"),
    min_size=1,
    max_size=12,
).filter(lambda s: s.strip() == s and s != "time")


@pytest.mark.anyio
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    measurement=_names.filter(lambda name: not name.startswith("#")),  # refused, tested above
    tags=st.dictionaries(_names, _names, max_size=3),
    value=st.floats(allow_nan=False, allow_infinity=False, width=64),
    text=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20),
)
async def test_any_names_round_trip_through_real_influxdb(
    influx_settings: InfluxDBSettings,
    measurement: str,
    tags: dict[str, str],
    value: float,
    text: str,
) -> None:
    tags.pop("time", None)
    fields = {"value": value, "note": text}
    async with InfluxDBStore(influx_settings) as store:
        time_ns = 1_600_000_000 * NS
        await store.write([Point(measurement, tags, fields, time_ns)])
        series = await store.raw(SeriesSelector(measurement, "value", tags), time_ns, time_ns + 1)
        await store._query(f"DROP SERIES FROM {identifier(measurement)}", method="POST")
    assert len(series) == 1
    assert dict(series[0].tags) == tags
    assert series[0].values.tolist() == [value]
