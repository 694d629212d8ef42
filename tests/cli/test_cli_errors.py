"""Wrong arguments and bad files get a message that says the fix; nothing changes."""
import sqlite3

import pytest

from tests.cli.test_node_process import sanji


@pytest.fixture
def county(tmp_path):
    data = tmp_path / "c"
    r = sanji("init", "county", "--name", "县", "--code", "371399", "--data", str(data), "--admin-password",
              "admin-pass-2026")
    assert r.returncode == 0, r.stderr
    return data


def test_init_refuses_bad_code_and_existing_folder(tmp_path, county):
    r = sanji("init", "village", "--name", "村", "--code", "123", "--data", str(tmp_path / "v"))
    assert r.returncode == 2 and "12 digits" in r.stderr and "fix" in r.stderr
    r = sanji("init", "county", "--name", "县", "--code", "371399", "--data", str(county))
    assert r.returncode == 2 and "already holds a node" in r.stderr
    r = sanji("init", "city", "--name", "x", "--code", "1", "--data", str(tmp_path / "x"))
    assert r.returncode == 2 and "county" in r.stderr


def test_serve_on_a_folder_without_a_node(tmp_path):
    r = sanji("serve", "--data", str(tmp_path / "empty"))
    assert r.returncode == 2 and "sanji init" in r.stderr


def test_bad_catalog_file_lists_rows_and_changes_nothing(tmp_path, county):
    bad = tmp_path / "bad.yaml"
    bad.write_text("departments: [{code: MZ, name: 民政}]\nitems:\n  - {code: bad, name: '', department: XX}\n",
                   encoding="utf-8")
    r = sanji("catalog", "import", str(bad), "--data", str(county))
    assert r.returncode == 2
    assert "items[0]" in r.stderr and "department 'XX'" in r.stderr and "unchanged" in r.stderr
    assert sanji("catalog", "list", "--data", str(county)).stdout.startswith("目录第 1 版")
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    r = sanji("catalog", "import", str(binary), "--data", str(county))
    assert r.returncode == 2 and "UTF-8" in r.stderr


def test_calendar_commands(county):
    r = sanji("calendar", "add-holiday", "2027-13-01", "--data", str(county))
    assert r.returncode == 2 and "YYYY-MM-DD" in r.stderr
    assert "provisional" in sanji("calendar", "show", "2030", "--data", str(county)).stdout
    assert sanji("calendar", "add-holiday", "2030-10-01", "--name", "国庆节", "--data", str(county)).returncode == 0
    assert sanji("calendar", "add-workday", "2030-09-29", "--name", "调休", "--data", str(county)).returncode == 0
    assert sanji("calendar", "publish", "2030", "--data", str(county)).returncode == 0
    out = sanji("calendar", "show", "2030", "--data", str(county)).stdout
    assert "published" in out and "2030-10-01  休" in out and "2030-09-29  班" in out


def test_users_commands(county):
    env = {"SANJI_NEW_PASSWORD": "clerk-pass-2026"}
    r = sanji("users", "add", "wang", "--role", "county_approver", "--data", str(county), env=env)
    assert r.returncode == 2 and "county_approver:MZ" in r.stderr
    r = sanji("users", "add", "wang", "--role", "village_clerk", "--data", str(county), env=env)
    assert r.returncode == 2 and "does not exist at a county node" in r.stderr
    r = sanji("users", "add", "wang", "--role", "county_approver:MZ", "--name", "王芳", "--data", str(county), env=env)
    assert r.returncode == 0, r.stderr
    assert "county_approver:MZ" in sanji("users", "list", "--data", str(county)).stdout
    assert sanji("users", "disable", "wang", "--data", str(county)).returncode == 0
    assert "disabled" in sanji("users", "list", "--data", str(county)).stdout
    r = sanji("users", "reset-password", "nobody", "--data", str(county), env=env)
    assert r.returncode == 3 and "users list" in r.stderr


