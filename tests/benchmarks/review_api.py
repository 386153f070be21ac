"""Benchmark: the management review of a large portfolio over HTTP, against the raw query.

    scripts/services.sh start
    .venv/bin/python -m tests.benchmarks.review_api [--buildings 200] [--years 3] [--rounds 9]

A portfolio of ``buildings`` buildings (ten per site, one outdoor sensor per site), each with a
district-heating and an electricity register read hourly for ``years`` years, is written to a
fresh InfluxDB database; `run_enpi` adopts a district-heating baseline (the first year) for
every building and writes its daily series. Then `enms api` runs as its own process and
``GET /api/v1/review?period=<last year>`` is timed with a client on 127.0.0.1:

- cold: the first request -- the plugins' evaluation reads every register of the year, and the
  building ranking sums them -- both then kept for ``api.cache_ttl_s``;
- warm: the median of ``rounds`` requests after it (EnPI figures, decisions and the document
  are computed on every request);
- raw: the median of the same number of bare InfluxQL queries returning the EnPI series the
  review reads (every EnPI's five daily fields for the year), over the same HTTP stack.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import numpy as np

from api.auth import hash_key
from core.deployment import load_deployment
from core.storage import InfluxDBStore, Point
from core.storage.factory import open_store
from energy.enpi_run import run_enpi
from energy.register import Register
from tests.services import influx_url

ZONE = ZoneInfo("Europe/Stockholm")
NS = 1_000_000_000
KEY = "bench-key-0123456789abcdef"
PER_SITE = 10


def config_text(url: str, database: str, buildings: int, first_year: int) -> str:
    sites = []
    for s in range(0, buildings, PER_SITE):
        site = f"site-{s // PER_SITE:03d}"
        members = range(s, min(s + PER_SITE, buildings))
        lines = [f"  - id: {site}", f"    name: Site {s // PER_SITE}", "    buildings:"]
        lines += [
            f"      - {{id: b{b:03d}, name: Building {b}, category: school, atemp_m2: "
            f"{2000 + 37 * b}}}"
            for b in members
        ]
        lines.append("    meters:")
        lines.append(
            f"      - {{id: ute-{site}, building: b{s:03d}, medium: outdoor_temperature, "
            f"kind: instantaneous, unit: °C, mqtt: {{topic: t/ute-{site}}}}}"
        )
        for b in members:
            for medium, short in (("district_heating", "fjv"), ("electricity", "el")):
                lines.append(
                    f"      - {{id: b{b:03d}-{short}, building: b{b:03d}, medium: {medium}, "
                    f"unit: kWh, mqtt: {{topic: t/b{b:03d}-{short}}}}}"
                )
        sites.append("\n".join(lines))
    enpis = [
        f"  - {{id: b{b:03d}-fjv, name: Fjärrvärme {b}, building: b{b:03d}, "
        f"medium: district_heating, temperature_meter: ute-site-{b // PER_SITE:03d}, "
        f"baseline: {{first: {first_year}-01-01, last: {first_year}-12-31}}}}"
        for b in range(buildings)
    ]
    head = textwrap.dedent(f"""\
        version: 1
        portfolio: {{name: Benchmark portfolio, timezone: Europe/Stockholm}}
        storage:
          backend: influxdb
          influxdb: {{url: "{url}", database: {database}, create_database: true, timeout_s: 120}}
        mqtt: {{host: 127.0.0.1}}
        daemon: {{register_path: register.sqlite, spool: {{path: spool.sqlite}}}}
        plugins: {{timeout_s: 3600}}
        api:
          keys: [{{name: bench, sha256: {hash_key(KEY)}}}]
        """)
    return head + "sites:\n" + "\n".join(sites) + "\nenpis:\n" + "\n".join(enpis) + "\n"


def site_points(site: int, buildings: range, first: date, days: int, seed: int) -> list[Point]:
    rng = np.random.default_rng(seed)
    hours = days * 24
    start = int(datetime(first.year, first.month, first.day, tzinfo=ZONE).timestamp())
    times = (start + np.arange(hours + 1) * 3600) * NS
    day = np.minimum(np.arange(hours + 1) // 24, days - 1)
    daily_t = 6 + 11 * np.sin(2 * np.pi * (np.arange(days) - 110) / 365.25) + rng.normal(0, 2, days)
    outdoor = daily_t[day] + rng.normal(0, 0.5, hours + 1)
    name = f"site-{site:03d}"
    points = [
        Point("readings", {"site": name, "building": f"b{buildings[0]:03d}", "meter": f"ute-{name}",
              "medium": "outdoor_temperature"}, {"temperature_c": round(float(v), 2)}, int(t))
        for t, v in zip(times, outdoor, strict=True)
    ]  # fmt: skip
    hour_of_day = np.arange(hours) % 24
    for b in buildings:
        heat = (60 + b % 7 * 10 + 15 * np.maximum(16 - daily_t, 0)) * rng.normal(1, 0.05, days)
        heat[365:] *= 0.93  # a saving after the baseline year
        heat_register = 1e5 + np.r_[0.0, np.cumsum(heat[day[:-1]] / 24)]
        el = np.where((hour_of_day >= 7) & (hour_of_day < 17), 30.0, 9.0) * (1 + b % 5 / 10)
        el_register = 5e4 + np.r_[0.0, np.cumsum(el)]
        for medium, short, register in (
            ("district_heating", "fjv", heat_register),
            ("electricity", "el", el_register),
        ):
            tags = {"site": name, "building": f"b{b:03d}", "meter": f"b{b:03d}-{short}",
                    "medium": medium}  # fmt: skip
            points += [
                Point("readings", tags, {"energy_kwh": round(float(v), 3)}, int(t))
                for t, v in zip(times, register, strict=True)
            ]
    return points


async def prepare(config: Path, buildings: int, first: date, days: int) -> None:
    deployment = load_deployment(config)
    settings = deployment.config.storage.influxdb
    assert settings is not None
    began = time.perf_counter()
    written = 0
    async with InfluxDBStore(settings) as store:
        for s in range(0, buildings, PER_SITE):
            members = range(s, min(s + PER_SITE, buildings))
            points = site_points(s // PER_SITE, members, first, days, seed=s)
            await store.write(points)
            written += len(points)
    print(f"wrote {written:,} readings in {time.perf_counter() - began:.0f} s")
    began = time.perf_counter()
    until = first + timedelta(days=days - 1)
    register = Register(deployment.config.daemon.register_path)
    try:
        async with open_store(deployment.config.storage) as store:
            for enpi in deployment.config.enpis:
                await run_enpi(store, register, deployment.config, enpi, until=until)
    finally:
        register.close()
    print(f"{len(deployment.config.enpis)} EnPIs computed in {time.perf_counter() - began:.0f} s")


def raw_query(url: str, database: str, year: int, buildings: int) -> float:
    fields = '"actual_kwh", "expected_kwh", "temperature_c", "cusum_kwh", "adjustment_kwh"'
    ids = "|".join(f"b{b:03d}-fjv" for b in range(buildings))
    start = int(datetime(year, 1, 1, tzinfo=ZONE).timestamp())
    end = int(datetime(year + 1, 1, 1, tzinfo=ZONE).timestamp())
    query = (
        f'SELECT {fields} FROM "enpi" WHERE "enpi" =~ /^({ids})$/ AND time >= {start}s '
        f"AND time < {end}s GROUP BY *"
    )
    began = time.perf_counter()
    answer = httpx.post(
        f"{url}/query", data={"db": database, "q": query, "epoch": "ns"}, timeout=120
    )
    answer.raise_for_status()
    series = answer.json()["results"][0]["series"]
    assert len(series) == buildings, len(series)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buildings", type=int, default=200)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--port", type=int, default=18181)
    args = parser.parse_args()
    url = influx_url()
    database = f"enms_bench_review_{uuid.uuid4().hex[:8]}"
    first_year = 2023
    first = date(first_year, 1, 1)
    last_year = first_year + args.years - 1
    days = (date(last_year + 1, 1, 1) - first).days
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "portfolio.yaml"
        config.write_text(config_text(url, database, args.buildings, first_year))
        try:
            asyncio.run(prepare(config, args.buildings, first, days))
            server = subprocess.Popen(
                [sys.executable, "-m", "enms.cli.main", "api", "--config", str(config),
                 "--port", str(args.port)],
                cwd=folder,
            )  # fmt: skip
            try:
                api = f"http://127.0.0.1:{args.port}"
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    try:
                        if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                            break
                    except httpx.HTTPError:
                        time.sleep(0.2)
                with httpx.Client(base_url=api, headers={"X-API-Key": KEY}, timeout=3600) as client:
                    params = {"period": str(last_year)}
                    began = time.perf_counter()
                    answer = client.get("/api/v1/review", params=params)
                    cold = time.perf_counter() - began
                    answer.raise_for_status()
                    review = answer.json()
                    warm = []
                    for _ in range(args.rounds):
                        began = time.perf_counter()
                        client.get("/api/v1/review", params=params).raise_for_status()
                        warm.append(time.perf_counter() - began)
            finally:
                server.terminate()
                server.wait(timeout=30)
            raw = [raw_query(url, database, last_year, args.buildings) for _ in range(args.rounds)]
        finally:
            httpx.post(f"{url}/query", data={"q": f'DROP DATABASE "{database}"'}, timeout=60)
    summary = review["inputs"]["g_energy_performance"]["summary"]
    print(
        f"review {last_year}: {summary['enpis_reporting']} EnPIs reporting, improvement "
        f"{summary['improvement_pct']:.1f} %, {review['summary']['findings']} findings"
    )
    print(f"cold (first request): {cold:.2f} s")
    print("warm rounds: " + ", ".join(f"{t * 1000:.0f}" for t in warm) + " ms")
    print("raw rounds:  " + ", ".join(f"{t * 1000:.0f}" for t in raw) + " ms")
    warm_median, raw_median = statistics.median(warm), statistics.median(raw)
    print(
        f"warm median {warm_median * 1000:.0f} ms (target < 1000 ms); raw query median "
        f"{raw_median * 1000:.0f} ms; warm/raw = {warm_median / raw_median:.2f}"
    )


if __name__ == "__main__":
    main()
