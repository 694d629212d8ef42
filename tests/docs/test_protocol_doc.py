"""docs/protocol.md against the code that speaks it: frames, error codes, limits and the example."""
import ast
import importlib
import json
import re

import msgpack
import pytest

from sync import limits, wire
from tests.docs.markdown import PROTOCOL, ROOT, code, in_code_units, quantity, section, table

TYPES = {"int": int, "str": str, "bin": bytes, "map": dict, "array": list, "float": (int, float)}


@pytest.fixture(scope="module")
def doc():
    return PROTOCOL.read_text(encoding="utf-8")


def test_the_frame_types_are_the_decoders(doc):
    frames = section(doc, "2. Frames")
    kinds = {code(row["`t`"]) for row in table(frames, "`t`", "direction")}
    assert kinds == set(wire.SCHEMAS), "the frame types of § 2 differ from wire.SCHEMAS"
    common = {code(row["field"]): row for row in table(frames, "field")}
    assert set(common) == {"v", "t"} and code(common["v"]["meaning"]) == str(wire.PROTOCOL_VERSION)


def _documented_fields(doc):
    rows = table(section(doc, "2. Frames"), "`t`", "field")
    assert rows, "no field table in § 2"
    fields = {}
    for row in rows:
        key = (code(row["`t`"]), code(row["field"]))
        assert key not in fields, f"{key} is documented twice"
        assert row["req."] in ("yes", "no"), f"{key}: req. is yes or no"
        fields[key] = row
    return fields


def _bound(kind, row):
    # A field's bound as wire.py writes it: the largest int, the (low, high) of a float, else a length.
    text = row["bound"]
    if kind == "float":
        low, high = (quantity(part) for part in text.split("…"))
        return (float(low), float(high))
    if kind == "int":
        low, high = (quantity(part) for part in text.split("…"))
        assert low == 0, f"an int's bound starts at 0 (a larger minimum goes in the meaning): {text}"
        return high
    assert text.startswith("≤"), f"a {kind} bound is '≤ N': {text}"
    return quantity(text[1:])


def test_the_field_table_equals_the_wire_schemas(doc):
    documented = _documented_fields(doc)
    code_fields = {(kind, field): (True, spec) for kind, schema in wire.SCHEMAS.items() for field, spec in schema.items()}
    code_fields.update({(kind, field): (False, spec) for kind, schema in wire.OPTIONAL.items()
                        for field, spec in schema.items()})
    assert set(documented) - set(code_fields) == set(), "documented in § 2 but not in wire.SCHEMAS/OPTIONAL"
    assert set(code_fields) - set(documented) == set(), "in wire.SCHEMAS/OPTIONAL but not documented in § 2"
    for key, (required, (typ, bound)) in sorted(code_fields.items()):
        row = documented[key]
        assert (row["req."] == "yes") == required, f"{key}: required is {required} in wire.py"
        assert TYPES.get(row["type"]) == typ, f"{key}: the type is {typ} in wire.py, the doc says {row['type']}"
        assert _bound(row["type"], row) == bound, f"{key}: the bound is {bound} in wire.py, the doc says {row['bound']}"


# ---- error codes ---------------------------------------------------------------------------------

def _values(expr):
    # The strings EXPR can be: a literal, or either branch of `"a" if x else "b"` (never its test).
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return {expr.value}
    if isinstance(expr, ast.IfExp):
        return _values(expr.body) | _values(expr.orelse)
    return set()


def _strings_assigned(function, name):
    # The strings NAME may hold in FUNCTION, from its assignments there.
    found = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            found |= _values(node.value)
    return found


def _error_arg(call):
    # The code argument of wire.error(code, …), FrameError(code, …) or encode("error", code=…)
    # (wire.py calls its own error() bare; log.error is not one).
    func = call.func
    if isinstance(func, ast.Attribute):
        name = func.attr if isinstance(func.value, ast.Name) and func.value.id == "wire" else ""
    else:
        name = getattr(func, "id", "")
    if name in ("error", "FrameError") and call.args:
        return call.args[0]
    if name == "encode" and call.args and isinstance(call.args[0], ast.Constant) and call.args[0].value == "error":
        return next((k.value for k in call.keywords if k.arg == "code"), None)
    return None


