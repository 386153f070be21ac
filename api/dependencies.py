"""The dependencies route handlers declare, as ``Annotated`` aliases.

``api: Api`` gives the state (configuration, store, register, plugins); ``period: Period``
the ``period`` query parameter, parsed -- a period enms cannot read is a 400 saying what is
accepted, before the handler runs.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from api.errors import review_period
from api.state import ApiState, state
from plugins.context import ReviewPeriod

Api = Annotated[ApiState, Depends(state)]


def _period(
    period: Annotated[str, Query(description="2025, 2025-03 or 2025-01-01..2025-03-31")],
) -> ReviewPeriod:
    return review_period(period)


Period = Annotated[ReviewPeriod, Depends(_period)]
