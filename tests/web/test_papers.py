"""The papers a case hands its applicant (common/papers.py): real PDFs from a real township node, read back."""
import io

import pytest
import requests

from common.domain import documents
from common.hlc import Clock
from common.node import open_db
from common.store import applications as apps
from common.tiers import load_tier
from tests.browser import staffed_node
from tests.helpers import LiveServer, login

pdfminer = pytest.importorskip("pdfminer.high_level")  # a test dependency (setup.py): never skipped in CI


def text_of(pdf):
    """The text a person reads on PDF (pdfminer, independent of how it was made), without line breaks."""
    return "".join(pdfminer.extract_text(io.BytesIO(pdf)).split())


@pytest.fixture()
def township(tmp_path):
    def received(conn, cfg, doc):
        apps.append(conn, Clock(cfg["code"], last=doc["last_hlc"]), cfg["code"], doc["id"], "received", "system")
    cfg, doc = staffed_node(tmp_path, "township", [("win1", "township_staff"), ("pub1", "publisher")],
                            "MZ-001", {"bank_account": "6222020200112233445"}, received)
    with LiveServer(load_tier("township").create_app(cfg)) as srv:
        s = requests.Session()
        login(s, srv.url, "win1")
        s.token = s.get(srv.url + "/api/v1/me", timeout=10).json()["csrf_token"]
        yield cfg, doc, srv.url, s


