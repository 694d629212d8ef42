"""A few weeks of believable history for the demo county, so its dashboard and queues are alive at once.

Each application is a story told with the real state machine (`domain.application.apply`, strict):
submitted at a village on a working day, taken by its township, decided there or forwarded to the
county, sometimes after a supplement, often rated, complaints answered; recent ones still open.
Its events are then stored in the three databases on its path (village, township, county) as if
sync had carried them, so the network starts consistent without replaying weeks of traffic.
"""
import random
from datetime import date, datetime, time, timedelta

from ..domain import application as model
from ..domain import submission
from ..domain.nodes import ancestor_of, tier_of
from ..ids import new_tracking_code, uuid7
from .. import uscc
from ..clock import CHINA
from ..idcard import check_digit
from ..store import applications, meta
from ..store.db import transaction

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
COMPANIES = ["示范县丰收农业发展有限公司", "示范县东岭建筑工程有限公司", "示范县河口物流有限公司", "示范县石桥农机专业合作社"]
GIVEN = ["秀英", "桂兰", "建国", "国强", "玉兰", "德明", "春生", "淑珍", "海燕", "志刚", "凤英", "永福", "翠花", "明亮"]
ANSWERS = ["已安排人员现场核实，问题已解决。感谢您的监督。", "经核查，您反映的情况属实，已责成相关单位整改，月底前完成。",
           "您咨询的政策：符合条件的可到乡镇便民服务中心申请，需带身份证和户口簿。", "已将您的建议转相关部门研究，明年纳入计划。"]
VOICE_TEXTS = ["村里路灯坏了很久，晚上老人出门不方便。", "想问问高龄津贴今年的标准是多少。", "医保报销到账太慢，希望加快。",
               "建议村卫生室周末也开门。"]
VOICE_DEPTS = ["MZ", "RS", "YB", "ZJ", "NY", "WJ"]


def person(rng, item=None, today=None):
    """A made-up applicant with a valid ID number and a mobile number (old enough for ITEM, by its
    catalog `eligibility`: the demo never shows a 高龄津贴 for someone born in 1984)."""
    rule = (item or {}).get("eligibility") or {}
    today = today or date.today()
    oldest, youngest = 86, 18
    if rule.get("min_age") is not None:
        oldest, youngest = max(oldest, rule["min_age"] + 12), max(youngest, rule["min_age"] + 1)
    if rule.get("max_age") is not None:
        oldest = min(oldest, rule["max_age"])
    first, last = today - timedelta(days=int(365.25 * oldest)), today - timedelta(days=int(365.25 * youngest) + 1)
    born = first + timedelta(days=rng.randrange(max(1, (last - first).days)))
    first17 = f"371399{born:%Y%m%d}{rng.randrange(1000):03d}"
    out = {"name": rng.choice(SURNAMES) + rng.choice(GIVEN), "id_number": first17 + check_digit(first17),
           "phone": f"13{rng.randrange(10**9):09d}"}
    if submission.is_company_item(item):  # a company applies: its name, a valid 统一社会信用代码, its legal rep
        first = f"91371399MA{''.join(rng.choice(uscc.ALPHABET[:10] + 'ABCDEFGH') for _ in range(7))}"
        out.update(company=rng.choice(COMPANIES), uscc=first + uscc.check_char(first),
                   legal_rep=rng.choice(SURNAMES) + rng.choice(GIVEN))
    return out


def fill_form(item, rng, today):
    """Answers to ITEM's questions that its own checks accept (None when the item cannot be filled)."""
    form = {}
    for f in item["fields"]:
        kind = f["type"]
        if kind == "select":
            value = rng.choice(f["options"])
        elif kind in ("number", "money"):
            value = str(max(f.get("min", 1), min(f.get("max", 10**6), rng.choice([1, 2, 3, 5, 800, 1200]))))
        elif kind == "date":  # a past day, unless the question asks for a day to come (an expected due date)
            days = rng.randrange(10, 60)
            value = (today + timedelta(days=days) if f.get("when") == "future" else today - timedelta(days=days)).isoformat()
        elif f.get("pattern") == "^[0-9]{12,19}$":
            value = "6222020200112233445"
        elif kind == "textarea":
            value = rng.choice(VOICE_TEXTS)
        else:
            value = "示例"
        form[f["key"]] = value
    try:
        _, errors = submission.check_form(item, form, today)
    except Exception:
        errors = True
    if errors:  # an item whose questions this generator cannot answer is simply not used
        return None
    return form


