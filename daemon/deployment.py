"""Everything a configuration file brings with it, loaded and checked together.

The configuration names meter profiles that live in other files; ``load_deployment`` loads
both and checks the references between them, so ``enms config check`` reports problems in
the configuration and in profile files in one run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from daemon.config.loader import Checks, FieldPath, load_config, parse_config, read_text
from daemon.config.models import EnmsConfig
from daemon.errors import ConfigError, ConfigIssue
from daemon.modbus.profiles import ProfileSet, load_profiles


@dataclass(frozen=True, slots=True)
class Deployment:
    config: EnmsConfig
    profiles: ProfileSet
    source: Path


def profile_references(profiles: ProfileSet) -> Checks:
    """Each Modbus meter names a known profile of its own medium."""

    def check(config: EnmsConfig) -> list[tuple[FieldPath, str]]:
        problems: list[tuple[FieldPath, str]] = []
        for i, site in enumerate(config.sites):
            for j, meter in enumerate(site.meters):
                if meter.modbus is None:
                    continue
                here: FieldPath = ("sites", i, "meters", j, "modbus", "profile")
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
        return problems

    return check


def load_deployment(path: str | Path, *, environ: Mapping[str, str] | None = None) -> Deployment:
    """Load a configuration file and its meter profiles; ``ConfigError`` lists every problem."""
    file = Path(path)
    config = load_config(file, environ=environ)  # structure first: it names the profile dirs
    issues: list[ConfigIssue] = []
    try:
        profiles = load_profiles(config.modbus.profile_dirs)
    except ConfigError as exc:
        issues += exc.issues
        profiles = ProfileSet()
    try:
        parse_config(
            read_text(file),
            file=str(file),
            environ=environ,
            extra_checks=profile_references(profiles) if not issues else None,
        )
    except ConfigError as exc:
        issues += exc.issues
    if issues:
        raise ConfigError(issues)
    return Deployment(config=config, profiles=profiles, source=file)