def test_audit_verify_names_the_broken_record(county):
    assert sanji("audit", "verify", "--data", str(county)).returncode == 0
    conn = sqlite3.connect(county / "node.db")
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1")
    conn.commit()
    r = sanji("audit", "verify", "--data", str(county))
    assert r.returncode == 7 and "record 1 was changed" in r.stderr


def test_users_added_by_an_admin_get_a_temporary_password(county):
    env = {"SANJI_NEW_PASSWORD": "wang-pass-2026"}
    assert sanji("users", "add", "wang", "--role", "county_approver:MZ", "--data", str(county), env=env).returncode == 0
    assert sanji("users", "add", "li", "--role", "county_reviewer", "--permanent", "--data", str(county),
                 env=env).returncode == 0
    db = sqlite3.connect(county / "node.db")
    flags = dict(db.execute("SELECT username, must_change_password FROM users WHERE username IN ('wang', 'li')"))
    assert flags == {"wang": 1, "li": 0}
    # A password an administrator resets is temporary too, unless said otherwise.
    assert sanji("users", "reset-password", "li", "--data", str(county), env=env).returncode == 0
    assert sanji("users", "reset-password", "wang", "--permanent", "--data", str(county), env=env).returncode == 0
    flags = dict(db.execute("SELECT username, must_change_password FROM users WHERE username IN ('wang', 'li')"))
    assert flags == {"wang": 0, "li": 1}


def test_a_z85_key_may_start_with_a_dash_and_junk_is_refused(county, tmp_path):
    from zmq.utils import z85
    key = next(k for k in (z85.encode(bytes([i]) * 32).decode() for i in range(256)) if k.startswith("-"))
    r = sanji("keys", "trust-parent", key, "--data", str(county))
    assert r.returncode == 0 and "trusting parent key" in r.stdout, r.stderr
    with_h = next(k for k in (z85.encode(bytes([i, j]) * 16).decode() for i in range(256) for j in range(256))
                  if k.startswith("-") and "h" in k)
    r = sanji("keys", "trust-parent", with_h, "--data", str(county))  # "-…h…" is a key, not -h for help
    assert r.returncode == 0 and "trusting parent key" in r.stdout, r.stdout + r.stderr
    for junk in ("x" * 39 + "\u00e9", "#" * 40, str(tmp_path), str(county / "sanji.toml")):
        r = sanji("keys", "trust-parent", junk, "--data", str(county))
        assert r.returncode == 2 and "Traceback" not in r.stderr and ("z85" in r.stderr or "key file" in r.stderr), junk


def test_a_child_key_is_enrolled_once_and_never_the_nodes_own(county, tmp_path):
    child = tmp_path / "t"
    assert sanji("init", "township", "--name", "镇", "--code", "371399101", "--data", str(child),
                 "--admin-password", "admin-pass-2026").returncode == 0
    key = str(child / "keys" / "node.key")
    assert sanji("nodes", "add", "371399101", "--key", key, "--data", str(county)).returncode == 0
    r = sanji("nodes", "add", "371399102", "--key", key, "--data", str(county))
    assert r.returncode == 2 and "already enrolled as 371399101" in r.stderr and "--force" in r.stderr
    assert sanji("nodes", "add", "371399102", "--key", key, "--force", "--data", str(county)).returncode == 0
    r = sanji("nodes", "add", "371399103", "--key", str(county / "keys" / "node.key"), "--data", str(county))
    assert r.returncode == 2 and "own key" in r.stderr


def test_serve_on_an_address_this_machine_lacks_says_so(tmp_path):
    data = tmp_path / "c"
    assert sanji("init", "county", "--name", "县", "--code", "371399", "--data", str(data), "--web-host", "10.254.254.254",
                 "--admin-password", "admin-pass-2026").returncode == 0
    r = sanji("serve", "--data", str(data))
    assert r.returncode == 2 and "cannot listen on 10.254.254.254" in r.stderr and "Traceback" not in r.stderr
