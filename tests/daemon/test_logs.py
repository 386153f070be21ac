"""Logs: one JSON object per line with --log-format json; state changes, not readings."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.process_output import Output

MINIMAL = textwrap.dedent("""\
    version: 1
    portfolio: {name: Test}
    storage: {backend: embedded, embedded: {path: data.sqlite}}
    daemon: {metrics: {port: 0}}
    sites:
      - {id: s, name: S, buildings: [{id: b, name: B, category: office, atemp_m2: 100}]}
    """)


def test_daemon_logs_json_lines_with_level_logger_and_message(tmp_path: Path) -> None:
    config = tmp_path / "site.yaml"
    config.write_text(MINIMAL)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "enms.cli.main",
            "--log-format",
            "json",
            "run",
            "--config",
            str(config),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    output = Output(process, stderr=True)
    try:  # SIGTERM once the daemon says it runs (its signal handlers are in place by then)
        output.wait_for("enms daemon started")
        process.send_signal(signal.SIGTERM)
        err = output.finish()
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    entries = [json.loads(line) for line in err.splitlines() if line.strip()]
    messages = [e["message"] for e in entries]
    assert any(m.startswith("enms daemon started: 0 Modbus meters") for m in messages)
    assert any(m.startswith("enms daemon stopped") for m in messages)
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    assert {e["level"] for e in entries} <= {"info", "warning"}
    assert len(entries) < 10  # state changes only


PYMODBUS_ERROR = """
import sys
from daemon.logs import configure
from pymodbus.logging import Log
configure(verbose="-v" in sys.argv)
Log.transport_dump(Log.SEND_DATA, bytes.fromhex("0103004800040589"), b"")  # as its transport does
Log.transport_dump(Log.RECV_DATA, bytes.fromhex("0183"), b"")
Log.error("No response received after {} retries, continue with next request", 3)
Log.debug("processing: {}", "0x1 0x3")
"""


def test_pymodbus_errors_are_logged_without_its_frame_dumps_unless_verbose() -> None:
    """pymodbus appends the last frames' hex to every error it logs; enms keeps the sentence."""

    def run(*flags: str) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-c", PYMODBUS_ERROR, *flags],
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        return done.stderr.splitlines()

    quiet = run()
    assert len(quiet) == 1, quiet
    assert "ERROR pymodbus.logging: No response received after 3 retries" in quiet[0]
    assert ">>>>>" not in quiet[0]
    verbose = "\n".join(run("-v"))
    assert "send: 0x1 0x3 0x0 0x48" in verbose  # with -v, every frame as it goes
    assert "processing: 0x1 0x3" in verbose
