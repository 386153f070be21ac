"""The energy review (ISO 50001:2018 6.3): uses from the data, and the decisions on them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, status
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Caller, require
from api.dependencies import Api, Period
from api.models.common import Answer
from energy.energy_review import review_uses, use_ids
from energy.register import now_text
from energy.seu_records import SeuDecision

read = APIRouter(dependencies=[Depends(require("read"))], tags=["energy review"])
write = APIRouter(tags=["energy review"])
UseId = Annotated[str, Path(max_length=200, description="a use's id, as the review lists it")]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class DecisionOut(Answer):
    significant: bool
    note: str | None
    relevant_variables: list[str]
    people: list[str]
    decided_by: str
    decided_at: str


class UseOut(Answer):
    id: str
    name: str
    building: str
    source: str = Field(description="sub-meter, heating, cooling or base load")
    kwh: float
    share: float = Field(description="of the portfolio's kWh in the period")
    proposed: bool = Field(description="its share reaches energy_review.significance_share")
    decision: DecisionOut | None
    review_due: str | None
    overdue: bool


class EnergyReviewOut(Answer):
    period: str
    total_kwh: float
    significance_share: float
    uses: list[UseOut]


class DecisionIn(BaseModel):
    """A person's decision on a use: significant or not, and what and who affect it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"significant": True, "note": "Största användningen i skolan",
                          "relevant_variables": ["utetemperatur", "skoldagar"],
                          "people": ["drifttekniker", "vaktmästare"]}]
        },
    )  # fmt: skip

    significant: bool
    note: str | None = Field(None, max_length=4000)
    relevant_variables: list[Name] = Field(default_factory=list, max_length=20)
    people: list[Name] = Field(default_factory=list, max_length=20)


@read.get(
    "/energy-review",
    summary="The energy review: uses of energy from the data, proposed SEUs and decisions",
)
async def energy_review(api: Api, period: Period) -> EnergyReviewOut:
    today = api.today()
    uses, total = await review_uses(
        api.store, api.config, api.register, period.first, period.measured_until(today),
        today=min(today, period.last),
    )  # fmt: skip
    rows = []
    for review in uses:
        decision = review.decision
        rows.append(
            UseOut(
                id=review.use.id, name=review.use.name, building=review.use.building,
                source=review.use.source, kwh=review.use.kwh, share=review.use.share,
                proposed=review.proposed,
                decision=DecisionOut(
                    significant=decision.significant, note=decision.note,
                    relevant_variables=list(decision.variables), people=list(decision.people),
                    decided_by=decision.decided_by, decided_at=decision.decided_at,
                ) if decision else None,
                review_due=review.review_due.isoformat() if review.review_due else None,
                overdue=review.overdue,
            )
        )  # fmt: skip
    return EnergyReviewOut(
        period=period.label,
        total_kwh=total,
        significance_share=api.config.energy_review.significance_share,
        uses=rows,
    )


@write.post(
    "/energy-review/uses/{use_id}/decision",
    status_code=status.HTTP_201_CREATED,
    summary="Decide whether a use is significant (scope: write)",
    description="Recorded with the relevant variables and the people whose work affects it; "
    "the newest decision stands and is due for review after energy_review.review_every_days.",
)
async def decide(
    use_id: UseId,
    body: DecisionIn,
    api: Api,
    caller: Annotated[Caller, Depends(require("write"))],
) -> DecisionOut:
    if use_id not in use_ids(api.config):
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"no use {use_id!r}: a use is meter.<sub-meter>, heating.<enpi>, cooling.<enpi> or "
            "base-load.<enpi>",
        )
    decision = SeuDecision(
        use_id, body.significant, body.note, tuple(body.relevant_variables), tuple(body.people),
        caller.name, now_text(),
    )  # fmt: skip
    api.register.decide_seu(decision)
    api.cache.clear()
    return DecisionOut(
        significant=decision.significant, note=decision.note,
        relevant_variables=list(decision.variables), people=list(decision.people),
        decided_by=decision.decided_by, decided_at=decision.decided_at,
    )  # fmt: skip
