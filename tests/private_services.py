"""Services a test owns: it may stop and start them without disturbing other tests.

They run the binaries ``scripts/services.sh`` installs, on free ports of 127.0.0.1, with their
data in the test's temporary directory.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from tests.services import START_HINT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _binary(name: str, fallback: str) -> str:
    path = shutil.which(name) or fallback
    if not Path(path).exists():
        pytest.fail(f"{name} is not installed; {START_HINT}", pytrace=False)
    return path


def _wait(check: object, what: str, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not start in {timeout_s} s")


class PrivateInfluxDB:
    """An influxd of the test's own: same data directory across stop and start."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.binary = _binary("influxd", "/usr/bin/influxd")
        folder.mkdir(parents=True, exist_ok=True)
        self.conf = folder / "influxdb.conf"
        self.conf.write_text(
            textwrap.dedent(f"""\
            reporting-enabled = false
            bind-address = "127.0.0.1:{free_port()}"
            [meta]
              dir = "{folder}/meta"
            [data]
              dir = "{folder}/data"
              wal-dir = "{folder}/wal"
              query-log-enabled = false
            [monitor]
              store-enabled = false
            [http]
              bind-address = "127.0.0.1:{self.port}"
              log-enabled = false
            [ifql]
              enabled = false
            [logging]
              level = "error"
            """)
        )
        self.process: subprocess.Popen[bytes] | None = None

    def answers(self) -> bool:
        try:
            return httpx.get(f"{self.url}/ping", timeout=0.5).status_code == 204
        except httpx.HTTPError:
            return False

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "run", "-config", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait(self.answers, "private influxd")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None


class PrivateBroker:
    """A Mosquitto of the test's own, with persistence, that the test may stop and start."""

    def __init__(self, folder: Path) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self.binary = _binary("mosquitto", "/usr/sbin/mosquitto")
        self.conf = folder / "mosquitto.conf"
        self.conf.write_text(
            textwrap.dedent(f"""\
            listener {self.port} 127.0.0.1
            allow_anonymous true
            user root
            persistence true
            persistence_location {folder}/
            autosave_interval 1
            log_dest stderr
            log_type error
            max_queued_messages 200000
            """)
        )
        self.process: subprocess.Popen[bytes] | None = None

    def answers(self) -> bool:
        try:
            socket.create_connection((self.host, self.port), timeout=0.2).close()
        except OSError:
            return False
        return True

    def start(self) -> None:
        self.process = subprocess.Popen([self.binary, "-c", str(self.conf)], stderr=subprocess.PIPE)
        _wait(self.answers, "private mosquitto")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def shipped_broker(folder: Path) -> PrivateBroker:
    """A private Mosquitto running the shipped config/mosquitto.conf as it is, but for the
    listener (a free loopback port), the persistence folder and the log destination."""
    conf = Path(__file__).resolve().parent.parent / "config" / "mosquitto.conf"
    broker = PrivateBroker(folder)
    replaced = {
        "listener": f"listener {broker.port} 127.0.0.1",
        "persistence_location": f"persistence_location {folder}/",
        "log_dest": "log_dest stderr\nuser root",  # root here: the folder is root's
    }
    lines = [replaced.get(line.split(" ", 1)[0], line) for line in conf.read_text().splitlines()]
    broker.conf.write_text("\n".join(lines) + "\n")
    return broker
