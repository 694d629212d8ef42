"""Static checks of the code itself, run with the suite: pyflakes' bug rules (ruff) on every file and
mypy on the typed packages (both configured in pyproject.toml)."""
import subprocess
import sys
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
