"""The README's quickstart, run as written in a fresh copy of the repository: a new virtual
environment, `pip install`, `enms demo`; the review report then shows the improvement and the
nonconformity. (It installs from the package index, as a newcomer's machine would: about half
a minute here.)"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx

from tests.test_demo import start_demo, stop_demo, wait_for_urls

ROOT = Path(__file__).resolve().parents[1]


def quickstart_commands() -> list[str]:
    """The command lines of the README's Quickstart code block."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block, "the Quickstart has no sh code block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_the_quickstart_has_exactly_two_commands_install_and_demo() -> None:
    install, demo = quickstart_commands()
    assert "pip install" in install
    assert demo.endswith("enms demo")


def fresh_copy(into: Path) -> Path:
    """The repository's files as a clone would have them (tracked and not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    copy = into / "enms"
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    return copy


def test_the_quickstart_as_written_runs_the_demo_to_a_report_with_the_saving_and_the_fault(
    tmp_path: Path,
) -> None:
    copy = fresh_copy(tmp_path)
    install, demo = quickstart_commands()
    environment = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    installed = subprocess.run(
        ["bash", "-c", install],
        check=False,
        cwd=copy,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr

    output = start_demo(copy, "bash", "-c", demo)
    try:
        urls = wait_for_urls(output)
        report = httpx.get(urls["review report"], timeout=120)
        assert report.status_code == 200
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", report.text))
        # in Swedish, the demo portfolio's language: "förbättrad", "12,3 %", "avvikelse"
        school = re.search(
            r"Fjärrvärme, Ekbackaskolan uppföljning, förbättrad [\d ]+ [\d ]+ "
            r"(\d+,\d) %",
            text,
        )
        assert school, text[:2000]
        assert float(school.group(1).replace(",", ".")) > 10
        assert re.search(r"avvikelse Fjärrvärme, Tallgårdens äldreboende: [\d ]+ kWh över", text)
    finally:
        if output.process.poll() is None:  # Ctrl-C reaches bash and the demo alike
            os.killpg(output.process.pid, signal.SIGINT)
        time.sleep(0.1)
        code = stop_demo(output)
    assert code == 0, output.text
    assert (copy / "enms-demo" / "enms-demo.yaml").is_file()
