"""Static checks of the code itself, run with the suite: pyflakes' bug rules (ruff) on every file and
mypy on the typed packages (both configured in pyproject.toml), whose public functions must all be annotated."""
import ast
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args):
    done = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)
    return done.returncode, done.stdout + done.stderr


def test_no_undefined_names_or_syntax_errors():
    """An undefined name is a crash waiting for its branch (a rehash on sign-in was one)."""
    code, out = _run("ruff", "check", "--no-cache", ".")
    assert code == 0, out


def test_the_typed_packages_type_check():
    code, out = _run("mypy", "--no-incremental")
    assert code == 0, out


TYPED = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]["files"]


def _unannotated(pkg):
    """PKG's public functions and methods (no leading underscore; __init__'s parameters count) lacking hints."""
    out = []
    for path in sorted((ROOT / pkg).glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                funcs = [node]
            elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                funcs = [n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
            else:
                funcs = []
            for fn in funcs:
                if fn.name.startswith("_") and fn.name != "__init__":
                    continue
                a = fn.args
                params = [p for p in a.posonlyargs + a.args + a.kwonlyargs if p.arg not in ("self", "cls")]
                params += [p for p in (a.vararg, a.kwarg) if p]
                if not all(p.annotation for p in params) or (fn.returns is None and fn.name != "__init__"):
                    out.append(f"{path.relative_to(ROOT)}:{fn.lineno} {fn.name}")
    return out


def test_the_typed_packages_public_functions_say_their_types():
    """mypy checks only the bodies of annotated functions: a public one without hints would slip past it."""
    missing = [m for pkg in TYPED for m in _unannotated(pkg)]
    assert not missing, "annotate these (parameters and return):\n" + "\n".join(missing)
