"""The audit log reads in plain words: every action code written anywhere has a label in Chinese and
in English, an unknown code still reads as words, and the page shows China time with the raw code
kept in the cell's title for an administrator searching."""
import ast
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests

from common import audit_actions
from common.domain.application import EVENT_TYPES
from common.hlc import Clock
from common.i18n import messages
from common.node import open_db
from common.store import applications, audit, catalog
from common.tiers import load_tier
from sync.store import STATUSES
from tests.helpers import CODES, LiveServer, login, make_node
from tests.village_kiosk.test_status import APPLICANT

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u3400-\u9fff]")
# What the f-string codes are filled with: event types, a node key's status, a calendar form's kind.
FILLS = {"application.": EVENT_TYPES, "node.": STATUSES, "calendar.": ("holiday", "workday", "remove")}


def _constants(node):
    """The string constants NODE may evaluate to (a literal, or either side of `a if c else b`)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _constants(node.body) + _constants(node.orelse)
    return None


def _passed(tree, func, name):
    """The string constants passed as parameter NAME of the function FUNC wherever the module calls it."""
    params = [a.arg for a in func.args.args]
    out = []
    for call in ast.walk(tree):
        if isinstance(call, ast.Call) and getattr(call.func, "id", None) == func.name and params.index(name) < len(call.args):
            out += _constants(call.args[params.index(name)]) or []
    return out


def written_codes():
    """Every action code an `audit.record(conn, actor, ACTION, …)` call in the shipped code can write."""
    codes = set()
    for path in ROOT.glob("*/**/*.py"):
        if path.parts[len(ROOT.parts)] in ("tests", "scripts") or ".venv" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        funcs = [f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)]
        for call in ast.walk(tree):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "record"
                    and getattr(call.func.value, "id", None) == "audit"):
                continue
            action = call.args[2]
            found = _constants(action)
            if found is None and isinstance(action, ast.JoinedStr):
                prefix = action.values[0].value
                assert prefix in FILLS, f"{path}:{call.lineno}: say what fills {prefix}… in FILLS"
                found = [prefix + v for v in FILLS[prefix]]
            elif found is None and isinstance(action, ast.Name):
                owner = next(f for f in funcs if f.lineno <= call.lineno <= f.end_lineno)
                found = _passed(tree, owner, action.id)
            assert found, f"{path}:{call.lineno}: cannot tell which code this audit.record writes"
            codes.update(found)
    return codes


def test_every_code_written_has_a_chinese_and_an_english_label():
    codes = written_codes()
    assert {"application.step_passed", "case.viewed", "login.ok", "catalog.item_added", "node.revoked",
            "calendar.remove", "notice.withdraw"} <= codes  # the scan sees literals, f-strings and passed names
    zh, en = messages("zh"), messages("en")
    unlabelled = sorted(c for c in codes if audit_actions.PREFIX + c not in zh or audit_actions.PREFIX + c not in en)
    assert unlabelled == []
    for code in codes:
        assert CJK.search(audit_actions.label(code, "zh")), code
        assert not CJK.search(audit_actions.label(code, "en")) and "_" not in audit_actions.label(code, "en"), code


def test_an_unknown_code_still_reads_as_words():
    assert audit_actions.label("application.teleported", "zh") == "办件：teleported"
    assert audit_actions.label("application.fast_tracked", "en") == "Application: fast tracked"
    assert audit_actions.label("weird_thing.done", "en") == "weird thing done"
    assert audit_actions.label("", "zh") == ""
    assert audit_actions.label(None, "en") == ""


def test_the_audit_page_shows_labels_china_time_and_keeps_the_code(tmp_path):
    cfg = make_node(tmp_path, "township")
    conn = open_db(cfg)
    doc = applications.submit(conn, Clock(CODES["township"]), CODES["township"], "window",
                              catalog.item(conn, "MZ-002"), APPLICANT, {"reason": "突发疾病", "amount": "800"})
    audit.record(conn, "admin", "application.teleported", doc["id"])
    stored = conn.execute("SELECT at FROM audit_log WHERE action = 'application.submitted'").fetchone()["at"]
    conn.close()
    beijing = datetime.fromisoformat(stored).astimezone(timezone(timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")
    with LiveServer(load_tier("township").create_app(cfg)) as srv:
        s = requests.Session()
        login(s, srv.url)
        page = s.get(srv.url + "/admin/audit", timeout=10).text
        assert "时间（北京时间）" in page and f'data-label="时间（北京时间）">{beijing}</td>' in page
        assert stored not in page
        assert re.search(r'title="动作代码：application.submitted"[^>]*>提交申请</td>', page)
        assert re.search(r'title="动作代码：login.ok"[^>]*>登录</td>', page)
        assert ">办件：teleported</td>" in page
        assert ">application.submitted<" not in page and ">login.ok<" not in page
        s.get(srv.url + "/lang/en", timeout=10)
        page = s.get(srv.url + "/admin/audit", timeout=10).text
        assert "Time (China, UTC+8)" in page and ">Application submitted</td>" in page
        assert re.search(r'title="Action code: login.ok"[^>]*>Signed in</td>', page)
