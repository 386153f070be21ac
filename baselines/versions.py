"""Energy baselines as the documented information ISO 50001 asks to retain.

An adopted energy baseline (EnB) never changes: its model, statistics and validity are kept as
they were when it was adopted. Revising it (ISO 50001:2018 6.5) adopts a new version and
records the trigger -- the EnPIs no longer reflect performance, a major change to static
factors (Atemp, a building added or sold), or a predetermined method -- and the reason.
Non-routine adjustments (ISO 50015) are recorded with their reason and size.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from baselines.changepoint import ChangePointModel, ModelForm, design
from baselines.stats import FloatArray


class RevisionTrigger(StrEnum):
    INITIAL = "initial"  # the first baseline of an EnPI
    ENPI_NO_LONGER_REFLECTS = "enpi_no_longer_reflects_performance"
    STATIC_FACTOR_CHANGE = "major_static_factor_change"
    PREDETERMINED_METHOD = "predetermined_method"


@dataclass(frozen=True)
class Adjustment:
    """A non-routine adjustment: a change the model does not know about, sized and explained."""

    first: date
    last: date
    kwh: float
    reason: str


@dataclass(frozen=True)
class EnergyBaseline:
    """One adopted version of an EnPI's energy baseline."""

    enpi: str
    version: int
    first: date
    last: date
    adopted_at: str
    trigger: RevisionTrigger
    reason: str
    form: ModelForm
    heating_c: float | None
    cooling_c: float | None
    coefficients: tuple[tuple[str, float], ...]
    statistics: dict[str, Any] = field(hash=False)
    validity: dict[str, Any] = field(hash=False)
    adjustments: tuple[Adjustment, ...] = ()
    #: relevant variables besides outdoor temperature, each with its mean over the baseline
    #: period (the value an energy signature is drawn at)
    variables: tuple[tuple[str, float], ...] = ()
    #: the balance points' spread (°C; 0 for sharp change points)
    spread_c: float = 0.0
    #: whether the model has day-of-week terms (Monday..Saturday against Sunday)
    weekday_terms: bool = False
    #: whether outdoor degrees are taken hour by hour and averaged per day (degree-hours):
    #: ``predict`` then takes a row of hourly temperatures per day
    degree_hours: bool = False
    #: the static factors (ISO 50001 6.5) the baseline was adopted under, by name -- for an
    #: EnPI its boundary's meters and heated area; a change of one asks for a new version.
    #: Empty for versions adopted before they were recorded.
    static_factors: tuple[tuple[str, str], ...] = ()

    @classmethod
    def adopt(
        cls,
        *,
        enpi: str,
        version: int,
        model: ChangePointModel,
        first: date,
        last: date,
        adopted_at: str,
        trigger: RevisionTrigger,
        reason: str,
        validity: dict[str, Any],
        variable_means: Mapping[str, float] | None = None,
        degree_hours: bool = False,
        static_factors: Mapping[str, str] | None = None,
        temperature_range_c: tuple[float, float] | None = None,
    ) -> EnergyBaseline:
        """The baseline of ``model``; a model with relevant variables besides temperature
        needs each one's mean over the baseline period in ``variable_means``; a model fitted on
        degree-hours says so with ``degree_hours``."""
        means = dict(variable_means or {})
        missing = [name for name in model.extra_names if name not in means]
        if missing:
            raise ValueError(f"the baseline means of {', '.join(missing)} are needed")
        return cls(
            enpi=enpi,
            version=version,
            first=first,
            last=last,
            adopted_at=adopted_at,
            trigger=trigger,
            reason=reason,
            form=model.form,
            heating_c=model.heating_c,
            cooling_c=model.cooling_c,
            coefficients=tuple(zip(model.fit.names, map(float, model.fit.coef), strict=True)),
            statistics={
                **model.to_dict(),
                **(
                    {"temperature_range_c": [float(v) for v in temperature_range_c]}
                    if temperature_range_c is not None
                    else {}
                ),
            },
            validity=validity,
            variables=tuple((name, float(means[name])) for name in model.extra_names),
            spread_c=model.spread_c,
            weekday_terms=model.weekday_terms,
            degree_hours=degree_hours,
            static_factors=tuple(sorted((static_factors or {}).items())),
        )

    def predict(
        self,
        temperature_c: npt.ArrayLike,
        variables: Mapping[str, npt.ArrayLike] | None = None,
        weekdays: npt.ArrayLike | None = None,
    ) -> FloatArray:
        """Expected consumption per day at the given daily mean temperatures -- or rows of each
        day's hourly temperatures (NaN-padded), for a baseline on degree-hours -- and, for a
        model with relevant variables, their values per day (each missing one at its baseline
        mean); for a model with day-of-week terms, ``weekdays`` gives each day's (0 Monday ..
        6 Sunday; without them, each day is an average day of the week)."""
        temperature = np.asarray(temperature_c, dtype=np.float64)
        extra = None
        if self.variables:
            given = variables or {}
            extra = np.column_stack([
                np.broadcast_to(np.asarray(given.get(name, mean), dtype=np.float64),
                                temperature.shape[:1])
                for name, mean in self.variables
            ])  # fmt: skip
        coef = np.array([value for _, value in self.coefficients])
        X = design(
            self.form,
            temperature,
            heating_c=self.heating_c,
            cooling_c=self.cooling_c,
            spread_c=self.spread_c,
            extra=extra,
            weekday_terms=self.weekday_terms,
            weekdays=weekdays,
        )
        # a day's expected use cannot be negative, whatever a fitted intercept says (the
        # validity's warnings name such a model)
        result: FloatArray = np.maximum(X @ coef, 0.0)
        return result

    @property
    def valid(self) -> bool:
        return bool(self.validity.get("valid"))

    def to_json(self) -> str:
        return json.dumps(
            {
                "enpi": self.enpi,
                "version": self.version,
                "first": self.first.isoformat(),
                "last": self.last.isoformat(),
                "adopted_at": self.adopted_at,
                "trigger": self.trigger.value,
                "reason": self.reason,
                "form": self.form.value,
                "heating_c": self.heating_c,
                "cooling_c": self.cooling_c,
                "coefficients": dict(self.coefficients),
                "statistics": self.statistics,
                "validity": self.validity,
                "variables": dict(self.variables),
                "spread_c": self.spread_c,
                "weekday_terms": self.weekday_terms,
                "degree_hours": self.degree_hours,
                "static_factors": dict(self.static_factors),
                "adjustments": [
                    {
                        "first": a.first.isoformat(),
                        "last": a.last.isoformat(),
                        "kwh": a.kwh,
                        "reason": a.reason,
                    }
                    for a in self.adjustments
                ],
            },
            allow_nan=False,
        )

    @classmethod
    def from_json(cls, text: str) -> EnergyBaseline:
        data = json.loads(text)
        return cls(
            enpi=data["enpi"],
            version=data["version"],
            first=date.fromisoformat(data["first"]),
            last=date.fromisoformat(data["last"]),
            adopted_at=data["adopted_at"],
            trigger=RevisionTrigger(data["trigger"]),
            reason=data["reason"],
            form=ModelForm(data["form"]),
            heating_c=data["heating_c"],
            cooling_c=data["cooling_c"],
            coefficients=tuple((k, float(v)) for k, v in data["coefficients"].items()),
            statistics=data["statistics"],
            validity=data["validity"],
            variables=tuple((k, float(v)) for k, v in data.get("variables", {}).items()),
            spread_c=float(data.get("spread_c", 0.0)),
            weekday_terms=bool(data.get("weekday_terms", False)),
            degree_hours=bool(data.get("degree_hours", False)),
            static_factors=tuple(sorted(data.get("static_factors", {}).items())),
            adjustments=tuple(
                Adjustment(
                    date.fromisoformat(a["first"]),
                    date.fromisoformat(a["last"]),
                    a["kwh"],
                    a["reason"],
                )
                for a in data["adjustments"]
            ),
        )