def act(s, url, app_id, action, **form):
    r = s.post(url + f"/api/v1/cases/{app_id}/actions", json=dict(form, action=action),
               headers={"X-CSRF-Token": s.token}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["application"]


def papers(cfg, app_id):
    conn = open_db(cfg)
    try:
        return documents.papers_of(apps.events(conn, app_id))
    finally:
        conn.close()


def test_the_one_time_notice_lists_every_missing_item_and_the_office(township):
    cfg, doc, url, s = township
    act(s, url, doc["id"], "supplement_requested", reason="户口簿照片看不清", missing=["户口簿（户主页）", "银行卡", "困难情况说明"])
    [notice] = [p for p in papers(cfg, doc["id"]) if p["kind"] == "supplement"]
    r = s.get(url + f"/cases/{doc['id']}/papers/{notice['event_id']}.pdf", timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/pdf" and r.content[:5] == b"%PDF-"
    text = text_of(r.content)
    assert "一次性告知书" in text and "测试township" in text  # the office that issues it, by its own name
    for missing in ("户口簿（户主页）", "银行卡", "困难情况说明", "户口簿照片看不清", doc["tracking_code"]):
        assert missing in text, missing
    assert "行政许可法" in text and "第三十二条" in text
    assert "110105********002X" in text and "11010519440119002X" not in text  # the ID masked on paper
    again = s.get(url + f"/cases/{doc['id']}/papers/{notice['event_id']}.pdf", timeout=30)
    assert again.content == r.content  # kept: printed again, the same paper


def test_acceptance_and_refusal_papers_say_what_was_decided(township):
    cfg, doc, url, s = township
    act(s, url, doc["id"], "not_accepted", reason="申请人不属于本乡镇户籍")
    [refusal] = [p for p in papers(cfg, doc["id"]) if p["kind"] == "refusal"]
    text = text_of(s.get(url + f"/cases/{doc['id']}/papers/{refusal['event_id']}.pdf", timeout=30).content)
    assert "不予受理决定书" in text and "申请人不属于本乡镇户籍" in text and "行政复议" in text
    page = s.get(url + f"/cases/{doc['id']}", timeout=10).text
    assert "可打印的文书" in page and f"/papers/{refusal['event_id']}.pdf" in page and "收件回执" in page


def test_a_paper_is_only_for_staff_who_may_open_the_case(township):
    cfg, doc, url, s = township
    [receipt] = papers(cfg, doc["id"])
    stranger = requests.Session()
    r = stranger.get(url + f"/cases/{doc['id']}/papers/{receipt['event_id']}.pdf", timeout=10, allow_redirects=False)
    assert r.status_code in (302, 401) and b"%PDF" not in r.content
    assert s.get(url + f"/cases/{doc['id']}/papers/{'0' * 36}.pdf", timeout=10).status_code == 404
    other = requests.Session()  # a publisher of notices has no business with cases
    login(other, url, "pub1")
    assert other.get(url + f"/cases/{doc['id']}/papers/{receipt['event_id']}.pdf", timeout=10).status_code == 403


def test_the_acceptance_notice_names_the_promised_days_and_date(township):
    cfg, doc, url, s = township
    accepted = act(s, url, doc["id"], "accepted")
    [notice] = [p for p in papers(cfg, doc["id"]) if p["kind"] == "acceptance"]
    text = text_of(s.get(url + f"/cases/{doc['id']}/papers/{notice['event_id']}.pdf", timeout=30).content)
    y, m, d = (int(x) for x in accepted["due_on"].split("-"))
    assert "受理通知书" in text and "决定予以受理" in text and f"{y}年{m}月{d}日" in text
    assert f"{accepted['limit_days']}个工作日" in text


def test_a_paper_fetches_nothing_but_its_own_qr_code(tmp_path):
    """Text from other nodes ends up on paper: even as markup that got through, no file or address is read."""
    import weasyprint
    from PIL import Image

    from common import pdf
    secret = tmp_path / "secret.png"
    Image.new("RGB", (40, 40), (200, 0, 0)).save(secret)
    html = f'<p>x</p><img src="file://{secret}"><img src="{pdf.qr_svg("X")}">'
    images = lambda body: body.count(b"/Subtype /Image") + body.count(b"/Subtype/Image")  # noqa: E731
    unguarded = weasyprint.HTML(string=html).write_pdf()
    guarded = weasyprint.HTML(string=html, url_fetcher=pdf.fetcher()).write_pdf()
    assert images(unguarded) > images(guarded)  # the file was read without the guard, not with it


def test_a_post_without_a_text_action_is_asked_to_choose(township):
    cfg, doc, url, s = township
    for body in ({"action": None}, {"action": 0}, {"action": ["accepted"]}, {"action": "  "},
                 {"action": "supplement_requested", "missing": [1], "reason": "r"}):
        r = s.post(url + f"/api/v1/cases/{doc['id']}/actions", json=body, headers={"X-CSRF-Token": s.token}, timeout=10)
        assert r.status_code == 400, (body, r.status_code, r.text[:200])


def test_a_paper_says_what_was_true_the_day_it_was_issued(township):
    """A receipt first printed after a 补正 lists what was handed in then; the acceptance notice, the
    deadline promised then — not what later events made of the case."""
    from common import papers as papers_mod
    cfg, doc, url, s = township
    accepted = act(s, url, doc["id"], "accepted")
    act(s, url, doc["id"], "supplement_requested", reason="缺户口簿", missing=["户口簿（户主页）"])
    conn = open_db(cfg)
    try:
        apps.append(conn, Clock("371399101001", last=apps.get(conn, doc["id"])["last_hlc"]), "371399101001",
                    doc["id"], "supplement_provided", "kiosk",
                    {"materials": [{"sha256": "ab" * 32, "material": -1, "size": 10, "name": "补交的户口簿", "type": "image/jpeg"}]})
        events = apps.events(conn, doc["id"])
        as_accepted = papers_mod.as_issued(conn, events, next(e for e in events if e["type"] == "accepted"))
    finally:
        conn.close()
    assert as_accepted["pauses"] == [] and as_accepted["due_on"] == accepted["due_on"]
    [receipt] = [p for p in papers(cfg, doc["id"]) if p["kind"] == "receipt"]
    text = text_of(s.get(url + f"/cases/{doc['id']}/papers/{receipt['event_id']}.pdf", timeout=30).content)
    assert "未附材料" in text and "补交的户口簿" not in text

