"""A consult through real village, township and county processes: ask, ring, accept, signal both ways,
hang up, wrap up, and the record on the application's timeline; and the booking when the link is down."""
import re

import pytest
import requests

from tests.helpers import csrf_from, wait_for
from tests.sync.netutil import NodeProcess, make_network, submit_many
from tests.township_node.test_window_network import Staff, add_staff, state_at, web
from tests.village_kiosk.test_api import GOOD, upload

C, T, V = "371399", "371399101", "371399101001"


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    net = make_network(tmp_path_factory.mktemp("consult-net"), villages=1)
    add_staff(net["county"], "county", [("rs1", ["county_approver:RS"]), ("rs2", ["county_approver:RS"]),
                                        ("rev1", ["county_reviewer"]), ("sup1", ["supervisor"])])
    add_staff(net[T], "township", [("win1", ["township_staff"])])
    procs = {code: NodeProcess(cfg).start() for code, cfg in net.items()}
    yield net, procs
    for p in procs.values():
        p.stop()


class Kiosk:
    """A kiosk browser session at the village that has looked its application up."""

    def __init__(self, url, code):
        self.url, self.s, self.after = url, requests.Session(), 0
        self.token = csrf_from(self.s.get(url + "/kiosk/status", timeout=10).text)
        r = self.s.post(url + "/kiosk/status", data={"code": code, "last4": GOOD["phone"][-4:],
                                                     "csrf_token": self.token}, timeout=10)
        assert r.status_code == 200 and "/kiosk/status/view" in r.url, r.text[:500]

    def post(self, path, body):
        return self.s.post(self.url + path, json=body, headers={"X-CSRF-Token": self.token}, timeout=10)

    def has(self, state, kind="consult.update"):
        """Whether a message of KIND and STATE is waiting now (consumes what it reads)."""
        r = self.s.get(self.url + "/api/v1/live/poll", params={"after": self.after, "wait": 0}, timeout=10)
        msgs = r.json()["messages"]
        self.after = msgs[-1]["n"] if msgs else self.after
        return any(m["kind"] == kind and m.get("state") == state for m in msgs)

    def next(self, state=None, kind="consult.update", timeout=30):
        """The next mailbox message of KIND (and STATE), waiting for it."""
        found = []

        def arrived():
            r = self.s.get(self.url + "/api/v1/live/poll", params={"after": self.after, "wait": 2}, timeout=10)
            for m in r.json()["messages"]:
                self.after = m["n"]
                if m["kind"] == kind and (state is None or m.get("state") == state):
                    found.append(m)
            return bool(found)
        wait_for(arrived, timeout=timeout, what=f"{kind} {state or ''}")
        return found[0]


class Console(Kiosk):
    def __init__(self, url, user):  # super() not called: a staff session, not a kiosk lookup
        self.url, self.after = url, 0
        staff = Staff(url, user)
        self.s, self.token = staff.s, staff.token

    def here(self, status="available"):
        r = self.post("/api/v1/live/presence", {"status": status})
        assert r.status_code == 200 and r.json()["hub"] is True, r.text


def applied(procs):
    village = web(procs[V])
    body = {"item": "RS-003", "applicant": GOOD, "form": {"delivery": "县政务服务中心领取"},
            "materials": [{"sha256": upload(village, (40 * i, 90, 30)), "material": i} for i in range(2)]}
    r = requests.post(village + "/api/v1/applications", json=body, timeout=30)
    assert r.status_code == 201, r.text
    return r.json()["id"], r.json()["tracking_code"]


