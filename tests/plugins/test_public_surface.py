"""``enms.plugin`` is the one place a plugin author imports from, and it is complete."""

from __future__ import annotations

import ast
import inspect
import re
import subprocess
import sys
from pathlib import Path

import enms.plugin
from plugins import hookspecs

REPO = Path(__file__).resolve().parents[2]
#: standard-library names the hook signatures use
STANDARD = {"Awaitable", "Path", "list", "None"}


def hook_specifications() -> list[str]:
    return [name for name in dir(hookspecs) if name.startswith("enms_")]


def test_every_type_a_hook_takes_or_returns_is_importable_from_enms_plugin() -> None:
    named: set[str] = set()
    for name in hook_specifications():
        signature = inspect.signature(getattr(hookspecs, name))
        texts = [str(p.annotation) for p in signature.parameters.values()]
        texts.append(str(signature.return_annotation))
        for text in texts:
            named |= set(re.findall(r"[A-Za-z_]\w*", text))
    missing = sorted(named - STANDARD - set(enms.plugin.__all__))
    assert not missing, f"hook types missing from enms.plugin: {missing}"
    for name in enms.plugin.__all__:
        assert hasattr(enms.plugin, name), name


def test_the_example_plugin_imports_enms_only_through_enms_plugin() -> None:
    example = REPO / "tests" / "plugins" / "example_package" / "enms_night_load.py"
    imported = {
        node.module
        for node in ast.walk(ast.parse(example.read_text()))
        if isinstance(node, ast.ImportFrom) and node.module
    }
    internal = {"baselines", "core", "energy", "plugins", "daemon", "api", "simulation"}
    assert "enms.plugin" in imported
    assert not {m for m in imported if m.split(".")[0] in internal}


def test_importing_the_surface_loads_neither_the_daemon_nor_the_api() -> None:
    # a plugin package imported by `enms evaluate` must not drag the collectors or FastAPI in
    code = (
        "import sys, enms.plugin; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('daemon', 'api', 'fastapi')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