def codes_sent():
    """Every error code the product's sync code can put on the wire, read from its source."""
    sent = set()
    for path in sorted((ROOT / "sync").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for function in functions:
            for call in (n for n in ast.walk(function) if isinstance(n, ast.Call)):
                arg = _error_arg(call)
                if arg is None or (isinstance(arg, ast.Name) and function.name == "error" and arg.id == "code"):
                    continue  # not an error, or wire.error's own body
                if isinstance(arg, ast.Constant):
                    sent.add(arg.value)
                elif isinstance(arg, ast.Attribute) and arg.attr == "code":
                    continue  # a FrameError's code passed on: counted where it is raised
                elif isinstance(arg, ast.Name) and _strings_assigned(function, arg.id):
                    sent |= _strings_assigned(function, arg.id)
                else:
                    raise AssertionError(f"{path.name}:{call.lineno}: cannot tell which error code is sent; "
                                         "name it with a string literal or a local variable assigned one")
    return sent


def test_every_error_code_listed_is_sent_and_every_code_sent_is_listed(doc):
    listed = {code(row["code"]) for row in table(section(doc, "Error codes"), "code")}
    sent = codes_sent()
    assert listed - sent == set(), "listed in docs/protocol.md but never sent"
    assert sent - listed == set(), "sent but not listed in docs/protocol.md"
    assert set(wire.ERROR_CODES) == listed, "wire.ERROR_CODES differs from the doc's list"


# ---- limits ----------------------------------------------------------------------------------------

def _resolve(name):
    # `X` and `Limits.x` are sync/limits.py's; a dotted module path names its own module.
    if name.startswith("Limits."):
        return getattr(limits.Limits, name.split(".", 1)[1])
    if "." in name:
        module, attr = name.rsplit(".", 1)
        return getattr(importlib.import_module(module), attr)
    return getattr(limits, name)


def _limit_rows(doc):
    return table(section(doc, "13. Implementation limits"), "limit")


def test_every_limit_in_the_doc_equals_the_code(doc):
    wrong = []
    for row in _limit_rows(doc):
        name = code(row["name"])
        value = in_code_units(name, _resolve(name))
        if quantity(row["value"]) != value:
            wrong.append(f"{row['limit']}: the doc says {row['value']}, {name} is {value}")
    assert not wrong, "\n".join(wrong)


def _defined_in_limits():
    tree = ast.parse((ROOT / "sync" / "limits.py").read_text(encoding="utf-8"))
    names = {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Limits")
    names |= {"Limits." + t.id for n in cls.body if isinstance(n, ast.Assign) for t in n.targets}
    return names


def test_every_limit_in_the_code_is_in_the_doc(doc):
    documented = {code(row["name"]) for row in _limit_rows(doc)}
    assert _defined_in_limits() - documented == set(), "in sync/limits.py but not in § 13 of docs/protocol.md"


# The prose states some limits again where they matter; each sentence must still say the code's number.
PROSE = [
    (r"`MAXMSGSIZE` (\d+ MiB) \+ (\d+ KiB)", ("MAX_FRAME", "FRAME_SLACK")),
    (r"TCP keepalive \(idle (\d+ s),\s+interval (\d+ s), (\d+) probes\)", ("KEEPALIVE_IDLE", "KEEPALIVE_INTVL", "KEEPALIVE_CNT")),
    (r"`HANDSHAKE_IVL` (\d+ s)", ("HANDSHAKE_S",)),
    (r"`RECONNECT_IVL` (\d+ s), `RECONNECT_IVL_MAX` (\d+ s)", ("RECONNECT_S", "RECONNECT_MAX_S")),
    (r"a link that has ([\d,]+) quarantined messages", ("MAX_QUARANTINED",)),
    (r"pruned to the ([\d,]+) most recent;", ("MAX_REFUSAL_ROWS",)),
    (r"pruned to the (\d+) most recently seen", ("MAX_PENDING",)),
    (r"(\d+) rows of slack", ("PRUNE_SLACK",)),
    (r"batches of at most (\d+) entries", ("MAX_ENTRIES",)),
    (r"the reference sends at\s+most (\d+)", ("Limits.batch_count",)),
    (r"entries \(the reference.*?\) and (\d+ MiB) of bodies", ("Limits.batch_bytes",)),
    (r"at most (\d+) unacknowledged\s+messages", ("Limits.window",)),
    (r"at most (\d+) unacknowledged batch frames", ("Limits.batches_in_flight",)),
    (r"If (\d+ s) pass\s+with messages in flight", ("Limits.retry_after",)),
    (r"at most ([\d ]+) events and (\d+ MiB) of bodies per link", ("MAX_HELD", "MAX_HELD_BYTES")),
    (r"at most (\d+) blobs outstanding per link", ("Limits.blob_requests",)),
    (r"`blob_missing` \(ask again after (\d+ s)\)", ("Limits.blob_retry",)),
    (r"for `hb` seconds \((\d+ s) by default\)", ("HEARTBEAT",)),
    (r"\(its own choice, (\d+ s), whatever was offered\)", ("Limits.hb_idle",)),
    (r"after (\d+ s) with no frame but pings", ("Limits.idle_after",)),
    (r"down after (\d+) missed beats", ("MISSED_BEATS",)),
    (r"at most (\d+ s)\)\. Frames are sized", ("CHUNKS_AHEAD_MAX",)),
    (r"A child waits (\d+ s) for `welcome`", ("HELLO_TIMEOUT",)),
    (r"\(up to (\d+ s); back to (\d+ s) after a welcome\)", ("HELLO_TIMEOUT_MAX", "HELLO_TIMEOUT")),
    (r"`uniform\(0, min\((\d+ s), ([\d.]+ s) × 2\^attempt\)\)`", ("BACKOFF_CAP", "BACKOFF_BASE")),
]


@pytest.mark.parametrize("pattern, names", PROSE, ids=[names[0] for _, names in PROSE])
def test_the_prose_states_the_codes_limits(doc, pattern, names):
    found = re.findall(pattern, doc, re.S)
    assert len(found) == 1, f"the sentence /{pattern}/ is in docs/protocol.md {len(found)} times (once expected)"
    stated = found[0] if isinstance(found[0], tuple) else (found[0],)
    for text, name in zip(stated, names):
        assert quantity(text) == in_code_units(name, _resolve(name)), f"the prose says {text}, {name} is {_resolve(name)}"


# ---- the example exchange -------------------------------------------------------------------------

def _frames_of_example(doc):
    example = section(doc, "14. An example exchange")
    frames = re.findall(r"^(child|parent) → (child|parent), (\w+) \((\d+) bytes\)\n(\{.*\})$", example, re.M)
    assert len(frames) >= 4, "the example shows hello, welcome, a batch and an ack"
    return frames


def _bins(value):
    # "<bin N bytes>" stands for N bytes of binary: the decoder checks its type and length.
    if isinstance(value, str):
        match = re.fullmatch(r"<bin (\d+) bytes>", value)
        return bytes(int(match.group(1))) if match else value
    if isinstance(value, dict):
        return {k: _bins(v) for k, v in value.items()}
    return [_bins(v) for v in value] if isinstance(value, list) else value


def test_every_frame_of_the_example_decodes(doc):
    directions = {code(row["`t`"]): row["direction"] for row in table(section(doc, "2. Frames"), "`t`", "direction")}
    kinds = []
    for sender, receiver, kind, size, text in _frames_of_example(doc):
        fields = _bins(json.loads(text))
        frame = msgpack.packb(fields, use_bin_type=True)
        msg = wire.decode(frame)  # FrameError: the example breaks the field table
        assert msg["t"] == kind, f"a frame shown as {kind} is a {msg['t']}"
        assert directions[kind] in ("both", f"{sender} → {receiver}"), f"{kind} does not go {sender} → {receiver}"
        assert len(frame) == int(size), f"{kind} is {len(frame)} bytes on the wire, the example says {size}"
        kinds.append(kind)
    assert kinds[:2] == ["hello", "welcome"] and "batch" in kinds and kinds[-1] == "ack"
