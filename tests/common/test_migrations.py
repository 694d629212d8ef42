import sqlite3

import pytest

from common.errors import MigrationError
from common.store import db
from common.store.migrations import COMMON


def test_fresh_database_gets_every_step(tmp_path):
    c = db.connect(tmp_path / "a.db")
    assert db.migrate(c, COMMON) == [m.name for m in COMMON]
    assert db.migrate(c, COMMON) == []
    assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert c.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.integrity_ok(c)


def test_upgrade_applies_only_new_steps(tmp_path):
    c = db.connect(tmp_path / "a.db")
    db.migrate(c, COMMON[:3])
    c.execute("INSERT INTO meta (key, value) VALUES ('kept', 'yes')")
    assert db.migrate(c, COMMON) == [m.name for m in COMMON[3:]]
    assert c.execute("SELECT value FROM meta WHERE key='kept'").fetchone()[0] == "yes"


def test_failing_step_rolls_back_and_stays_pending(tmp_path):
    c = db.connect(tmp_path / "a.db")
    bad = db.sql_migration("9999_bad", "CREATE TABLE half (x INTEGER);\nINSERT INTO nowhere VALUES (1);")
    with pytest.raises(MigrationError, match="9999_bad"):
        db.migrate(c, COMMON + [bad])
    assert "9999_bad" not in db.applied_migrations(c)
    with pytest.raises(sqlite3.OperationalError):
        c.execute("SELECT * FROM half")
    good = db.sql_migration("9999_bad", "CREATE TABLE half (x INTEGER);")
    assert db.migrate(c, COMMON + [good]) == ["9999_bad"]


def test_foreign_history_refused(tmp_path):
    c = db.connect(tmp_path / "a.db")
    db.migrate(c, [db.sql_migration("other", "CREATE TABLE t (x);")])
    with pytest.raises(MigrationError, match="different version"):
        db.migrate(c, COMMON)


def test_a_step_appended_to_common_runs_after_a_tiers_own_steps(tmp_path):
    c = db.connect(tmp_path / "a.db")
    tier_step = db.sql_migration("village_9999_x", "CREATE TABLE tier_table (x);")
    db.migrate(c, COMMON + [tier_step])
    later_common = db.sql_migration("9998_later", "CREATE TABLE later_common (x);")
    assert db.migrate(c, COMMON + [later_common] + [tier_step]) == ["9998_later"]
    assert db.applied_migrations(c)[-2:] == ["village_9999_x", "9998_later"]
