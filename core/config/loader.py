"""Load a YAML configuration file into an ``EnmsConfig``, reporting every problem at once.

The YAML is composed into nodes rather than loaded straight to dicts, so each value keeps its
line and column: a pydantic error at ``sites[1].meters[3].modbus.unit_id`` is reported at the
line a technician must edit. ``${VAR}`` and ``${VAR:-default}`` are replaced from the
environment; values that came from the environment are never echoed back in messages.
"""

from __future__ import annotations

import copy
import difflib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from core.config.models import EmbeddedSettings, EnmsConfig
from core.config.reference import allowed_keys
from core.config.references import check_references, format_path
from core.errors import ConfigError, ConfigIssue

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_SECRET_NAMES = frozenset({"token", "password"})

FieldPath = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass
class _Document:
    """The YAML's plain data plus where each value stands in the file."""

    file: str
    data: Any = None
    key_marks: dict[FieldPath, tuple[int, int]] = field(default_factory=dict)
    value_marks: dict[FieldPath, tuple[int, int]] = field(default_factory=dict)
    from_env: set[FieldPath] = field(default_factory=set)
    issues: list[ConfigIssue] = field(default_factory=list)
    #: the model being validated, to suggest keys it allows
    model: type[BaseModel] | None = None

    def issue(self, path: FieldPath, message: str) -> None:
        line, column = self.locate(path)
        issue = ConfigIssue(self.file, line, column, self.describe(path), message)
        if issue not in self.issues:
            self.issues.append(issue)

    def describe(self, path: FieldPath) -> str:
        """The field's path, led by the item it is in, named by its id where it has one:
        ``meter 'ekb-el-ftx' (sites[1].meters[2].modbus.unit_id)``."""
        where = format_path(path)
        for depth in range(len(path), 0, -1):
            what = _ITEMS.get(tuple(p for p in path[:depth] if isinstance(p, str))[-2:])
            if isinstance(path[depth - 1], int) and what is not None:
                item = _at(self.data, path[:depth])
                ident = item.get("id") if isinstance(item, dict) else None
                return f"{what} {ident!r} ({where})" if isinstance(ident, str) else where
        return where

    def locate(self, path: FieldPath) -> tuple[int | None, int | None]:
        """The most precise position known for ``path``: the key, the value or an ancestor."""
        for depth in range(len(path), -1, -1):
            prefix = path[:depth]
            mark = self.key_marks.get(prefix) or self.value_marks.get(prefix)
            if mark is not None:
                return mark
        return None, None


