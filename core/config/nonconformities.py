"""Who answers for a nonconformity, by when, and how its correction is shown to work
(ISO 50001:2018 10.1)."""

from __future__ import annotations

from pydantic import Field, HttpUrl

from core.config.types import Identifier, StrictModel


class NonconformitySettings(StrictModel):
    """Defaults for the nonconformities the evaluations open in the register."""

    default_owner: str | None = Field(
        None, description="who is responsible when no entry of owners matches"
    )
    owners: dict[Identifier, str] = Field(
        default_factory=dict,
        description="responsible per id: a building, EnPI, meter or plugin (the most specific "
        "match wins: the finding's scope, then a meter's building, then the plugin)",
    )
    due_days: int = Field(
        30, ge=1, le=365, description="days from opening to the due date of the correction"
    )
    verify_days: int = Field(
        14,
        ge=0,
        le=365,
        description="days after the action during which recorded evaluations must no longer "
        "find it before an effectiveness check may say effective: true",
    )
    webhook: HttpUrl | None = Field(
        None,
        description="POST a JSON notice here when a nonconformity opens or becomes overdue "
        "(the built-in notifier; plugins can add others)",
    )
