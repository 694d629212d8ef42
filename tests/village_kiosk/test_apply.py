"""The apply journey over HTTP against a real waitress server: bad input of every kind, and nothing half-stored."""
import io
import json
import os
import re

import pytest
import requests

from common import idcard
from common.photos import FULL_SIDE, MAX_SIDE
from common.node import open_db
from common.tiers import load_tier
from tests.helpers import LiveServer, csrf_from, make_node
from village_kiosk import drafts, journey

GOOD = {"name": "钱七", "id_number": "11010519440119002X", "phone": "13700004321"}
INJECTIONS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "javascript:alert(document.cookie)"]


def photo_bytes(colour=(200, 120, 40), size=(1200, 900), fmt="JPEG"):
    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    return out.getvalue()


class Visitor:
    """A person at the kiosk: one cookie jar, the CSRF token of the last page."""

    def __init__(self, url):
        self.url, self.s, self.token = url, requests.Session(), ""

    def get(self, path):
        r = self.s.get(self.url + path, timeout=10)
        if 'name="csrf_token"' in r.text:
            self.token = csrf_from(r.text)
        return r

    def post(self, path, data=None, files=None, **kw):
        r = self.s.post(self.url + path, data=dict(data or {}, csrf_token=self.token), files=files, timeout=30, **kw)
        if 'name="csrf_token"' in r.text:
            self.token = csrf_from(r.text)
        return r

    def start(self, code="MZ-001"):
        self.get(f"/kiosk/item/{code}")
        return self.post(f"/kiosk/apply/start/{code}")


@pytest.fixture
def kiosk(tmp_path):
    cfg = make_node(tmp_path, "village")
    with LiveServer(load_tier("village").create_app(cfg)) as srv:
        conn = open_db(cfg)
        yield srv.url, cfg, conn
        conn.close()


def errors_of(html):
    return re.findall(r'class="k-field-error" id="([^"]+)-error">⚠ ([^<]+)<', html)


def stored(conn):
    return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("applications", "events", "sync_outbox", "blobs")}


def draft_of(conn):
    rows = conn.execute("SELECT id FROM kiosk_drafts").fetchall()
    assert len(rows) == 1
    return drafts.get(conn, rows[0][0])


@pytest.mark.parametrize("id_number, says", [
    ("11010519491231002", "18 位"), ("110105194912310021", "校验位"), ("110105194913310029", "出生日期"),
    ("11010519491231002Y", "18 位"), ("abc", "18 位"), ("", "身份证")])
def test_invalid_id_numbers_are_refused_with_a_message_and_nothing_kept(kiosk, id_number, says):
    url, cfg, conn = kiosk
    v = Visitor(url)
    v.start()
    r = v.post("/kiosk/apply/applicant", dict(GOOD, id_number=id_number))
    assert r.status_code == 400 and "<title>错误" in r.text and 'role="alert"' in r.text
    fields = dict(errors_of(r.text))
    assert says in fields["id_number"], fields
    assert draft_of(conn)["applicant"] == {}


def test_missing_required_answers_are_listed_together(kiosk):
    url, cfg, conn = kiosk
    v = Visitor(url)
    v.start("MZ-002")
    r = v.post("/kiosk/apply/applicant", {"name": " ", "id_number": "", "phone": ""})
    assert r.status_code == 400 and set(dict(errors_of(r.text))) == {"name", "id_number", "phone"}
    assert v.post("/kiosk/apply/applicant", GOOD).status_code == 200  # redirected on to the questions
    r = v.post("/kiosk/apply/details", {"detail": "火灾后无处住"})
    assert r.status_code == 400 and set(dict(errors_of(r.text))) == {"reason", "amount"}
    assert "火灾后无处住" in r.text  # what was typed is shown again, not lost
    r = v.post("/kiosk/apply/details", {"reason": "不在列表里", "amount": "9000"})
    assert set(dict(errors_of(r.text))) == {"reason", "amount"}
    assert draft_of(conn)["form"] == {}
    r = v.post("/kiosk/apply/materials")  # nothing photographed
    assert r.status_code == 400 and {"m0", "m2"} <= set(dict(errors_of(r.text)))
    assert "m1" not in dict(errors_of(r.text))  # 户口簿 may come later (容缺)
    assert stored(conn)["applications"] == 0


