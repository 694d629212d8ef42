"""Reading the docs the way the tests compare them: sections, tables and the quantities in them."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROTOCOL = ROOT / "docs" / "protocol.md"

_UNITS = {
    "": 1, "bytes": 1, "characters": 1, "KiB": 1024, "MiB": 1024 ** 2,
    "ms": 0.001, "s": 1, "minutes": 60, "hours": 3600,
}


def read(path):
    """The text of PATH (relative to the repository)."""
    return (ROOT / path).read_text(encoding="utf-8")


def section(text, heading):
    """The body of the section whose heading line starts with HEADING, up to the next heading as high."""
    match = re.search(rf"^(#+) {re.escape(heading)}.*$", text, re.M)
    assert match, f"no section {heading!r}"
    level = len(match.group(1))
    rest = text[match.end():]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.M)
    return rest[:end.start()] if end else rest


def _cells(line):
    # Split a table row on the pipes outside code spans (a cell may show `a|b`).
    cells, current, in_code = [], "", False
    for ch in line.strip().strip("|"):
        if ch == "`":
            in_code = not in_code
        if ch == "|" and not in_code:
            cells.append(current.strip())
            current = ""
        else:
            current += ch
    return cells + [current.strip()]


def table(text, *headers):
    """The rows (dicts by header) of the first table in TEXT whose header row starts with HEADERS."""
    lines = text.splitlines()
    first_header = headers[0]
    for i, line in enumerate(lines):
        if line.startswith("|") and tuple(_cells(line)[:len(headers)]) == headers:
            headers = _cells(line)
            rows = []
            for row in lines[i + 2:]:
                if not row.startswith("|"):
                    break
                cells = _cells(row)
                assert len(cells) == len(headers), f"a row of the {first_header!r} table has {len(cells)} cells: {row}"
                rows.append(dict(zip(headers, cells)))
            return rows
    raise AssertionError(f"no table headed {headers!r}")


def code(cell):
    """The text of the first code span in CELL."""
    match = re.search(r"`([^`]+)`", cell)
    assert match, f"no `name` in {cell!r}"
    return match.group(1)


def quantity(text):
    """The number TEXT states, in bytes, seconds or a plain count: '8 MiB', '2^53 − 1', '10 000', '1.5 s'."""
    text = text.strip().replace("\u2212", "-").replace(",", "")
    match = re.fullmatch(r"(\d+)\^(\d+)(?:\s*-\s*(\d+))?", text)
    if match:
        base, power, minus = match.groups()
        return int(base) ** int(power) - int(minus or 0)
    match = re.fullmatch(r"([\d .]*\d)\s*([A-Za-z]*)", text)
    assert match and match.group(2) in _UNITS, f"not a quantity: {text!r}"
    number = float(match.group(1).replace(" ", ""))
    value = number * _UNITS[match.group(2)]
    return int(value) if value == int(value) and match.group(2) not in ("ms", "s", "minutes", "hours") else value


def in_code_units(name, value):
    """VALUE of constant NAME in the doc's units: a name ending in _MS counts milliseconds."""
    return value / 1000 if name.endswith("_MS") else value
