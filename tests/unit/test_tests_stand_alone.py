"""Each test module stands alone: what tests share lives in tests/support/ (and tests/conftest.py), so no
test module imports another test module, another directory's helper, or a conftest by a relative import."""

import ast
from pathlib import Path

TESTS = Path(__file__).parent.parent


def _imported(path: Path, root: Path) -> list[str]:
    """The test-tree modules `path` imports, relative imports resolved against its package."""
    package = path.relative_to(root.parent).with_suffix("").parts[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[:len(package) - node.level + 1]) if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            whole = node.module is None or module == root.name  # `from . import x`, `from tests import x`
            found += [f"{module}.{alias.name}" if whole else module for alias in node.names]
    return [name for name in found if name.split(".")[0] == root.name]


def crossings(root: Path) -> list[str]:
    """Every import, in the test tree under `root`, of a test-tree module outside tests/support/ and
    tests/conftest.py."""
    shared = (f"{root.name}.support", f"{root.name}.conftest")
    return [f"{path.relative_to(root.parent)} imports {name}"
            for path in sorted(root.rglob("*.py")) for name in _imported(path, root)
            if name not in shared and not name.startswith(shared[0] + ".")]


def test_no_test_module_imports_another_or_a_helper_outside_tests_support():
    assert crossings(TESTS) == []


def test_an_import_of_another_test_module_or_a_stray_helper_is_found(tmp_path):
    tree = tmp_path / "tests"
    for package in ("", "e2e", "integration", "support"):
        (tree / package).mkdir(exist_ok=True)
        (tree / package / "__init__.py").write_text("")
    (tree / "conftest.py").write_text("PASSWORD = 'x'\n")
    (tree / "support" / "steps.py").write_text("from tests.conftest import PASSWORD\n")
    (tree / "e2e" / "steps.py").write_text("")
    (tree / "e2e" / "test_a.py").write_text("from tests.support.steps import PASSWORD\n"
                                            "from tests.support import steps\n")
    (tree / "e2e" / "test_b.py").write_text("from tests.e2e.test_a import steps\nfrom . import steps\n")
    (tree / "integration" / "test_c.py").write_text("import tests.e2e.test_a\nfrom ..e2e.steps import x\n"
                                                    "from tests import conftest, e2e\n")
    assert crossings(tree) == [
        "tests/e2e/test_b.py imports tests.e2e.test_a",
        "tests/e2e/test_b.py imports tests.e2e.steps",
        "tests/integration/test_c.py imports tests.e2e.test_a",
        "tests/integration/test_c.py imports tests.e2e.steps",
        "tests/integration/test_c.py imports tests.e2e",
    ]
