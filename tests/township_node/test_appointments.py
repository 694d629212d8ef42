"""The township's appointment book: the slots it offers and the bookings it takes, on a real node database."""
from datetime import date, datetime, timedelta

import pytest

from common import idcard
from common.clock import CHINA
from common.config import Config
from common.domain import payloads
from common.errors import ConfigError, CustodyError, ValidationError
from common.live import live_problem
from common.node import open_db
from common.store import applications, calendar as cal_store
from township_node import appointment_store, appointments
from tests.helpers import make_node
from common.hlc import Clock
from common.store.db import transaction
from tests.sync.netutil import APPLICANT as PERSON, submit_many

T, V, OTHER = "371399101", "371399101001", "371399101002"
# A Tuesday morning in a week without holidays: today's slots from 10:00 on, then the next working days.
NOW = datetime(2026, 12, 1, 8, 40, tzinfo=CHINA)


@pytest.fixture
def town(tmp_path):
    cfg = make_node(tmp_path, "township", appointment_capacity=1, appointment_days=3, office_address="河口镇便民服务中心一楼")
    conn = open_db(cfg)
    village = Config(dict(cfg, code=V, data_dir=str(tmp_path / "v")))
    yield cfg, conn, village
    conn.close()


def person(n):
    """An applicant with a valid ID number of their own (born 1944), the N-th."""
    first = f"11010519440119{n:03d}"
    return dict(PERSON, id_number=first + idcard.check_digit(first))


_people = iter(range(1, 999))


def apps_from(cfg, conn, n, origin=V):
    # Applications as a village made them and sent them up (origin and custody at the village), each
    # of another person: one person holds one visit at a time.
    return [submit_many(Config(dict(cfg, code=origin)), 1, applicant=person(next(_people)))[0] for _ in range(n)]


def test_the_offer_is_whole_slots_in_opening_hours_on_working_days_from_an_hour_ahead(town):
    cfg, conn, _ = town
    offer = appointments.offer(conn, cfg, NOW)
    assert [d["date"] for d in offer["days"]] == ["2026-12-01", "2026-12-02", "2026-12-03"]
    today = [s["time"] for s in offer["days"][0]["slots"]]
    assert today[0] == "10:00" and "09:30" not in today and today[-1] == "16:30"
    assert [s["time"] for s in offer["days"][1]["slots"]][:2] == ["09:00", "09:30"]
    assert offer["place"] == "河口镇便民服务中心一楼" and all(s["free"] == 1 for s in offer["days"][1]["slots"])
    friday_evening = datetime(2026, 12, 4, 18, 0, tzinfo=CHINA)
    assert appointments.offer(conn, cfg, friday_evening)["days"][0]["date"] == "2026-12-07"  # the weekend skipped
    cal_store.set_day(conn, date(2026, 12, 2), "holiday", "测试假日")  # the node's calendar decides
    assert [d["date"] for d in appointments.offer(conn, cfg, NOW)["days"]] == ["2026-12-01", "2026-12-03", "2026-12-04"]


@pytest.mark.parametrize("hours", ["9-12", "09:00-12:00;14:00-17:00", "12:00-09:00", "09:00-12:00,11:00-13:00", "25:00-26:00"])
def test_bad_opening_hours_stop_the_node_with_the_fix(town, hours):
    cfg, _, _ = town
    with pytest.raises(ConfigError) as e:
        appointments.settings(dict(cfg, appointment_hours=hours))
    assert "HH:MM-HH:MM" in e.value.fix
    with pytest.raises(ConfigError):
        appointments.settings(dict(cfg, appointment_slot_minutes=5))
    with pytest.raises(ConfigError):
        appointments.settings(dict(cfg, appointment_days=365))


def test_a_booking_is_written_with_its_event_and_a_full_slot_is_refused(town):
    cfg, conn, _ = town
    a, b = apps_from(cfg, conn, 2)
    booked = appointments.book(conn, cfg, NOW, V, a, "2026-12-02", "09:30")
    assert (booked["date"], booked["time"], booked["end"], booked["weekday"]) == ("2026-12-02", "09:30", "10:00", "三")
    doc = applications.get(conn, a)
    assert doc["appointment"] == {"date": "2026-12-02", "time": "09:30", "end": "10:00", "place": "河口镇便民服务中心一楼"}
    event = [e for e in applications.events(conn, a) if e["type"] == "appointment_booked"][0]
    assert event["origin"] == T and event["actor"] == appointments.ACTOR
    payloads.check_from_child(event)  # what the county will check of it
    with pytest.raises(appointments.Refused) as e:
        appointments.book(conn, cfg, NOW, V, b, "2026-12-02", "09:30")  # capacity 1
    assert e.value.reason == "full"
    assert appointments.book(conn, cfg, NOW, V, a, "2026-12-02", "09:30")["ref"] == booked["ref"]  # a retry: the same
    assert len(applications.events(conn, a)) == 2
    slot = next(s for s in appointments.offer(conn, cfg, NOW)["days"][1]["slots"] if s["time"] == "09:30")
    assert slot["free"] == 0


