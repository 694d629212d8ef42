"""The village JSON API: apply, photos, status, receipt, supplement and withdrawal; the clerk's calls."""
import pytest
import requests

from common import accounts
from common.hlc import Clock
from common.node import open_db
from common.store import applications as apps
from common.tiers import load_tier
from tests.helpers import ADMIN_PASSWORD, LiveServer, login, make_node
from tests.village_kiosk.test_apply import GOOD, photo_bytes

ITEM = "MZ-001"  # materials: ID card, household register, bank card (required), proxy letter (optional)


@pytest.fixture
def node(tmp_path):
    cfg = make_node(tmp_path, "village")
    conn = open_db(cfg)
    accounts.add_user(conn, "village", "clerk1", "村代办员甲", ADMIN_PASSWORD, ["village_clerk"])
    with LiveServer(load_tier("village").create_app(cfg)) as srv:
        yield srv.url, cfg, conn
    conn.close()


def upload(url, colour, session=None, headers=None):
    r = (session or requests).post(url + "/api/v1/materials", files={"photo": ("p.jpg", photo_bytes(colour), "image/jpeg")},
                                   headers=headers or {}, timeout=30)
    assert r.status_code == 201, r.text
    return r.json()["sha256"]


def apply(url, session=None, headers=None, **extra):
    shas = [upload(url, (i * 60, 90, 30), session, headers) for i in range(3)]
    body = {"item": ITEM, "applicant": GOOD, "form": {"bank_account": "6222020200112233445"},
            "materials": [{"sha256": s, "material": i} for i, s in enumerate(shas)], **extra}
    return (session or requests).post(url + "/api/v1/applications", json=body, headers=headers or {}, timeout=30)


def test_apply_by_api_gives_a_receipt_and_the_status_follows(node):
    url, cfg, conn = node
    r = apply(url)
    assert r.status_code == 201, r.text
    receipt = r.json()
    code = receipt["tracking_code"]
    # No public status address configured: no QR code to scan with a phone (the kiosk's own address
    # means nothing there); the receipt says to check at the kiosk.
    assert receipt["status_url"] is None and receipt["due_provisional"] is True
    assert receipt["waiting_for_network"] is True and receipt["applicant"]["id_number"] == "110105********002X"
    again = requests.post(url + "/api/v1/status/receipt", json={"code": code, "last4": "002x"}, timeout=10).json()
    assert again["tracking_code"] == code
    status = requests.post(url + "/api/v1/status", json={"code": code, "last4": "4321"}, timeout=10).json()
    assert status["state"] == "submitted" and status["steps"][0]["waiting"] is True


def test_bad_api_calls_get_clear_errors_and_store_nothing(node):
    url, cfg, conn = node
    post = lambda path, **kw: requests.post(url + path, timeout=30, **kw)  # noqa: E731
    r = post("/api/v1/materials", files={"photo": ("x.jpg", b"%PDF-1.4", "image/jpeg")})
    assert r.status_code == 400 and r.json()["error"] == "invalid" and "照片" in r.json()["message"]
    assert post("/api/v1/materials").status_code == 400
    assert post("/api/v1/applications", data="not json").status_code == 400
    r = post("/api/v1/applications", json={"item": ITEM, "applicant": dict(GOOD, id_number="110105194912310021"),
                                           "form": {}, "materials": []})
    assert r.status_code == 400 and {"id_number", "bank_account"} <= set(r.json()["fields"])
    r = post("/api/v1/applications", json={"item": ITEM, "applicant": GOOD, "form": {"bank_account": "6222020200112233445"},
                                           "materials": [{"sha256": "0" * 64, "material": 0}, {"sha256": 5}]})
    assert r.status_code == 400 and {"materials[0]", "materials[1]", "m1", "m2"} <= set(r.json()["fields"])
    assert post("/api/v1/applications", json={"item": "XX-999", "applicant": GOOD}).status_code == 404
    assert post("/api/v1/applications", json={"item": ITEM, "applicant": "钱七"}).status_code == 400
    r = post("/api/v1/applications", json={"item": ITEM, "applicant": dict(GOOD, name="<script>x</script>"),
                                           "form": {"bank_account": "6222020200112233445"}})
    assert r.status_code == 400 and "网页代码" in r.json()["fields"]["name"]
    assert post("/api/v1/status/withdraw", json={"code": "ABCDE-23456"}).status_code == 400
    assert conn.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM sync_outbox").fetchone()[0] == 0


def test_supplement_and_withdrawal_by_api(node):
    url, cfg, conn = node
    code = apply(url).json()["tracking_code"]
    app_id = conn.execute("SELECT id FROM applications WHERE tracking_code = ?", (code,)).fetchone()[0]
    # What the township does (custody comes down with `received`), stored here as the sync link would.
    township = "371399101"
    clock = Clock(township, last=apps.get(conn, app_id)["last_hlc"])
    for kind, payload in (("received", {}), ("supplement_requested", {"missing": ["户口簿首页"], "reason": "缺页"})):
        apps.ingest(conn, {"id": f"t-{kind}", "app_id": app_id, "origin": township, "hlc": clock.now(),
                           "actor": "window1", "type": kind, "payload": payload}, trusted=True)
    r = requests.post(url + "/api/v1/status/supplement", json={"code": code, "last4": "4321", "materials": ["f" * 64]},
                      timeout=10)
    assert r.status_code == 400 and "上传" in r.json()["message"]
    sha = upload(url, (1, 2, 3))
    r = requests.post(url + "/api/v1/status/supplement", json={"code": code, "last4": "4321", "materials": [sha]},
                      timeout=10)
    assert r.status_code == 200 and r.json()["state"] == "received"
    assert r.json()["steps"][-1]["type"] == "supplement_provided"
    r = requests.post(url + "/api/v1/status/supplement", json={"code": code, "last4": "4321", "materials": [sha]},
                      timeout=10)
    assert r.status_code == 409  # no supplement is asked for any more
    r = requests.post(url + "/api/v1/status/withdraw", json={"code": code, "last4": "4321", "reason": "why not"},
                      timeout=10)
    assert r.status_code == 400
    r = requests.post(url + "/api/v1/status/withdraw", json={"code": code, "last4": "4321", "reason": "不想办了"},
                      timeout=10)
    assert r.status_code == 200 and r.json()["withdrawal_requested"] is True
    again = requests.post(url + "/api/v1/status/withdraw", json={"code": code, "last4": "4321", "reason": "不想办了"},
                          timeout=10)
    assert again.status_code == 409


