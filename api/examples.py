"""Example answers shown in the OpenAPI document, trimmed from real ones of the test portfolio."""

from __future__ import annotations

from typing import Any

ENPI: dict[str, Any] = {
    "id": "asp-fjv",
    "name": "Fjärrvärme Aspskolan",
    "medium": "district_heating",
    "building": "asp-skolan",
    "seu": None,
    "area_m2": 4000.0,
    "period": "2025-01-01..2025-03-31",
    "status": "reporting",
    "days": 90,
    "days_with_data": 90,
    "actual_kwh": 37421.3,
    "kwh_per_m2": 9.36,
    "improvement": {
        "reporting_days": 90,
        "expected_kwh": 42582.0,
        "actual_kwh": 37421.3,
        "avoided_kwh": 5160.7,
        "improvement_pct": 12.1,
        "senpi": 0.879,
        "savings_uncertainty_kwh_68pct": 313.0,
        "fractional_savings_uncertainty": 0.061,
        "cusum_kwh": -5160.7,
    },
    "baseline": {
        "version": 1,
        "first": "2024-01-01",
        "last": "2024-12-31",
        "model": "3p_heating",
        "heating_balance_c": 16.0,
        "cooling_balance_c": None,
        "balance_spread_c": 4.0,
        "weekday_terms": False,
        "degree_hours": False,
        "coefficients": {"intercept": 80.3, "heating": 19.9},
        "adopted_at": "2025-04-01T02:00:00+00:00",
        "revision_trigger": "initial",
        "reason": "first baseline of this EnPI",
        "valid": True,
        "validity": "valid for an improvement claim",
        "validity_reasons": [],
        "statistics": {"n": 366, "r2": 0.98, "adj_r2": 0.98, "cv_rmse": 0.02, "nmbe": 0.0},
        "adjustments": [],
    },
    "evidence": {
        "first": "2025-01-01",
        "last": "2025-03-31",
        "measurement": "enpi",
        "query": "enpi where enpi = asp-fjv and baseline_version = 1; meters asp-fjv",
        "baseline_version": 1,
        "model": "3p_heating",
        "links": {
            "daily": "/api/v1/enpis/asp-fjv/daily?period=2025-01-01..2025-03-31",
            "baselines": "/api/v1/enpis/asp-fjv/baselines",
            "signature": "/api/v1/enpis/asp-fjv/signature?period=2025-01-01..2025-03-31",
        },
    },
}

REVIEW: dict[str, Any] = {
    "period": "2025-01-01..2025-03-31",
    "first": "2025-01-01",
    "last": "2025-03-31",
    "portfolio": "Testkommun",
    "generated_at": "2025-04-02T07:00:00+00:00",
    "evaluated_at": "2025-04-02T06:58:12+00:00",
    "plugins": [{"name": "enpi_deviation", "status": "ok", "findings": 3, "error": None}],
    "summary": {"findings": 14, "nonconformities_and_deviations": 4, "decisions": 1},
    "inputs": {
        "a_previous_actions": {"decisions": [], "findings": []},
        "c1_nonconformities_corrective_actions": {
            "findings": [
                {
                    "id": "enpi-deviation.bok-fjv",
                    "plugin": "enpi_deviation",
                    "title": "Fjärrvärme Bokens förskola: 1,912 kWh above its baseline from "
                    "2025-03-09 (ongoing)",
                    "kind": "nonconformity",
                    "severity": "high",
                }
            ],
            "register": [{"id": 1, "finding": "enpi-deviation.bok-fjv", "status": "open"}],
        },
        "g_energy_performance": {
            "summary": {"enpis": 2, "enpis_reporting": 2, "improvement_pct": 10.4},
            "enpis": [ENPI],
            "building_ranking": {
                "buildings": [
                    {"building": "asp-skolan", "kwh_per_m2": 22.1},
                    {"building": "bok-forskolan", "kwh_per_m2": 10.6},
                ]
            },
            "findings": [],
        },
    },
    "outputs": {"objectives_targets_action_plans": []},
    "links": {
        "report": "/api/v1/review/report?period=2025-01-01..2025-03-31",
        "decisions": "/api/v1/reviews/2025-01-01..2025-03-31/decisions",
    },
}


def example(value: dict[str, Any]) -> dict[int | str, dict[str, Any]]:
    """``responses=`` of a route whose answer is ``value``."""
    return {200: {"content": {"application/json": {"example": value}}}}
