"""``enms baseline fit``: a baseline analysis from two CSV files, for engineers and for checking
enms against other tools.

    enms baseline fit --consumption C.csv --temperature T.csv \\
        --baseline 2016-01-01..2016-12-31 --reporting 2017-01-01..2017-12-31 \\
        [--tz Europe/Stockholm] [--temperature-unit C|F] [--counter] [--format json|table]

Each CSV has a time column and a value column (found by name, or named with --time-column and
--value-column); times with an offset are exact, times without one are local to --tz.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from baselines.analysis import (
    Analysis,
    Bill,
    HourlyAnalysis,
    Period,
    analyse_billing,
    analyse_daily,
    analyse_hourly,
    analyse_monthly,
)
from baselines.changepoint import ModelForm
from baselines.daily import (
    MIN_DAY_COVERAGE,
    daily,
    fahrenheit_to_celsius,
    hour_of_week,
    hourly,
    hours_by_day,
)
from baselines.selection import DEFAULT_FORMS, SHARP, Criterion, SearchSettings
from baselines.versions import Adjustment
from core.deployment import load_deployment
from core.errors import ConfigError
from core.storage.factory import open_store
from energy.enpi_run import EnpiResult, run_enpi
from energy.register import Register
from enms.cli.console import add_config, open_deployment, run_async, share
from enms.cli.series_files import NS, InputError, parse_period, read_series
from plugins.manager import load_plugins
from plugins.variables import relevant_variables

#: --weekdays: the selection chooses (auto), always (yes) or never (no)
WEEKDAY_CHOICES: dict[str, bool | None] = {"auto": None, "yes": True, "no": False}


@dataclass(frozen=True)
class Fitted:
    """A fit and what the input held back: days summed from too few readings."""

    analysis: Analysis | HourlyAnalysis
    partial_days: int = 0
    min_day_coverage: float = MIN_DAY_COVERAGE

    def to_dict(self) -> dict[str, object]:
        held_back = {"partial_days": self.partial_days, "min_day_coverage": self.min_day_coverage}
        return {**self.analysis.to_dict(), "input": held_back}


def run_fit(args: argparse.Namespace) -> Fitted:
    baseline = parse_period(args.baseline)
    reporting = parse_period(args.reporting) if args.reporting else None
    last = max(baseline.last, reporting.last if reporting else baseline.last)
    first = min(baseline.first, reporting.first if reporting else baseline.first)
    times, energy = read_series(
        Path(args.consumption),
        tz=args.tz,
        time_column=args.time_column,
        value_column=args.value_column,
    )
    t_times, temperature = read_series(
        Path(args.temperature), tz=args.tz, time_column=args.time_column, value_column=None
    )
    if args.temperature_unit == "F":
        temperature = fahrenheit_to_celsius(temperature)
    how = "counter" if args.counter else "sum"
    if args.granularity == "hourly":
        step_h = _step_hours(times)
        if step_h > 1.0:
            raise InputError(
                f"--granularity hourly needs readings at least hourly; these are {step_h:g} h "
                "apart (use daily or monthly)"
            )
        hours, energy_hours = hourly(times, energy, first=first, last=last, tz=args.tz, how=how)
        _, temperature_hours = hourly(
            t_times, temperature, first=first, last=last, tz=args.tz, how="mean"
        )
        zone = ZoneInfo(args.tz)
        days = [datetime.fromtimestamp(int(ns) / NS, zone).date() for ns in hours]
        return _refuse_empty_reporting(
            Fitted(
                analyse_hourly(
                    hours,
                    hour_of_week(hours, args.tz),
                    energy_hours,
                    temperature_hours,
                    days=days,
                    baseline=baseline,
                    reporting=reporting,
                )
            ),
            reporting,
        )
    search = SearchSettings(
        forms=tuple(ModelForm(f) for f in args.forms.split(",")) if args.forms else DEFAULT_FORMS,
        criterion=Criterion(args.criterion),
        spreads_c=SHARP if args.sharp else None,
        weekday_terms=WEEKDAY_CHOICES[args.weekdays],
    )
    if args.granularity in ("monthly", "billing") and (args.variable or args.degree_hours):
        raise InputError("--variable and --degree-hours work with daily granularity only")
    if args.granularity == "billing":
        bills = read_bills(times, energy, tz=args.tz, counter=args.counter)
        around = timedelta(days=92)  # a bill mostly inside a period may start before it
        temperatures = daily(
            t_times, temperature, first=first - around, last=last + around, tz=args.tz,
            how="mean",
        )  # fmt: skip
        billed = analyse_billing(
            temperatures.days,
            temperatures.values,
            bills,
            baseline=baseline,
            reporting=reporting,
            search=search,
        )
        return _refuse_empty_reporting(Fitted(billed, 0, args.min_day_coverage), reporting)
    energy_days = daily(
        times, energy, first=first, last=last, tz=args.tz, how=how,
        min_coverage=args.min_day_coverage,
    )  # fmt: skip
    temperature_days = daily(t_times, temperature, first=first, last=last, tz=args.tz, how="mean")
    if args.granularity == "monthly":
        monthly = analyse_monthly(
            energy_days.days,
            energy_days.values,
            temperature_days.values,
            baseline=baseline,
            reporting=reporting,
            search=search,
        )
        return _refuse_empty_reporting(
            Fitted(monthly, energy_days.partial_days, args.min_day_coverage), reporting
        )
    readings = (
        hours_by_day(t_times, temperature, first=first, last=last, tz=args.tz)
        if args.degree_hours
        else temperature_days.values
    )
    variables = {
        name: daily(v_times, v_values, first=first, last=last, tz=args.tz, how=how_v).values
        for name, (v_times, v_values, how_v) in _variables(args).items()
    }
    analysis = analyse_daily(
        energy_days.days,
        energy_days.values,
        readings,
        baseline=baseline,
        reporting=reporting,
        search=search,
        variables=variables,
    )
    return _refuse_empty_reporting(
        Fitted(analysis, energy_days.partial_days, args.min_day_coverage), reporting
    )


def read_bills(times_ns: np.ndarray, values: np.ndarray, *, tz: str, counter: bool) -> list[Bill]:
    """Billing periods from rows of (read time, value): each row's local day starts a period
    that ends the day before the next row's; the value is that period's consumption, or --
    ``counter`` -- the register at that read (the period's consumption is the next read
    minus this one). A last row without a value only ends the period before it."""
    zone = ZoneInfo(tz)
    order = np.argsort(times_ns, kind="stable")
    reads = [
        (datetime.fromtimestamp(int(times_ns[k]) / NS, zone).date(), float(values[k]))
        for k in order
    ]
    bills = []
    for (start, value), (end, following) in itertools.pairwise(reads):
        if end <= start:
            raise InputError(f"two reads on {start}: a billing period needs a day or more")
        kwh = following - value if counter else value
        if counter and math.isfinite(kwh) and kwh < 0:
            raise InputError(f"the register went down from {value:g} to {following:g} on {end}")
        bills.append(Bill(start, end - timedelta(days=1), kwh))
    if len(bills) < 2:
        raise InputError("billing needs three reads or more (two periods)")
    return bills


def _step_hours(times_ns: np.ndarray) -> float:
    """The usual spacing of readings, in hours."""
    steps = np.diff(np.sort(np.asarray(times_ns, dtype=np.int64)))
    steps = steps[steps > 0]
    return float(np.median(steps)) / NS / 3600 if steps.size else 0.0


def _refuse_empty_reporting(fitted: Fitted, reporting: Period | None) -> Fitted:
    """A reporting period without one day of both consumption and temperature has no
    result to report: say so rather than print NaN."""
    result = fitted.analysis.result
    if reporting is not None and (result is None or result.points == 0):
        raise InputError(
            f"the reporting period {reporting.first}..{reporting.last} has no day with both "
            "consumption and temperature data"
        )
    return fitted


def _variables(args: argparse.Namespace) -> dict[str, tuple[np.ndarray, np.ndarray, str]]:
    """--variable NAME=CSV[,sum]: another relevant variable, averaged (or summed) per day."""
    found = {}
    for text in args.variable or []:
        name, _, rest = text.partition("=")
        path, _, how = rest.partition(",")
        if not name.isidentifier() or not path or how not in ("", "sum", "mean"):
            raise InputError(f"--variable {text!r}: write NAME=FILE.csv, or NAME=FILE.csv,sum")
        times, values = read_series(Path(path), tz=args.tz, time_column=None, value_column=None)
        found[name] = (times, values, how or "mean")
    return found


def table(analysis: Analysis | HourlyAnalysis) -> str:
    if isinstance(analysis, HourlyAnalysis):
        fit = analysis.model.fit
        lines = [
            f"model: time of week and temperature (hourly), "
            f"{int(analysis.model.occupied.sum())} occupied hours of the week",
            f"n {fit.n}  R² {fit.r2:.4f}  adj R² {fit.adj_r2:.4f}  CV(RMSE) {fit.cv_rmse:.2%}  "
            f"NMBE {fit.nmbe:.3%}  ρ {fit.autocorrelation:.3f}",
        ]
        return "\n".join(lines + _reporting_lines(analysis))
    model = analysis.selection.chosen
    fit = model.fit
    lines = [
        f"model: {model.form.value}"
        + (f", heating balance {model.heating_c:g} °C" if model.heating_c is not None else "")
        + (f", cooling balance {model.cooling_c:g} °C" if model.cooling_c is not None else "")
        + (f", spread ±{model.spread_c:g} °C" if model.spread_c else "")
        + (", day-of-week terms" if model.weekday_terms else ""),
        f"{'coefficient':<14}{'value':>12}{'std err':>12}{'t':>9}{'p':>11}",
    ]
    for i, name in enumerate(fit.names):
        lines.append(
            f"{name:<14}{fit.coef[i]:>12.4g}{fit.se[i]:>12.4g}{fit.t[i]:>9.3g}{fit.p[i]:>11.3g}"
        )
    lines.append(
        f"n {fit.n}  R² {fit.r2:.4f}  adj R² {fit.adj_r2:.4f}  CV(RMSE) {fit.cv_rmse:.2%}  "
        f"NMBE {fit.nmbe:.3%}  ρ {fit.autocorrelation:.3f}"
    )
    return "\n".join(lines + _reporting_lines(analysis))


def _reporting_lines(analysis: Analysis | HourlyAnalysis) -> list[str]:
    lines = []
    if analysis.result is not None:
        r = analysis.result
        spread = (
            f"± {r.uncertainty_kwh:,.0f} kWh (68 %)"
            if math.isfinite(r.uncertainty_kwh)
            else "uncertainty unknown"
        )
        share = f", FSU {r.fsu:.1%}" if math.isfinite(r.fsu) else ""  # for savings only
        lines.append(
            f"reporting: {r.points} points, expected {r.expected_kwh:,.0f} kWh, actual "
            f"{r.actual_kwh:,.0f} kWh, avoided {r.avoided_kwh:,.0f} kWh {spread} "
            f"({r.improvement:.1%}), SEnPI {r.senpi:.3f}{share}"
        )
    lines.append(f"validity: {analysis.validity.label}")
    lines += [
        f"  {'PASS' if g.passed else 'FAIL' if g.passed is False else ' -- '}  {g.message}"
        for g in analysis.validity.gates
    ]
    return lines


def fit_command(args: argparse.Namespace) -> int:
    try:
        fitted = run_fit(args)
    except (InputError, ValueError) as exc:
        print(f"enms baseline fit: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, InputError) else 1
    if args.format == "json":
        print(json.dumps(fitted.to_dict(), indent=2, allow_nan=False, default=str))
    else:
        print(table(fitted.analysis))
        if fitted.partial_days:
            print(
                f"input: {fitted.partial_days} days with readings covering less than "
                f"{args.min_day_coverage:.0%} of the day, counted as missing"
            )
    return 0


def run_command(args: argparse.Namespace) -> int:
    plugins = load_plugins(installed=True)  # meter profiles and relevant variables
    deployment = open_deployment(args.config, plugins)
    config = deployment.config
    if not config.enpis:
        print(f"{args.config}: no EnPIs configured (the 'enpis' section)", file=sys.stderr)
        return 1
    zone = ZoneInfo(config.portfolio.timezone)
    until = (
        date.fromisoformat(args.until)
        if args.until
        else datetime.now(zone).date() - timedelta(days=1)
    )

    async def run() -> list[EnpiResult]:
        register = Register(config.daemon.register_path)
        try:
            async with open_store(config.storage) as store:
                variables = relevant_variables(plugins, config, store)
                return [
                    await run_enpi(store, register, config, enpi, until=until, variables=variables)
                    for enpi in config.enpis
                ]
        finally:
            register.close()

    results = run_async(run(), "enms baseline run", also=(ValueError,))
    for result in results:
        b = result.baseline
        state = "adopted now" if result.adopted_now else "in the register"
        print(
            f"{result.enpi.id}: baseline v{b.version} ({state}, {b.form.value}, "
            f"{b.validity.get('label')}); {result.days_written} days written"
        )
        if result.reporting_days:
            print(
                f"  reporting {result.reporting_days} days to {until}: expected "
                f"{result.expected_kwh:,.0f} kWh, actual {result.actual_kwh:,.0f} kWh, "
                f"SEnPI {result.senpi:.3f}"
            )
    return 0


def adjust_command(args: argparse.Namespace) -> int:
    try:
        deployment = load_deployment(args.config)
        period = parse_period(args.period)
    except (ConfigError, InputError) as exc:
        print(exc, file=sys.stderr)
        return 1 if isinstance(exc, ConfigError) else 2
    if args.enpi not in {e.id for e in deployment.config.enpis}:
        print(f"unknown EnPI {args.enpi!r}", file=sys.stderr)
        return 2
    register = Register(deployment.config.daemon.register_path)
    try:
        baseline = register.current(args.enpi)
        if baseline is None:
            print(
                f"EnPI {args.enpi!r} has no adopted baseline yet: run 'enms baseline run'",
                file=sys.stderr,
            )
            return 1
        register.add_adjustment(
            args.enpi,
            baseline.version,
            Adjustment(period.first, period.last, args.kwh, args.reason),
        )
    finally:
        register.close()
    print(
        f"{args.enpi}: adjustment of {args.kwh:+,.0f} kWh over {period.first}..{period.last} "
        f"recorded against baseline v{baseline.version}"
    )
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    baseline = commands.add_parser("baseline", help="energy baselines and EnPIs")
    actions = baseline.add_subparsers(dest="baseline_command", required=True, metavar="ACTION")
    fit = actions.add_parser(
        "fit",
        help="fit a baseline from CSV files and report a period",
        epilog="example: enms baseline fit --consumption fjv.csv --temperature ute.csv "
        "--baseline 2024-01-01..2024-12-31 --reporting 2025-01-01..2025-06-30",
    )
    fit.add_argument("--consumption", required=True, metavar="CSV", help="time,value of energy")
    fit.add_argument("--temperature", required=True, metavar="CSV", help="time,value of °C or °F")
    fit.add_argument("--baseline", required=True, metavar="FIRST..LAST", help="baseline days")
    fit.add_argument("--reporting", metavar="FIRST..LAST", help="reporting days")
    fit.add_argument(
        "--granularity",
        choices=("daily", "monthly", "billing", "hourly"),
        default="daily",
        help="daily change-point models (default); calendar months from daily data; billing "
        "periods of any length (each consumption row starts a period that ends where the next "
        "row starts, as bills and manual reads are kept; with --counter the rows are register "
        "readings); or hourly (TOWT)",
    )
    fit.add_argument("--tz", default="Europe/Stockholm", help="zone of local days (IANA name)")
    fit.add_argument(
        "--temperature-unit", choices=("C", "F"), default="C", help="of the temperature file"
    )
    fit.add_argument("--counter", action="store_true", help="consumption is a cumulative register")
    fit.add_argument(
        "--min-day-coverage",
        type=share,
        default=MIN_DAY_COVERAGE,
        metavar="SHARE",
        help="a day's sum counts only where its readings cover this share of it; other days "
        f"are missing (default {MIN_DAY_COVERAGE:g})",
    )
    fit.add_argument("--time-column", help="name of the time column (default: found by name)")
    fit.add_argument("--value-column", help="name of the consumption value column")
    fit.add_argument(
        "--forms", help="model forms to consider, comma-separated (default: CalTRACK's)"
    )
    fit.add_argument(
        "--variable",
        action="append",
        metavar="NAME=CSV[,sum]",
        help="another relevant variable (occupancy, opening days), averaged or summed per day",
    )
    fit.add_argument(
        "--criterion",
        choices=[c.value for c in Criterion],
        default="adj_r2",
        help="how qualifying models are compared: adjusted R² (default) or BIC",
    )
    fit.add_argument(
        "--sharp",
        action="store_true",
        help="sharp change points only (no spread of the balance point), as CalTRACK fits",
    )
    fit.add_argument(
        "--degree-hours",
        action="store_true",
        help="daily granularity: degrees taken hour by hour and averaged per day, not degrees "
        "of the daily mean (needs sub-daily temperature readings)",
    )
    fit.add_argument(
        "--weekdays",
        choices=tuple(WEEKDAY_CHOICES),
        default="auto",
        help="day-of-week terms (daily granularity): chosen by the selection (auto), or not",
    )
    fit.add_argument(
        "--format", choices=("json", "table"), default="table", help="output (default: table)"
    )
    fit.set_defaults(handler=fit_command)
    run = actions.add_parser(
        "run",
        help="compute the configured EnPIs from stored data and write the series back",
        epilog="example: enms baseline run --config site.yaml --until 2025-06-30",
    )
    add_config(run)
    run.add_argument(
        "--until", metavar="YYYY-MM-DD", help="last day to compute (default: yesterday)"
    )
    run.set_defaults(handler=run_command)
    adjust = actions.add_parser(
        "adjust",
        help="record a non-routine adjustment (ISO 50015) to an EnPI's baseline",
        epilog="example: enms baseline adjust --config site.yaml --enpi ekb-fjv --period "
        "2025-03-01..2025-03-14 --kwh 1200 --reason 'extra heating, sports camp'",
    )
    add_config(adjust)
    adjust.add_argument(
        "--enpi", required=True, metavar="ID", help="the EnPI whose current baseline to adjust"
    )
    adjust.add_argument("--period", required=True, metavar="FIRST..LAST", help="days it covers")
    adjust.add_argument("--kwh", required=True, type=float, help="energy added to what is expected")
    adjust.add_argument("--reason", required=True, help="why, for the audit trail")
    adjust.set_defaults(handler=adjust_command)