def test_script_injection_in_every_text_field_is_refused_and_never_echoed_raw(kiosk):
    url, cfg, conn = kiosk
    v = Visitor(url)
    v.start("MZ-002")
    for bad in INJECTIONS:
        r = v.post("/kiosk/apply/applicant", dict(GOOD, name=bad))
        assert r.status_code == 400 and "网页代码" in dict(errors_of(r.text))["name"]
        assert "<script>alert" not in r.text and "<img src=x" not in r.text
    assert v.post("/kiosk/apply/applicant", GOOD).status_code == 200
    for bad in INJECTIONS:
        r = v.post("/kiosk/apply/details", {"reason": "火灾", "amount": "800", "detail": bad})
        assert r.status_code == 400 and "网页代码" in dict(errors_of(r.text))["detail"]
        assert "<script>alert" not in r.text and "<img src=x" not in r.text
    status = v.post("/kiosk/status", {"code": "<script>alert(1)</script>", "last4": "<b>"})
    assert status.status_code == 400 and "<script>alert" not in status.text
    assert draft_of(conn)["form"] == {} and draft_of(conn)["applicant"] == GOOD


def test_a_50_mb_upload_and_a_non_image_posing_as_a_photo_get_clear_messages(kiosk):
    url, cfg, conn = kiosk
    v = Visitor(url)
    v.start()
    v.post("/kiosk/apply/applicant", GOOD)
    v.post("/kiosk/apply/details", {"bank_account": "6222020200112233445"})
    big = b"\xff\xd8\xff" + b"0" * (50 * 1024 * 1024)
    r = v.post("/kiosk/apply/materials/0", files={"photo": ("big.jpg", big, "image/jpeg")},
               headers={"Referer": url + "/kiosk/apply/materials"})
    # Refused before the form is even read (the node's 32 MB request limit), on the kiosk's own error page.
    assert r.status_code == 413 and "太大" in r.text and "<title>错误" in r.text and "返回上一页" in r.text
    r = v.post("/kiosk/apply/materials/0", files={"photo": ("big.jpg", b"\xff\xd8\xff" + b"0" * (21 << 20), "image/jpeg")})
    assert r.status_code == 413 and "太大" in dict(errors_of(r.text))["m0"]  # over the photo limit: on the page
    fakes = [("scan.jpg", b"%PDF-1.7\n1 0 obj << >>\nendobj\n", "image/jpeg"),
             ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "image/png"),
             ("page.jpg", b"<html><script>alert(1)</script></html>", "image/jpeg"),
             ("empty.jpg", b"", "image/jpeg")]
    for name, data, kind in fakes:
        r = v.post("/kiosk/apply/materials/0", files={"photo": (name, data, kind)})
        assert r.status_code == 400, name
        assert "照片" in dict(errors_of(r.text))["m0"], name
    r = v.post("/kiosk/apply/materials/7", files={"photo": ("a.jpg", photo_bytes(), "image/jpeg")})
    assert r.status_code == 400 and "没有这项材料" in r.text
    assert draft_of(conn)["photos"] == []
    assert not any((cfg.data_dir / "drafts").glob("*/*"))
    assert stored(conn) == {"applications": 0, "events": 0, "sync_outbox": 0, "blobs": 0}


