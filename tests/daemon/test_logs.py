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
