"""The configuration reference, generated from the pydantic models.

``enms config reference`` prints it; the README carries a copy between markers and a test
fails when the two differ, so the documentation cannot drift from the code.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Sequence
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from core.config.models import EnmsConfig

_TITLES: dict[type[BaseModel], str] = {}


def _type_name(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _type_name(get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        parts = [_type_name(arg) for arg in get_args(annotation) if arg is not type(None)]
        optional = type(None) in get_args(annotation)
        return " or ".join(parts) + (" (optional)" if optional else "")
    if origin is Literal:
        return " \\| ".join(f"`{value}`" for value in get_args(annotation))
    if origin is list:
        return f"list of {_type_name(get_args(annotation)[0])}"
    if origin is dict:
        key, value = get_args(annotation)
        return f"mapping {_type_name(key)} → {_type_name(value)}"
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
        if issubclass(annotation, enum.Enum):
            return " \\| ".join(f"`{member.value}`" for member in annotation)
        if annotation is SecretStr:
            return "secret string"
        return {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}.get(
            annotation.__name__, annotation.__name__
        )
    return str(annotation)


def _default(info: FieldInfo) -> str:
    if info.is_required():
        return "**required**"
    if info.default_factory is not None:
        value = info.default_factory()  # type: ignore[call-arg]
        if isinstance(value, BaseModel):
            return "(section defaults)"
        return f"`{value!r}`" if value else "empty"
    default = info.default
    if default is None or default is PydanticUndefined:
        return "—"
    if isinstance(default, enum.Enum):
        default = default.value
    return f"`{default}`"


def _constraints(info: FieldInfo) -> str:
    parts = []
    for item in info.metadata:
        for name, symbol in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
            value = getattr(item, name, None)
            if value is not None:
                parts.append(f"{symbol} {value}")
        min_length = getattr(item, "min_length", None)
        if min_length:
            parts.append(f"at least {min_length}")
    return ", ".join(parts)


def _models_in_order(root: type[BaseModel]) -> list[type[BaseModel]]:
    seen: list[type[BaseModel]] = []

    def visit(model: type[BaseModel]) -> None:
        if model in seen:
            return
        seen.append(model)
        for info in model.model_fields.values():
            for candidate in _nested_models(info.annotation):
                visit(candidate)

    visit(root)
    return seen


def _nested_models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in get_args(annotation):
        found += _nested_models(arg)
    return found


def _description(info: FieldInfo) -> str:
    text = info.description or ""
    for item in info.metadata:  # descriptions attached through Annotated aliases
        nested = getattr(item, "description", None)
        if nested and not text:
            text = nested
    if not text and isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
        text = (info.annotation.__doc__ or "").strip().splitlines()[0]
    limits = _constraints(info)
    return f"{text} ({limits})" if limits and text else (text or limits)


def config_reference() -> str:
    """Markdown: one table per configuration section, in the order they nest."""
    out: list[str] = []
    for model in _models_in_order(EnmsConfig):
        doc = (model.__doc__ or "").strip().splitlines()[0]
        out += [f"#### {model.__name__}", "", doc, ""]
        out += ["| key | type | default | meaning |", "| --- | --- | --- | --- |"]
        for name, info in model.model_fields.items():
            type_name = _type_name(info.annotation).replace("|", "\\|").replace("\\\\|", "\\|")
            description = _description(info).replace("|", "\\|")
            out.append(f"| `{name}` | {type_name} | {_default(info)} | {description} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def allowed_keys(root: type[BaseModel], path: Sequence[str | int]) -> set[str]:
    """The keys the configuration allows at ``path`` (list indexes and free-form mapping keys
    pass through), for suggesting the one a misspelt key meant."""
    models = [root]
    for part in path:
        if isinstance(part, int):
            continue
        found = [
            nested
            for model in models
            if part in model.model_fields
            for nested in _nested_models(model.model_fields[part].annotation)
        ]
        if found:
            models = found
    return {name for model in models for name in model.model_fields}
