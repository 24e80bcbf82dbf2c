"""The walls of the house are import-linter contracts (pyproject.toml, [tool.importlinter]); `make test` runs
`lint-imports`. These tests prove the contracts hold today and that a wrong import breaks them."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def scratch_tree(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "app", tmp_path / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_house_keeps_every_contract():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("app/domain/frequency.py", "import sqlalchemy", "The domain is pure"),
        ("app/domain/frequency.py", "from app.models import Enterprise", "The domain is pure"),
        ("app/models/visit.py", "from app.services.visits import get_visit", "Models import no package above them"),
        ("app/core/deps.py", "from app.services.common import audit", "Core knows no service or router"),
        ("app/routers/visits.py", "from app.models import Visit", "Routers import no models"),
        ("app/services/visits/views.py", "from fastapi import HTTPException", "no HTTP framework"),
        ("app/routers/draws.py", "from app.routers import plans", "No router imports another router"),
        (
            "app/services/findings/findings.py",
            "from app.services.visits.submit import submit_visit",
            "reaches visits only through app.services.visits",
        ),
    ],
)
def test_a_deliberately_wrong_import_breaks_its_contract(scratch_tree: Path, module: str, line: str, broken: str):
    path = scratch_tree / module
    path.write_text(path.read_text() + f"\n{line}  # noqa\n")
    result = _lint(scratch_tree)
    assert result.returncode != 0
    assert broken in result.stdout.split("Broken contracts")[1]