class Story:
    """One application's events, each applied strictly as it is told; MS advances with each."""

    def __init__(self, item, village, applicant, form, at, proxy_by=""):
        self.ms, self.events, self.doc = 0, [], None
        snapshot = {k: item[k] for k in ("code", "name", "department", "accept_tier", "decide_tier", "case_type",
                                         "fee", "legal_days", "promised_days", "flow", "materials")}
        self.add(village, "submitted", "kiosk", at, tracking_code=new_tracking_code(), item=dict(snapshot, version=1),
                 applicant=applicant, form=form, materials=[], proxy_by=proxy_by)

    def add(self, origin, kind, actor, at, **payload):
        """Append event KIND by ACTOR at node ORIGIN on AT (a datetime; kept after the previous event)."""
        self.ms = max(self.ms + 1000, int(at.timestamp() * 1000))
        app_id = self.doc["id"] if self.doc else uuid7(self.ms)
        event = {"id": uuid7(self.ms), "app_id": app_id, "origin": origin, "hlc": f"{self.ms:013d}-0000-{origin}",
                 "actor": actor, "type": kind, "payload": payload}
        self.doc = model.apply(self.doc, event, strict=True)
        self.events.append(event)
        return self.doc


def _moment(day, rng):
    return datetime.combine(day, time(rng.randrange(9, 17), rng.randrange(60)), CHINA)


