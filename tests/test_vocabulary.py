"""One vocabulary: each group of states and of roles, the decisions needing a reason, code lengths, the China
time zone and the JSON-body check is defined in one module, and this scan of the source tree keeps copies
from coming back (issue 22, point 1).

Each check reads the source (ast for Python, text for templates) and names the file and line of a copy,
with where the one definition lives. The last tests run the checks on small invented sources, so a
check that can no longer see a copy fails too.
"""
import ast
import functools
import re
from pathlib import Path

from common.domain.application import REASON_REQUIRED
from common.domain.states import STATES
from common.roles import ROLES

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("common", "county_hub", "township_node", "village_kiosk", "sync", "scripts")

# Literal groups of states allowed outside common/domain/states.py, each for its reason.
STATE_LISTS_ALLOWED = {
    # The state machine's transition table: each row is that one decision's precondition, not a group
    # anyone else asks about (rows that are a named group use the name).
    ("common/domain/application.py", "DECISIONS"),
    # The outside approval system's status vocabulary (a wire format, docs/approval-adapter.md), which
    # happens to use our states' names.
    ("county_hub/external.py", "STATUSES"),
}
# Slices of 6 or 9 characters that are not division codes cut to a tier.
CODE_SLICES_ALLOWED = {
    "common/idcard.py",  # an ID number's first six digits shown, the rest masked
}


_parse = functools.lru_cache(maxsize=None)(ast.parse)  # each file once, however many checks read it


def _sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")


def _templates():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.html")):
            yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")


def _assigned_names(tree):
    """{id(node): name of the module-level assignment it sits in} for every node under one."""
    out = {}
    for stmt in tree.body:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target] if isinstance(
            stmt, ast.AnnAssign) else []
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        if names:
            for node in ast.walk(stmt):
                out[id(node)] = names[0]
    return out


def _strings(elts):
    return [e.value for e in elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]


def state_lists(name, text):
    """[(line, values)]: tuple, set or list literals of three or more states and nothing else, and SQL
    `state IN ('…', '…')` lists of two or more (event types share some names: `type IN (…)` is not asked)."""
    tree = _parse(text)
    assigned = _assigned_names(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.Set, ast.List)) and len(node.elts) >= 3:
            values = _strings(node.elts)
            if len(values) == len(node.elts) and set(values) <= set(STATES) \
                    and (name, assigned.get(id(node))) not in STATE_LISTS_ALLOWED:
                found.append((node.lineno, values))
        if isinstance(node, ast.Constant) and isinstance(node.value, str):  # SQL: state IN ('a', 'b', …)
            for m in re.finditer(r"state\s+IN\s*\(\s*'\w+'(?:\s*,\s*'\w+')+\s*\)", node.value, re.I):
                values = re.findall(r"'(\w+)'", m.group(0))
                if len(values) >= 2 and set(values) <= set(STATES):
                    found.append((node.lineno, values))
    return found


def template_state_lists(text):
    """[(line, values)]: Jinja lists or tuples of three or more states and nothing else."""
    found = []
    for m in re.finditer(r"[\[(]\s*'\w+'(?:\s*,\s*'\w+')+\s*[\])]", text):
        values = re.findall(r"'(\w+)'", m.group(0))
        if len(values) >= 3 and set(values) <= set(STATES):
            found.append((text.count("\n", 0, m.start()) + 1, values))
    return found


def role_lists(text):
    """[(line, roles)]: literals (tuples, sets, lists, or a call's arguments such as @roles(…)) naming two
    or more different roles."""
    found = []
    for node in ast.walk(_parse(text)):
        elts = node.elts if isinstance(node, (ast.Tuple, ast.Set, ast.List)) else \
            node.args if isinstance(node, ast.Call) else None
        if elts is not None:
            roles = [v for v in _strings(elts) if v in ROLES]
            if len(set(roles)) >= 2:
                found.append((node.lineno, roles))
    return found


def template_role_lists(text):
    """[(line, roles)]: Jinja lists or tuples naming two or more different roles."""
    found = []
    for m in re.finditer(r"[\[(]\s*'\w+'(?:\s*,\s*'\w+')+\s*[\])]", text):
        roles = [v for v in re.findall(r"'(\w+)'", m.group(0)) if v in ROLES]
        if len(set(roles)) >= 2:
            found.append((text.count("\n", 0, m.start()) + 1, roles))
    return found


def china_zones(text):
    """[(line, what)]: a China time zone made here (UTC+8 offsets, the zone's name)."""
    found = []
    for node in ast.walk(_parse(text)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and (
                "Asia/Shanghai" in node.value or "+08:00" in node.value):
            found.append((node.lineno, node.value))
        if isinstance(node, ast.Call) and any(k.arg == "hours" and isinstance(k.value, ast.Constant)
                                              and k.value.value == 8 for k in node.keywords):
            found.append((node.lineno, "timedelta(hours=8)"))
    return found


def _plain_slice(node):
    """The upper bound N of a `x[:N]` slice with a constant N (None for any other subscript)."""
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice) and node.slice.lower is None \
            and node.slice.step is None and isinstance(node.slice.upper, ast.Constant):
        return node.slice.upper.value
    return None


def hlc_slices(text):
    """[line]: `x[:13]`, an HLC's milliseconds cut out by hand instead of hlc.parse(x).ms."""
    return [node.lineno for node in ast.walk(_parse(text)) if _plain_slice(node) == 13]


