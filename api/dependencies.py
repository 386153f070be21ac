"""The dependencies route handlers declare, as ``Annotated`` aliases.

``api: Api`` gives the state (configuration, store, register, plugins); ``period: Period``
the ``period`` query parameter, parsed -- a period enms cannot read, or one that starts after
today, is a 400 saying why, before the handler runs; ``locale: Lang`` the reader's language:
``?lang=``, else the request's ``Accept-Language``, else ``portfolio.language``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Query, status

from api.errors import review_period
from api.state import ApiState, state
from core.i18n import Language, Locale, locale_for, negotiate
from plugins.context import ReviewPeriod

Api = Annotated[ApiState, Depends(state)]


def _period(
    period: Annotated[str, Query(description="2025, 2025-03 or 2025-01-01..2025-03-31")],
    api: Api,
) -> ReviewPeriod:
    """The period, or 400 when it cannot be read or lies wholly after today."""
    chosen = review_period(period)
    problem = chosen.not_yet_measured(api.today())
    if problem is not None:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, problem)
    return chosen


Period = Annotated[ReviewPeriod, Depends(_period)]


def _locale(
    api: Api,
    lang: Annotated[
        Language | None,
        Query(
            description="language of the texts: sv or en (default: Accept-Language, then "
            "the portfolio's language)"
        ),
    ] = None,
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Locale:
    return locale_for(negotiate(lang, accept_language, api.config.portfolio.language))


Lang = Annotated[Locale, Depends(_locale)]
