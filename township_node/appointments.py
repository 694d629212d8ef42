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
from common.domain.nodes import in_subtree
from common.errors import ConfigError, Conflict, NotFound, SanjiError, ValidationError
from common.live import live_for
from common.node import open_db, shared_clock
from common.store import applications, calendar as cal_store
from common.store.db import transaction

from . import appointment_store

LEAD_MINUTES = 60          # a slot today can be booked until an hour before it starts
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
    earliest = (now + timedelta(minutes=LEAD_MINUTES)).strftime("%H:%M")
    for _ in range(days * 7 + 14):  # a long holiday does not make the list empty
        if len(out) == days:
            break
        if cal.is_workday(day):
            usable = [t for t in times if day > now.date() or t[0] >= earliest]
            if usable:
                out.append({"date": day.isoformat(), "weekday": WEEKDAYS[day.weekday()], "times": usable})
        day += timedelta(days=1)
    if out:
        taken = appointment_store.taken(conn, out[0]["date"], out[-1]["date"])
        for d in out:
            d["slots"] = [{"time": a, "end": b, "free": max(0, capacity - taken.get((d["date"], a), 0))}
                          for a, b in d.pop("times")]
    return {"days": out, "place": place_of(cfg), "phone": str(cfg.get("office_phone") or "")}


def book(conn, cfg, now, village, app_id, day, time):
    """Book DAY TIME for application APP_ID from kiosk VILLAGE; the booking {date, time, end, place, ref}.

    Refuses (ValidationError, NotFound, Conflict) anything the township's own state does not
    allow: an application not from that village, a day or time not offered, a full slot.
    """
    if not isinstance(app_id, str) or not 0 < len(app_id) <= 64:
        raise ValidationError("app_id 无效 / bad application id")
    doc = applications.get(conn, app_id)
    if not in_subtree(doc["origin"], village):
        raise NotFound("没有这件申请 / no such application from this village")
    shown = offer(conn, cfg, now)
    days = {d["date"]: d for d in shown["days"]}
    chosen = next((s for s in days.get(day, {}).get("slots", []) if s["time"] == time), None) \
        if isinstance(day, str) and isinstance(time, str) else None
    if chosen is None:
        raise ValidationError("这个时间不能预约，请另选 / that time cannot be booked; choose another")
    capacity = settings(cfg)[2]
    with transaction(conn):
        mine = appointment_store.of_application(conn, app_id)
        if mine and (mine["day"], mine["time"]) == (day, time):
            ref = mine["id"]  # the same request again (a retry): the same booking
        else:
            if appointment_store.count_at(conn, day, time) >= capacity:  # under the write lock: no overbooking
                raise Conflict("这个时段已约满，请另选 / that slot is full; choose another")
            ref = appointment_store.add(conn, day, time, doc, village)
            applications.append(conn, shared_clock(conn, cfg), cfg["code"], app_id, "appointment_booked", ACTOR,
                                {"date": day, "time": time, "end": chosen["end"], "place": shown["place"][:100],
                                 "ref": ref})
    return {"date": day, "weekday": days[day]["weekday"], "time": time, "end": chosen["end"],
            "place": shown["place"], "phone": shown["phone"], "ref": ref}


def handle(cfg, conn, m, now):
    """The reply to one live request M from a kiosk (pure of the link: tests call it directly)."""
    kind, village = m.get("kind"), str(m.get("origin", ""))
    try:
        if kind == "appointment.slots":
            return {"offer": offer(conn, cfg, now)}
        if kind == "appointment.book":
            return {"booked": book(conn, cfg, now, village, m.get("app_id"), m.get("date"), m.get("time"))}
        raise ValidationError(f"unknown request {kind!r}")
    except SanjiError as exc:
        return {"error": exc.message, "full": isinstance(exc, Conflict)}


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
    """The day a township page asks for (?day=YYYY-MM-DD), today when absent or malformed."""
    try:
        return datetime.strptime(str(text), "%Y-%m-%d").date()
    except ValueError:
        return today