def code_slices(text):
    """[line]: `x[:6]` or `x[:9]`, a division code cut to a tier by hand instead of nodes.ancestor_of."""
    return [node.lineno for node in ast.walk(_parse(text)) if _plain_slice(node) in (6, 9)]


def reason_lists(text):
    """[(line, values)]: literals of three or more decisions that need a reason, and nothing else."""
    found = []
    for node in ast.walk(_parse(text)):
        if isinstance(node, (ast.Tuple, ast.Set, ast.List)) and len(node.elts) >= 3:
            values = _strings(node.elts)
            if len(values) == len(node.elts) and set(values) <= REASON_REQUIRED:
                found.append((node.lineno, values))
    return found


def json_object_checks(text):
    """[line]: the "must be a JSON object" refusal written out instead of common.web.json_body.json_object."""
    return [node.lineno for node in ast.walk(_parse(text))
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "须是 JSON 对象" in node.value]


def _report(found, where):
    return "\n".join(f"  {f}" for f in found) + f"\n→ define it in {where} and use that name"


def test_state_groups_only_in_states_module():
    found = [f"{name}:{line}: {values}" for name, text in _sources() if name != "common/domain/states.py"
             for line, values in state_lists(name, text)]
    found += [f"{name}:{line}: {values}" for name, text in _templates() for line, values in template_state_lists(text)]
    assert not found, "groups of states written out:\n" + _report(found, "common/domain/states.py (pass it to a "
                                                                          "template from its view)")


def test_role_groups_only_in_roles_module():
    found = [f"{name}:{line}: {roles}" for name, text in _sources() if name != "common/roles.py"
             for line, roles in role_lists(text)]
    found += [f"{name}:{line}: {roles}" for name, text in _templates() for line, roles in template_role_lists(text)]
    assert not found, "groups of roles written out:\n" + _report(found, "common/roles.py")


def test_china_time_zone_only_in_clock():
    found = [f"{name}:{line}: {what}" for name, text in _sources() if name != "common/clock.py"
             for line, what in china_zones(text)]
    assert not found, "a China time zone made outside common/clock.py:\n" + _report(found, "common/clock.py (CHINA, "
                                                                                             "CHINA_ZONE)")


def test_hlc_read_with_parse():
    found = [f"{name}:{line}" for name, text in _sources() if name != "common/hlc.py" for line in hlc_slices(text)]
    assert not found, "an HLC sliced by hand:\n" + _report(found, "common/hlc.py (hlc.parse(stamp).ms)")


def test_division_codes_cut_only_in_nodes():
    found = [f"{name}:{line}" for name, text in _sources()
             if name not in CODE_SLICES_ALLOWED | {"common/domain/nodes.py"} for line in code_slices(text)]
    assert not found, "a division code cut by hand:\n" + _report(found, "common/domain/nodes.py (ancestor_of, "
                                                                        "parent_of, LENGTH_OF)")


def test_reasons_required_listed_once():
    found = [f"{name}:{line}: {values}" for name, text in _sources() if name != "common/domain/application.py"
             for line, values in reason_lists(text)]
    assert not found, "decisions needing a reason listed again:\n" + _report(found, "common/domain/application.py "
                                                                                   "(REASON_REQUIRED)")


def test_json_object_check_once():
    found = [f"{name}:{line}" for name, text in _sources() if name != "common/web/json_body.py"
             for line in json_object_checks(text)]
    assert not found, "the JSON-object check written out:\n" + _report(found, "common/web/json_body.py (json_object)")


# The checks themselves: each sees the copy it exists to catch, and lets the named uses pass.

def test_checks_see_copies():
    assert state_lists("x.py", 'OPEN = ("received", "accepted", "in_review")\n')
    assert state_lists("x.py", 'q = "SELECT 1 WHERE state IN (\'approved\', \'denied\')"\n')
    assert template_state_lists("{% if s in ['received', 'accepted', 'in_review'] %}")
    assert role_lists('@roles("township_staff", "township_head")\ndef f():\n    pass\n')
    assert role_lists('STAFF = {"supervisor", "admin"}\n')
    assert template_role_lists("{% if r in ['township_staff', 'township_head'] %}")
    assert china_zones('CHINA = timezone(timedelta(hours=8))\n')
    assert china_zones('s = BackgroundScheduler(timezone="Asia/Shanghai")\n')
    assert hlc_slices('ms = int(event["hlc"][:13])\n')
    assert code_slices('township = origin[:9]\n')
    assert reason_lists('NEEDS = {"not_accepted", "denied", "step_returned"}\n')
    assert json_object_checks('raise ValidationError("请求体须是 JSON 对象 / the request body must be a JSON object")\n')


def test_checks_pass_the_named_uses():
    assert not state_lists("x.py", 'from .states import WORKING\nif doc["state"] in WORKING:\n    pass\n')
    assert not state_lists("x.py", 'STEPS = ("submitted", "step_passed", "approved")\n')  # events, not only states
    assert not state_lists("x.py", 'q = "SELECT 1 FROM events WHERE type IN (\'received\', \'forwarded\')"\n')
    assert not state_lists("common/domain/application.py", 'DECISIONS = {"denied": ({"accepted", "in_review", '
                                                           '"returned"}, "denied")}\n')
    assert not role_lists('@roles(*TOWNSHIP_CONSOLE, "publisher")\ndef f():\n    pass\n')
    assert not role_lists('STAFF = [("window", "township_staff"), ("head", "township_head")]\n')
    assert not hlc_slices('short = sha[:12]\n')
