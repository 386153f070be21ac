"""Typed configuration: the portfolio, its meters, storage and connections.

Facility technicians edit this as YAML. Every field carries a description: the configuration
reference in the README is generated from these models (``enms config reference``), and a test
keeps the two in step. The models live in ``portfolio``, ``connections`` and ``runtime``; this
module holds the whole file's model and re-exports them all.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from core.config.alerts import AlertSettings
from core.config.api import ApiSettings
from core.config.commitments import Commitment, CommitmentKind
from core.config.comparisons import ComparisonSettings
from core.config.compliance import ComplianceSettings
from core.config.connections import (
    EmbeddedSettings,
    InfluxDBSettings,
    ModbusGateway,
    ModbusSettings,
    MqttBroker,
    MqttSubscription,
    StorageSettings,
)
from core.config.controls import ControlMethod, ControlPoint, InternalControlPlan
from core.config.energy_review import EnergyReviewSettings
from core.config.enpis import BaselinePeriod, EnpiDefinition
from core.config.nonconformities import NonconformitySettings
from core.config.plugins import PluginSettings
from core.config.portfolio import (
    ENERGY_UNITS,
    FLOW_UNITS,
    POWER_UNITS,
    TEMPERATURE_UNITS,
    VOLUME_UNITS,
    Building,
    BuildingCategory,
    Medium,
    Meter,
    ModbusSource,
    MqttSource,
    Portfolio,
    Seu,
    Site,
    Unit,
    ValueKind,
    allowed_units,
)
from core.config.runtime import DaemonSettings, MetricsSettings, SpoolSettings
from core.config.scorecard import ScorecardSettings
from core.config.targets import EnergyTarget
from core.config.types import Identifier, StrictModel, TagKey, TimeZoneName

__all__ = [
    "ENERGY_UNITS",
    "FLOW_UNITS",
    "POWER_UNITS",
    "TEMPERATURE_UNITS",
    "VOLUME_UNITS",
    "BaselinePeriod",
    "Building",
    "BuildingCategory",
    "Commitment",
    "CommitmentKind",
    "ControlMethod",
    "ControlPoint",
    "DaemonSettings",
    "EmbeddedSettings",
    "EnmsConfig",
    "EnpiDefinition",
    "Identifier",
    "InfluxDBSettings",
    "InternalControlPlan",
    "Medium",
    "Meter",
    "MetricsSettings",
    "ModbusGateway",
    "ModbusSettings",
    "ModbusSource",
    "MqttBroker",
    "MqttSource",
    "MqttSubscription",
    "NonconformitySettings",
    "PluginSettings",
    "Portfolio",
    "Seu",
    "Site",
    "SpoolSettings",
    "StorageSettings",
    "StrictModel",
    "TagKey",
    "TimeZoneName",
    "Unit",
    "ValueKind",
    "allowed_units",
]


class EnmsConfig(StrictModel):
    """The whole configuration file."""

    version: Literal[1] = Field(description="configuration format version; always 1 for now")
    portfolio: Portfolio
    storage: StorageSettings = Field(default_factory=StorageSettings)
    mqtt: MqttBroker | None = Field(None, description="required when any meter uses MQTT")
    modbus: ModbusSettings = Field(default_factory=ModbusSettings)
    daemon: DaemonSettings = Field(default_factory=DaemonSettings)
    enpis: list[EnpiDefinition] = Field(
        default_factory=list, description="energy performance indicators and their baselines"
    )
    sites: list[Site] = Field(min_length=1, description="the properties and their meters")
    plugins: PluginSettings = Field(
        default_factory=PluginSettings, description="the management-review evaluations"
    )
    targets: list[EnergyTarget] = Field(
        default_factory=list, description="energy targets and their action plans (6.2)"
    )
    api: ApiSettings = Field(
        default_factory=ApiSettings, description="the management-review API (`enms api`)"
    )
    nonconformities: NonconformitySettings = Field(
        default_factory=NonconformitySettings,
        description="owners, due dates and verification of nonconformities (10.1)",
    )
    commitments: list[Commitment] = Field(
        default_factory=list,
        description="kvalitetsdeklarationer: service commitments approved by a board, each "
        "checked against the data",
    )
    internal_control_plan: InternalControlPlan = Field(
        default_factory=InternalControlPlan,
        description="internkontrollplan: control points of the energy work, manual or automated",
    )
    compliance: ComplianceSettings = Field(
        default_factory=ComplianceSettings,
        description="the compliance register: energy declarations and legal requirements",
    )
    energy_review: EnergyReviewSettings = Field(
        default_factory=EnergyReviewSettings,
        description="the energy review: when a use is proposed as significant (6.3)",
    )
    comparisons: ComparisonSettings = Field(
        default_factory=ComparisonSettings,
        description="jämförelser: reference kWh/m² Atemp per building category",
    )
    scorecard: ScorecardSettings = Field(
        default_factory=ScorecardSettings,
        description="balanced scorecard: perspectives and indicators drawn from the findings",
    )
    alerts: AlertSettings = Field(
        default_factory=AlertSettings,
        description="thresholds of the Grafana alert rules (scripts/build_dashboards.py)",
    )

    def buildings(self) -> list[tuple[Site, Building]]:
        return [(site, building) for site in self.sites for building in site.buildings]

    def meters(self) -> list[tuple[Site, Meter]]:
        return [(site, meter) for site in self.sites for meter in site.meters]
