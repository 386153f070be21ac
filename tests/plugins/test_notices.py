"""Recorded evaluations tell people: a notice when a nonconformity opens and once when it is
overdue -- through the built-in webhook (to a real HTTP server on 127.0.0.1) and any plugin's
``enms_notify``; a failing notifier does not stop the others or the register."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from core.config.loader import load_config
from core.storage import EmbeddedStore
from energy.register import Register
from plugins.context import ReviewPeriod
from plugins.findings import Finding, Kind, Scope, Severity
from plugins.hookspecs import hookimpl
from plugins.manager import load_plugins
from plugins.notices import NotifyContext
from plugins.recording import evaluate_and_record, opens_nonconformity, owner_of
from tests.fixture_portfolio import deploy

pytestmark = pytest.mark.anyio
PERIOD = ReviewPeriod.parse("2025-03")


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A real HTTP server on 127.0.0.1 keeping every JSON body posted to it."""
    received: list[dict[str, Any]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()


class Collecting:
    """A plugin implementing enms_notify, as a mail or ticket plugin would."""

    def __init__(self) -> None:
        self.notices: list[NotifyContext] = []

    @hookimpl
    def enms_notify(self, context: NotifyContext) -> None:
        self.notices.append(context)


class Failing:
    @hookimpl
    def enms_notify(self, context: NotifyContext) -> None:
        raise RuntimeError("the mail server is down")


class Hanging:
    """A notifier whose server never answers the first notice: bounded by plugins.timeout_s,
    and the notices after it still delivered."""

    def __init__(self) -> None:
        self.calls = 0

    @hookimpl
    async def enms_notify(self, context: NotifyContext) -> None:
        self.calls += 1
        if self.calls == 1:
            await asyncio.Event().wait()


async def test_opened_and_overdue_nonconformities_are_announced_once(
    tmp_path: Path, webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = webhook
    extra = (
        f"nonconformities: {{webhook: '{url}', due_days: 5, default_owner: energisamordnare,"
        " owners: {bok-fjv: driftchef}}\nplugins: {timeout_s: 5}\n"
    )
    path = await deploy(None, "{backend: embedded, embedded: {path: data.sqlite}}", tmp_path,
                        extra=extra)  # fmt: skip
    config = load_config(path)
    plugins = load_plugins(installed=False)
    collecting = Collecting()
    plugins.manager.register(Failing(), name="failing")
    hanging = Hanging()
    plugins.manager.register(hanging, name="hanging")
    plugins.manager.register(collecting, name="collecting")
    store = EmbeddedStore(tmp_path / "data.sqlite")
    register = Register(tmp_path / "register.sqlite")
    try:

        async def evaluate(today: date) -> None:
            await evaluate_and_record(plugins, config, store, PERIOD, register, today=today)

        await evaluate(date(2026, 1, 1))
        opened = [r for r in received if r["kind"] == "nonconformity_opened"]
        valve = [r["nonconformity"] for r in opened
                 if r["nonconformity"]["finding"] == "enpi-deviation.bok-fjv"]  # fmt: skip
        assert len(valve) == 1
        assert (valve[0]["owner"], valve[0]["due"]) == ("driftchef", "2026-01-06")
        # the failing and the hanging notifier did not stop the others
        assert len(collecting.notices) == len(received)
        assert hanging.calls == len(received)  # the hung first call given up after timeout_s
        count = len(received)
        await evaluate(date(2026, 1, 3))  # still open, not yet due: nothing new
        assert len(received) == count
        await evaluate(date(2026, 1, 10))  # past due: announced once
        late = [r for r in received[count:] if r["kind"] == "nonconformity_overdue"]
        assert {r["nonconformity"]["id"] for r in late} == {
            n.id for n in register.nonconformities()
        }
        await evaluate(date(2026, 1, 11))
        assert not [r for r in received[count + len(late) :] if r["kind"].endswith("overdue")]
        stuck = next(n for n in register.nonconformities()
                     if n.finding == "enpi-deviation.bok-fjv")  # fmt: skip
        assert [e.status for e in stuck.events] == ["open", "overdue"]
    finally:
        register.close()
        await store.close()


def test_which_findings_open_a_nonconformity_and_who_owns_it(tmp_path: Path) -> None:
    def finding(kind: Kind, severity: Severity, scope: Scope) -> Finding:
        return Finding.model_validate({
            "id": "x", "plugin": "data_quality", "title": "t", "kind": kind,
            "severity": severity, "scope": scope, "period": "2025", "perspective": "kund",
            "phase": "check", "review_input": "9.3 c) 2) monitoring and measurement results",
        })  # fmt: skip

    meter = Scope(level="meter", id="asp-el")
    assert opens_nonconformity(finding(Kind.NONCONFORMITY, Severity.LOW, meter))
    assert opens_nonconformity(finding(Kind.DEVIATION, Severity.HIGH, meter))
    assert not opens_nonconformity(finding(Kind.DEVIATION, Severity.MEDIUM, meter))
    assert not opens_nonconformity(finding(Kind.OBSERVATION, Severity.HIGH, meter))
    from tests.fixture_portfolio import config_text  # noqa: PLC0415

    path = tmp_path / "site.yaml"
    path.write_text(config_text("{backend: embedded}", extra=(
        "nonconformities: {default_owner: samordnare, owners: {asp-skolan: vaktmastare, "
        "data_quality: mätansvarig}}\n"
    )))  # fmt: skip
    config = load_config(path)
    # a meter's finding: its building's owner before its plugin's
    assert owner_of(config, finding(Kind.DEVIATION, Severity.HIGH, meter)) == "vaktmastare"
    other = Scope(level="enpi", id="bok-fjv")
    assert owner_of(config, finding(Kind.DEVIATION, Severity.HIGH, other)) == "mätansvarig"
