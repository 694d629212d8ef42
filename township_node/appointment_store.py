"""SQL for the township's appointment book (预约到乡镇当面办理): one row per booking of a slot.

A booking stands while its row is 'booked' and its application is not over (withdrawn or
delivered): an ended application frees its place without anyone having to cancel it.
"""
from common.domain.states import NO_VISIT
from common.store.db import sql_migration, tx_now

_STANDING = ("a.state = 'booked' AND NOT EXISTS (SELECT 1 FROM applications p WHERE p.id = a.app_id"
             f" AND p.state IN ({', '.join(repr(s) for s in NO_VISIT)}))")

MIGRATIONS = [
    sql_migration("township_0001_appointments", """
        CREATE TABLE appointments (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            day TEXT NOT NULL,
            time TEXT NOT NULL,
            app_id TEXT NOT NULL,
            tracking_code TEXT NOT NULL,
            village TEXT NOT NULL,
            name TEXT NOT NULL,
            item TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'booked',
            booked_at TEXT NOT NULL
        );
        CREATE INDEX appointments_slot ON appointments(day, time) WHERE state = 'booked';
        CREATE UNIQUE INDEX appointments_one_per_app ON appointments(app_id) WHERE state = 'booked';
    """),
    sql_migration("township_0002_appointment_person", """
        ALTER TABLE appointments ADD COLUMN person TEXT NOT NULL DEFAULT '';
        CREATE INDEX appointments_person ON appointments(person) WHERE state = 'booked';
        CREATE INDEX appointments_village_day ON appointments(village, day) WHERE state = 'booked';
        CREATE INDEX appointments_app ON appointments(app_id);
    """),
]


def taken(conn, first_day, last_day):
    """{(day, time): bookings} between FIRST_DAY and LAST_DAY (YYYY-MM-DD, inclusive)."""
    rows = conn.execute(f"SELECT day, time, COUNT(*) AS n FROM appointments a WHERE {_STANDING}"
                        " AND day BETWEEN ? AND ? GROUP BY day, time", (first_day, last_day))
    return {(r["day"], r["time"]): r["n"] for r in rows}


def of_application(conn, app_id):
    """The standing booking of APP_ID (a row) or None."""
    return conn.execute(f"SELECT * FROM appointments a WHERE {_STANDING} AND app_id = ?", (app_id,)).fetchone()


def count_at(conn, day, time):
    """Standing bookings of the slot DAY TIME."""
    return conn.execute(f"SELECT COUNT(*) FROM appointments a WHERE {_STANDING} AND day = ? AND time = ?",
                        (day, time)).fetchone()[0]


def moves(conn, app_id):
    """How many bookings APP_ID has ever made (each move is one)."""
    return conn.execute("SELECT COUNT(*) FROM appointments WHERE app_id = ?", (app_id,)).fetchone()[0]


def of_village_on(conn, village, day):
    """Standing bookings of VILLAGE's applications on DAY."""
    return conn.execute(f"SELECT COUNT(*) FROM appointments a WHERE {_STANDING} AND village = ? AND day = ?",
                        (village, day)).fetchone()[0]


def of_person(conn, person, other_than):
    """A standing booking of the person with ID number PERSON for another application than OTHER_THAN, or None."""
    return conn.execute(f"SELECT * FROM appointments a WHERE {_STANDING} AND person = ? AND app_id != ?",
                        (person, other_than)).fetchone()


def add(conn, day, time, doc, village):
    """Book DAY TIME for DOC (inside the caller's transaction); a booking it had before is marked moved. Its id."""
    conn.execute("UPDATE appointments SET state = 'moved' WHERE app_id = ? AND state = 'booked'", (doc["id"],))
    cur = conn.execute(
        "INSERT INTO appointments (day, time, app_id, tracking_code, village, name, item, booked_at, person)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (day, time, doc["id"], doc["tracking_code"], village, doc["applicant"]["name"], doc["item"]["name"],
         tx_now(conn), str(doc["applicant"].get("id_number", ""))))
    return cur.lastrowid


def of_day(conn, day):
    """The standing bookings of DAY, by time then booking order."""
    return conn.execute("SELECT a.*, COALESCE((SELECT p.state FROM applications p WHERE p.id = a.app_id), '')"
                        " AS app_state FROM appointments a WHERE a.state = 'booked' AND day = ? ORDER BY time, id",
                        (day,)).fetchall()


def days_with_bookings(conn, first_day, limit=14):
    """[(day, bookings)] of the next LIMIT days from FIRST_DAY that have standing bookings."""
    return [(r["day"], r["n"]) for r in conn.execute(
        "SELECT day, COUNT(*) AS n FROM appointments WHERE state = 'booked' AND day >= ? GROUP BY day"
        " ORDER BY day LIMIT ?", (first_day, limit))]
