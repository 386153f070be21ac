"""The review report opened in headless Chromium from a running `enms api`: its charts render.

The screenshot and a PDF print of the report are saved in tests/output/ (CI keeps them as
artifacts), so a person can look at what the management review receives.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import sync_playwright

from tests.api.conftest import READ_KEY, prepare
from tests.services import require_chromium

OUTPUT = Path(__file__).resolve().parents[1] / "output"
PERIOD = "2025-01-01..2025-03-31"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def api_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("report")
    config = prepare(folder, "{backend: embedded, embedded: {path: data.sqlite}}")
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "enms.cli.main",
            "api",
            "--config",
            str(config),
            "--port",
            str(port),
        ],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, process.communicate()[0]
            assert time.monotonic() < deadline, "enms api did not answer /health within 30 s"
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_report_renders_its_charts_in_chromium(api_url: str) -> None:
    chromium = require_chromium()
    OUTPUT.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page(
                viewport={"width": 1280, "height": 900},
                extra_http_headers={"X-API-Key": READ_KEY},
            )
            answer = page.goto(f"{api_url}/api/v1/review/report?period={PERIOD}")
            assert answer is not None
            assert answer.status == 200
            assert page.title() == f"Management review {PERIOD} · enms"
            charts = page.locator("svg.chart")
            assert charts.count() == 7
            for i in range(charts.count()):
                box = charts.nth(i).bounding_box()
                assert box is not None
                assert box["width"] > 600
                assert box["height"] > 80
            # the browser lays out every line and point: lengths and boxes are real, not zero
            lengths = page.evaluate(
                "() => [...document.querySelectorAll('polyline.series')]"
                ".map(line => line.getTotalLength())"
            )
            assert len(lengths) == 6  # actual, expected and CUSUM of two EnPIs
            assert min(lengths) > 100
            points = page.evaluate(
                "() => [...document.querySelectorAll('circle.point')]"
                ".filter(c => c.getBoundingClientRect().width > 0).length"
            )
            assert points == 2 * 90
            page.screenshot(path=str(OUTPUT / "review-report.png"), full_page=True)
            page.pdf(path=str(OUTPUT / "review-report.pdf"), format="A4", print_background=True)
        finally:
            browser.close()
    assert (OUTPUT / "review-report.png").stat().st_size > 50_000
    assert (OUTPUT / "review-report.pdf").read_bytes().startswith(b"%PDF")


def test_the_api_documentation_renders_with_no_network_but_loopback(api_url: str) -> None:
    chromium = require_chromium()
    outside: list[str] = []

    def only_loopback(route: Any) -> None:
        if route.request.url.startswith(api_url):
            route.continue_()
        else:  # a CDN, or anything else off this machine: a site network without internet
            outside.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.route("**/*", only_loopback)
            page.goto(f"{api_url}/docs")
            page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
            assert "enms management review API" in page.inner_text(".swagger-ui .info .title")
            page.wait_for_selector(".opblock-summary-path", timeout=30_000)
            paths = page.locator(".opblock-summary-path").all_inner_texts()
            assert any("/api/v1/review" in path for path in paths)
            assert outside == []  # Swagger UI never even tried to leave the machine
            page.goto(f"{api_url}/redoc")
            page.wait_for_selector("h1", timeout=30_000)
            assert "enms management review API" in page.inner_text("h1")
        finally:
            browser.close()
    # ReDoc renders from enms's own bundle; only its "powered by" logo lives on a CDN
    assert [url for url in outside if not url.endswith("logo-mini.svg")] == []
