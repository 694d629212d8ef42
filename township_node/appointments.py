"""Appointments at the township service centre (预约到乡镇当面办理): the free slots and the booking.

The township is the authority over its own book. A kiosk asks over the live link for the free
slots (`appointment.slots`) and books one (`appointment.book`); the township checks the
application, the day, the time and the slot's capacity against its own state, writes the booking
and an `appointment_booked` event in one transaction (the event syncs up to the county and down to
the village like any other), and only then answers. A kiosk that cannot reach its township says
so and books nothing. The slots come from the settings appointment_hours, appointment_slot_minutes,
appointment_capacity and appointment_days, on the working days of the node's calendar.
"""
import re
from datetime import datetime, timedelta

from common import clock as business_clock
from common.domain.nodes import in_subtree, parent_of, tier_of
from common.domain.states import NO_VISIT
from common.errors import ConfigError, Conflict, NotFound, SanjiError
from common.live import live_for
from common.node import open_db, shared_clock
from common.store import applications, calendar as cal_store
from common.store.db import transaction

from . import appointment_store

LEAD_MINUTES = 60          # a slot today can be booked until an hour before it starts
MAX_MOVES = 4              # bookings one application may make (the first and three changes): each is an event
MAX_DAYS = 20              # appointment_days is bounded: an offer is a short list a person reads
SLOT_MINUTES = (10, 240)
MAX_CAPACITY = 50
ACTOR = "system:appointments"
WEEKDAYS = "一二三四五六日"
_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


def settings(cfg):
    """(ranges in minutes of the day, slot minutes, capacity, days ahead) from CFG, or a ConfigError with the fix."""
    ranges = []
    for part in str(cfg["appointment_hours"]).replace("，", ",").split(","):
        m = _RANGE.match(part.strip())
        start, end = (int(m[1]) * 60 + int(m[2]), int(m[3]) * 60 + int(m[4])) if m else (0, 0)
        if not m or end <= start or (ranges and start < ranges[-1][1]):
            raise ConfigError(f"appointment_hours {cfg['appointment_hours']!r} 无效 / bad opening hours",
                              fix="write HH:MM-HH:MM ranges in order, separated by commas, e.g. 09:00-12:00,14:00-17:00")
        ranges.append((start, end))
    slot, capacity, days = (int(cfg["appointment_slot_minutes"]), int(cfg["appointment_capacity"]),
                            int(cfg["appointment_days"]))
    if not SLOT_MINUTES[0] <= slot <= SLOT_MINUTES[1]:
        raise ConfigError("appointment_slot_minutes 超出范围 / slot length out of range", fix="10 … 240 minutes")
    if not 1 <= capacity <= MAX_CAPACITY or not 1 <= days <= MAX_DAYS:
        raise ConfigError("appointment_capacity 或 appointment_days 超出范围 / out of range",
                          fix=f"capacity 1 … {MAX_CAPACITY}, days 1 … {MAX_DAYS}")
    return ranges, slot, capacity, days


def slot_times(ranges, slot):
    """[(start "HH:MM", end "HH:MM")] of one day: whole slots inside each opening range."""
    out = []
    for start, end in ranges:
        t = start
        while t + slot <= end:
            out.append((f"{t // 60:02d}:{t % 60:02d}", f"{(t + slot) // 60:02d}:{(t + slot) % 60:02d}"))
            t += slot
    return out


def place_of(cfg):
    """Where the visit is: the office address setting, else the node's name."""
    return str(cfg.get("office_address") or cfg.get("name") or cfg["code"])


def offer(conn, cfg, now):
    """{days: [{date, weekday, slots: [{time, end, free}]}], place, phone}: what can be booked from NOW on."""
    ranges, slot, capacity, days = settings(cfg)
    times = slot_times(ranges, slot)
    cal = cal_store.load(conn)
    out, day = [], now.date()
    earliest = now + timedelta(minutes=LEAD_MINUTES)  # a datetime: past 23:00 "an hour ahead" is tomorrow
    for _ in range(days * 7 + 14):  # a long holiday does not make the list empty
        if len(out) == days:
            break
        if cal.is_workday(day):
            usable = [t for t in times if _starts(day, t[0], now.tzinfo) >= earliest]
            if usable:
                out.append({"date": day.isoformat(), "weekday": WEEKDAYS[day.weekday()], "times": usable})
        day += timedelta(days=1)
    if out:
        taken = appointment_store.taken(conn, out[0]["date"], out[-1]["date"])
        for d in out:
            d["slots"] = [{"time": a, "end": b, "free": max(0, capacity - taken.get((d["date"], a), 0))}
                          for a, b in d.pop("times")]
    return {"days": out, "place": place_of(cfg), "phone": str(cfg.get("office_phone") or "")}


def _starts(day, hhmm, tz):
    return datetime.combine(day, datetime.strptime(hhmm, "%H:%M").time(), tz)


class Refused(Conflict):
    """A booking the township will not take, with the REASON the kiosk tells the person (appt.problem.<reason>)."""

    def __init__(self, reason, message):
        super().__init__(message)
        self.reason = reason


