"""Government SMS (政务短信), pure: which events tell the applicant something, in which words, and masking.

The county sends every SMS (it alone talks to the gateway), from the events it holds: a status
change (accepted, not accepted, decided), a supplement request, a complaint's answer, and an
invitation to rate a few days after completion. Each message has a key (the event's id, or
`rate:<application>`), so however often the events are looked at, a message is queued once.
"""
import re

# template: (text, what it is for). {sign} is the county's SMS signature, e.g. 【示范县政务服务】.
TEMPLATES = {
    # The first text, as the application reaches the county (the receipt may be lost; the code is not).
    "submitted": "{sign}您的“{item}”申请已收到，查询码{code}。凭查询码和身份证号后4位可在村服务站查询进度。",
    "voice_submitted": "{sign}您反映的“{topic}”已收到，查询码{code}。凭查询码和身份证号后4位可在村服务站查看答复。",
    "accepted": "{sign}您的“{item}”申请已受理，查询码{code}，承诺{due}前办结。",
    "supplement_requested": "{sign}您的“{item}”申请需要补充材料：{missing}。请带查询码{code}到村服务站补交。",
    "not_accepted": "{sign}您的“{item}”申请未予受理：{reason}。详情凭查询码{code}到村服务站查看。",
    "approved": "{sign}您的“{item}”申请已办结（同意）。查询码{code}。",
    "denied": "{sign}您的“{item}”申请已办结（不同意）：{reason}。查询码{code}。",
    "voice_answered": "{sign}您反映的“{topic}”问题已答复：{answer}全文凭查询码{code}到村服务站查看。",
    # To county staff, not the applicant: a supervisor's 督办/催办 of a case their department holds.
    "urged_staff": "{sign}电子监察{kind}：“{item}”（查询码{code}）{level}，请登录系统尽快办理。",
    "rate_invite": "{sign}您办理的“{item}”已办结，请凭查询码{code}在村服务站评价这次服务，您的意见我们会认真改进。回复TD退订。",
}
EVENT_TEMPLATES = ("submitted", "accepted", "supplement_requested", "not_accepted", "approved", "denied")
PHONE_RE = re.compile(r"^1[3-9][0-9]{9}$")


def _short(text, n):
    text = " ".join(str(text or "").split())
    return text if len(text) <= n else text[:n - 1] + "…"


def params_of(doc):
    """The template parameters every message about DOC shares."""
    return {"item": _short(doc["item"]["name"], 20), "code": doc["tracking_code"],
            "topic": _short((doc.get("form") or {}).get("topic") or doc["item"]["name"], 12)}


def for_event(event, doc):
    """(key, template, params) for the SMS EVENT should send the applicant of DOC (as it is after it), or None."""
    kind, p = event["type"], event.get("payload") or {}
    if kind not in EVENT_TEMPLATES or not PHONE_RE.match(str(doc["applicant"].get("phone", ""))):
        return None
    params = params_of(doc)
    voice = doc["item"].get("case_type") == "voice"
    if kind == "submitted" and voice:
        return f"ev:{event['id']}", "voice_submitted", params
    if kind == "approved" and voice:
        answer = (doc.get("answer") or {}).get("text") or p.get("answer", "")
        return f"ev:{event['id']}", "voice_answered", dict(params, answer=_short(answer, 40) + "。" if answer else "")
    if kind == "accepted":
        params["due"] = doc.get("due_on") or "—"
    if kind == "supplement_requested":
        params["missing"] = _short("、".join(p.get("missing") or []), 40)
    if kind in ("not_accepted", "denied"):
        params["reason"] = _short(p.get("reason", ""), 40)
    return f"ev:{event['id']}", kind, params


def render(template, params, sign):
    """The message's text: TEMPLATE filled with PARAMS and the SIGN."""
    return TEMPLATES[template].format(sign=sign, **params)


def mask(phone):
    """PHONE as logs may show it: 137****1234."""
    phone = str(phone or "")
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def backoff(attempts, base=5):
    """Seconds before try ATTEMPTS+1: BASE, 2×BASE, 4×BASE, … capped at 30 minutes."""
    return min(1800, base * 2 ** min(attempts, 12))


def permanent(status):
    """True when the gateway's HTTP STATUS means retrying cannot help (a bad number, a refused template)."""
    return 400 <= status < 500 and status not in (408, 425, 429)