def test_photos_are_shrunk_stripped_and_kept_per_material_until_submit(kiosk):
    from PIL import Image
    url, cfg, conn = kiosk
    v = Visitor(url)
    v.start()
    v.post("/kiosk/apply/applicant", GOOD)
    v.post("/kiosk/apply/details", {"bank_account": "6222020200112233445"})
    exif = Image.Exif()
    exif[0x010F], exif[0x010E] = "PhoneMaker", "东岭村 3 组 12 号"  # what a camera writes about itself and where
    raw = io.BytesIO()
    # A page with detail (noise): its full copy is worth keeping beside the review copy
    Image.frombytes("RGB", (400, 300), os.urandom(400 * 300 * 3)).resize((4000, 3000)).save(
        raw, "JPEG", exif=exif.tobytes())
    same = raw.getvalue()
    for index in (0, 1, 2, 2):  # the same photo twice for one material is kept once
        assert v.post(f"/kiosk/apply/materials/{index}", files={"photo": ("p.jpg", same, "image/jpeg")}).ok
    photos = draft_of(conn)["photos"]
    assert [p["material"] for p in photos] == [0, 1, 2]
    kept = Image.open(drafts.folder(cfg.data_dir, draft_of(conn)["id"]) / f"{photos[0]['sha256']}.jpg")
    assert max(kept.size) == MAX_SIDE and kept.format == "JPEG" and not kept.getexif()
    full = Image.open(drafts.folder(cfg.data_dir, draft_of(conn)["id"]) / f"{photos[0]['full']['sha256']}.jpg")
    assert max(full.size) == FULL_SIDE and not full.getexif()
    assert stored(conn)["blobs"] == 0  # nothing leaves the draft before submit
    r = v.post("/kiosk/apply/submit")
    assert r.status_code == 200 and "申请已提交" in r.text
    doc_materials = json.loads(conn.execute("SELECT json_extract(doc, '$.materials') FROM applications").fetchone()[0])
    assert len(doc_materials) == 3 and all(m["full"]["sha256"] == photos[0]["full"]["sha256"] for m in doc_materials)
    assert stored(conn)["blobs"] == 2  # the review copy and the full copy (kept here, sent on request)
    assert conn.execute("SELECT full FROM blobs WHERE sha256 = ?", (photos[0]["sha256"],)).fetchone()[0] \
        == photos[0]["full"]["sha256"]
    assert conn.execute("SELECT COUNT(*) FROM kiosk_drafts").fetchone()[0] == 0
    assert not any((cfg.data_dir / "drafts").glob("*"))


def test_an_ended_draft_and_a_county_only_item_say_what_to_do(kiosk):
    url, cfg, conn = kiosk
    v = Visitor(url)
    r = v.get("/kiosk/apply/applicant")
    assert r.status_code == 404 and "重新选择" in r.text and "<title>错误" in r.text
    county_only = conn.execute("SELECT code FROM catalog_items WHERE doc LIKE '%\"accept_tier\": \"county\"%'"
                               " LIMIT 1").fetchone()[0]
    page = v.get(f"/kiosk/item/{county_only}")
    assert "不能在村里申请" in page.text and "开始申请" not in page.text
    v.get("/kiosk/status")
    r = v.post(f"/kiosk/apply/start/{county_only}")
    assert r.status_code == 400 and "县政务服务中心" in r.text


def test_steps_of_an_item_without_questions_and_the_date_boxes():
    item = {"fields": [], "materials": [{"name": "身份证", "required": True}]}
    assert journey.steps_for(item) == ["applicant", "materials", "check"]
    assert journey.position(item, "materials") == (2, 3)
    dated = {"fields": [{"key": "born", "type": "date"}]}
    assert journey.combine_dates(dated, {"born__year": "2026", "born__month": "3", "born__day": "1"}) == \
        {"born": "2026-03-01"}
    assert journey.combine_dates(dated, {"born__year": "", "born__month": "", "born__day": ""}) == {"born": ""}
    assert idcard.mask_id("11010519440119002X") == "110105********002X"


