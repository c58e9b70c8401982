"""The shape of the code: layers along the data flow, deliberate lazy imports, a command line that starts light."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "emoshield"
#: What must not load before a command runs: each costs seconds or hundreds of MB.
HEAVY = ("torch", "pandas", "flwr", "onnxruntime", "playwright", "sklearn", "ray")


def test_imports_follow_the_layers_of_pyproject():
    """No import cycle and no import from a lower layer back up (import-linter's layers contract)."""
    done = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


def _lazy_imports_without_a_reason(source: str) -> list[int]:
    """Lines of imports inside functions whose group (consecutive imports, blank lines between) has no
    comment line above it."""
    lines = source.splitlines()
    missing = []
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            above = node.lineno - 2
            while above >= 0 and (not lines[above].strip() or lines[above].strip().startswith(("from ", "import "))):
                above -= 1
            if not lines[above].strip().startswith("#"):
                missing.append(node.lineno)
    return missing


def test_every_import_inside_a_function_says_why():
    """Imports sit at the top of a module unless a heavy or optional dependency must wait; then a comment says
    which and why."""
    found = {str(path.relative_to(PACKAGE)): lines for path in sorted(PACKAGE.rglob("*.py"))
             if (lines := _lazy_imports_without_a_reason(path.read_text()))}
    assert found == {}


def test_the_checker_finds_an_import_without_a_reason():
    assert _lazy_imports_without_a_reason("def f():\n    import os\n") == [2]
    assert _lazy_imports_without_a_reason("def f():\n    # os: why\n    import os\n\n    import sys\n") == []


@pytest.mark.parametrize("module", ["emoshield.commands", "emoshield.serving.client"])
def test_the_command_line_and_the_device_client_start_without_heavy_libraries(module):
    """The device client (``emoshield send``) needs numpy, httpx and openSMILE, not a learning library: importing
    ``methods.statistics`` once pulled scikit-learn through the package (1.7 s of its start-up)."""
    code = (f"import sys\nimport {module}\n"
            f"print(','.join(m for m in {HEAVY + ('scipy',)!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
