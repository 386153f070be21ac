"""Nonconformity notices as JSON to a webhook (``nonconformities.webhook``).

One POST per notice (``plugins.notices.Notice.to_dict``), 10 s at most; a failed delivery is
logged and counted by the caller, never retried in a loop -- the register keeps the record.
"""

from __future__ import annotations

import httpx

from plugins.hookspecs import hookimpl
from plugins.notices import NotifyContext

NAME = "webhook"
TIMEOUT_S = 10.0


@hookimpl
async def enms_notify(context: NotifyContext) -> None:
    url = context.config.nonconformities.webhook
    if url is None:
        return
    async with httpx.AsyncClient(timeout=TIMEOUT_S) as client:
        answer = await client.post(str(url), json=context.notice.to_dict())
        answer.raise_for_status()
