"""The energy section of the annual report (årsredovisning), as a printable page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.responses import HTMLResponse

from api.annual import annual_html
from api.auth import require
from api.dependencies import Api, Lang

router = APIRouter(dependencies=[Depends(require("read"))], tags=["review"])


@router.get(
    "/reports/annual",
    response_class=HTMLResponse,
    summary="The energy section of the annual report for a year, printable",
    description="Energy use and kWh/m² Atemp (normal-year corrected) against the year before, "
    "the energy targets, cost and emissions, the service commitments' months kept, and the "
    "nonconformities and feedback of the year; `enms report annual` prints it to PDF.",
)
async def annual(
    api: Api, locale: Lang, year: Annotated[int, Query(ge=2000, le=2100)]
) -> HTMLResponse:
    if year > api.today().year:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"{year} has not begun")
    await api.store.ping()
    return HTMLResponse(await annual_html(api, year, locale))
