"""The working-day calendar as stored: seeded holiday names in Chinese (issue 20.16)."""


def test_seeded_holidays_are_named_in_chinese_and_old_english_names_are_renamed(tmp_path):
    from common.store import calendar as cal_store
    from common.store.db import transaction
    from common.store.migrations import _calendar_chinese_names
    from common.node import open_db
    from tests.helpers import make_node
    conn = open_db(make_node(tmp_path, "county"))
    assert conn.execute("SELECT name FROM calendar_days WHERE day = '2026-02-17'").fetchone()[0] == "春节"
    with transaction(conn):  # as a node seeded before the names were Chinese
        conn.execute("UPDATE calendar_days SET name = 'Spring Festival' WHERE day = '2026-02-17'")
        conn.execute("INSERT OR REPLACE INTO calendar_days (day, kind, name, source) VALUES ('2026-03-02', 'holiday', 'Spring Festival', 'admin')")
        _calendar_chinese_names(conn)
    assert conn.execute("SELECT name FROM calendar_days WHERE day = '2026-02-17'").fetchone()[0] == "春节"
    assert conn.execute("SELECT name FROM calendar_days WHERE day = '2026-03-02'").fetchone()[0] == "Spring Festival"
    assert cal_store.chinese_name("国庆") == "国庆"
