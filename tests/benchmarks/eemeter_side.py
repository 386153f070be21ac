"""The OpenEEmeter side of tests/benchmarks/eemeter_compare.py; runs in eemeter's own venv.

Reads a JSON job on stdin, fits eemeter's daily model (current and legacy) on the baseline
window, predicts the baseline (in sample) and reporting windows, and prints JSON results. It
imports nothing from enms.
"""

import json
import statistics
import sys
import time
import warnings

import pandas as pd
from eemeter import eemeter as em

warnings.filterwarnings("ignore")


def series(path, column, tz):
    frame = pd.read_csv(path)
    index = pd.to_datetime(frame.iloc[:, 0], utc=True).dt.tz_convert(tz)
    return pd.Series(pd.to_numeric(frame[column], errors="coerce").values, index=index)


def window(data, start, end):
    return data[(data.index >= start) & (data.index < end)]


def blocked(meter, temperature, b0, b1, folds, electricity, mode):
    """Blocked k-fold cross-validation on the baseline window: each contiguous block of days is
    left out in turn, the model fitted on the rest predicts it. Held-out days, observed and
    predicted."""
    if not folds:
        return None
    edges = pd.date_range(b0, b1, periods=folds + 1)
    days, observed, predicted = [], [], []
    for k in range(folds):
        h0, h1 = edges[k], edges[k + 1]
        held = (meter.index >= h0) & (meter.index < h1)
        training = meter.copy()
        training[held] = float("nan")
        data = em.DailyBaselineData.from_series(
            window(training, b0, b1), window(temperature, b0, b1), electricity
        )
        model = em.DailyModel(model=mode).fit(data, ignore_disqualification=True)
        test = em.DailyReportingData.from_series(
            window(meter, h0, h1), window(temperature, h0, h1), electricity
        )
        frame = model.predict(test, ignore_disqualification=True)
        frame = frame.dropna(subset=["observed", "predicted"])
        days += [str(d.date()) for d in frame.index]
        observed += frame["observed"].tolist()
        predicted += frame["predicted"].tolist()
    return {"days": days, "observed": observed, "predicted": predicted}


def main():
    job = json.load(sys.stdin)
    tz = job["tz"]
    meter = series(job["meter"], "value", tz)
    temperature = series(job["temperature"], "tempF", tz)
    b0, b1 = pd.Timestamp(job["baseline"][0], tz=tz), pd.Timestamp(job["baseline"][1], tz=tz)
    r0, r1 = pd.Timestamp(job["reporting"][0], tz=tz), pd.Timestamp(job["reporting"][1], tz=tz)
    electricity = job["electricity"]
    baseline = em.DailyBaselineData.from_series(
        window(meter, b0, b1), window(temperature, b0, b1), electricity
    )
    reporting = em.DailyReportingData.from_series(
        window(meter, r0, r1), window(temperature, r0, r1), electricity
    )
    out = {}
    folds = job.get("folds", 0)
    for mode in ("current", "legacy"):
        out[mode + "_cv"] = blocked(meter, temperature, b0, b1, folds, electricity, mode)
    for mode in ("current", "legacy"):
        times = []
        for _ in range(job["repeat"]):
            began = time.perf_counter()
            model = em.DailyModel(model=mode).fit(baseline, ignore_disqualification=True)
            times.append(time.perf_counter() - began)
        fitted = model.predict(baseline, ignore_disqualification=True)
        predicted = model.predict(reporting, ignore_disqualification=True)
        fitted = fitted.dropna(subset=["observed", "predicted"])
        predicted = predicted.dropna(subset=["observed", "predicted"])
        out[mode] = {
            "fit_s": statistics.median(times),
            "baseline_days": [str(d.date()) for d in fitted.index],
            "observed": fitted["observed"].tolist(),
            "fitted": fitted["predicted"].tolist(),
            "reporting_observed": float(predicted["observed"].sum()),
            "reporting_expected": float(predicted["predicted"].sum()),
        }
    print(json.dumps(out))


main()
