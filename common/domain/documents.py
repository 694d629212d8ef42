"""The papers a case hands the applicant (文书): what each says, from the case's own events.

Four kinds, each made from one event of the application, so that a case has one paper per event
(two 补正 requests: two 一次性告知书):

- receipt    收件回执      — `submitted` (what was handed in, and that it is not yet 受理)
- acceptance 受理通知书    — `accepted` (the promised working days and the due date)
- supplement 一次性告知书  — `supplement_requested` (every missing item at once: 行政许可法 §32)
- refusal    不予受理决定书 — `not_accepted` (the reason, and how to appeal)

Pure: `papers_of(events)` lists them, `content(doc, event, office, link)` says what one paper
says. The words are Chinese only: these are legal papers of a Chinese office (the English UI
names them, and says so). Rendering to PDF is common/pdf.py; keeping them, common/store/documents.py.
"""
from collections.abc import Iterable
from datetime import date
from typing import Any

from ..idcard import mask_id
from .application import event_date, is_voice
from .nodes import tier_of
from .record import Doc, Event

KINDS = {  # kind: (the event it is made from, its title, its English name for the UI)
    "receipt": ("submitted", "收件回执", "Receipt"),
    "acceptance": ("accepted", "受理通知书", "Notice of acceptance"),
    "supplement": ("supplement_requested", "一次性告知书", "One-time notice of what is missing"),
    "refusal": ("not_accepted", "不予受理决定书", "Decision not to accept"),
}
KIND_OF_EVENT = {event: kind for kind, (event, _, _) in KINDS.items()}
OFFICE_MAX = 60  # an office's name as an event carries it (`office`): longer is cut, not refused


def papers_of(events: Iterable[Event]) -> list[dict[str, str]]:
    """[{kind, event_id, title, title_en, on}] of the papers a case's EVENTS give, oldest first."""
    out = []
    for e in events:
        kind = KIND_OF_EVENT.get(e["type"])
        if kind:
            out.append({"kind": kind, "event_id": e["id"], "title": KINDS[kind][1], "title_en": KINDS[kind][2],
                        "on": event_date(e["hlc"]).isoformat()})
    return out


def chinese_date(day: date | str) -> str:
    """2026年12月2日 for a date or YYYY-MM-DD."""
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return f"{day.year}年{day.month}月{day.day}日"


def office_of(event: Event, fallback: str) -> str:
    """The issuing office's name: as the event that made the paper says it (its own node wrote it), else FALLBACK."""
    name = str((event.get("payload") or {}).get("office") or "").strip()[:OFFICE_MAX]
    return name or fallback


def content(doc: Doc, event: Event, office: str, link: str = "") -> dict[str, Any]:
    """What the paper made from EVENT of DOC says: {kind, title, office, number, date, to, facts, paragraphs,
    items, closing, link}.

    OFFICE is the issuing office's name; LINK what the QR code holds (the public status address,
    or the tracking code when the node has none).
    """
    kind = KIND_OF_EVENT[event["type"]]
    p, on = event.get("payload") or {}, event_date(event["hlc"])
    item, code, who = doc["item"], doc["tracking_code"], doc["applicant"]
    submitted = chinese_date(doc["submitted_on"])
    out = {"kind": kind, "title": KINDS[kind][1], "office": office, "date": chinese_date(on),
           "number": f"{code}-{event['id'][-6:].upper()}", "to": who.get("name", ""), "items": [], "closing": [],
           "link": link or code, "facts": [("申请人", who.get("name", "")), ("身份证号", mask_id(who.get("id_number"))),
                                         ("申请事项", item.get("name", "")), ("查询码", code)]}
    if who.get("uscc"):  # a company applies: the paper is addressed to it; the person who came handles it
        out["to"] = who.get("company", "")
        out["facts"][:1] = [("申请单位", who.get("company", "")), ("统一社会信用代码", who["uscc"]),
                            ("法定代表人", who.get("legal_rep", "")), ("经办人", who.get("name", ""))]
    if doc.get("proxy_by"):
        out["facts"].append(("代办员", doc["proxy_by"]))
    if kind == "receipt":
        out["items"] = [m.get("name", "") for m in doc.get("materials", []) if isinstance(m, dict)]
        out["paragraphs"] = [f"今收到您提交的“{item.get('name', '')}”申请及以下材料（共 {len(out['items'])} 份）。"
                             if out["items"] else f"今收到您提交的“{item.get('name', '')}”申请（未附材料）。",
                             "本回执只证明材料已收到，不代表已受理。是否受理，将在审查后告知您；"
                             "材料不齐全的，一次性告知您需要补正的全部内容。"]
    elif kind == "acceptance":
        days = doc.get("limit_days", item.get("promised_days", 0))
        due = doc.get("due_on")
        out["paragraphs"] = [f"您于{submitted}提出的“{item.get('name', '')}”{'诉求' if is_voice(doc) else '申请'}，"
                             "经审查，" + ("已予登记受理。" if is_voice(doc) else "申请材料齐全、符合法定形式，决定予以受理。")]
        out["facts"].append(("承诺时限", f"{days} 个工作日" if days else "当场办结"))
        if due and days:
            out["facts"].append(("预计办结日期", chinese_date(due) + "（补正材料期间不计入）"))
    elif kind == "supplement":
        out["items"] = [str(m) for m in p.get("missing") or []]
        out["paragraphs"] = [f"您于{submitted}提出的“{item.get('name', '')}”申请，经审查，申请材料不齐全或者不符合法定形式。"
                             "依照《中华人民共和国行政许可法》第三十二条的规定，现将需要补正的全部内容一次性告知如下："]
        if p.get("reason"):
            out["closing"].append("说明：" + str(p["reason"]))
        where = "在本村为民服务室的自助终端“查询进度”中拍照提交，或者送到" if tier_of(doc["origin"]) == "village" else "送到"
        out["closing"] += ["请您补齐上述材料后，" + where + office + "。",
                           "补正材料期间不计入办理时限；材料补齐之日起继续计算。"]
    elif kind == "refusal":
        out["paragraphs"] = [f"您于{submitted}提出的“{item.get('name', '')}”申请，经审查，决定不予受理。理由如下："]
        out["items"] = [str(p.get("reason", ""))]
        out["closing"] = ["如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，"
                          "或者自收到本决定书之日起六个月内依法向人民法院提起行政诉讼。"]
    return out
