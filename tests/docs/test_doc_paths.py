"""No doc cites a file the repository does not hold, nor a design document that is not there."""
import re
import subprocess

import pytest

from tests.docs.markdown import ROOT

DOCS = ["README.md", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md")),
        *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs" / "guides").glob("*.md"))]
# Files a node makes in its data folder, not the repository's.
NODE_FILES = {"sanji.toml"}
SOURCE = "py|md|sh|html|js|css|yaml|yml|toml|cfg|txt"
# A file name, bare or with folders: `wire.py`, common/store/outbox.py, ../install.md.
FILE = re.compile(rf"(?<![\w/.:@~-])((?:[\w.-]+/)*[\w-]+\.(?:{SOURCE}))(?![\w/.-]*\w)")
URL = re.compile(r"https?://\S+")


def tracked():
    """The repository's files, as git lists them (or every file under it outside a git checkout)."""
    try:
        out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        return out.split()
    except (OSError, subprocess.CalledProcessError):
        return [p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*") if p.is_file() and ".git" not in p.parts]


def _top_folders(files):
    return {f.split("/")[0] for f in files if "/" in f}


def problems(doc, files):
    """The cited paths of DOC that name nothing in FILES."""
    text = URL.sub("", (ROOT / doc).read_text(encoding="utf-8"))
    here = (ROOT / doc).parent
    tops = _top_folders(files)
    folder = re.compile(rf"(?<![\w/.:@~-])((?:{'|'.join(map(re.escape, sorted(tops)))})/(?:[\w.-]+/)*[\w.*-]*)")
    bad = []
    for match in FILE.finditer(text):
        path = match.group(1)
        if path in NODE_FILES:
            continue
        if path.split("/")[0] in tops or path.startswith("../"):
            found = (ROOT / path).exists() or (here / path).exists()
        else:  # a name within its package (`store/outbox.py`, `wire.py`): some file must end so
            found = any(f == path or f.endswith("/" + path) for f in files)
        if not found:
            bad.append(path)
    for match in folder.finditer(text):  # sync/, docs/guides/, docs/screenshots/e2e-*.png
        path = match.group(1).rstrip(".")
        if not ((ROOT / path).exists() or any(ROOT.glob(path))):
            bad.append(path)
    return bad


@pytest.mark.parametrize("doc", DOCS)
def test_every_cited_file_is_in_the_repository(doc):
    assert problems(doc, tracked()) == []


def test_no_text_cites_a_design_document_by_section():
    # No design document of that name was ever in the repository: citing its sections tells a reader nothing.
    name = "DESIGN" + ".md"
    citing = [f for f in tracked() if f.endswith((".md", ".py", ".toml", ".sh", ".cfg"))
              and name in (ROOT / f).read_text(encoding="utf-8", errors="replace")]
    assert citing == []
