"""The review report as an A4 PDF, printed by headless Chromium.

Chromium, not a PDF library: the page a test checks in the browser for overlapping text is the
page that is printed, with the same layout engine, fonts and CSS paged media (``@page`` size
and margins, page numbers in the margin boxes, table headers repeated on each page). It is one
Debian package (``apt install chromium``) and no Python dependency; ``ENMS_CHROMIUM`` names
another binary.

Printing is done twice: the first print tells on which page each section starts (Chromium
writes the sections' anchors as named destinations, read with pypdf), the second prints the
contents with those page numbers.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from pypdf import PdfReader

#: flags for a headless print on a machine without a display or internet: no sandbox (root in
#: a container), no GPU, and no background connections to Google's services
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--no-pdf-header-footer",
)
TIMEOUT_S = 120.0


class PdfUnavailable(RuntimeError):
    """No Chromium to print with, or it failed: the message says what to do."""


def chromium() -> str:
    """The Chromium binary: ``ENMS_CHROMIUM``, else the first of the usual names on PATH."""
    named = os.environ.get("ENMS_CHROMIUM")
    if named:
        return named
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    raise PdfUnavailable(
        "printing a PDF needs Chromium: install it (Debian: apt install chromium) or set "
        "ENMS_CHROMIUM to its path; --output report.html needs nothing"
    )


async def print_html(html: str, out: Path, *, timeout_s: float = TIMEOUT_S) -> None:
    """``html`` printed to ``out`` as a PDF with the page size its CSS gives (A4)."""
    binary = chromium()
    with tempfile.TemporaryDirectory(prefix="enms-print-") as folder:
        page = Path(folder) / "report.html"
        await asyncio.to_thread(page.write_text, html, encoding="utf-8")
        process = await asyncio.create_subprocess_exec(
            binary,
            *FLAGS,
            f"--user-data-dir={Path(folder) / 'profile'}",
            f"--print-to-pdf={out}",
            page.as_uri(),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            output, _ = await asyncio.wait_for(process.communicate(), timeout_s)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise PdfUnavailable(f"Chromium did not print within {timeout_s:g} s") from None
    if process.returncode != 0 or not await asyncio.to_thread(_written, out):
        tail = output.decode(errors="replace").strip().splitlines()[-3:]
        raise PdfUnavailable(
            f"Chromium ({binary}) could not print the report (exit {process.returncode}): "
            + " / ".join(tail)
        )


def _written(out: Path) -> bool:
    return out.exists() and out.stat().st_size > 0


def section_pages(pdf: Path) -> dict[str, int]:
    """Anchor -> the page (from 1) it is on, from the PDF's named destinations."""
    reader = PdfReader(pdf)
    pages = {}
    for name, destination in reader.named_destinations.items():
        index = reader.get_destination_page_number(destination)
        if index is not None:
            pages[name.lstrip("/")] = index + 1
    return pages


async def print_report(render: Callable[[Mapping[str, int] | None], str], out: Path) -> int:
    """The report ``render`` makes, printed to ``out`` with its contents' page numbers.

    ``render(pages)`` gives the HTML with those pages in the contents (None: without).
    Returns the number of pages.
    """
    await print_html(render(None), out)
    pages = await asyncio.to_thread(section_pages, out)
    await print_html(render(pages), out)
    return await asyncio.to_thread(lambda: len(PdfReader(out).pages))