def test_a_kiosk_consults_a_county_approver_and_the_call_is_recorded(net):
    net, procs = net
    app_id, code = applied(procs)
    county = web(procs["county"])
    rs1, rs2 = Console(county, "rs1"), Console(county, "rs2")
    rs1.here()
    rs2.here()
    kiosk = Kiosk(web(procs[V]), code)
    r = kiosk.post("/api/v1/consults", {})
    assert r.status_code == 200 and r.json()["state"] == "requested", r.text
    sid = r.json()["sid"]
    ringing = []
    wait_for(lambda: ringing.extend(c for c in (rs1, rs2) if c.has("ringing")) or ringing, timeout=30, what="a ring")
    assert len(ringing) == 1  # one at a time
    staff = ringing[0]
    assert kiosk.next("ringing")["sid"] == sid
    status = staff.s.get(county + "/api/v1/consults/status", timeout=10)
    assert status.status_code == 403  # an approver answers calls; supervisors watch them
    assert Staff(county, "sup1").get("/api/v1/consults/status").json()["sessions"][0]["state"] == "ringing"
    assert staff.post(f"/api/v1/consults/{sid}/actions", {"action": "accept"}).json()["sent"]
    connecting = kiosk.next("connecting")
    assert connecting["peer"]["node"] == C and connecting["staff_name"]
    assert kiosk.post(f"/api/v1/consults/{sid}/signal", {"type": "offer", "seq": 1, "data": "v=0 offer"}).json()["sent"]
    offer = staff.next(kind="consult.signal")
    assert (offer["type"], offer["seq"], offer["data"]) == ("offer", 1, "v=0 offer")
    staff.post(f"/api/v1/consults/{sid}/signal", {"type": "answer", "seq": 1, "data": "v=0 answer"})
    assert kiosk.next(kind="consult.signal")["data"] == "v=0 answer"
    other = rs2 if staff is rs1 else rs1  # nobody else can butt in
    assert other.post(f"/api/v1/consults/{sid}/signal", {"type": "ice", "seq": 2, "data": "x"}).status_code == 200
    kiosk.post(f"/api/v1/consults/{sid}/actions", {"action": "connected"})
    assert staff.next("in_call")
    kiosk.post(f"/api/v1/consults/{sid}/actions", {"action": "hangup"})
    assert staff.next("wrap_up") and kiosk.next("wrap_up")
    staff.post(f"/api/v1/consults/{sid}/actions", {"action": "wrapped"})
    assert kiosk.next("closed")["reason"] == "done"
    wait_for(lambda: state_at(net["county"], app_id) is not None, timeout=60, what="the application at the county")
    held = lambda: [e for e in staff.s.get(county + f"/api/v1/cases/{app_id}", timeout=10).json()["events"]  # noqa: E731
                    if e["type"] == "consult_held"]
    wait_for(held, timeout=60, what="consult_held on the timeline")
    assert held()[0]["actor"] == "system:consult"
    stray = [m for m in other.s.get(county + "/api/v1/live/poll", params={"after": other.after, "wait": 0},
                                    timeout=10).json()["messages"] if m["kind"] == "consult.signal"]
    assert stray == []


def test_with_the_link_down_the_kiosk_books_a_callback_that_reaches_the_county_later(net):
    net, procs = net
    app_id, code = applied(procs)
    procs[T].stop()
    try:
        kiosk = Kiosk(web(procs[V]), code)
        wait_for(lambda: kiosk.post("/api/v1/consults", {}).json()["state"] == "unreachable", timeout=30,
                 what="the village noticing its link is down")
        assert kiosk.post("/api/v1/consults", {}).json()["link"] == "down"  # the screen says the network is down
        page = kiosk.s.get(kiosk.url + "/kiosk/status/appointment", timeout=30)
        assert page.status_code == 503 and "网络不通" in page.text and "预约成功" not in page.text
        assert 'data-appt="offline"' in page.text and 'name="time"' not in page.text  # nothing to book
        r = kiosk.post("/api/v1/consults/booking", {"kind": "callback", "note": "周三上午"})
        assert r.status_code == 201 and r.json()["application"]["callbacks"] == 1
        assert kiosk.post("/api/v1/consults/booking", {"kind": "teleport"}).status_code == 400
    finally:
        procs[T].start()
    county = Staff(web(procs["county"]), "rs1")

    def booked():
        r = county.get(f"/api/v1/cases/{app_id}")
        return r.status_code == 200 and any(e["type"] == "callback_booked" for e in r.json()["events"])
    wait_for(booked, timeout=90, what="the booking at the county")


