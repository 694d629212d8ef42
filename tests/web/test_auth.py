from datetime import datetime, timedelta, timezone

import pytest
import requests

from common import accounts
from common.errors import LockedOut
from common.node import open_db
from common.tiers import load_tier
from common.web.sessions import COOKIE
from tests.helpers import ADMIN_PASSWORD, LiveServer, csrf_from, login, make_node


@pytest.fixture
def county(tmp_path):
    return make_node(tmp_path, "county")


def serve(cfg):
    return LiveServer(load_tier(cfg["tier"]).create_app(cfg))


def test_login_sets_safe_cookie_and_rotates_session(county):
    with serve(county) as srv:
        s = requests.Session()
        s.get(srv.url + "/login")
        before = s.cookies.get(COOKIE)
        r = login(s, srv.url)
        assert r.status_code == 200 and "admin" in r.text or "系统管理员" in r.text
        after = s.cookies.get(COOKIE)
        assert before and after and before != after
        raw = r.history[0].headers["Set-Cookie"]
        assert "HttpOnly" in raw and "SameSite=Lax" in raw
        me = s.get(srv.url + "/api/v1/me").json()
        assert me["username"] == "admin" and me["roles"] == [{"role": "admin", "department": ""}]
        # The old (pre-login) token is dead.
        assert requests.get(srv.url + "/api/v1/me", cookies={COOKIE: before}).status_code == 401


def test_logout_revokes_the_session_server_side(county):
    with serve(county) as srv:
        s = requests.Session()
        login(s, srv.url)
        token = s.cookies.get(COOKIE)
        home = s.get(srv.url + "/")
        s.post(srv.url + "/logout", data={"csrf_token": csrf_from(home.text)})
        stolen = requests.get(srv.url + "/api/v1/me", cookies={COOKIE: token})
        assert stolen.status_code == 401


def test_lockout_survives_restart(county):
    app_tier = load_tier("county")
    with LiveServer(app_tier.create_app(county)) as srv:
        s = requests.Session()
        for _ in range(5):
            assert login(s, srv.url, password="wrong-password").status_code == 401
        assert login(s, srv.url).status_code == 423
    # A new process (a new app on the same data folder) still refuses the right password.
    with LiveServer(app_tier.create_app(county)) as srv:
        s = requests.Session()
        r = login(s, srv.url)
        assert r.status_code == 423 and "锁定" in r.text
    conn = open_db(county)
    later = datetime.now(timezone.utc) + timedelta(minutes=5, seconds=1)
    assert accounts.authenticate(conn, "admin", ADMIN_PASSWORD, now=later)["username"] == "admin"
    with pytest.raises(LockedOut):
        for _ in range(6):
            try:
                accounts.authenticate(conn, "admin", "nope-nope-nope", now=later)
            except LockedOut:
                raise
            except Exception:
                pass


