"""`enms demo` end to end, as a process: history, baselines, live collection over Modbus TCP
and MQTT, and the review report showing the saving and the fault -- read without a key."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from pypdf import PdfReader

from core.storage.embedded import EmbeddedStore
from enms.cli.main import main
from simulation.modbus_devices import free_port
from tests.process_output import Output
from tests.services import require_chromium, require_influxdb

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 120.0
MODBUS_METER, MQTT_METERS = "kommunhuset-el", ("tallgarden-fjv", "ekbacka-ute", "lonnen-el")


@dataclass
class RunningDemo:
    output: Output
    urls: dict[str, str]
    folder: Path
    started_s: float  # as the demo printed it: start to a working API


def start_demo(folder: Path, *command: str) -> Output:
    process = subprocess.Popen(
        list(command),
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a terminal would give it
    )
    return Output(process)


def wait_for_urls(output: Output) -> dict[str, str]:
    """The addresses the demo prints once it runs, by what they show."""
    output.wait_for("stop with Ctrl-C", timeout_s=START_TIMEOUT_S)
    urls = {}
    for line in list(output.lines):
        found = re.match(r"\s+(\S.*?)\s{2,}(http://\S+)$", line.rstrip("\n"))
        if found:
            urls[found.group(1)] = found.group(2)
    return urls


def stop_demo(output: Output) -> int:
    """Ctrl-C unless it has ended; its exit code once its output is read."""
    if output.process.poll() is None:
        output.process.send_signal(signal.SIGINT)
    try:
        output.finish(timeout_s=60)
    except subprocess.TimeoutExpired:
        output.process.kill()
        raise
    return output.process.returncode


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDemo]:
    folder = tmp_path_factory.mktemp("demo")
    command = [sys.executable, "-m", "enms.cli.main", "demo", "--dir", str(folder / "enms-demo")]
    command += ["--port", str(free_port("127.0.0.1")), "--duration", "600"]
    output = start_demo(folder, *command)
    try:
        urls = wait_for_urls(output)
        started = re.search(r"the API answered ([\d.]+) s after", output.text)
        assert started, output.text
        yield RunningDemo(output, urls, folder / "enms-demo", float(started.group(1)))
    finally:
        code = stop_demo(output)
        assert code == 0, output.text
        assert "enms demo stopped" in output.text, output.text


def test_it_prints_the_report_urls_and_the_api_answers_reads_without_a_key(
    demo: RunningDemo,
) -> None:
    assert set(demo.urls) >= {"review report", "review (JSON)", "API documentation"}
    for url in demo.urls.values():
        assert url.startswith("http://127.0.0.1:")
        assert httpx.get(url, timeout=120).status_code == 200, url
    print(f"demo: API up {demo.started_s:.1f} s after start")  # recorded in docs/benchmarks.md


def test_writes_still_need_a_key(demo: RunningDemo) -> None:
    base = demo.urls["API documentation"].removesuffix("/docs")
    period = demo.urls["review report"].split("period=")[1]
    answer = httpx.post(
        f"{base}/api/v1/reviews/{period}/decisions",
        json={"category": "energy_performance", "decision": "Keep the new schedule"},
        timeout=30,
    )
    assert answer.status_code == 401


def test_the_review_shows_the_saving_as_an_improvement_and_the_fault_as_a_nonconformity(
    demo: RunningDemo,
) -> None:
    review = httpx.get(demo.urls["review (JSON)"], timeout=120).json()
    enpis = {e["id"]: e for e in review["inputs"]["g_energy_performance"]["enpis"]}
    school = enpis["ekbacka-fjv"]
    assert school["baseline"]["valid"]
    assert school["improvement"]["improvement_pct"] > 10  # the ventilation schedule
    assert enpis["ventilation-el"]["improvement"]["improvement_pct"] > 20
    nonconformities = review["inputs"]["c1_nonconformities_corrective_actions"]["findings"]
    about = {f["scope"]["id"] for f in nonconformities if f["kind"] == "nonconformity"}
    assert "tallgarden-fjv" in about  # the stuck valve
    assert "ekbacka-fjv" not in about  # a saving is not a nonconformity

    # the demo's portfolio speaks Swedish: its report opens in Swedish, ?lang=en in English
    report = httpx.get(demo.urls["review report"], timeout=120).text
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", report))
    assert '<html lang="sv">' in report
    school = r"Fjärrvärme, Ekbackaskolan uppföljning, förbättrad [\d ]+ [\d ]+ \d+,\d"
    assert re.search(school, text)
    assert re.search(r"Fjärrvärme, Tallgårdens äldreboende: [\d ]+ kWh över sin baslinje", text)
    assert report.count("<svg") >= 7  # the charts
    english = httpx.get(demo.urls["review report"] + "&lang=en", timeout=120).text
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", english))
    assert '<html lang="en">' in english
    school = r"Fjärrvärme, Ekbackaskolan reporting, improved [\d,]+ [\d,]+ \d+\.\d%"
    assert re.search(school, text)
    assert re.search(r"Fjärrvärme, Tallgårdens äldreboende: [\d,]+ kWh above its baseline", text)

    register = httpx.get(demo.urls["nonconformities"], timeout=30).json()["nonconformities"]
    kept = [n for n in register if n["scope_id"] == "tallgarden-fjv"]
    assert kept
    assert kept[0]["status"] == "open"


def test_the_review_reads_without_writing_and_proposes_opportunities(demo: RunningDemo) -> None:
    base, period = demo.urls["EnPIs"].split("/api/v1/enpis?period=")
    before = httpx.get(demo.urls["nonconformities"], timeout=30).content
    review = httpx.get(demo.urls["review (JSON)"], timeout=120).json()
    httpx.get(f"{base}/api/v1/review", params={"period": "2000-01-01..2099-12-31"}, timeout=120)
    assert httpx.get(demo.urls["nonconformities"], timeout=30).content == before
    future = httpx.get(f"{base}/api/v1/review", params={"period": "2030"}, timeout=30)
    assert future.status_code == 400
    opportunities = review["inputs"]["d_continual_improvement"]["findings"]
    assert [f for f in opportunities if f["metrics"].get("kwh_at_stake", 0) > 0], opportunities
    summary = review["inputs"]["g_energy_performance"]["summary"]
    assert (
        summary["enpis_improved"] + summary["enpis_no_significant_change"] + summary["enpis_worse"]
        == summary["enpis_reporting"]
    )
    assert period in demo.urls["review (JSON)"]


def test_the_ranking_counts_the_ventilation_sub_meter_once(demo: RunningDemo) -> None:
    base, period = demo.urls["EnPIs"].split("/api/v1/enpis?period=")
    review = httpx.get(demo.urls["review (JSON)"], timeout=120).json()
    ranking = review["inputs"]["g_energy_performance"]["building_ranking"]["buildings"]
    (school,) = [b for b in ranking if b["building"] == "ekbackaskolan"]
    answer = httpx.get(
        f"{base}/api/v1/consumption",
        params={"period": period, "group": "meter", "building": "ekbackaskolan", "bucket": "month"},
        timeout=60,
    ).json()
    per_meter = {s["group"]["meter"]: s["total"] for s in answer["series"] if s["unit"] == "kWh"}
    assert per_meter["ekbacka-ftx"] > 1000  # the air handling unit, inside ekbacka-el
    main_meters = per_meter["ekbacka-el"] + per_meter["ekbacka-fjv"]
    assert set(per_meter) == {"ekbacka-el", "ekbacka-ftx", "ekbacka-fjv"}
    assert school["kwh"] == pytest.approx(main_meters, rel=1e-9)
    assert school["kwh_per_m2"] == pytest.approx(main_meters / school["atemp_m2"], rel=1e-9)


def test_the_daemon_collects_live_from_the_modbus_and_mqtt_devices(demo: RunningDemo) -> None:
    async def newest() -> dict[str, int]:
        store = EmbeddedStore(demo.folder / "store.sqlite")
        try:
            return {p.tags["meter"]: p.time_ns for p in await store.latest("readings", 0)}
        finally:
            await store.close()

    after_history = time.time_ns()  # the history ends before now: newer readings are live
    deadline = time.monotonic() + 60
    meters = (MODBUS_METER, *MQTT_METERS)
    while True:
        latest = asyncio.run(newest())
        if all(latest.get(meter, 0) > after_history for meter in meters):
            break
        assert time.monotonic() < deadline, {m: latest.get(m) for m in meters}
        time.sleep(1)


def test_a_demo_day_in_the_future_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    later = (datetime.now(ZoneInfo("Europe/Stockholm")).date() + timedelta(days=2)).isoformat()
    assert main(["demo", "--dir", str(tmp_path / "demo"), "--today", later]) == 1
    assert f"--today {later} is after today" in capsys.readouterr().err
    assert not (tmp_path / "demo").exists()  # refused before anything was written


def test_the_review_prints_as_an_a4_document_without_the_api(demo: RunningDemo) -> None:
    """`enms review report --output x.pdf` on the demo's data: cover, contents, each input."""
    require_chromium()
    period = demo.urls["review report"].split("period=")[1]
    pdf = demo.folder / "granskning.pdf"
    result = subprocess.run(
        [sys.executable, "-m", "enms.cli.main", "review", "report", "--config",
         str(demo.folder / "enms-demo.yaml"), "--period", period, "--output", str(pdf)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    reader = PdfReader(pdf)
    assert f"{len(reader.pages)} A4 pages, sv" in result.stdout
    assert 5 <= len(reader.pages) <= 40
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    pages = [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]
    cover, contents = pages[0], pages[1]
    assert "Demokommun" in cover
    assert "Ledningens genomgång av energiledningssystemet" in cover
    assert "Tekniska nämnden" in cover  # the approval block names the board
    assert "Sammanträdesdatum" in cover
    assert contents.startswith("Innehåll") or "Innehåll" in contents
    later = " ".join(pages[2:])
    for heading in ("9.3 a)", "9.3 b)", "9.3 c) 1)", "9.3 c) 2)", "9.3 c) 3)", "9.3 c) 4)",
                    "9.3 d)", "9.3 e)", "9.3 f)", "9.3 g)", "9.3 h)", "Ordlista"):  # fmt: skip
        assert heading in contents, heading
        assert heading in later, heading
    # the contents give each section's page: the page its heading is printed on
    glossary_page = int(re.search(r"Ordlista (\d+)", contents).group(1))  # type: ignore[union-attr]
    assert "Ordlista" in pages[glossary_page - 1]
    assert "CUSUM" in " ".join(pages[glossary_page - 1 :])


def test_the_demo_pours_its_portfolio_into_influxdb_for_grafana(tmp_path: Path) -> None:
    """`enms demo --influx-url`: the same demo, written where Grafana's dashboards read."""
    url = require_influxdb()
    database = f"enms_demo_test_{uuid.uuid4().hex[:8]}"
    command = [sys.executable, "-m", "enms.cli.main", "demo", "--dir", str(tmp_path / "d"),
               "--port", str(free_port("127.0.0.1")), "--duration", "600",
               "--influx-url", url, "--influx-database", database]  # fmt: skip
    output = start_demo(tmp_path, *command)
    try:
        urls = wait_for_urls(output)
        assert f"Store: InfluxDB {url}, database {database}" in output.text
        assert f"into InfluxDB database {database}" in output.text
        review = httpx.get(urls["review (JSON)"], timeout=120).json()
        enpis = {e["id"]: e for e in review["inputs"]["g_energy_performance"]["enpis"]}
        assert enpis["ekbacka-fjv"]["improvement"]["improvement_pct"] > 10  # read from InfluxDB

        def count(query: str) -> int:
            answer = httpx.get(f"{url}/query", params={"db": database, "q": query}, timeout=30)
            (series,) = answer.json()["results"][0]["series"]
            return int(series["values"][0][1])

        assert count('SELECT count("energy_kwh") FROM "readings"') > 10_000  # the history
        assert count('SELECT count("expected_kwh") FROM "enpi"') > 1_000  # the EnPIs' days
    finally:
        code = stop_demo(output)
        httpx.post(f"{url}/query", data={"q": f'DROP DATABASE "{database}"'}, timeout=30)
    assert code == 0, output.text
    assert not (tmp_path / "d" / "store.sqlite").exists()  # nothing in the embedded store


def test_the_demos_feedback_is_confirmed_or_answered_by_the_sensors(demo: RunningDemo) -> None:
    """Synpunkter (#23): a cold-classroom complaint the sensors confirm and one they do not,
    a too-hot corridor where the valve stuck, a fault report left unanswered."""
    base, period = demo.urls["EnPIs"].split("/api/v1/enpis?period=")
    listed = httpx.get(f"{base}/api/v1/feedback", params={"period": period}, timeout=30).json()
    ids = {f["case_ref"]: f["id"] for f in listed["feedback"]}
    assert set(ids) == {"DEMO-1", "DEMO-2", "DEMO-3", "DEMO-4", "DEMO-5"}
    findings = httpx.get(f"{base}/api/v1/findings", params={"period": period}, timeout=120).json()[
        "findings"
    ]
    by_id = {f["id"]: f for f in findings if f["plugin"] == "feedback"}
    # the parents' evening at 19:30: the heating has followed the shorter ventilation
    # schedule since the saving, off from 18:00
    cold_evening = by_id[f"feedback.{ids['DEMO-1']}"]
    assert cold_evening["kind"] == "nonconformity"
    assert cold_evening["metrics"]["temperature_c"] < 20
    assert cold_evening["metrics"]["since"][11:16] == "18:00"
    assert cold_evening["metrics"]["sensors"] == ["ekbacka-klassrum"]
    warm_day = by_id[f"feedback.{ids['DEMO-2']}"]
    assert warm_day["kind"] == "observation"
    assert warm_day["metrics"]["confirmed"] is False
    corridor = by_id[f"feedback.{ids['DEMO-3']}"]
    assert corridor["kind"] == "nonconformity"
    assert corridor["metrics"]["temperature_c"] > 23  # the stuck radiator valve
    assert "för varmt" in corridor["title"]  # the demo's portfolio speaks Swedish
    town_hall = by_id["feedback-summary.kommunhuset"]
    assert town_hall["kind"] == "deviation"
    assert town_hall["metrics"]["overdue"] == [ids["DEMO-4"]]


def test_the_demos_commitments_show_a_broken_hot_water_promise(demo: RunningDemo) -> None:
    """Kvalitetsdeklarationer (#23): the elderly-care home's hot water was left at 46 °C for
    four days (legionella), the town hall's fault report went unanswered, the school kept its
    classroom temperatures; the yearly follow-up says so month by month."""
    base, period = demo.urls["EnPIs"].split("/api/v1/enpis?period=")
    findings = httpx.get(f"{base}/api/v1/findings", params={"period": period}, timeout=120).json()[
        "findings"
    ]
    by_id = {f["id"]: f for f in findings if f["plugin"] == "commitments"}
    hot_water = by_id["commitment.legionella.tallgarden"]
    assert hot_water["kind"] == "nonconformity"
    assert hot_water["metrics"]["share"] < 0.99
    assert by_id["commitment.skolornas-klassrum.ekbackaskolan"]["kind"] == "observation"
    assert by_id["commitment.felanmalan.kommunhuset"]["kind"] == "nonconformity"
    assert by_id["commitment.felanmalan.lonnen"]["kind"] == "observation"  # nothing fell due
    today = date.fromisoformat(period.split("..")[1]) + timedelta(days=1)
    lowered = today - timedelta(days=16)
    follow_up = httpx.get(
        f"{base}/api/v1/commitments", params={"year": lowered.year}, timeout=120
    ).json()
    (legionella,) = [c for c in follow_up["commitments"] if c["id"] == "legionella"]
    (home,) = legionella["buildings"]
    month = {m["month"]: m for m in home["months"]}[f"{lowered:%Y-%m}"]
    assert month["kept"] is False
    assert legionella["approved_by"] == "Socialnämnden"


def test_the_demos_internal_control_plan_has_an_overdue_control(demo: RunningDemo) -> None:
    """Internkontrollplan (#23): the calibration certificates were never checked since the
    plan was adopted; the contract review was done; the automated controls pass on live data."""
    base, _ = demo.urls["EnPIs"].split("/api/v1/enpis?period=")
    plan = httpx.get(f"{base}/api/v1/controls", timeout=120).json()
    points = {p["id"]: p for p in plan["points"]}
    assert points["kalibrering"]["overdue"] is True
    assert points["kalibrering"]["ok"] is None  # never performed
    assert points["energiavtal"]["ok"] is True
    assert points["energiavtal"]["overdue"] is False
    assert points["avlasning"]["ok"] is True, points["avlasning"]["failing"]
    assert points["baslinjer"]["ok"] is True, points["baslinjer"]["failing"]
    report = httpx.get(demo.urls["review report"], timeout=120).text
    assert "Internkontrollplan" in report
    assert "Debiteringsmätarnas kalibreringsintyg" in report


def test_the_demos_balanced_scorecard(demo: RunningDemo) -> None:
    """Balanced scorecard (#23): the users' perspective shows the complaints the sensors
    confirmed, the processes' the overdue control, the economy the energy cost; one page of
    the printed review."""
    base, period = demo.urls["EnPIs"].split("/api/v1/enpis?period=")
    card = httpx.get(f"{base}/api/v1/scorecard", params={"period": period}, timeout=120).json()
    by = {p["perspective"]: {i["id"]: i for i in p["indicators"]} for p in card["perspectives"]}
    complaints = by["kund"]["complaints-confirmed"]
    assert (complaints["value"], complaints["status"]) == (2, "not met")  # cold and hot
    assert by["kund"]["commitments-kept"]["value"] < 100
    assert by["verksamhet och process"]["controls-deviating"]["value"] >= 1
    assert by["ekonomi"]["energy-cost"]["value"] > 0
    assert by["samhälle och miljö"]["co2"]["unit"] == "t CO2e"
    report = httpx.get(demo.urls["review report"], timeout=120).text
    assert "Balanserat styrkort" in report
    assert "Klagomål som givarna bekräftat" in report


def test_the_demos_comparisons_show_the_sports_hall_above_its_reference(
    demo: RunningDemo,
) -> None:
    """Jämförelser (#23): over the last twelve months the sports hall (long opening hours)
    and the elderly-care home (the stuck valve) use more per m² than their references."""
    base, period = demo.urls["EnPIs"].split("/api/v1/enpis?period=")
    findings = httpx.get(f"{base}/api/v1/findings", params={"period": period}, timeout=120).json()[
        "findings"
    ]
    above = {f["scope"]["id"] for f in findings if f["plugin"] == "comparisons"}
    assert {"ekbackahallen", "tallgarden"} <= above
    assert "lonnen" not in above
    last = date.fromisoformat(period.split("..")[1])
    rolling = f"{last - timedelta(days=364)}..{last}"
    compared = httpx.get(
        f"{base}/api/v1/comparisons", params={"period": rolling}, timeout=120
    ).json()
    hall = {b["building"]: b for b in compared["buildings"]}["ekbackahallen"]
    assert hall["kwh_per_m2"] > hall["reference_kwh_per_m2"] == 170
    assert hall["kwh_at_stake_to_reference"] > 0


def test_the_annual_report_section_in_swedish_and_printed_by_the_command(
    demo: RunningDemo, tmp_path: Path
) -> None:
    """Årsredovisning (#23): the year so far in the portfolio's language, from the same
    figures as the API, as a page and as a file written by `enms report annual`."""
    base, period = demo.urls["EnPIs"].split("/api/v1/enpis?period=")
    year = date.fromisoformat(period.split("..")[1]).year
    page = httpx.get(f"{base}/api/v1/reports/annual", params={"year": year}, timeout=120)
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text))
    assert f"Energi i årsredovisningen {year}" in text
    assert re.search(r"Byggnaderna använde [\d\s]+ MWh på [\d\s]+ m² Atemp", text)
    assert "Varmvattnet i våra äldreboenden håller minst 50 °C dygnet runt" in text
    assert "idrottshall" in text  # categories in Swedish
    assert re.search(r"\d+ synpunkter kom in; givarna bekräftade 2 klagomål", text)
    english = httpx.get(
        f"{base}/api/v1/reports/annual", params={"year": year, "lang": "en"}, timeout=120
    ).text
    assert f"Energy in the annual report {year}" in english
    assert httpx.get(f"{base}/api/v1/reports/annual", params={"year": year + 1}).status_code == 400

    out = tmp_path / "energi.html"
    command = [sys.executable, "-m", "enms.cli.main", "report", "annual", "--config",
               str(demo.folder / "enms-demo.yaml"), "--year", str(year), "--output", str(out),
               "--no-installed"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert f"Energi i årsredovisningen {year}" in out.read_text(encoding="utf-8")


def test_the_demos_town_hall_has_an_expired_energy_declaration(demo: RunningDemo) -> None:
    """Compliance register (#23): the town hall's declaration is eleven years old; the
    school's primärenergital is measured beside its declared one."""
    base, period = demo.urls["EnPIs"].split("/api/v1/enpis?period=")
    findings = httpx.get(f"{base}/api/v1/findings", params={"period": period}, timeout=120).json()[
        "findings"
    ]
    by_id = {f["id"]: f for f in findings if f["plugin"] == "compliance"}
    assert by_id["declaration-expired.kommunhuset"]["kind"] == "nonconformity"
    school = by_id["primary-energy.ekbackaskolan"]
    assert school["metrics"]["measured"] > 0
    assert school["metrics"]["split_by_model"] is True
    assert by_id["requirement.ovk"]["kind"] == "deviation"


def test_the_demos_school_target_is_in_check(demo: RunningDemo) -> None:
    """PDCA (#23): the ventilation measure is done and its savings are being measured, so it
    and its target are in 'check'; the elderly-care home's balancing is only planned."""
    base, period = demo.urls["EnPIs"].split("/api/v1/enpis?period=")
    targets = httpx.get(f"{base}/api/v1/targets", params={"period": period}, timeout=120).json()
    by_id = {t["id"]: t for t in targets["targets"]}
    school = by_id["ekbacka-fjv-minus-15"]
    assert school["pdca"] == "check"
    assert school["action_plans"][0]["pdca"] == "check"
    assert by_id["tallgarden-fjv-minus-5"]["pdca"] == "plan"