def test_moving_a_booking_frees_the_old_slot(town):
    cfg, conn, _ = town
    a, b = apps_from(cfg, conn, 2)
    appointments.book(conn, cfg, NOW, V, a, "2026-12-02", "09:30")
    appointments.book(conn, cfg, NOW, V, a, "2026-12-03", "14:00")
    assert appointments.book(conn, cfg, NOW, V, b, "2026-12-02", "09:30")["time"] == "09:30"
    assert [r["app_id"] for r in appointment_store.of_day(conn, "2026-12-03")] == [a]
    assert applications.get(conn, a)["appointment"]["date"] == "2026-12-03"


@pytest.mark.parametrize("day,time", [("2026-12-01", "09:30"),   # today, less than an hour ahead
                                      ("2026-12-05", "09:00"),   # Saturday
                                      ("2026-12-02", "12:30"),   # lunch
                                      ("2026-12-02", "09:15"),   # not a slot start
                                      ("2026-12-30", "09:00"),   # beyond appointment_days
                                      ("2026-13-01", "09:00"), (None, "09:00"), ("2026-12-02", ["09:00"])])
def test_a_day_or_time_not_offered_is_refused(town, day, time):
    cfg, conn, _ = town
    [a] = apps_from(cfg, conn, 1)
    with pytest.raises(appointments.Refused) as e:
        appointments.book(conn, cfg, NOW, V, a, day, time)
    assert e.value.reason == "bad_time" and appointment_store.of_application(conn, a) is None


def test_a_village_books_only_for_its_own_applications(town):
    cfg, conn, _ = town
    [theirs] = apps_from(cfg, conn, 1, origin=OTHER)
    for bad in (theirs, "no-such-id", "", None, 7, "x" * 65):
        with pytest.raises(appointments.Refused) as e:
            appointments.book(conn, cfg, NOW, V, bad, "2026-12-02", "09:00")
        assert e.value.reason == "unknown_app"  # said as "the township does not have it", not as a bad time


def test_handle_answers_every_request_with_an_offer_a_booking_or_an_error(town):
    cfg, conn, _ = town
    [a] = apps_from(cfg, conn, 1)
    assert appointments.handle(cfg, conn, {"kind": "appointment.slots", "origin": V}, NOW)["offer"]["days"]
    ok = appointments.handle(cfg, conn, {"kind": "appointment.book", "origin": V, "app_id": a,
                                         "date": "2026-12-02", "time": "09:00"}, NOW)
    assert ok["booked"]["time"] == "09:00"
    [b] = apps_from(cfg, conn, 1)
    full = appointments.handle(cfg, conn, {"kind": "appointment.book", "origin": V, "app_id": b,
                                           "date": "2026-12-02", "time": "09:00"}, NOW)
    assert full["full"] is True and full["reason"] == "full" and "约满" in full["error"]
    junk = appointments.handle(cfg, conn, {"kind": "appointment.book", "origin": V, "app_id": {"x": 1}}, NOW)
    assert junk["full"] is False and junk["error"] and junk["reason"] == "unknown_app"
    for origin in ("", T, "371399102001", None, ["x"]):  # only a village right below this township
        wrong = appointments.handle(cfg, conn, {"kind": "appointment.slots", "origin": origin}, NOW)
        assert "offer" not in wrong and wrong["reason"] == "unknown_app"


def test_only_a_township_writes_bookings_and_only_its_own_villages_ask():
    event = {"type": "appointment_booked", "origin": V, "payload": {"date": "2026-12-02", "time": "09:00",
                                                                   "end": "09:30", "place": "x", "ref": 1}}
    with pytest.raises(CustodyError):
        payloads.check_from_child(event)  # a kiosk cannot write itself into the township's book
    for bad in ({"date": "2026-12-02T00", "time": "09:00", "end": "09:30", "place": "x", "ref": 1},
                {"date": "2026-12-02", "time": "9:00", "end": "09:30", "place": "x", "ref": 1},
                {"date": "2026-12-02", "time": "09:00", "end": "09:30", "place": "", "ref": 1},
                {"date": "2026-12-02", "time": "09:00", "end": "09:30", "place": "x", "ref": True}):
        with pytest.raises(ValidationError):
            payloads.check_from_child(dict(event, origin=T, payload=bad))
    ask = {"kind": "appointment.book", "origin": V}
    assert live_problem(T, V, T, ask) is None
    assert live_problem(T, V, T, dict(ask, origin=OTHER)) is not None      # another village's name
    assert live_problem("371399", "371399101", "371399", ask) is not None   # only to its own township
    assert live_problem(T, "up", T, ask) is not None                        # never down from the county
    reply = {"kind": "appointment.reply", "origin": T, "pid": "reply:1"}
    assert live_problem(V, "up", V, reply) is None
    assert live_problem(V, "up", V, dict(reply, origin="371399102")) is not None
    assert live_problem(T, V, T, dict(reply, origin=V)) is not None


