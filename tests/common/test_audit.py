"""The audit chain after years of records (common/store/audit.py): the page checks what is new, the job walks all."""
import pytest

from common.store import audit


def fill(conn, n, start=0):
    for i in range(start, start + n):
        audit.record(conn, "admin", "test.action", f"t{i % 7}", {"n": i})


def tamper(conn, sql, *args):
    # An attacker with file access drops the triggers first; the chain still tells.
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    conn.execute(sql, args)


def test_the_page_check_walks_only_what_was_added_since_the_last_one(conn):
    fill(conn, 250)
    first = audit.check(conn, budget=100)
    assert first == {"ok": True, "checked": 100, "total": 250, "problem": None, "full_at": None}
    assert audit.check(conn, budget=100)["checked"] == 200
    assert audit.check(conn, budget=100)["checked"] == 250
    fill(conn, 5, start=250)
    assert audit.check(conn, budget=100) == {"ok": True, "checked": 255, "total": 255, "problem": None, "full_at": None}


def test_a_change_after_the_check_is_caught_at_the_anchor_or_in_what_is_new(conn):
    fill(conn, 30)
    assert audit.check(conn)["checked"] == 30
    fill(conn, 10, start=30)
    tamper(conn, "UPDATE audit_log SET actor = 'x' WHERE seq = 35")
    bad = audit.check(conn)
    assert not bad["ok"] and bad["problem"] == "record 35 was changed after it was written" and bad["checked"] == 34
    # Once found, a problem stays on the page until a full verification finds the chain whole again.
    assert audit.check(conn)["problem"] == bad["problem"]


def test_the_record_checked_last_must_keep_its_hash(conn):
    fill(conn, 20)
    audit.check(conn)
    tamper(conn, "UPDATE audit_log SET hash = ? WHERE seq = 20", "f" * 64)
    bad = audit.check(conn)
    assert not bad["ok"] and bad["problem"].startswith("record 20 was changed or removed after it was checked")
    tamper(conn, "DELETE FROM audit_log WHERE seq = 20")
    assert not audit.check(conn)["ok"]


def test_the_background_walk_covers_the_whole_chain_in_slices_and_finds_an_old_edit(conn):
    fill(conn, 50)
    assert audit.check(conn)["ok"]
    tamper(conn, "UPDATE audit_log SET detail = '{\"n\": 99}' WHERE seq = 3")
    assert audit.check(conn)["ok"]  # the page only looks at what is new: an old edit is the walk's to find
    assert audit.verify_job(conn, None, budget=2) == 2
    assert audit.verify_job(conn, None, budget=2) == 0  # stopped at the broken record
    page = audit.check(conn)
    assert not page["ok"] and page["problem"] == "record 3 was changed after it was written"


def test_the_walk_sets_the_time_of_the_last_full_check_and_rests_for_a_day(conn):
    fill(conn, 25)
    walked = [audit.verify_job(conn, None, budget=10) for _ in range(4)]
    assert walked == [10, 10, 5, 0]  # three slices, then nothing until a day has passed
    page = audit.check(conn)
    assert page["ok"] and page["full_at"] and page["checked"] == 25


def test_sanji_audit_verify_clears_a_problem_the_chain_no_longer_has(conn):
    fill(conn, 5)
    snapshot = [dict(r) for r in conn.execute("SELECT * FROM audit_log ORDER BY seq")]
    tamper(conn, "UPDATE audit_log SET actor = 'x' WHERE seq = 2")
    assert audit.verify(conn) == (False, 2, "record 2 was changed after it was written")
    assert not audit.check(conn)["ok"]
    conn.execute("DELETE FROM audit_log")
    for r in snapshot:
        conn.execute("INSERT INTO audit_log VALUES (:seq, :at, :actor, :action, :target, :detail, :ip,"
                     " :prev_hash, :hash)", r)
    assert audit.verify(conn) == (True, 5, None)
    assert audit.check(conn)["ok"]


@pytest.mark.parametrize("who", [{"target": "t3"}, {"actor": "admin"}, {}])
def test_recent_pages_through_one_targets_records_newest_first(conn, who):
    fill(conn, 70)
    seen, before = [], None
    while rows := audit.recent(conn, 4, before=before, **who):
        seen += [r["seq"] for r in rows]
        before = rows[-1]["seq"]
    expected = [s for s in range(70, 0, -1) if "target" not in who or (s - 1) % 7 == 3]
    assert seen == expected


def test_what_the_background_walk_checked_the_page_need_not_walk_again(conn):
    fill(conn, 30)
    assert audit.check(conn, budget=5)["checked"] == 5
    audit.verify_job(conn, None, budget=20)
    assert audit.check(conn, budget=1)["checked"] == 21  # 20 walked in the background, then one more


def test_a_cut_tail_grown_again_is_still_reported_after_the_background_walk(conn):
    fill(conn, 30)
    audit.check(conn)  # the page checked all 30
    tamper(conn, "DELETE FROM audit_log WHERE seq > 25")
    fill(conn, 10, start=100)  # the node goes on: records 26.. are written again and chain onto 25
    audit.verify_job(conn, None)
    page = audit.check(conn)
    assert not page["ok"] and page["problem"].startswith("record 30 was changed or removed after it was checked")
    assert audit.verify_job(conn, None) == 0  # the walk rests while the problem stands


def test_the_walks_own_place_must_keep_its_hash(conn):
    fill(conn, 30)
    assert audit.verify_job(conn, None, budget=20) == 20
    tamper(conn, "DELETE FROM audit_log WHERE seq > 15")  # behind the walk's place, and nothing after
    assert audit.verify_job(conn, None, budget=20) == 0
    page = audit.check(conn)
    assert not page["ok"] and page["problem"].startswith("record 20 was changed or removed after it was walked")