def test_clerk_calls_need_sign_in_and_record_the_proxy(node):
    url, cfg, conn = node
    assert requests.get(url + "/api/v1/applications", timeout=10).status_code == 401
    s = requests.Session()
    login(s, url, "clerk1")
    token = s.get(url + "/api/v1/me", timeout=10).json()["csrf_token"]
    r = s.post(url + "/api/v1/materials", files={"photo": ("p.jpg", photo_bytes(), "image/jpeg")}, timeout=30)
    assert r.status_code == 400 and r.json()["error"] == "csrf"  # signed in: the token is required
    r = apply(url, session=s, headers={"X-CSRF-Token": token})
    assert r.status_code == 201 and r.json()["proxy_by"] == "clerk1"
    listed = s.get(url + "/api/v1/applications", timeout=10).json()["applications"]
    assert len(listed) == 1 and listed[0]["proxy_by"] == "clerk1" and listed[0]["waiting"] == 1
    one = s.get(url + f"/api/v1/applications/{listed[0]['id']}", timeout=10).json()
    assert one["steps"][0]["type"] == "submitted"
    summary = s.get(url + "/api/v1/clerk/summary", timeout=10).json()
    assert summary["submitted_today"] == 1 and summary["waiting_for_network"] == 1
    assert summary["link"]["state"] == "down"
    assert s.get(url + "/api/v1/applications", params={"limit": "x"}, timeout=10).status_code == 400
    in_person = s.post(url + "/api/v1/applications", json={"item": "GA-002", "applicant": GOOD},
                       headers={"X-CSRF-Token": token}, timeout=10)
    assert in_person.status_code == 400 and "本人" in in_person.json()["message"]  # proxy_allowed: false
    spec = requests.get(url + "/api/v1/openapi.json", timeout=10).json()["paths"]
    for path in ("/api/v1/applications", "/api/v1/materials", "/api/v1/status/supplement", "/api/v1/status/withdraw",
                 "/api/v1/status/receipt", "/api/v1/clerk/summary", "/api/v1/applications/{app_id}"):
        assert path in spec, path


def test_a_retried_submission_with_its_idempotency_key_is_one_application(node):
    url, cfg, conn = node
    shas = [upload(url, (i * 60, 90, 30)) for i in range(3)]
    body = {"item": ITEM, "applicant": GOOD, "form": {"bank_account": "6222020200112233445"},
            "materials": [{"sha256": s, "material": i} for i, s in enumerate(shas)]}
    key = {"Idempotency-Key": "0b9d6c1e-retry-me"}
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(4) as pool:  # the first try, and retries racing it (a client that timed out)
        answers = list(pool.map(lambda _: requests.post(url + "/api/v1/applications", json=body, headers=key,
                                                        timeout=30), range(4)))
    assert {r.status_code for r in answers} == {201}
    assert len({r.json()["tracking_code"] for r in answers}) == 1
    assert conn.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == 1
    other = dict(body, form={"bank_account": "6222020200112233446"})
    r = requests.post(url + "/api/v1/applications", json=other, headers=key, timeout=30)
    assert r.status_code == 409 and "Idempotency-Key" in r.json()["message"]
    r = requests.post(url + "/api/v1/applications", json=body, headers={"Idempotency-Key": "bad key\x01"}, timeout=30)
    assert r.status_code == 400
    assert conn.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == 1


def test_the_progress_check_locks_a_code_after_five_wrong_guesses_and_throttles_a_client(node):
    url, cfg, conn = node
    r = apply(url)
    code, right = r.json()["tracking_code"], GOOD["id_number"][-4:]
    look = lambda last4: requests.post(url + "/api/v1/status", json={"code": code, "last4": last4}, timeout=10)
    wrong = [look(f"{n:04d}") for n in range(5)]
    assert {w.status_code for w in wrong} == {404}
    locked = look(right)                                  # the right digits, but the code is locked now
    assert locked.status_code == 404 and locked.json()["message"] == wrong[0].json()["message"]  # same answer
    assert conn.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'status.locked'").fetchone()[0] == 1
    conn.execute("UPDATE lookup_failures SET locked_until = '2000-01-01T00:00:00'")  # fifteen minutes later
    conn.commit()
    assert look(right).status_code == 200
    answers = [look(right).status_code for _ in range(40)]  # one client, past its lookups a minute
    assert answers.count(200) < 40 and answers[-1] == 404


def test_with_a_public_status_address_the_receipt_points_there(tmp_path):
    cfg = make_node(tmp_path, "village", public_url="https://zwfw.example.gov.cn/")
    with LiveServer(load_tier("village").create_app(cfg)) as srv:
        r = apply(srv.url)
        assert r.status_code == 201, r.text
        code = r.json()["tracking_code"]
        assert r.json()["status_url"] == f"https://zwfw.example.gov.cn/kiosk/status/{code}"
