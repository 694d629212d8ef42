"""Shared fixtures: real SQLite files in temp dirs, real node data folders."""
import os

# Cheap Argon2 parameters for the many throwaway accounts tests make (inherited by node processes).
os.environ["SANJI_ARGON2_PROFILE"] = "test"
import pytest

from common.store import db
from common.store.migrations import COMMON


@pytest.fixture
def conn(tmp_path):
    """A migrated node database in a temp folder."""
    c = db.connect(tmp_path / "node.db")
    db.migrate(c, COMMON)
    yield c
    c.close()