#: lists whose items have an id, by the last keys of their path -> what an item is called
_ITEMS = {
    ("sites",): "site",
    ("sites", "meters"): "meter",
    ("sites", "buildings"): "building",
    ("gateways",): "gateway",
    ("modbus", "gateways"): "gateway",
    ("seus",): "SEU",
    ("portfolio", "seus"): "SEU",
    ("enpis",): "EnPI",
    ("targets",): "target",
    ("targets", "action_plans"): "action plan",
}


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    """Turns a composed YAML node tree into plain data, recording positions as it goes."""

    def __init__(self, doc: _Document, environ: Mapping[str, str]) -> None:
        self._doc = doc
        self._environ = environ
        self._scalars = yaml.SafeLoader("")

    def build(self, node: yaml.Node, path: FieldPath) -> Any:
        self._doc.value_marks[path] = _mark(node)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        value = self._scalars.construct_object(node)
        if isinstance(value, str):
            return self._interpolate(value, path)
        return value

    def _mapping(self, node: yaml.MappingNode, path: FieldPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self._doc.issue(path, f"line {_mark(key_node)[0]}: a key must be a plain name")
                continue
            key = str(key_node.value)
            child = (*path, key)
            if key in result:
                first = self._doc.key_marks[child][0]
                self._doc.key_marks[child] = _mark(key_node)
                self._doc.issue(child, f"duplicate key {key!r} (first given on line {first})")
                continue
            self._doc.key_marks[child] = _mark(key_node)
            result[key] = self.build(value_node, child)
        return result

    def _interpolate(self, text: str, path: FieldPath) -> str:
        if "${" not in text:
            return text
        self._doc.from_env.add(path)

        def replace(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            value = self._environ.get(name)
            if value is None or (value == "" and default is not None):
                if default is None:
                    self._doc.issue(
                        path, f"environment variable {name} is not set (referenced as ${{{name}}})"
                    )
                    return ""
                return default
            return value

        return _ENV_REF.sub(replace, text)


#: what PyYAML's terse problems mean, in words a technician can act on
_YAML_PROBLEMS = (
    ("found character '\\t'", "a tab character: YAML indents with spaces only"),
    ("expected <block end>", "this line is not indented like the keys it belongs with"),
    ("mapping values are not allowed here", "a ':' where a value was expected; is a line "
     "indented too far, or a value with ': ' in it unquoted?"),
    ("could not find expected ':'", "a key without ':' after it, or a line indented too far"),
)  # fmt: skip


def _explained(problem: str) -> str:
    for start, meaning in _YAML_PROBLEMS:
        if problem.startswith(start):
            return f"{meaning} ({problem})"
    return problem


def _parse(text: str, doc: _Document, environ: Mapping[str, str]) -> None:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        doc.issues.append(
            ConfigIssue(doc.file, line, column, "", f"YAML syntax: {_explained(problem)}")
        )
        return
    except yaml.YAMLError as exc:
        doc.issues.append(ConfigIssue(doc.file, None, None, "", f"YAML syntax: {exc}"))
        return
    if root is None:
        doc.issues.append(ConfigIssue(doc.file, 1, 1, "", "the file is empty"))
        return
    if not isinstance(root, yaml.MappingNode):
        doc.issues.append(
            ConfigIssue(doc.file, *_mark(root), "", "the top level must be a mapping of sections")
        )
        return
    doc.data = _Builder(doc, environ).build(root, ())


def _pydantic_issues(error: ValidationError, doc: _Document) -> None:
    for detail in error.errors(include_url=False):
        path: FieldPath = tuple(detail["loc"])
        message = detail["msg"]
        if message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        if detail["type"] == "extra_forbidden":
            message = f"unknown key {path[-1]!r} (misspelt, or not allowed here)"
            if doc.model is not None:
                known = allowed_keys(doc.model, path[:-1])
                close = difflib.get_close_matches(str(path[-1]), sorted(known), n=1, cutoff=0.6)
                if close:
                    message += f"; did you mean {close[0]!r}?"
        elif detail["type"] == "missing":
            message = f"required key {path[-1]!r} is missing"
        elif (
            detail["type"] != "value_error"  # our own messages already quote the value
            and _may_echo(path, doc)
            and isinstance(detail.get("input"), str | int | float | bool)
        ):
            message += f" (got {detail['input']!r})"
        doc.issue(path, message)


#: passes of removing what is invalid before the rest is checked as a whole
_PRUNE_PASSES = 6


def _valid_part(
    model: type[M], data: Any, error: ValidationError
) -> tuple[M, Callable[[FieldPath], FieldPath], set[str]] | None:
    """The configuration without its invalid parts, to check the references of the rest in
    the same run; a map from its paths to the file's; the ids of the items left out.

    A misspelt key is left out, and so is a wrong value outside any list (its default
    applies); an item of a list with a wrong or missing value is left out whole, and a
    reference to its id cannot be judged. None when what is left is still not valid (a
    required section itself is wrong).
    """
    kept: Any = copy.deepcopy(data)
    dropped: set[FieldPath] = set()  # list items left out, by their path in the file
    tried: set[FieldPath] = set()
    for _ in range(_PRUNE_PASSES):
        for detail in error.errors(include_url=False):
            path = _in_file(tuple(detail["loc"]), dropped)
            item = next((path[:i] for i in range(len(path), 0, -1)
                         if isinstance(path[i - 1], int)), None)  # fmt: skip
            misspelt = detail["type"] == "extra_forbidden"
            if (misspelt or item is None) and path not in tried and _remove(kept, path):
                tried.add(path)  # a misspelt key, or a section's optional value: its default
            elif item is not None:
                dropped.add(item)  # an item with a wrong value: its values are unknown
            else:
                return None
        try:
            valid = model.model_validate(_without(kept, dropped, ()))
        except ValidationError as again:
            error = again
            continue
        idents = {_item_id(data, path) for path in dropped}
        return valid, lambda path: _in_file(path, dropped), {str(i) for i in idents if i}
    return None


def _at(data: Any, path: FieldPath) -> Any:
    """The value at ``path`` in plain YAML data, or None where there is none."""
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _item_id(data: Any, path: FieldPath) -> object:
    item = _at(data, path)
    if not isinstance(item, dict):
        return None
    return item.get("id", item.get("field"))  # meters, buildings ... by id; registers by field


#: a field path quoted in a message, e.g. "sites[0].meters[1].id"
_PATH_TEXT = re.compile(r"\b[a-z_]+(?:\[\d+\])(?:\.[a-z_]+(?:\[\d+\])?)*")


def _quoted(match: re.Match[str], original: Callable[[FieldPath], FieldPath]) -> str:
    """A path quoted in a message about the pruned data, as the file's path."""
    parts: list[str | int] = []
    for name, index in re.findall(r"([a-z_]+)|\[(\d+)\]", match.group(0)):
        parts.append(int(index) if index else name)
    return format_path(original(tuple(parts)))


def _in_file(path: FieldPath, dropped: set[FieldPath]) -> FieldPath:
    """A path in the pruned data -> the same field's path in the file (list items removed
    before it shift its index)."""
    result: list[str | int] = []
    for part in path:
        if not isinstance(part, int):
            result.append(part)
            continue
        parent = tuple(result)
        index, position = -1, -1
        while position < part:
            index += 1
            if (*parent, index) not in dropped:
                position += 1
        result.append(index)
    return tuple(result)


def _remove(data: Any, path: FieldPath) -> bool:
    """Remove the key at ``path`` from its mapping; False where it is not a mapping's key."""
    *parents, last = path or ("",)
    node = _at(data, tuple(parents))
    if isinstance(node, dict) and isinstance(last, str) and last in node:
        del node[last]
        return True
    return False


def _without(data: Any, dropped: set[FieldPath], path: FieldPath) -> Any:
    if isinstance(data, dict):
        return {key: _without(value, dropped, (*path, key)) for key, value in data.items()}
    if isinstance(data, list):
        return [
            _without(value, dropped, (*path, i))
            for i, value in enumerate(data)
            if (*path, i) not in dropped
        ]
    return data


def _may_echo(path: FieldPath, doc: _Document) -> bool:
    """Values from the environment and secret fields are never printed."""
    if path in doc.from_env:
        return False
    return not any(isinstance(part, str) and part in _SECRET_NAMES for part in path)


def _anchor_paths(config: EnmsConfig, base: Path) -> EnmsConfig:
    """Relative file paths in the configuration are relative to the configuration file."""
    storage = config.storage
    embedded = EmbeddedSettings(path=base / storage.embedded.path)  # base / absolute == absolute
    modbus = config.modbus.model_copy(
        update={"profile_dirs": [base / directory for directory in config.modbus.profile_dirs]}
    )
    spool = config.daemon.spool.model_copy(update={"path": base / config.daemon.spool.path})
    daemon = config.daemon.model_copy(
        update={"spool": spool, "register_path": base / config.daemon.register_path}
    )
    update: dict[str, object] = {
        "storage": storage.model_copy(update={"embedded": embedded}),
        "modbus": modbus,
        "daemon": daemon,
    }
    if config.mqtt is not None:
        dirs = [base / directory for directory in config.mqtt.format_dirs]
        update["mqtt"] = config.mqtt.model_copy(update={"format_dirs": dirs})
    if config.comparisons.reference_file is not None:
        update["comparisons"] = config.comparisons.model_copy(
            update={"reference_file": base / config.comparisons.reference_file}
        )
    return config.model_copy(update=update)


def parse_model(
    text: str,
    model: type[M],
    *,
    file: str,
    environ: Mapping[str, str] | None = None,
    checks: Callable[[M], list[tuple[FieldPath, str]]] | None = None,
) -> M:
    """Validate YAML text as ``model``; raise ``ConfigError`` listing every problem found.

    ``checks`` runs on the validated model and returns further problems (references across
    fields), each located at its field path like the model's own errors.
    """
    doc = _Document(file=file, model=model)
    _parse(text, doc, os.environ if environ is None else environ)
    if doc.data is None:
        raise ConfigError(doc.issues)
    result: M | None = None
    try:
        result = model.model_validate(doc.data)
    except ValidationError as exc:
        _pydantic_issues(exc, doc)
        if checks is not None:  # the references of what is valid, in the same run
            pruned = _valid_part(model, doc.data, exc)
            if pruned is not None:
                partial, original, unjudged = pruned
                for path, message in checks(partial):
                    if not any(f"'{ident}'" in message for ident in unjudged):
                        text = _PATH_TEXT.sub(lambda m: _quoted(m, original), message)
                        doc.issue(original(path), text)
    if result is not None and checks is not None:
        for path, message in checks(result):
            doc.issue(path, message)
    if doc.issues or result is None:
        doc.issues.sort(key=lambda issue: (issue.line or 0, issue.column or 0))
        raise ConfigError(doc.issues)
    return result


def read_text(path: Path) -> str:
    """A file's text, or ``ConfigError`` naming the file and what is wrong."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            [ConfigIssue(str(path), None, None, "", exc.strerror or str(exc))]
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            [ConfigIssue(str(path), None, None, "", f"not UTF-8 text ({exc.reason})")]
        ) from None


Checks = Callable[[EnmsConfig], list[tuple[FieldPath, str]]]


def parse_config(
    text: str,
    *,
    file: str = "<config>",
    environ: Mapping[str, str] | None = None,
    extra_checks: Checks | None = None,
) -> EnmsConfig:
    """Validate configuration text; raise ``ConfigError`` listing every problem found.

    ``extra_checks`` adds checks that need more than the file (meter profiles, plugins).
    """

    def checks(config: EnmsConfig) -> list[tuple[FieldPath, str]]:
        return check_references(config) + (extra_checks(config) if extra_checks else [])

    return parse_model(text, EnmsConfig, file=file, environ=environ, checks=checks)


def load_config(
    path: str | Path,
    *,
    environ: Mapping[str, str] | None = None,
    extra_checks: Checks | None = None,
) -> EnmsConfig:
    """Read and validate a configuration file; raise ``ConfigError`` listing every problem."""
    file = Path(path)
    config = parse_config(
        read_text(file), file=str(file), environ=environ, extra_checks=extra_checks
    )
    return _anchor_paths(config, file.resolve().parent)
