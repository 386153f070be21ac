"""The energy review (ISO 50001:2018 6.3): when a use is significant, and how often the
significant energy uses are reviewed."""

from __future__ import annotations

from pydantic import Field

from core.config.types import StrictModel


class EnergyReviewSettings(StrictModel):
    """Thresholds of the energy review's proposals of significant energy uses (SEUs)."""

    significance_share: float = Field(
        0.05,
        gt=0,
        le=1,
        description="a use with at least this share of the portfolio's energy is proposed as "
        "significant",
    )
    review_every_days: int = Field(
        365, ge=30, le=3 * 366, description="how often each SEU decision is to be reviewed"
    )
