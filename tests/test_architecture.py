"""The layer contracts (pyproject.toml ``[tool.importlinter]``) hold, and would catch a breach.

``scripts/test.sh`` runs the same check as these tests; the breach tests copy the packages to
a temporary folder, add one forbidden import, and show the check fails naming it -- so a
contract that silently stopped checking anything would fail here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("baselines", "core", "energy", "plugins", "daemon", "api", "simulation", "enms")
#: exactly what scripts/test.sh runs
CHECK = 'from importlinter.cli import lint_imports_command as lint; lint.main(["--no-cache"])'


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CHECK],
        cwd=root,
        # the copies in root come before the installed (editable) packages
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_scripts_test_sh_runs_the_contract_check() -> None:
    assert CHECK in (REPO / "scripts" / "test.sh").read_text()


def test_the_packages_keep_their_contracts() -> None:
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(
            REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    return tmp_path


def add_import(module: Path, line: str) -> None:
    module.write_text(module.read_text() + f"\n{line}  # noqa\n")


def test_the_copy_passes_before_anything_is_added(copy: Path) -> None:
    assert lint_imports(copy).returncode == 0


@pytest.mark.parametrize(
    ("module", "line", "reported"),
    [
        # the core reaching up into the energy layer
        ("core/units.py", "import energy.register", "core is not allowed to import energy"),
        # a plugin importing a collector instead of asking its context
        ("plugins/findings.py", "import daemon.mqtt.routing", "plugins is not allowed to import"),
        # the runtime and the API are siblings: neither imports the other
        ("api/tables.py", "import daemon.writer", "api is not allowed to import daemon"),
        # the command line is the top: nothing below imports it
        ("daemon/writer.py", "import enms.cli.main", "daemon is not allowed to import enms"),
        # pure baselines: no configuration, framework or I/O
        ("baselines/stats.py", "import pydantic", "baselines is not allowed to import pydantic"),
        ("daemon/mqtt/routing.py", "import daemon.modbus.poller", "daemon.mqtt is not allowed"),
    ],
)
def test_a_forbidden_import_fails_the_check(
    copy: Path, module: str, line: str, reported: str
) -> None:
    add_import(copy / module, line)
    result = lint_imports(copy)
    assert result.returncode != 0
    assert reported in result.stdout, result.stdout
    assert "BROKEN" in result.stdout