def book(conn, cfg, now, village, app_id, day, time):
    """Book DAY TIME for application APP_ID from kiosk VILLAGE; the booking {date, time, end, place, ref}.

    Refuses (Refused, with its reason) anything the township's own state does not allow: an
    application it does not hold from that village, or one that is over; a day or time it does not
    offer; a full slot; more than MAX_MOVES bookings of one application (each is an event that goes
    up to the county); more than a village's share of a day; a second visit for the same person.
    """
    if not isinstance(app_id, str) or not 0 < len(app_id) <= 64 or not isinstance(village, str):
        raise Refused("unknown_app", "app_id 无效 / bad application id")
    try:
        doc = applications.get(conn, app_id)
    except NotFound:
        raise Refused("unknown_app", "乡镇还没有收到这件申请 / the township does not have this application yet") from None
    if not in_subtree(doc["origin"], village):
        raise Refused("unknown_app", "没有这件申请 / no such application from this village")
    if doc["state"] in NO_VISIT:
        raise Refused("closed", "这件申请已经结束，不用再预约 / the application is over")
    shown = offer(conn, cfg, now)
    days = {d["date"]: d for d in shown["days"]}
    chosen = next((s for s in days.get(day, {}).get("slots", []) if s["time"] == time), None) \
        if isinstance(day, str) and isinstance(time, str) else None
    if chosen is None:
        raise Refused("bad_time", "这个时间不能预约，请另选 / that time cannot be booked; choose another")
    ranges, slot, capacity, _days = settings(cfg)
    share = max(1, -(-capacity * len(slot_times(ranges, slot)) // 2))  # half a day's places, rounded up
    person = str(doc["applicant"].get("id_number", ""))
    with transaction(conn):
        mine = appointment_store.of_application(conn, app_id)
        if mine and (mine["day"], mine["time"]) == (day, time):
            ref = mine["id"]  # the same request again (a retry): the same booking
        else:
            # Under the write lock: no overbooking, and the limits hold against concurrent requests.
            if appointment_store.moves(conn, app_id) >= MAX_MOVES:
                raise Refused("too_many", "这件申请的预约已改了多次 / this booking was changed too often")
            if person and appointment_store.of_person(conn, person, app_id):
                raise Refused("person_booked", "这个人已经预约了一次 / this person already has a visit booked")
            if appointment_store.count_at(conn, day, time) >= capacity:
                raise Refused("full", "这个时段已约满，请另选 / that slot is full; choose another")
            if appointment_store.of_village_on(conn, village, day) >= share:
                raise Refused("village_share", "这一天本村的预约名额已满 / this village's places that day are taken")
            ref = appointment_store.add(conn, day, time, doc, village)
            applications.append(conn, shared_clock(conn, cfg), cfg["code"], app_id, "appointment_booked", ACTOR,
                                {"date": day, "time": time, "end": chosen["end"], "place": shown["place"][:100],
                                 "ref": ref})
    return {"date": day, "weekday": days[day]["weekday"], "time": time, "end": chosen["end"],
            "place": shown["place"], "phone": shown["phone"], "ref": ref}


def handle(cfg, conn, m, now):
    """The reply to one live request M from a kiosk (pure of the link: tests call it directly).

    Only a village directly below this township is answered, whatever the link let through.
    """
    kind, village = m.get("kind"), m.get("origin")
    try:
        if not isinstance(village, str) or tier_of(village) != "village" or parent_of(village) != cfg["code"]:
            raise Refused("unknown_app", "只有本乡镇的村可以预约 / only this township's villages book here")
        if kind == "appointment.slots":
            return {"offer": offer(conn, cfg, now)}
        if kind == "appointment.book":
            return {"booked": book(conn, cfg, now, village, m.get("app_id"), m.get("date"), m.get("time"))}
        raise Refused("bad_time", f"unknown request {str(kind)[:40]!r}")
    except SanjiError as exc:
        reason = exc.reason if isinstance(exc, Refused) else "refused"
        return {"error": exc.message, "reason": reason, "full": reason == "full"}


def register(cfg):
    """Answer the kiosks' `appointment.slots` and `appointment.book` live requests (at a township node)."""
    settings(cfg)  # a bad setting stops the node at start, with the fix, not at the first booking
    live = live_for(cfg)

    def on_request(m):
        conn = open_db(cfg)
        try:
            answer = handle(cfg, conn, m, business_clock.for_config(cfg).now())
        finally:
            conn.close()
        live.send(m["origin"], dict(answer, kind="appointment.reply", pid=str(m.get("pid", ""))[:64]))

    live.on("appointment.slots", on_request)
    live.on("appointment.book", on_request)


def day_of(text, today):
    """The day a township page asks for (?day=YYYY-MM-DD), today when absent, malformed or over a year away."""
    try:
        day = datetime.strptime(str(text)[:10], "%Y-%m-%d").date()
    except ValueError:
        return today
    return day if abs((day - today).days) <= 366 else today
