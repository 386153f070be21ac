"""Everything a configuration file brings with it, loaded and checked together.

The configuration names meter profiles and payload formats that live in other files;
``load_deployment`` loads them all and checks the references between them, so
``enms config check`` reports problems in the configuration, profile and format files in one
run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from core.config.loader import Checks, FieldPath, load_config, read_text
from core.config.models import EnmsConfig, Meter
from core.errors import ConfigError, ConfigIssue
from core.meters.formats import FormatSet, load_formats
from core.meters.profiles import MeterProfile, ProfileSet, load_profiles
from core.schema import main_field


@dataclass(frozen=True, slots=True)
class Deployment:
    config: EnmsConfig
    profiles: ProfileSet
    formats: FormatSet
    source: Path


def _catalog_dirs(file: Path, environ: Mapping[str, str] | None) -> tuple[list[Path], list[Path]]:
    """The meter-profile and payload-format folders the file names (``modbus.profile_dirs``,
    ``mqtt.format_dirs``): from the validated file, or -- where it has mistakes -- as written,
    so the meters' profiles are still checked in the same run."""
    try:
        config = load_config(file, environ=environ)
    except ConfigError:
        return _declared(file, "modbus", "profile_dirs"), _declared(file, "mqtt", "format_dirs")
    return list(config.modbus.profile_dirs), list(config.mqtt.format_dirs if config.mqtt else [])


def _declared(file: Path, section: str, key: str) -> list[Path]:
    try:
        data = yaml.safe_load(read_text(file))
    except (ConfigError, yaml.YAMLError):
        return []
    named = data.get(section) if isinstance(data, dict) else None
    folders = named.get(key) if isinstance(named, dict) else None
    base = file.resolve().parent
    if not isinstance(folders, list):
        return []
    return [base / f for f in folders if isinstance(f, str) and "${" not in f]


def catalog_references(profiles: ProfileSet, formats: FormatSet) -> Checks:
    """Each Modbus meter names a known profile of its medium; each MQTT format is known."""

    def unknown_format(name: str) -> str:
        return f"unknown payload format {name!r}; known: {', '.join(formats)}"

    def check(config: EnmsConfig) -> list[tuple[FieldPath, str]]:
        problems: list[tuple[FieldPath, str]] = []
        if config.mqtt is not None:
            for k, subscription in enumerate(config.mqtt.subscriptions):
                if subscription.format not in formats:
                    here: FieldPath = ("mqtt", "subscriptions", k, "format")
                    problems.append((here, unknown_format(subscription.format)))
        for i, site in enumerate(config.sites):
            for j, meter in enumerate(site.meters):
                mqtt = meter.mqtt
                if mqtt is not None and mqtt.format is not None and mqtt.format not in formats:
                    problems.append(
                        (("sites", i, "meters", j, "mqtt", "format"), unknown_format(mqtt.format))
                    )
                if meter.modbus is None:
                    continue
                here = ("sites", i, "meters", j, "modbus", "profile")
                profile = profiles.get(meter.modbus.profile)
                if profile is None:
                    known = ", ".join(profiles)
                    problems.append(
                        (here, f"unknown profile {meter.modbus.profile!r}; known: {known}")
                    )
                elif profile.medium is not meter.medium:
                    problems.append(
                        (
                            here,
                            f"profile {profile.id!r} reads {profile.medium.value} meters, "
                            f"not {meter.medium.value}",
                        )
                    )
                else:
                    problem = _unit_problem(meter, profile)
                    if problem is not None:
                        problems.append((("sites", i, "meters", j, "unit"), problem))
        return problems

    return check


def _unit_problem(meter: Meter, profile: MeterProfile) -> str | None:
    """A meter's ``unit`` is the unit its readings arrive in, for every kind of meter: for a
    Modbus meter the one its profile gives the meter's main field (after the profile's scale)."""
    field, _ = main_field(meter)
    spec = next((r for r in profile.registers if r.field == field), None)
    if spec is None or spec.unit is None or spec.unit == meter.unit:
        return None
    return (
        f"profile {profile.id!r} reads {field} in {spec.unit}, not {meter.unit}: write "
        f"unit: {spec.unit} (the unit the meter's readings arrive in; the profile scales the "
        "register)"
    )


def load_deployment(
    path: str | Path,
    *,
    environ: Mapping[str, str] | None = None,
    profile_dirs: Sequence[Path] = (),
) -> Deployment:
    """Load a configuration file and its meter profiles -- the shipped ones, ``profile_dirs``
    (those of installed plugins) and the configuration's own; ``ConfigError`` lists every
    problem."""
    file = Path(path)
    own_profiles, own_formats = _catalog_dirs(file, environ)
    issues: list[ConfigIssue] = []
    try:
        profiles = load_profiles([*profile_dirs, *own_profiles])
    except ConfigError as exc:
        issues += exc.issues
        profiles = ProfileSet()
    try:
        formats = load_formats(own_formats)
    except ConfigError as exc:
        issues += exc.issues
        formats = FormatSet()
    # one pass over the file: its structure, its references and the catalogs' together
    config: EnmsConfig | None = None
    try:
        config = load_config(
            file,
            environ=environ,
            extra_checks=catalog_references(profiles, formats) if not issues else None,
        )
    except ConfigError as exc:
        issues += exc.issues
    if issues or config is None:
        raise ConfigError(issues)
    return Deployment(config=config, profiles=profiles, formats=formats, source=file)
