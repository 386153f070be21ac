"""The review report opened in headless Chromium from a running `enms api`, in Swedish and
English: its charts render, no text overlaps another or overflows its box, and printed on A4
no page holds only a heading.

The screenshots and PDF prints of the report are saved in tests/output/ (CI keeps them as
artifacts), so a person can look at what the management review receives.
"""

from __future__ import annotations

import re
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
from pypdf import PdfReader

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


#: every text of every chart against every other of the same chart, and every text inside its
#: chart; table cells, cards and headings whose text does not fit their box
OVERLAPS = """() => {
  const found = [];
  const overlap = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 &&
                            a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
  for (const svg of document.querySelectorAll('svg.chart')) {
    const frame = svg.getBoundingClientRect();
    const title = svg.querySelector('title').textContent;
    const texts = [...svg.querySelectorAll('text')]
      .map(t => [t.textContent, t.getBoundingClientRect()])
      .filter(([_, r]) => r.width > 0);
    for (let i = 0; i < texts.length; i++) {
      const [text, box] = texts[i];
      if (box.left < frame.left - 0.5 || box.right > frame.right + 0.5 ||
          box.top < frame.top - 0.5 || box.bottom > frame.bottom + 0.5)
        found.push(`${title}: "${text}" runs outside the chart`);
      for (let j = i + 1; j < texts.length; j++)
        if (overlap(box, texts[j][1])) found.push(`${title}: "${text}" overlaps "${texts[j][0]}"`);
    }
  }
  for (const el of document.querySelectorAll('td, th, .card, h1, h2, h3, nav li'))
    if (el.scrollWidth > el.clientWidth + 1)
      found.push(`"${el.textContent.trim().slice(0, 60)}" does not fit its box`);
  return found;
}"""

TITLES = {"sv": "Ledningens genomgång", "en": "Management review"}
NOT_RECORDED = {"sv": "Inte registrerat", "en": "Not recorded"}


def pages_text(pdf: Path) -> list[list[str]]:
    """The lines of each page, without the footer (portfolio and page number)."""
    pages = []
    for page in PdfReader(pdf).pages:
        lines = [line.strip() for line in page.extract_text().splitlines() if line.strip()]
        pages.append([ln for ln in lines if not re.search(r"\d+ / \d+|Testkommun ·", ln)])
    return pages


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_report_renders_in_chromium_with_no_text_overlapping(api_url: str, lang: str) -> None:
    chromium = require_chromium()
    OUTPUT.mkdir(exist_ok=True)
    pdf = OUTPUT / f"review-report-{lang}.pdf"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page(
                viewport={"width": 1280, "height": 900},
                extra_http_headers={"X-API-Key": READ_KEY},
            )
            answer = page.goto(f"{api_url}/api/v1/review/report?period={PERIOD}&lang={lang}")
            assert answer is not None
            assert answer.status == 200
            assert page.title().startswith(f"{TITLES[lang]} {PERIOD}")
            charts = page.locator("svg.chart")
            assert charts.count() == 7  # the ranking; per EnPI actual/expected, CUSUM, signature
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
            assert len(lengths) == 8  # actual, expected, CUSUM above and below, of two EnPIs
            assert min(lengths) > 100
            assert page.locator("line.level").count() == 4  # ±h of each CUSUM chart
            points = page.evaluate(
                "() => [...document.querySelectorAll('circle.point')]"
                ".filter(c => c.getBoundingClientRect().width > 0).length"
            )
            assert points == 2 * 90
            assert page.evaluate(OVERLAPS) == []
            page.screenshot(path=str(OUTPUT / f"review-report-{lang}.png"), full_page=True)
            # printed on A4, as the CSS asks: the layout checked again at the print width
            page.emulate_media(media="print")
            page.set_viewport_size({"width": 680, "height": 960})
            assert page.evaluate(OVERLAPS) == []
            page.pdf(path=str(pdf), prefer_css_page_size=True)
        finally:
            browser.close()
    reader = PdfReader(pdf)
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    pages = pages_text(pdf)
    headings = {line for line in "\n".join(reader.pages[1].extract_text().splitlines()).split("\n")}
    for number, lines in enumerate(pages, start=1):
        # no page holds only a heading: each carries more than a line or two
        assert len(lines) >= 3, (number, lines)
        assert not (len(lines) <= 2 and set(lines) <= headings), (number, lines)
    assert TITLES[lang] in " ".join(pages[0])
    assert any(NOT_RECORDED[lang] in line for lines in pages for line in lines)


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
