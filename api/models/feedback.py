"""Synpunkter: the users' feedback as the API records and returns it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from api.models.common import Answer
from energy.feedback import Category, Feedback


class FeedbackIn(BaseModel):
    """One piece of feedback on a building, as received."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"building": "asp-skolan", "zone": "klassrum 12", "category": "too_cold",
                 "received_at": "2025-03-04T08:40:00+01:00",
                 "text": "Det är kallt i klassrummet på morgonen", "channel": "e-post"}
            ]
        },
    )  # fmt: skip

    building: str = Field(min_length=1, max_length=64, description="a configured building id")
    category: Category
    received_at: AwareDatetime = Field(description="when it was received, with its offset")
    text: str = Field(min_length=1, max_length=4000, description="what the sender said")
    zone: str | None = Field(None, max_length=200, description="room or zone, as named")
    channel: str | None = Field(None, max_length=64, description="e-mail, phone, web form ...")
    case_ref: str | None = Field(
        None, max_length=128, description="the case system's id: recorded once however often sent"
    )
    answered_at: AwareDatetime | None = None


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answered_at: AwareDatetime = Field(description="when the sender was answered")


class FeedbackOut(Answer):
    id: int
    building: str
    category: str
    received_at: str
    text: str
    zone: str | None
    channel: str | None
    case_ref: str | None
    answered_at: str | None
    working_days_to_answer: int | None
    recorded_by: str
    recorded_at: str

    @classmethod
    def of(cls, feedback: Feedback, zone: str) -> FeedbackOut:
        tz = ZoneInfo(zone)

        def local(moment: datetime | None) -> str | None:
            return moment.astimezone(tz).isoformat() if moment is not None else None

        return cls(
            id=feedback.id,
            building=feedback.building,
            category=feedback.category.value,
            received_at=local(feedback.received_at) or "",
            text=feedback.text,
            zone=feedback.zone,
            channel=feedback.channel,
            case_ref=feedback.case_ref,
            answered_at=local(feedback.answered_at),
            working_days_to_answer=feedback.days_to_answer(),
            recorded_by=feedback.recorded_by,
            recorded_at=feedback.recorded_at,
        )


class FeedbackList(Answer):
    period: str
    feedback: list[FeedbackOut]


class ImportProblem(Answer):
    line: int
    problem: str


class ImportResult(Answer):
    """What an import recorded: new rows, rows already recorded (by case_ref), rows refused."""

    recorded: int
    already_recorded: int
    refused: list[ImportProblem]