def test_purge_removes_forgotten_drafts_and_stray_photo_folders(kiosk):
    url, cfg, conn = kiosk
    kept = drafts.create(conn, "MZ-001")
    old = drafts.create(conn, "MZ-001")
    conn.execute("UPDATE kiosk_drafts SET touched_at = '2000-01-01T00:00:00.000+00:00' WHERE id = ?", (old,))
    for d in (kept, old, "crashed-between-commit-and-removal"):
        drafts.folder(cfg.data_dir, d).mkdir(parents=True)
    assert drafts.purge_idle(conn, cfg.data_dir, 120) == 1
    assert [r[0] for r in conn.execute("SELECT id FROM kiosk_drafts")] == [kept]
    assert sorted(p.name for p in (cfg.data_dir / "drafts").iterdir()) == [kept]


def test_the_purge_job_keeps_a_draft_for_as_long_as_the_kiosk_waits_with_data(kiosk):
    from datetime import datetime, timedelta, timezone
    from village_kiosk.tier import purge_drafts
    url, cfg, conn = kiosk
    fetching = drafts.create(conn, "MZ-001")  # its owner went home for the 户口簿 four minutes ago
    four_minutes = (datetime.now(timezone.utc) - timedelta(minutes=4)).isoformat(timespec="milliseconds")
    conn.execute("UPDATE kiosk_drafts SET touched_at = ? WHERE id = ?", (four_minutes, fetching))
    assert cfg["kiosk_idle_reset_with_data_seconds"] > 240 > cfg["kiosk_idle_reset_seconds"]
    purge_drafts(conn, cfg)
    assert fetching in [r[0] for r in conn.execute("SELECT id FROM kiosk_drafts")]


def test_the_id_number_says_no_before_anything_is_photographed(kiosk):
    from datetime import datetime
    from common.clock import CHINA
    # 高龄津贴 is for people of 80 and over (its catalog `eligibility`); this applicant was born in 1984.
    url, cfg, conn = kiosk
    v = Visitor(url)
    v.start("MZ-001")
    r = v.post("/kiosk/apply/applicant", dict(GOOD, id_number="371399198403086144"))
    assert r.status_code == 400
    ((field, says),) = errors_of(r.text)
    from common.domain.submission import age_on
    age = age_on("371399198403086144", datetime.now(CHINA).date())
    assert field == "id_number" and "年满 80 周岁" in says and f"现在 {age} 岁" in says and "/" not in says
    assert "/kiosk/apply/materials" not in r.url and (draft_of(conn)["applicant"] or {}) == {}
    assert v.post("/kiosk/apply/applicant", GOOD).status_code in (200, 302, 303)  # born in 1944: on to the next step


def test_a_touch_keeps_the_draft_from_the_purge(kiosk):
    from datetime import datetime, timedelta, timezone
    from village_kiosk.tier import purge_drafts
    url, cfg, conn = kiosk
    v = Visitor(url)
    v.start("MZ-001")
    v.post("/kiosk/apply/applicant", GOOD)
    (draft_id,) = [r[0] for r in conn.execute("SELECT id FROM kiosk_drafts")]
    long_ago = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat(timespec="milliseconds")
    conn.execute("UPDATE kiosk_drafts SET touched_at = ? WHERE id = ?", (long_ago, draft_id))
    conn.commit()
    assert v.s.post(url + "/kiosk/alive", timeout=10).status_code == 204  # 继续, or a touch (kiosk.js)
    purge_drafts(conn, cfg)
    assert [r[0] for r in conn.execute("SELECT id FROM kiosk_drafts")] == [draft_id]


def test_the_longer_wait_is_for_a_draft_and_never_shorter_than_the_plain_one():
    from village_kiosk.kiosk import idle_reset_seconds
    cfg = {"kiosk_idle_reset_seconds": 90, "kiosk_idle_reset_with_data_seconds": 300}
    assert (idle_reset_seconds(cfg, False), idle_reset_seconds(cfg, True)) == (90, 300)
    upgraded = {"kiosk_idle_reset_seconds": 600, "kiosk_idle_reset_with_data_seconds": 300}  # set before 300 existed
    assert idle_reset_seconds(upgraded, True) == 600
