"""Government SMS at the county: the messages events call for, the durable outbox against a real HTTP
gateway (down, lossy, refusing), opt-outs, and the invitation to rate three days after completion."""
from datetime import date

import pytest

from common.hlc import Clock
from common.node import open_db
from common.store import applications as apps, catalog
from common.store.db import transaction
from county_hub import sms, sms_gateway, sms_store
from tests.county_hub.smsgate import SmsGate
from tests.helpers import CODES, make_node
from tests.sync.netutil import free_port
from tests.village_kiosk.test_status import APPLICANT

C, T, V = CODES["county"], CODES["township"], CODES["village"]


def test_each_event_that_matters_has_its_message_in_plain_words():
    doc = {"tracking_code": "ABCDE-FGHJK", "item": {"name": "城乡居民基本养老保险待遇申领"}, "form": {},
           "applicant": {"phone": "13700001234"}, "due_on": "2026-12-15"}
    ev = {"id": "e1", "type": "accepted", "payload": {}}
    key, template, params = sms.for_event(ev, doc)
    assert key == "ev:e1" and sms.render(template, params, "【示范县】") == \
        "【示范县】您的“城乡居民基本养老保险待遇申领”申请已受理，查询码ABCDE-FGHJK，承诺2026-12-15前办结。"
    sup = sms.for_event({"id": "e2", "type": "supplement_requested", "payload": {"missing": ["户口簿", "照片"]}}, doc)
    assert "需要补充材料：户口簿、照片" in sms.render(sup[1], sup[2], "")
    voice = dict(doc, item={"name": "投诉", "case_type": "voice"}, form={"topic": "低保救助"},
                 answer={"text": "名单已于3月公示" * 6})
    key, template, params = sms.for_event({"id": "e3", "type": "approved", "payload": {}}, voice)
    text = sms.render(template, params, "")
    assert template == "voice_answered" and "“低保救助”问题已答复" in text and "…" in text and len(text) < 120
    assert sms.for_event({"id": "e4", "type": "step_passed", "payload": {}}, doc) is None
    assert sms.for_event(ev, dict(doc, applicant={"phone": ""})) is None
    assert sms.mask("13700001234") == "137****1234" and sms.backoff(0, 5) == 5 and sms.backoff(30) == 1800
    assert sms.permanent(400) and not sms.permanent(429) and not sms.permanent(503)


@pytest.fixture
def county(tmp_path):
    gate = SmsGate(free_port(), refuse={"13900000000"}, lose_first=True)
    clock_file = tmp_path / "business-date"
    clock_file.write_text("2026-12-01")
    cfg = make_node(tmp_path, "county", sms_gateway=gate.url, sms_retry_seconds=0, clock_file=str(clock_file))
    conn = open_db(cfg)
    yield cfg, conn, gate, clock_file
    gate.stop()
    conn.close()


def accepted(conn, phone=APPLICANT["phone"], doc=None):
    """A village's county item (DOC, or one submitted now) forwarded by the township and accepted here."""
    if doc is None:
        doc = apps.submit(conn, Clock(V), V, "kiosk", catalog.item(conn, "RS-003"), dict(APPLICANT, phone=phone),
                          {"delivery": "县政务服务中心领取"})
        with transaction(conn):  # (its "received" text has its own test: these follow the later ones)
            sms_store.skip_to_end(conn)
    with transaction(conn):
        apps.append(conn, Clock(T, last=doc["last_hlc"]), T, doc["id"], "forwarded", "win1", {})
        doc = apps.append(conn, Clock(C, last=doc["last_hlc"]), C, doc["id"], "accepted", "rs1", {})
    return doc


def test_the_outbox_survives_an_outage_and_a_lost_answer_and_sends_each_message_once(county):
    cfg, conn, gate, _ = county
    doc = accepted(conn)
    first = sms_gateway.job(conn, cfg)  # the gateway is down
    assert first["queued"] == 1 and first["retrying"] == 1 and first["sent"] == 0
    row = sms_store.for_application(conn, doc["id"])[0]
    assert row["state"] == "pending" and "unreachable" in row["last_error"] and row["attempts"] == 1
    assert sms_store.health(conn)["retrying"] == 1
    gate.start()
    assert sms_gateway.job(conn, cfg)["retrying"] == 1  # delivered, but the answer was lost on the way
    assert sms_gateway.job(conn, cfg)["sent"] == 1      # the retry: the gateway recognises the key
    assert sms_gateway.job(conn, cfg) == {"sent": 0, "failed": 0, "retrying": 0, "skipped": 0, "queued": 0}
    key = f"ev:{[e for e in apps.events(conn, doc['id']) if e['type'] == 'accepted'][0]['id']}"
    assert list(gate.delivered) == [key] and gate.posts == [key, key]  # delivered to the phone once
    assert gate.delivered[key]["to"] == APPLICANT["phone"] and "已受理" in gate.delivered[key]["text"]
    assert sms_store.for_application(conn, doc["id"])[0]["state"] == "sent"