def tell(story, cal, rng, today, village):
    """Carry STORY on from its submission as far as TODAY allows (the last events may lie ahead: stop there)."""
    doc, township, county = story.doc, ancestor_of(village, "township"), ancestor_of(village, "county")
    day = date.fromisoformat(doc["submitted_on"])
    county_item, voice = doc["item"]["decide_tier"] == "county", doc["item"]["case_type"] == "voice"
    where, dept = (county, doc["item"]["department"].lower()) if county_item else (township, "window")

    def later(n):
        nonlocal day
        day = cal.add_working_days(day, n)
        return day < today

    if county_item:
        story.add(township, "forwarded", "system", _moment(day, rng))
    else:
        story.add(township, "received", "system", _moment(day, rng))
    if not later(rng.choice([0, 1])):
        return
    if rng.random() < 0.04 and not voice:
        story.add(where, "not_accepted", dept, _moment(day, rng), reason="不属于本事项办理范围，请咨询窗口")
        return
    story.add(where, "accepted", "rx" if voice else dept, _moment(day, rng))
    limit = doc["item"]["promised_days"] or 1
    if rng.random() < 0.02 and not voice:  # the applicant no longer needs it
        story.add(village, "withdrawal_requested", "kiosk", _moment(day, rng), reason="不需要办了")
        if later(1):
            story.add(where, "withdrawn", dept, _moment(day, rng), reason="申请人申请撤回")
        return
    if rng.random() < 0.015 and not voice and not county_item:  # the township asks the county how to decide
        story.add(township, "escalated", dept, _moment(day, rng), reason="政策把握不准，请县级指导")
        if not later(1):
            return
        story.add(county, "received", "system", _moment(day, rng))
        if not later(1):
            return
        resolution = rng.choice(["returned", "returned", "taken"])
        story.add(county, "escalation_answered", "reviewer", _moment(day, rng), resolution=resolution,
                  answer="按现行政策办理")
        if resolution == "taken":
            where, dept = county, "reviewer"
    late = rng.random() < 0.12
    if rng.random() < 0.15 and not voice:
        if not later(1):
            return
        story.add(where, "supplement_requested", dept, _moment(day, rng), reason="材料照片看不清",
                  missing=["身份证（正反面，清晰）"])
        if not later(rng.choice([1, 2, 3])):
            return
        story.add(village, "supplement_provided", "kiosk", _moment(day, rng), materials=[])
    assigned = rng.choice(VOICE_DEPTS).lower()
    while not model.flow_done(story.doc):
        if not later(max(1, limit // (len(doc["item"]["flow"]) + 1) + (2 if late else 0))):
            return
        for step in model.current_steps(story.doc):
            extra = {}
            if step.get("assigns"):
                extra["assign"] = assigned.upper()
            if step.get("answers"):
                extra["answer"] = rng.choice(ANSWERS)
            actor = assigned if step.get("department") == "@assigned" else (
                step.get("department", "").lower() or dept if county_item else ("head" if "head" in step["role"]
                                                                                 else "window"))
            story.add(where, "step_passed", actor, _moment(day, rng), step=step["id"], **extra)
    if not later(1):
        return
    if rng.random() < 0.05 and not voice:
        story.add(where, "denied", dept, _moment(day, rng), reason="不符合申请条件")
    else:
        story.add(where, "approved", "rx" if voice else dept, _moment(day, rng))
    decider = story.events[-1]
    if rng.random() < 0.55 and later(rng.choice([1, 2, 3])):
        level = rng.choices([5, 4, 3, 2, 1], weights=[55, 28, 9, 5, 3])[0]
        story.add(village, "rated", "kiosk", _moment(day, rng), level=level, channel="kiosk",
                  comment="等的时间太长" if level <= 2 else "")
        if level <= 2 and rng.random() < 0.6 and later(rng.choice([1, 2, 4])):
            story.add(decider["origin"], "rectification_done", decider["actor"], _moment(day, rng),
                      note="已约谈经办人员，改进告知和办理流程")


def stories(catalog_items, villages, cal, today, days=21, per_day=(0, 3), seed=2026):
    """The STORIES of DAYS working days before TODAY for VILLAGES: [(village, Story)], oldest first."""
    rng = random.Random(seed)
    usable = [i for i in catalog_items if i["accept_tier"] == "village"]
    forms = {i["code"]: fill_form(i, rng, today) for i in usable}
    usable = [i for i in usable if forms[i["code"]] is not None]
    voice = [i for i in usable if i["case_type"] == "voice"]
    plain = [i for i in usable if i["case_type"] != "voice"]
    out, day = [], today
    work_days = []
    while len(work_days) < days:
        day -= timedelta(days=1)
        if cal.is_workday(day):
            work_days.append(day)
    for day in reversed(work_days):
        for village in villages:
            for _ in range(rng.randint(*per_day)):
                item = rng.choice(voice) if rng.random() < 0.12 else rng.choice(plain)
                story = Story(item, village, person(rng, item, day), fill_form(item, rng, day) or forms[item["code"]],
                              _moment(day, rng), proxy_by="clerk" if rng.random() < 0.3 else "")
                tell(story, cal, rng, today, village)
                out.append((village, story))
    return out


def seed(open_conn, catalog_items, villages, cal, today, **options):
    """Store the history in every database on each story's path; OPEN_CONN(code) opens a node's database.

    Returns {applications, events}.
    """
    told = stories(catalog_items, villages, cal, today, **options)
    by_node = {}
    for village, story in told:
        for code in (village, ancestor_of(village, "township"), ancestor_of(village, "county")):
            by_node.setdefault(code, []).extend(story.events)
    for code, events in by_node.items():
        conn = open_conn(code)
        try:
            with transaction(conn):
                for event in events:
                    applications.ingest(conn, event, trusted=True, route=False)
                if tier_of(code) == "county":  # the county texts what happens from now on, not the invented past
                    meta.put(conn, "sms_event_cursor",  # county_hub.sms_store.CURSOR
                             conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM events").fetchone()[0])
        finally:
            conn.close()
    return {"applications": len(told), "events": sum(len(s.events) for _, s in told)}
