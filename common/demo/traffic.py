"""`sanji demo --traffic N`: villagers and staff at work on the running demo network, over its real APIs.

N villagers apply at random villages (a mix of township items, county items of the departments the
demo staffs, and complaints); one township's server goes down while they do, so its villages' kiosks
keep the applications until it returns. Then staff take each one through its flow — accept, now and
then ask for documents (the villager sends them from the kiosk), decide — and most villagers rate the
service, a few badly. `progress(n)` is told as each application is sent and as each is finished.
"""
import random
import time
from datetime import date

from .. import config
from ..domain.nodes import ancestor_of
from ..domain.states import AWAITING_INTAKE
from ..node import open_db
from ..store import catalog as catalog_store
from . import network
from .client import StaffMember, Villager, wait_until
from .history import fill_form, person

CUT_TOWNSHIP = "371399103"          # its server is down while the villagers apply
COUNTY_DEPTS = {"RS", "MZ", "YB", "ZJ", "RX"}  # the county departments the demo has staff for


class Office:
    """The staff of the demo network, signed in once."""

    def __init__(self, net):
        self.net, self.people = net, {}

    def __call__(self, code, username):
        key = (code, username)
        if key not in self.people:
            self.people[key] = StaffMember(self.net.url(code), username, network.PASSWORD)
        return self.people[key]


def items_for_traffic(items):
    """The items traffic uses: a villager may apply for them and the demo has someone to decide them."""
    return [i for i in items if i["accept_tier"] == "village" and (i["decide_tier"] == "township"
                                                                    or i["department"] in COUNTY_DEPTS)]


def apply_all(net, items, n, rng, progress):
    """N applications at random villages while CUT_TOWNSHIP is down; [(village, villager, receipt, item)]."""
    villages = [v.code for v in network.NODES if v.tier == "village"]
    net.stop(CUT_TOWNSHIP)
    out = []
    try:
        for _ in range(n):
            village = rng.choice(villages)
            item = rng.choice([i for i in items if i["case_type"] == "voice"]) if rng.random() < 0.12 else \
                rng.choice([i for i in items if i["case_type"] != "voice"])
            villager = Villager(net.url(village), person(rng, item))
            receipt = villager.apply(item["code"], fill_form(item, rng, date.today()) or {},
                                     materials=[k for k, m in enumerate(item["materials"]) if m["required"]])
            out.append((village, villager, receipt, item))
            progress(1)
    finally:
        net.start(CUT_TOWNSHIP)
    return out


def handle(office, village, villager, receipt, item, rng):
    """Take one application through its flow at the node that decides it; returns its final state."""
    code = receipt["tracking_code"]
    app_id = villager.status(code)["id"]
    county_item = item["decide_tier"] == "county"
    where = ancestor_of(village, "county" if county_item else "township")
    first = office(where, "rx" if item["case_type"] == "voice" else item["department"].lower() if county_item
                   else "window")
    wait_until(f"{code} at {where}", lambda: (first.find(app_id) or {}).get("custody") == where
               and first.find(app_id)["state"] in AWAITING_INTAKE)
    first.act(app_id, "accepted")
    if item["case_type"] != "voice" and rng.random() < 0.15:
        first.act(app_id, "supplement_requested", reason="照片看不清，请重新拍", missing=["身份证（正反面）"])
        wait_until(f"{code}: the request at the village", lambda: villager.status(code)["state"] == "supplement")
        villager.supplement(code)
        wait_until(f"{code}: the documents at {where}", lambda: first.find(app_id)["state"] != "supplement")
    outcome = "denied" if rng.random() < 0.05 and item["case_type"] != "voice" else "approved"
    reason = {"reason": "不符合申请条件"} if outcome == "denied" else {}
    deciders = [first]
    if item["case_type"] == "voice":
        dept = rng.choice(["MZ", "RS", "YB", "ZJ"])
        deciders = [first, office(where, dept.lower()), first]
        reason = {"department": dept, "answer": "已安排人员核实处理，谢谢您的反映。"}
    elif not county_item:
        deciders = [first, office(where, "head")]
    doc = None
    for staff in deciders:
        doc = staff.decide(app_id, outcome, **reason) or doc
    wait_until(f"{code}: the outcome at the village", lambda: villager.status(code)["state"] in ("approved", "denied"))
    if rng.random() < 0.6:
        level = rng.choices([5, 4, 3, 2, 1], weights=[55, 28, 9, 5, 3])[0]
        villager.rate(code, level, "等的时间太长" if level <= 2 else "")
    return villager.status(code)["state"]


def play(net, n, progress, seed=None):
    """Run the traffic: N applications sent, then handled; returns {sent, approved, denied, seconds}."""
    rng = random.Random(seed)
    conn = open_db(config.load(network.folder(net.root, network.NODES[0])))
    try:
        items = items_for_traffic([catalog_store.item(conn, i["code"]) for i in catalog_store.items(conn)])
    finally:
        conn.close()
    started = time.monotonic()
    sent = apply_all(net, items, n, rng, progress)
    office, states = Office(net), {}
    for village, villager, receipt, item in sent:
        state = handle(office, village, villager, receipt, item, rng)
        states[state] = states.get(state, 0) + 1
        progress(1)
    return {"sent": len(sent), **states, "seconds": round(time.monotonic() - started, 1)}
