"""The demo's configuration file, written like a technician would write it for this portfolio.

Everything the demo runs reads this one file: the simulated devices' addresses (loopback,
free ports), the embedded store, the EnPIs with their baseline year, a target with the
action plan that produced the saving, plugin settings, and an API that answers reads
without a key (it listens on 127.0.0.1 only).
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from simulation.climate import normal_year_degree_days
from simulation.demo_portfolio import BUILDINGS, METERS, SITE_NAMES, ModbusLink, MqttLink, SimMeter
from simulation.portfolio import Timeline

#: seconds between polls of the simulated Modbus meters (the register images change as often)
MODBUS_POLL_S = 10
#: the MQTT collector's client id: the broker keeps nothing across demo runs anyway
MQTT_CLIENT_ID = "enms-demo"

PAYLOAD_FORMATS = {"heat_meter_json": "mbus_heat_meter_json", "tasmota": "tasmota_energy"}


@dataclass(frozen=True, slots=True)
class Ports:
    """Where the demo's servers listen on 127.0.0.1."""

    gateways: dict[str, int]
    mqtt: int
    api: int


def _meter_entry(meter: SimMeter) -> dict[str, object]:
    entry: dict[str, object] = {
        "id": meter.id,
        "name": meter.name,
        "building": meter.building,
        "medium": meter.medium,
    }
    if meter.counter:
        entry["unit"] = "kWh"
    else:
        entry |= {"kind": "instantaneous", "unit": "°C"}
    if meter.seu:
        entry["seu"] = meter.seu
    if meter.parent:
        entry["parent"] = meter.parent
    link = meter.link
    if isinstance(link, ModbusLink):
        entry["modbus"] = {
            "gateway": link.gateway,
            "unit_id": link.unit_id,
            "profile": link.profile,
            "poll_interval_s": MODBUS_POLL_S,
        }
    else:
        assert isinstance(link, MqttLink)
        mqtt: dict[str, object] = {"topic": link.topic}
        if link.payload in PAYLOAD_FORMATS:
            mqtt["format"] = PAYLOAD_FORMATS[link.payload]
        elif link.payload == "json_temperature":
            mqtt["value_path"] = "temperature"
        entry["mqtt"] = mqtt
    return entry


EMBEDDED = {"backend": "embedded", "embedded": {"path": "store.sqlite"}}


def influxdb_storage(url: str, database: str) -> dict[str, object]:
    """The demo writing to an InfluxDB 1.x server, so Grafana's dashboards can show it."""
    return {
        "backend": "influxdb",
        "influxdb": {"url": url, "database": database, "create_database": True},
    }


