"""What the commands that print documents share: the output's kind, and the API's state.

``enms review report`` and ``enms report annual`` make the same pages the API serves, from the
same code, without the server: they open the store and the register as ``enms api`` would.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from api.cache import TtlCache
from api.state import ApiState
from core.deployment import Deployment
from core.storage.factory import open_store
from energy.register import Register
from plugins.manager import load_plugins

SUFFIXES = (".pdf", ".html", ".htm")


def document_path(output: str, command: str) -> Path | None:
    """``output`` as a path, or None after saying it should be a .pdf or .html file."""
    out = Path(output)
    if out.suffix.lower() not in SUFFIXES:
        print(f"{command}: --output {out} should end in .pdf or .html", file=sys.stderr)
        return None
    return out


def is_pdf(out: Path) -> bool:
    return out.suffix.lower() == ".pdf"


@asynccontextmanager
async def api_state(deployment: Deployment, *, installed: bool) -> AsyncIterator[ApiState]:
    """The API's state on the deployment's store (answering) and register, without caching."""
    config = deployment.config
    register = Register(config.daemon.register_path)
    try:
        async with open_store(config.storage) as store:
            await store.ping()
            yield ApiState(
                deployment, store, register, load_plugins(installed=installed), TtlCache(0)
            )
    finally:
        register.close()
