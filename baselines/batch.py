"""Many meters at once: the balance-point search runs across meters as one array computation.

For a municipal portfolio -- or a benchmark of 10,000 meter-years -- fitting meter by meter
repeats the same small computations thousands of times; here each form's search covers every
meter in one pass, and only the statistics of each meter's best candidates are computed per
meter. The result for each meter is the same ``Selection`` that ``select_model`` returns.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from baselines.changepoint import (
    COLUMNS,
    DEFAULT_GRID_C,
    MIN_ACTIVE_POINTS,
    ChangePointModel,
    ModelForm,
    design,
    search,
)
from baselines.selection import DEFAULT_FORMS, Candidate, Criterion, Selection, choose, qualify
from baselines.stats import fit_linear


def select_many(
    temperature: npt.ArrayLike,
    energy: npt.ArrayLike,
    *,
    forms: Sequence[ModelForm] = DEFAULT_FORMS,
    criterion: Criterion = Criterion.ADJUSTED_R2,
    grid: npt.ArrayLike = DEFAULT_GRID_C,
    min_side_points: int = MIN_ACTIVE_POINTS,
) -> list[Selection | None]:
    """A selection per row (meter) of (meters, days) arrays; NaN marks a missing day.

    None for a meter whose data are too few for any model.
    """
    T = np.atleast_2d(np.asarray(temperature, dtype=np.float64))
    Y = np.atleast_2d(np.asarray(energy, dtype=np.float64))
    found = {form: search(form, T, Y, grid=grid, min_side_points=min_side_points) for form in forms}
    selections: list[Selection | None] = []
    for m in range(T.shape[0]):
        keep = np.isfinite(T[m]) & np.isfinite(Y[m])
        t, y = T[m, keep], Y[m, keep]
        candidates = []
        for form in forms:
            result = found[form]
            model = None
            if np.isfinite(result.sse[m]) and t.size > len(COLUMNS[form]):
                heating = None if math.isnan(result.heating_c[m]) else float(result.heating_c[m])
                cooling = None if math.isnan(result.cooling_c[m]) else float(result.cooling_c[m])
                X = design(form, t, heating_c=heating, cooling_c=cooling)
                model = ChangePointModel(form, heating, cooling, fit_linear(X, y, COLUMNS[form]))
            reason = qualify(form, model)
            candidates.append(Candidate(form, model, not reason, reason))
        selections.append(choose(candidates, criterion))
    return selections