def test_csrf_required_on_state_changes(county):
    with serve(county) as srv:
        s = requests.Session()
        page = s.get(srv.url + "/login")
        r = s.post(srv.url + "/login", data={"username": "admin", "password": ADMIN_PASSWORD})
        assert r.status_code == 400 and "刷新" in r.text
        r = s.post(srv.url + "/login", data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": "forged"})
        assert r.status_code == 400
        other = requests.Session()
        other_token = csrf_from(other.get(srv.url + "/login").text)
        r = s.post(srv.url + "/login", data={"username": "admin", "password": ADMIN_PASSWORD,
                                             "csrf_token": other_token})
        assert r.status_code == 400, "a token from another session must not work"
        r = s.post(srv.url + "/login", data={"username": "admin", "password": ADMIN_PASSWORD,
                                             "csrf_token": csrf_from(page.text)})
        assert r.status_code == 200
        home = s.get(srv.url + "/")
        assert s.post(srv.url + "/logout").status_code == 400
        assert s.get(srv.url + "/api/v1/me").status_code == 200
        api_logout = s.post(srv.url + "/logout", headers={"X-CSRF-Token": csrf_from(home.text)})
        assert api_logout.status_code == 200 and s.get(srv.url + "/api/v1/me").status_code == 401


def test_idle_and_absolute_timeouts(tmp_path):
    cfg = make_node(tmp_path, "county", session_idle_minutes=0)
    with serve(cfg) as srv:
        s = requests.Session()
        login(s, srv.url)
        assert s.get(srv.url + "/api/v1/me").status_code == 401  # idle limit 0: ended at once
    cfg2 = make_node(tmp_path / "b", "county", session_absolute_hours=0)
    with serve(cfg2) as srv:
        s = requests.Session()
        login(s, srv.url)
        assert s.get(srv.url + "/api/v1/me").status_code == 401


def test_open_redirect_refused(county):
    with serve(county) as srv:
        s = requests.Session()
        page = s.get(srv.url + "/login?next=//evil.example/")
        r = s.post(srv.url + "/login?next=//evil.example/", allow_redirects=False,
                   data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": csrf_from(page.text)})
        assert r.status_code == 302 and r.headers["Location"] == "/"


def test_failures_and_logins_are_audited(county):
    with serve(county) as srv:
        s = requests.Session()
        login(s, srv.url, password="wrong-password")
        login(s, srv.url)
    conn = open_db(county)
    actions = [r["action"] for r in conn.execute("SELECT action FROM audit_log ORDER BY seq")]
    assert actions[-2:] == ["login.failed", "login.ok"]


def change(s, url, current, new, confirm=None, next_=""):
    token = csrf_from(s.get(url + "/password").text)
    return s.post(url + "/password" + (f"?next={next_}" if next_ else ""),
                  data={"current": current, "new": new, "confirm": new if confirm is None else confirm,
                        "csrf_token": token})


@pytest.mark.parametrize("tier", ["county", "township", "village"])
def test_a_temporary_password_must_be_changed_before_anything_else(tmp_path, tier):
    cfg = make_node(tmp_path, tier)
    conn = open_db(cfg)
    role = {"county": "county_reviewer", "township": "township_staff", "village": "village_clerk"}[tier]
    accounts.add_user(conn, tier, "w1", "窗口", "first-pass-2026", [role])
    with serve(cfg) as srv:
        other = requests.Session()
        assert login(other, srv.url, "w1", "first-pass-2026").status_code == 200
        accounts.reset_password(conn, "w1", "temp-pass-2026", actor="admin", must_change=True)
        assert other.get(srv.url + "/api/v1/me").status_code == 401  # a reset ends every session
        s = requests.Session()
        r = login(s, srv.url, "w1", "temp-pass-2026")
        assert r.url.startswith(srv.url + "/password?next=") and "临时密码" in r.text
        console = "/clerk/" if tier == "village" else "/"  # a village's "/" is the public kiosk
        assert s.get(srv.url + console).url.startswith(srv.url + "/password")
        me = s.get(srv.url + "/api/v1/me").json()
        assert me["must_change_password"] is True
        r = s.get(srv.url + "/api/v1/sync/status")
        assert r.status_code == 403 and r.json()["error"] == "password_change_required" and "/password" in r.json()["fix"]
        bad = change(s, srv.url, "wrong-pass-2026", "short", confirm="other")
        assert bad.status_code == 400 and "<title>错误" in bad.text
        assert 'href="#current"' in bad.text and 'href="#confirm"' in bad.text and 'aria-invalid="true"' in bad.text
        assert change(s, srv.url, "temp-pass-2026", "temp-pass-2026").status_code == 400  # the same one again
        assert change(s, srv.url, "temp-pass-2026", "short").status_code == 400
        ok = change(s, srv.url, "temp-pass-2026", "my-own-pass-2026", next_=console)
        assert ok.status_code == 200 and ok.url == srv.url + console
        assert s.get(srv.url + "/api/v1/me").json()["must_change_password"] is False
        assert "/password" not in login(requests.Session(), srv.url, "w1", "my-own-pass-2026").url
        kinds = [r[0] for r in conn.execute("SELECT action FROM audit_log WHERE target = 'w1' ORDER BY seq")]
        assert kinds[-4:] == ["user.password_reset", "login.ok", "user.password_changed", "login.ok"]
    conn.close()


def test_changing_ones_own_password_ends_the_other_sessions(county):
    with serve(county) as srv:
        laptop, phone = requests.Session(), requests.Session()
        login(laptop, srv.url)
        login(phone, srv.url)
        r = change(laptop, srv.url, ADMIN_PASSWORD, "a-new-admin-pass-2026")
        assert r.status_code == 200 and "密码已修改" in r.text
        assert laptop.get(srv.url + "/api/v1/me").status_code == 200
        assert phone.get(srv.url + "/api/v1/me").status_code == 401


def test_a_stranger_locks_at_most_one_account_per_address_and_long_usernames_are_cut(county):
    conn = open_db(county)
    for name in ("clerk_a", "clerk_b"):
        accounts.add_user(conn, "county", name, name, ADMIN_PASSWORD, ["supervisor"])
    with LiveServer(load_tier("county").create_app(county)) as srv:
        s = requests.Session()
        for _ in range(5):
            assert login(s, srv.url, username="clerk_a", password="guess-guess").status_code == 401
        r = login(s, srv.url, username="clerk_b", password="guess-guess")
        assert r.status_code == 423                          # the address is refused now
        assert login(s, srv.url, username="x" * 100_000, password="p").status_code == 423
    later = datetime.now(timezone.utc)
    assert accounts.authenticate(conn, "clerk_b", ADMIN_PASSWORD, now=later)["username"] == "clerk_b"  # not locked
    longest = conn.execute("SELECT MAX(length(actor)), MAX(length(target)) FROM audit_log").fetchone()
    assert max(longest) <= accounts.MAX_USERNAME
    conn.close()


def test_a_password_hashed_with_older_parameters_signs_in_and_is_rehashed(county):
    """argon2's parameters change between versions (or a node restored from another profile): the
    password still works, and its hash is made again with today's parameters."""
    from argon2 import PasswordHasher
    conn = open_db(county)
    old = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1).hash(ADMIN_PASSWORD)
    conn.execute("UPDATE users SET password_hash = ? WHERE username = 'admin'", (old,))
    conn.commit()
    assert accounts.authenticate(conn, "admin", ADMIN_PASSWORD)["username"] == "admin"
    new = conn.execute("SELECT password_hash FROM users WHERE username = 'admin'").fetchone()[0]
    assert new != old and accounts._hasher().verify(new, ADMIN_PASSWORD)
    conn.close()