def demo_config(
    timeline: Timeline, ports: Ports, storage: dict[str, object] | None = None
) -> dict[str, object]:
    """The configuration as a mapping (``demo_config_text`` writes it as YAML); ``storage``
    the store it writes to (default: the embedded one in its folder)."""
    first, last = timeline.baseline
    hdd = round(normal_year_degree_days(17.0))
    sites = []
    for site_id, site_name in SITE_NAMES.items():
        buildings = [b for b in BUILDINGS if b.site == site_id]
        ids = {b.id for b in buildings}
        sites.append(
            {
                "id": site_id,
                "name": site_name,
                "buildings": [
                    {
                        "id": b.id,
                        "name": b.name,
                        "category": b.category,
                        "atemp_m2": b.model.atemp_m2,
                        "address": b.address,
                        "year_built": b.year_built,
                    }
                    for b in buildings
                ],
                "meters": [_meter_entry(m) for m in METERS if m.building in ids],
            }
        )
    baseline = {"first": first.isoformat(), "last": last.isoformat()}
    heating = [
        ("ekbacka-fjv", "Fjärrvärme, Ekbackaskolan", "ekbackaskolan"),
        ("hallen-fjv", "Fjärrvärme, Ekbackahallen", "ekbackahallen"),
        ("lonnen-fjv", "Fjärrvärme, Förskolan Lönnen", "lonnen"),
        ("tallgarden-fjv", "Fjärrvärme, Tallgårdens äldreboende", "tallgarden"),
        ("kommunhuset-fjv", "Fjärrvärme, Kommunhuset", "kommunhuset"),
    ]
    enpis: list[dict[str, object]] = [
        {
            "id": enpi_id,
            "name": name,
            "building": building,
            "medium": "district_heating",
            "temperature_meter": "ekbacka-ute",
            "baseline": baseline,
            "normal_year_hdd": hdd,
        }
        for enpi_id, name, building in heating
    ]
    enpis.append(
        {
            "id": "ventilation-el",
            "name": "El till ventilation (SEU), Ekbackaskolan",
            "seu": "ventilation",
            "medium": "electricity",
            "temperature_meter": "ekbacka-ute",
            "baseline": baseline,
        }
    )
    saving = timeline.saving_from
    return {
        "version": 1,
        "portfolio": {
            "name": "Demokommun, fastighetsavdelningen (simulated)",
            "timezone": "Europe/Stockholm",
            "language": "sv",
            "board": "Tekniska nämnden",
            "seus": [
                {"id": "ventilation", "name": "Ventilation (FTX units)"},
                {"id": "space-heating", "name": "Space heating and hot water"},
            ],
        },
        "storage": storage or EMBEDDED,
        "daemon": {
            "spool": {"path": "spool.sqlite"},
            "register_path": "register.sqlite",
            "metrics": {"port": None},
            "health_interval_s": 10,
            "consumption_interval_s": 300,
            "enpi_interval_s": 3600,
            # the demo records its review period's evaluation as it starts; the daemon's
            # nightly evaluations are left out, so the register holds still while you read
            "evaluation_periods": [],
        },
        # the embedded broker (amqtt) speaks MQTT 3.1.1
        "mqtt": {
            "host": "127.0.0.1",
            "port": ports.mqtt,
            "protocol": "3.1.1",
            "client_id": MQTT_CLIENT_ID,
        },
        "modbus": {
            "gateways": [
                {"id": gateway, "host": "127.0.0.1", "port": port, "timeout_s": 2}
                for gateway, port in ports.gateways.items()
            ]
        },
        "api": {"host": "127.0.0.1", "port": ports.api, "read_without_key": True},
        "sites": sites,
        "enpis": enpis,
        "commitments": [
            {
                "id": "skolornas-klassrum",
                "text": "I våra skolor är det 20–23 °C i klassrummen under skoldagen",
                "approved_by": "Tekniska nämnden",
                "approved_on": f"{first.year}-02-12",
                "kind": "indoor_temperature",
                "categories": ["school"],
                "low_c": 20,
                "high_c": 23,
                "start": "08:00",
                "end": "16:00",
                "kept_share": 0.9,
            },
            {
                "id": "legionella",
                "text": "Varmvattnet i våra äldreboenden håller minst 50 °C dygnet runt",
                "approved_by": "Socialnämnden",
                "approved_on": f"{first.year}-03-18",
                "kind": "hot_water_temperature",
                "categories": ["elderly_care"],
                "low_c": 50,
                "kept_share": 0.99,
            },
            {
                "id": "felanmalan",
                "text": "Vi besvarar din felanmälan inom fem arbetsdagar",
                "approved_by": "Tekniska nämnden",
                "approved_on": f"{first.year}-02-12",
                "kind": "feedback_answered",
                "within_days": 5,
            },
        ],
        # illustrative reference values, not a national statistic: a site puts its own here
        # or in a key-figure export (comparisons.reference_file)
        "comparisons": {
            "references": [
                {"category": category, "kwh_per_m2": value, "source": "demo"}
                for category, value in (
                    ("school", 160),
                    ("preschool", 150),
                    ("sports_hall", 170),
                    ("elderly_care", 190),
                    ("office", 150),
                )
            ]
        },
        # the town hall's energy declaration has expired; the school's is valid
        "compliance": {
            "energy_declarations": [
                {
                    "building": "kommunhuset",
                    "declared_on": f"{first.year - 11}-05-20",
                    "primary_energy_number": 118,
                    "fgeo": 1.0,
                    "energy_class": "D",
                },
                {
                    "building": "ekbackaskolan",
                    "declared_on": f"{first.year - 2}-09-02",
                    "primary_energy_number": 104,
                    "fgeo": 1.0,
                    "energy_class": "C",
                },
            ],
            "requirements": [
                {
                    "id": "ovk",
                    "title": "OVK, obligatorisk ventilationskontroll",
                    "law": "PBL 8 kap., BFS 2011:16",
                    "owner": "Förvaltare",
                    "last_reviewed": f"{first.year - 3}-03-01",
                    "review_every_days": 1095,
                },
            ],
        },
        "internal_control_plan": {
            "approved_by": "Tekniska nämnden",
            "approved_on": first.isoformat(),
            "points": [
                {
                    "id": "avlasning",
                    "what": "Alla mätare har lästs av det senaste dygnet",
                    "risk": "Mätdata saknas i uppföljningen",
                    "owner": "Energisamordnare",
                    "every_days": 1,
                    "method": "meters_read",
                },
                {
                    "id": "baslinjer",
                    "what": "Energibaslinjerna är giltiga och högst tre år gamla",
                    "risk": "Besparingar redovisas mot fel referens",
                    "owner": "Energisamordnare",
                    "every_days": 365,
                    "method": "baselines_current",
                },
                {
                    "id": "kalibrering",
                    "what": "Debiteringsmätarnas kalibreringsintyg",
                    "risk": "Felaktiga mätvärden och fakturor",
                    "owner": "Drifttekniker",
                    "every_days": 365,
                },
                {
                    "id": "energiavtal",
                    "what": "Energiavtalens villkor och löptid",
                    "risk": "Dyrare energi efter avtalets slut",
                    "owner": "Ekonom, fastighetsavdelningen",
                    "every_days": 365,
                },
            ],
        },
        "targets": [
            {
                "id": "ekbacka-fjv-minus-15",
                "name": "Fjärrvärme Ekbackaskolan -15 %",
                "objective": "Kommunens fastigheter ska använda 30 % mindre energi 2030",
                "enpi": "ekbacka-fjv",
                "improvement_pct": 15,
                "by": f"{saving.year + 1}-12-31",
                "action_plans": [
                    {
                        "id": "ftx-school-hours",
                        "name": "FTX-aggregaten LA01-LA03 på skoltider",
                        "responsible": "Driftchef, fastighetsavdelningen",
                        "due": saving.isoformat(),
                        "status": "done",
                        "completed": saving.isoformat(),
                        "expected_savings_kwh_per_year": 60000,
                        "verification": "EnPI ekbacka-fjv, IPMVP option C",
                    }
                ],
            },
            {
                "id": "tallgarden-fjv-minus-5",
                "name": "Fjärrvärme Tallgården -5 %",
                "enpi": "tallgarden-fjv",
                "improvement_pct": 5,
                "by": f"{saving.year + 1}-12-31",
                "action_plans": [
                    {
                        "id": "tallgarden-balancing",
                        "name": "Injustering av radiatorsystemet",
                        "responsible": "Drifttekniker Tallgården",
                        "due": f"{saving.year + 1}-06-30",
                        "status": "planned",
                        "expected_savings_kwh_per_year": 20000,
                    }
                ],
            },
        ],
        "plugins": {
            "settings": {
                "cost_co2": {
                    "carriers": {
                        "district_heating": {
                            "price_per_kwh": {saving.year - 1: 0.92, saving.year: 0.95},
                            "co2_g_per_kwh": {saving.year - 1: 58, saving.year: 55},
                        },
                        "electricity": {
                            "price_per_kwh": {saving.year - 1: 1.45, saving.year: 1.38},
                            "co2_g_per_kwh": {saving.year - 1: 35, saving.year: 33},
                        },
                    },
                    "reference_year": saving.year - 1,
                },
                "internal_control": {
                    "energy_review_done": first.isoformat(),
                    "risks": [
                        {
                            "id": "dh-price",
                            "description": "Fjärrvärmepriset höjs mer än budgeterat",
                            "likelihood": 3,
                            "consequence": 3,
                            "owner": "Ekonomichef",
                        },
                        {
                            "id": "elderly-care-heat",
                            "description": "För varmt inomhus på äldreboende vid värmebölja",
                            "likelihood": 3,
                            "consequence": 5,
                            "owner": "Förvaltare Tallgården",
                            "treatment": "Komfortkyla i dagrum, rutin vid värmebölja",
                        },
                    ],
                },
            }
        },
    }


def demo_config_text(
    timeline: Timeline, ports: Ports, storage: dict[str, object] | None = None
) -> str:
    header = (
        "# enms demo: a simulated municipal portfolio (written by `enms demo`; it is\n"
        "# rewritten on every run). Every device listens on 127.0.0.1.\n"
    )
    body = yaml.safe_dump(
        demo_config(timeline, ports, storage), sort_keys=False, allow_unicode=True, width=100
    )
    return header + body