def test_a_township_window_hands_a_hard_case_to_a_county_reviewer(net):
    net, procs = net
    [app_id] = submit_many(net[V], 1, item="MZ-002", form={"reason": "突发疾病", "amount": "3000"})
    wait_for(lambda: state_at(net[T], app_id) is not None, timeout=60, what="the case at the township")
    rev, win = Console(web(procs["county"]), "rev1"), Console(web(procs[T]), "win1")
    case_page = win.s.get(win.url + f"/cases/{app_id}", timeout=10).text
    assert f'href="/consults/call/{app_id}"' in case_page  # the button on the window's case page
    call_page = win.s.get(win.url + f"/consults/call/{app_id}", timeout=10)
    assert call_page.status_code == 200 and f'data-app="{app_id}"' in call_page.text
    assert rev.s.get(rev.url + f"/consults/call/{app_id}", timeout=10).status_code == 403  # windows hand up, not down
    rev.here()
    r = win.post("/api/v1/consults", {"app_id": app_id})
    assert r.status_code == 200 and r.json()["state"] == "requested", r.text
    sid = r.json()["sid"]
    ring = rev.next("ringing")
    assert ring["app_id"] == app_id and ring["from"] == T
    rev.post(f"/api/v1/consults/{sid}/actions", {"action": "accept"})
    assert win.next("connecting")["peer"]["pid"] == f"staff:{C}/rev1"
    win.post(f"/api/v1/consults/{sid}/signal", {"type": "offer", "seq": 1, "data": "v=0 from the window"})
    assert rev.next(kind="consult.signal")["data"] == "v=0 from the window"
    win.post(f"/api/v1/consults/{sid}/actions", {"action": "connected"})
    win.post(f"/api/v1/consults/{sid}/actions", {"action": "hangup"})
    assert rev.next("wrap_up")  # the hang-up travels up the link: wrap up once it has arrived
    rev.post(f"/api/v1/consults/{sid}/actions", {"action": "wrapped"})
    assert win.next("closed")["reason"] == "done"

    def held_at_township():
        r = win.s.get(win.url + f"/api/v1/cases/{app_id}", timeout=10)
        return [e for e in r.json()["events"] if e["type"] == "consult_held"]
    wait_for(held_at_township, timeout=60, what="the consult on the township's timeline")


def test_a_kiosk_books_a_visit_in_the_townships_book_and_both_see_it(net):
    net, procs = net
    app_id, code = applied(procs)
    wait_for(lambda: state_at(net[T], app_id) is not None, timeout=60, what="the application at the township")
    kiosk = Kiosk(web(procs[V]), code)
    page = kiosk.s.get(kiosk.url + "/kiosk/status/appointment", timeout=30)
    assert page.status_code == 200, page.text[:400]
    day = re.search(r'name="date" value="([0-9-]{10})"', page.text)[1]
    time = re.search(r'name="time" value="(\d\d:\d\d)"', page.text)[1]
    assert "还有 2 个名额" in page.text  # appointment_capacity's default
    done = kiosk.s.post(kiosk.url + "/kiosk/status/appointment",
                        data={"date": day, "time": time, "csrf_token": kiosk.token}, timeout=30)
    assert done.status_code == 200 and "预约成功" in done.text and time in done.text, done.text[:400]
    assert 'data-appt="booked"' in done.text and "打印预约单" in done.text
    refused = kiosk.s.post(kiosk.url + "/kiosk/status/appointment",
                           data={"date": day, "time": "03:00", "csrf_token": kiosk.token}, timeout=30)
    assert refused.status_code == 409 and "不能预约" in refused.text and "预约成功" not in refused.text
    window = Staff(web(procs[T]), "win1")
    book = window.get(f"/appointments?day={day}")
    assert book.status_code == 200 and code in book.text and GOOD["name"] in book.text
    assert "/login" in requests.get(web(procs[T]) + "/appointments", timeout=10).url  # staff only

    def on_the_kiosk_timeline():
        r = kiosk.s.get(kiosk.url + "/kiosk/status/view", timeout=10)
        return "已预约到乡镇当面办理" in r.text
    wait_for(on_the_kiosk_timeline, timeout=60, what="the booking flowing down to the kiosk")
    county = Staff(web(procs["county"]), "rs1")

    def at_county():
        r = county.get(f"/api/v1/cases/{app_id}")
        return r.status_code == 200 and any(e["type"] == "appointment_booked" for e in r.json()["events"])
    wait_for(at_county, timeout=60, what="the booking at the county (checked as a township's event)")
