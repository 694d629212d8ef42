"""The township's appointment book: the slots it offers and the bookings it takes, on a real node database."""
from datetime import date, datetime, timedelta

import pytest

from common.clock import CHINA
from common.config import Config
from common.domain import payloads
from common.errors import ConfigError, Conflict, CustodyError, NotFound, ValidationError
from common.live import live_problem
from common.node import open_db
from common.store import applications, calendar as cal_store
from township_node import appointment_store, appointments
from tests.helpers import make_node
from tests.sync.netutil import submit_many

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


def apps_from(cfg, conn, n, origin=V):
    # Applications as a village made them and sent them up: origin and custody at the village.
    return submit_many(Config(dict(cfg, code=origin)), n)


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
    with pytest.raises(Conflict):
        appointments.book(conn, cfg, NOW, V, b, "2026-12-02", "09:30")  # capacity 1
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
    with pytest.raises(ValidationError):
        appointments.book(conn, cfg, NOW, V, a, day, time)
    assert appointment_store.of_application(conn, a) is None


def test_a_village_books_only_for_its_own_applications(town):
    cfg, conn, _ = town
    [theirs] = apps_from(cfg, conn, 1, origin=OTHER)
    with pytest.raises(NotFound):
        appointments.book(conn, cfg, NOW, V, theirs, "2026-12-02", "09:00")
    for bad in ("no-such-id", "", None, 7, "x" * 65):
        with pytest.raises((NotFound, ValidationError)):
            appointments.book(conn, cfg, NOW, V, bad, "2026-12-02", "09:00")


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
    assert full["full"] is True and "约满" in full["error"]
    junk = appointments.handle(cfg, conn, {"kind": "appointment.book", "origin": V, "app_id": {"x": 1}}, NOW)
    assert junk["full"] is False and junk["error"]


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
