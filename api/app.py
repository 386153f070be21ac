"""The FastAPI application of the management review (ISO 50001:2018 9.3).

``create_app`` opens the configured store and the register when the app starts and closes
them when it stops. Every path under /api/v1 needs an API key; /health does not.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline

from api import errors
from api.cache import TtlCache
from api.dependencies import Api
from api.guard import RequestGuard
from api.models.common import HealthOut
from api.routes import (
    annual,
    commitments,
    comparisons,
    compliance,
    consumption,
    controls,
    energy_review,
    enpis,
    feedback,
    findings,
    nonconformities,
    portfolio,
    review,
    scorecard,
    targets,
)
from api.state import ApiState
from core.config.api import is_loopback
from core.deployment import Deployment
from core.errors import StoreError
from core.storage.factory import open_store
from energy.register import Register
from plugins.manager import load_plugins

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
DESCRIPTION = """\
Energy performance of a property portfolio for the ISO 50001 management review: the portfolio
and its meters, consumption, EnPIs against their energy baselines (with the model statistics,
validity and baseline version behind every figure), and the findings of the evaluations.

Authenticate with an API key: `X-API-Key: <key>` or `Authorization: Bearer <key>`. Tables
also answer `?format=csv`.
"""


def create_app(
    deployment: Deployment, *, installed_plugins: bool = True, bound_host: str | None = None
) -> FastAPI:
    """The API for ``deployment``. ``bound_host`` is the address the server's socket is bound
    to (default ``api.host``): reads go without a key only where ``api.read_without_key`` is
    set *and* that address is loopback, whatever the configuration's host says."""
    config = deployment.config

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        register = Register(config.daemon.register_path)
        store = open_store(config.storage)
        app.state.enms = ApiState(
            deployment,
            store,
            register,
            load_plugins(installed=installed_plugins),
            TtlCache(config.api.cache_ttl_s),
        )
        try:
            yield
        finally:
            await store.close()
            register.close()

    # /docs and /redoc from assets enms serves itself: a site network has no internet
    app = FastAPIOffline(
        title="enms management review API",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    host = bound_host if bound_host is not None else config.api.host
    app.state.anonymous_reads = config.api.read_without_key and is_loopback(host)
    if config.api.read_without_key and not app.state.anonymous_reads:
        log.warning(
            "api.read_without_key is ignored: the API listens on %s, not on a loopback "
            "address, so every read needs a key",
            host,
        )
    app.add_middleware(RequestGuard, settings=lambda: config.api)
    if config.api.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=config.api.cors_origins,
            allow_methods=["GET", "POST", "PATCH"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type"],
        )
    errors.install(app)

    @app.get(
        "/health",
        tags=["health"],
        summary="Is the API up, and does the store answer?",
        response_model=HealthOut,
        responses={503: {"model": HealthOut, "description": "the store does not answer"}},
    )
    async def health(api: Api) -> HealthOut | JSONResponse:
        try:
            await api.store.ping()
        except StoreError as exc:
            down = HealthOut(status="degraded", store=str(exc))
            return JSONResponse(down.model_dump(), status_code=503)
        return HealthOut(status="ok", store=api.store.kind)

    for router in (
        portfolio.router,
        consumption.router,
        enpis.router,
        enpis.write,
        findings.router,
        findings.write,
        review.read,
        review.write,
        nonconformities.read,
        nonconformities.write,
        feedback.read,
        feedback.write,
        commitments.router,
        controls.read,
        controls.write,
        scorecard.router,
        comparisons.router,
        annual.router,
        compliance.router,
        energy_review.read,
        energy_review.write,
        targets.router,
        targets.write,
    ):
        app.include_router(router, prefix=PREFIX)
    return app
