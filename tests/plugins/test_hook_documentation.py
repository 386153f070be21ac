"""Every hook a plugin author can implement is documented and exercised by a test.

Adding a hook specification without a section in docs/plugins.md, or without a test that
implements it, fails here (as datasette does for its hooks).
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from plugins import hookspecs

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted(
    name
    for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
    if getattr(function, f"{hookspecs.PROJECT}_spec", None) is not None
)


def test_the_hook_specifications_are_found() -> None:
    assert "enms_evaluate" in SPECS
    assert len(SPECS) >= 5


@pytest.mark.parametrize("name", SPECS)
def test_every_hook_says_when_it_is_called_and_what_to_return(name: str) -> None:
    docstring = inspect.getdoc(getattr(hookspecs, name)) or ""
    assert len(docstring) > 60, f"{name}: the specification needs a docstring"


@pytest.mark.parametrize("name", SPECS)
def test_every_hook_is_documented_for_plugin_authors(name: str) -> None:
    guide = (ROOT / "docs" / "plugins.md").read_text()
    assert f"`{name}" in guide, f"docs/plugins.md does not document {name}"


@pytest.mark.parametrize("name", SPECS)
def test_every_hook_is_implemented_by_a_test_or_a_test_plugin(name: str) -> None:
    implementation = re.compile(rf"^\s*(async\s+)?def {name}\(", re.MULTILINE)
    tested = [
        path
        for path in (ROOT / "tests").rglob("*.py")
        if "/build/" not in path.as_posix() and implementation.search(path.read_text())
    ]
    assert tested, f"no test or test plugin implements {name}"
