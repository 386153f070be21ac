"""What every request handler reads: the configuration, the open store, the register."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import cast
from zoneinfo import ZoneInfo

from fastapi import Request

from api.cache import TtlCache
from core.config.models import EnmsConfig
from core.deployment import Deployment
from core.storage.contract import Store
from energy.register import Register
from plugins.manager import Plugins


@dataclass
class ApiState:
    deployment: Deployment
    store: Store
    register: Register
    plugins: Plugins
    cache: TtlCache = field(default_factory=lambda: TtlCache(0))

    @property
    def config(self) -> EnmsConfig:
        return self.deployment.config

    def today(self) -> date:
        """Today in the portfolio's time zone."""
        return datetime.now(ZoneInfo(self.config.portfolio.timezone)).date()


def state(request: Request) -> ApiState:
    """The dependency handlers declare to reach the state."""
    return cast(ApiState, request.app.state.enms)