def test_a_refused_number_fails_for_good_and_an_opted_out_one_is_skipped(county):
    cfg, conn, gate, _ = county
    gate.lose_first = False
    gate.start()
    made = [apps.submit(conn, Clock(V), V, "kiosk", catalog.item(conn, "RS-003"), dict(APPLICANT, phone=phone),
                        {"delivery": "县政务服务中心领取"}) for phone in ("13900000000", "13600001111")]
    with transaction(conn):
        sms_store.skip_to_end(conn)
    refused, quiet = (accepted(conn, doc=d) for d in made)
    with transaction(conn):
        apps.append(conn, Clock(V, last=quiet["last_hlc"]), V, quiet["id"], "sms_opted_out", "kiosk", {})
    counts = sms_gateway.job(conn, cfg)
    assert (counts["failed"], counts["skipped"], counts["sent"]) == (1, 1, 0)
    assert "400" in sms_store.for_application(conn, refused["id"])[0]["last_error"]
    assert sms_store.opted_out(conn, "13600001111") and gate.delivered == {}
    assert sms_gateway.job(conn, cfg)["failed"] == 0  # a failed message is not tried again


def test_an_unrated_finished_case_is_invited_to_rate_three_days_later_once(county):
    cfg, conn, gate, clock_file = county
    gate.lose_first = False
    gate.start()
    doc = accepted(conn)
    with transaction(conn):
        clock = Clock(C, last=doc["last_hlc"])
        for kind, payload in (("step_passed", {"step": "review"}), ("approved", {})):
            doc = apps.append(conn, clock, C, doc["id"], kind, "rs1", payload)
    decided = date.fromisoformat(doc["decision"]["on"])
    clock_file.write_text(decided.isoformat())
    assert sms_gateway.job(conn, cfg)["sent"] == 2  # accepted, approved
    clock_file.write_text(date.fromordinal(decided.toordinal() + 2).isoformat())
    assert sms_gateway.job(conn, cfg)["sent"] == 0  # two days on: not yet
    clock_file.write_text(date.fromordinal(decided.toordinal() + 3).isoformat())
    assert sms_gateway.job(conn, cfg)["sent"] == 1 and sms_gateway.job(conn, cfg)["sent"] == 0
    invite = gate.delivered[f"rate:{doc['id']}"]
    assert "评价这次服务" in invite["text"] and "回复TD退订" in invite["text"]


def test_with_sms_off_nothing_is_owed_for_that_time(tmp_path):
    cfg = make_node(tmp_path, "county")
    conn = open_db(cfg)
    accepted(conn)
    assert sms_gateway.job(conn, cfg) is None
    assert sms_store.new_events(conn) == [] and sms_store.health(conn)["pending"] == 0
    conn.close()


def test_the_submission_is_texted_through_the_outbox(county):
    cfg, conn, gate, _ = county
    gate.lose_first = False
    gate.start()
    doc = apps.submit(conn, Clock(V), V, "kiosk", catalog.item(conn, "RS-003"), APPLICANT,
                      {"delivery": "县政务服务中心领取"})
    assert sms_gateway.job(conn, cfg)["sent"] == 1
    (text,) = [m["text"] for m in gate.delivered.values()]
    assert "已收到" in text and doc["tracking_code"] in text


def test_the_first_text_comes_when_the_application_arrives_not_at_acceptance():
    doc = {"id": "a1", "tracking_code": "ABCDE-FGHJK", "item": {"name": "高龄津贴申领", "case_type": "promised"},
           "applicant": {"phone": "13700004321"}, "form": {}}
    key, template, params = sms.for_event({"id": "e1", "type": "submitted", "payload": {}}, doc)
    assert (key, template) == ("ev:e1", "submitted") and "查询码ABCDE-FGHJK" in sms.render(template, params, "【县】")
    voice = dict(doc, item={"name": "投诉", "case_type": "voice"}, form={"topic": "路灯不亮"})
    assert sms.for_event({"id": "e2", "type": "submitted", "payload": {}}, voice)[1] == "voice_submitted"
    assert "路灯不亮" in sms.render("voice_submitted", sms.params_of(voice), "【县】")
