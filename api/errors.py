"""Errors a caller can act on: 400/404/422 say what to fix; a store that is down is a 503."""

from __future__ import annotations

import logging

from fastapi import FastAPI, HTTPException, Request, status
from fastapi.responses import JSONResponse

from core.errors import StoreError, StoreUnavailable
from energy.register import RegisterError
from plugins.context import ReviewPeriod

log = logging.getLogger(__name__)


def review_period(text: str) -> ReviewPeriod:
    """A period query parameter, or HTTP 400 saying what is accepted."""
    try:
        return ReviewPeriod.parse(text)
    except ValueError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None


def not_found(what: str, given: str, known: list[str]) -> HTTPException:
    shown = ", ".join(known[:20]) + (" ..." if len(known) > 20 else "")
    return HTTPException(
        status.HTTP_404_NOT_FOUND, f"no {what} {given!r}; known: {shown or 'none'}"
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(StoreUnavailable)
    async def store_down(request: Request, exc: StoreUnavailable) -> JSONResponse:
        log.warning("%s %s: store unavailable: %s", request.method, request.url.path, exc)
        return JSONResponse(
            {"detail": f"the store is unavailable, try again later: {exc}"},
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "30"},
        )

    @app.exception_handler(StoreError)
    async def store_refused(request: Request, exc: StoreError) -> JSONResponse:
        log.error("%s %s: store error: %s", request.method, request.url.path, exc)
        return JSONResponse(
            {"detail": f"the store could not answer: {exc}"},
            status_code=status.HTTP_502_BAD_GATEWAY,
        )

    @app.exception_handler(RegisterError)
    async def register_down(request: Request, exc: RegisterError) -> JSONResponse:
        log.error("%s %s: register error: %s", request.method, request.url.path, exc)
        return JSONResponse(
            {"detail": f"the register is unavailable: {exc}"},
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