def test_the_offer_is_empty_of_today_after_hours(town):
    cfg, conn, _ = town
    evening = NOW.replace(hour=16, minute=10)
    assert appointments.offer(conn, cfg, evening)["days"][0]["date"] == "2026-12-02"
    assert appointments.offer(conn, cfg, NOW + timedelta(minutes=0))["days"][0]["date"] == "2026-12-01"


def test_late_in_the_evening_today_is_over(town):
    cfg, conn, _ = town
    late = datetime(2026, 12, 1, 23, 30, tzinfo=CHINA)  # an hour ahead is past midnight: nothing today
    assert appointments.offer(conn, cfg, late)["days"][0]["date"] == "2026-12-02"
    [a] = apps_from(cfg, conn, 1)
    with pytest.raises(appointments.Refused):
        appointments.book(conn, cfg, late, V, a, "2026-12-01", "09:00")


def test_one_application_moves_its_booking_a_few_times_only(town):
    cfg, conn, _ = town
    [a] = apps_from(cfg, conn, 1)
    for n, time in enumerate(("09:00", "09:30", "10:00", "10:30")):
        appointments.book(conn, cfg, NOW, V, a, "2026-12-02", time)
    with pytest.raises(appointments.Refused) as e:
        appointments.book(conn, cfg, NOW, V, a, "2026-12-02", "11:00")
    assert e.value.reason == "too_many"
    assert appointments.book(conn, cfg, NOW, V, a, "2026-12-02", "10:30")["time"] == "10:30"  # a retry still answers
    booked = [x for x in applications.events(conn, a) if x["type"] == "appointment_booked"]
    assert len(booked) == appointments.MAX_MOVES  # the county sees a bounded number of events


def test_a_village_takes_at_most_half_a_day_and_a_person_one_visit(town):
    cfg, conn, _ = town
    cfg = Config(dict(cfg, appointment_hours="09:00-10:00", appointment_capacity=2))  # 2 slots × 2 = 4 places
    people = [person(900 + i) for i in range(3)]
    ids = [submit_many(Config(dict(cfg, code=V)), 1, applicant=p)[0] for p in people]
    [again] = submit_many(Config(dict(cfg, code=V)), 1, applicant=people[0])
    appointments.book(conn, cfg, NOW, V, ids[0], "2026-12-02", "09:00")
    with pytest.raises(appointments.Refused) as e:
        appointments.book(conn, cfg, NOW, V, again, "2026-12-03", "09:00")  # the same person's other application
    assert e.value.reason == "person_booked"
    appointments.book(conn, cfg, NOW, V, ids[1], "2026-12-02", "09:30")
    with pytest.raises(appointments.Refused) as e:
        appointments.book(conn, cfg, NOW, V, ids[2], "2026-12-02", "09:30")  # places are left, the village's share is not
    assert e.value.reason == "village_share"
    assert appointments.book(conn, cfg, NOW, V, ids[2], "2026-12-03", "09:30")["date"] == "2026-12-03"


def test_an_application_that_is_over_holds_no_place(town):
    cfg, conn, _ = town
    [a, b] = apps_from(cfg, conn, 2)
    appointments.book(conn, cfg, NOW, V, a, "2026-12-02", "09:00")
    clock = Clock(T, last=applications.get(conn, a)["last_hlc"])
    with transaction(conn):  # the township receives it, then the person withdraws it
        applications.append(conn, clock, T, a, "received", "win1", {})
        applications.append(conn, clock, T, a, "withdrawn", "win1", {"reason": "不办了"})
    assert appointments.book(conn, cfg, NOW, V, b, "2026-12-02", "09:00")["time"] == "09:00"  # the place is free
    with pytest.raises(appointments.Refused) as e:
        appointments.book(conn, cfg, NOW, V, a, "2026-12-03", "09:00")
    assert e.value.reason == "closed"


def test_the_book_page_asks_for_days_near_enough():
    today = date(2026, 12, 1)
    assert appointments.day_of("2026-12-09", today) == date(2026, 12, 9)
    for far in ("9999-12-31", "0001-01-01", "2026-13-01", "", None, "2026-12-09T00:00" * 100):
        assert appointments.day_of(far, today) in (today, date(2026, 12, 9)), far
