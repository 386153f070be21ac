"""Catalogs: directories of YAML definitions shared by many meters (profiles, payload formats).

enms ships a catalog inside a package; technicians add their own directories. Every file is
validated like the configuration, and every problem in every file is reported in one run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from core.config.loader import FieldPath, parse_model, read_text
from core.errors import ConfigError, ConfigIssue


class HasId(Protocol):
    @property
    def id(self) -> str: ...


Entry = TypeVar("Entry", bound=HasId)
Checks = Callable[[Entry], list[tuple[FieldPath, str]]]


class Catalog(Mapping[str, Entry], Generic[Entry]):
    """Definitions by id, each remembering the file it came from."""

    def __init__(self, entries: Iterable[tuple[Entry, str]] = ()) -> None:
        self._entries = {entry.id: (entry, source) for entry, source in entries}

    def __getitem__(self, key: str) -> Entry:
        return self._entries[key][0]

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def source(self, key: str) -> str:
        return self._entries[key][1]


def builtin_files(package: str, folder: str) -> list[Path]:
    root = resources.files(package) / folder
    return sorted(Path(str(entry)) for entry in root.iterdir() if entry.name.endswith(".yaml"))


def load_catalog(
    model: type[Entry],
    *,
    builtin: list[Path],
    directories: Iterable[Path],
    checks: Checks[Entry] | None = None,
    what: str,
) -> Catalog[Entry]:
    """The shipped definitions plus every ``*.yaml`` in ``directories``; all problems at once."""
    files = list(builtin)
    issues: list[ConfigIssue] = []
    for directory in directories:
        if directory.is_dir():
            files += sorted(directory.glob("*.yaml"))
        else:
            issues.append(
                ConfigIssue(str(directory), None, None, "", f"{what} directory does not exist")
            )
    loaded: dict[str, tuple[Entry, str]] = {}
    for path in files:
        try:
            entry = parse_model(read_text(path), model, file=str(path), checks=checks)  # type: ignore[type-var]
        except ConfigError as exc:
            issues += exc.issues
            continue
        if entry.id in loaded:
            issues.append(
                ConfigIssue(
                    str(path), None, None, "id",
                    f"{what} id {entry.id!r} is already defined in {loaded[entry.id][1]}",
                )
            )  # fmt: skip
            continue
        loaded[entry.id] = (entry, str(path))
    if issues:
        raise ConfigError(issues)
    return Catalog(loaded.values())
