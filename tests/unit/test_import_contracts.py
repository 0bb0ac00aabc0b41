"""`make lint` keeps the layers' arrows pointing down and the store out of the API and the pages: the
import-linter contracts in setup.cfg hold for the code, and fail on a module that breaks them."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent.parent
LINT = Path(sys.executable).parent / "lint-imports"


def _lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--no-logo", "--no-cache", "--config", str(root / "setup.cfg")], cwd=root,
                          capture_output=True, text=True, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
                          timeout=120)


def test_the_code_keeps_its_import_contracts():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(("module", "source", "broken"), [
    ("app/api/leak.py", "from app.store.tables import ProcessInstance\n", "app.api.leak -> app.store.tables"),
    ("app/web/leak.py", "import app.store.queries\n", "app.web.leak -> app.store.queries"),
    ("app/domain/upward.py", "from app.services import case_data\n", "app.domain.upward -> app.services.case_data"),
    ("app/engine/upward.py", "from app.store import tables\n", "app.engine.upward -> app.store.tables"),
    ("app/api/sideways.py", "from app.web import facts\n", "app.api.sideways -> app.web.facts"),
])
def test_an_upward_or_store_reaching_import_breaks_the_lint(tmp_path, module, source, broken):
    shutil.copytree(ROOT / "app", tmp_path / "app", ignore=shutil.ignore_patterns("static", "templates",
                                                                                   "__pycache__"))
    shutil.copy(ROOT / "setup.cfg", tmp_path / "setup.cfg")
    (tmp_path / module).write_text(source)
    result = _lint(tmp_path)
    assert result.returncode == 1 and broken in result.stdout, result.stdout
