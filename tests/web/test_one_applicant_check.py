"""The applicant and form are checked once, where a submission is stored (`applications.submit`), and
every way in still refuses a bad applicant with nothing kept: the kiosk's draft, the township's
walk-in, the village's JSON API. The applicant here is well formed but too young for 高龄津贴
(MZ-001 is for people of 80 and over), which only the full check finds."""
import base64

import requests

from common.node import open_db
from common.tiers import load_tier
from tests.helpers import LiveServer, make_node
from tests.township_node.test_window_network import Staff, add_staff
from tests.village_kiosk.test_api import ITEM, upload
from tests.village_kiosk.test_apply import GOOD, Visitor, draft_of, photo_bytes, stored
from tests.village_kiosk.test_apply import kiosk  # noqa: F401  (the fixture: a village node served by waitress)
from village_kiosk import drafts

TOO_YOUNG = dict(GOOD, id_number="371399198403086144")  # born in 1984
FORM = {"bank_account": "6222020200112233445"}
NOTHING = {"applications": 0, "events": 0, "sync_outbox": 0, "blobs": 0}


def blob_files(cfg):
    return [p for p in (cfg.data_dir / "blobs").rglob("*") if p.is_file()]


def submissions_audited(conn):
    return conn.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'application.submitted'").fetchone()[0]


def test_the_kiosk_refuses_a_draft_whose_applicant_fails_and_keeps_the_draft(kiosk):
    url, cfg, conn = kiosk
    v = Visitor(url)
    v.start(ITEM)
    v.post("/kiosk/apply/applicant", GOOD)
    v.post("/kiosk/apply/details", FORM)
    for index in range(3):
        assert v.post(f"/kiosk/apply/materials/{index}", files={"photo": ("p.jpg", photo_bytes(), "image/jpeg")}).ok
    draft = draft_of(conn)
    draft["applicant"] = TOO_YOUNG  # as if the step had let it through: the submission is checked again, in full
    drafts.save(conn, draft)
    r = v.post("/kiosk/apply/submit")
    assert r.status_code == 400 and "年满 80 周岁" in r.text
    assert stored(conn) == NOTHING and submissions_audited(conn) == 0
    assert len(draft_of(conn)["photos"]) == 3  # the draft and its photos wait for the fix
    draft = draft_of(conn)
    draft["applicant"] = GOOD
    drafts.save(conn, draft)
    r = v.post("/kiosk/apply/submit")
    assert r.status_code == 200 and "申请已提交" in r.text
    assert stored(conn)["applications"] == 1 and submissions_audited(conn) == 1


def test_the_village_api_refuses_it_and_the_uploads_stay_unclaimed(kiosk):
    url, cfg, conn = kiosk
    shas = [upload(url, (i * 60, 90, 30)) for i in range(3)]
    body = {"item": ITEM, "applicant": TOO_YOUNG, "form": FORM,
            "materials": [{"sha256": s, "material": i} for i, s in enumerate(shas)]}
    r = requests.post(url + "/api/v1/applications", json=body, timeout=30)
    assert r.status_code == 400 and "id_number" in r.json()["fields"]
    assert conn.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == 0 and submissions_audited(conn) == 0
    assert conn.execute("SELECT COUNT(*) FROM sync_outbox").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM blobs WHERE uploader = ''").fetchone()[0] == 0  # none claimed
    r = requests.post(url + "/api/v1/applications", json=dict(body, applicant=GOOD), timeout=30)
    assert r.status_code == 201, r.text


def test_the_township_walk_in_refuses_it_and_keeps_no_scan(tmp_path):
    cfg = make_node(tmp_path, "township")
    add_staff(cfg, "township", [("win1", ["township_staff"])])
    scan = base64.b64encode(photo_bytes()).decode()
    with LiveServer(load_tier("township").create_app(cfg)) as srv:
        win = Staff(srv.url, "win1")
        post = lambda applicant: win.s.post(  # noqa: E731
            srv.url + "/api/v1/window/walk-ins", headers={"X-CSRF-Token": win.token}, timeout=30,
            json={"item": ITEM, "applicant": applicant, "form": FORM, "scans": {str(i): scan for i in range(3)}})
        r = post(TOO_YOUNG)
        assert r.status_code == 400 and "id_number" in r.json()["fields"]
        conn = open_db(cfg)
        try:
            assert stored(conn) == NOTHING and submissions_audited(conn) == 0
            assert blob_files(cfg) == []
            assert post(GOOD).status_code == 201
            assert blob_files(cfg)  # the same scan three times is one blob
            assert stored(conn)["applications"] == 1 and submissions_audited(conn) == 1
        finally:
            conn.close()
