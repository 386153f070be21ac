"""Pieces several answers share."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Answer(BaseModel):
    """Every response model: no field that is not declared."""

    model_config = ConfigDict(extra="forbid")


class PluginRun(Answer):
    """How one plugin's evaluation went."""

    name: str
    status: str = Field(description="ok, failed, timed out or not loaded")
    findings: int = Field(description="the findings it returned")
    error: str | None = Field(None, description="what went wrong, if it failed")


class HealthOut(Answer):
    status: str = Field(description="ok, or degraded while the store does not answer")
    store: str = Field(description="the store's kind, or why it does not answer")
