"""SQL for the township's appointment book (预约到乡镇当面办理): one row per booking of a slot."""
from common.store.db import sql_migration, tx_now

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
]


def taken(conn, first_day, last_day):
    """{(day, time): bookings} between FIRST_DAY and LAST_DAY (YYYY-MM-DD, inclusive)."""
    rows = conn.execute("SELECT day, time, COUNT(*) AS n FROM appointments WHERE state = 'booked'"
                        " AND day BETWEEN ? AND ? GROUP BY day, time", (first_day, last_day))
    return {(r["day"], r["time"]): r["n"] for r in rows}


def of_application(conn, app_id):
    """The standing booking of APP_ID (a row) or None."""
    return conn.execute("SELECT * FROM appointments WHERE app_id = ? AND state = 'booked'", (app_id,)).fetchone()


def count_at(conn, day, time):
    """Standing bookings of the slot DAY TIME."""
    return conn.execute("SELECT COUNT(*) FROM appointments WHERE state = 'booked' AND day = ? AND time = ?",
                        (day, time)).fetchone()[0]


def add(conn, day, time, doc, village):
    """Book DAY TIME for DOC (inside the caller's transaction); a booking it had before is marked moved. Its id."""
    conn.execute("UPDATE appointments SET state = 'moved' WHERE app_id = ? AND state = 'booked'", (doc["id"],))
    cur = conn.execute(
        "INSERT INTO appointments (day, time, app_id, tracking_code, village, name, item, booked_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (day, time, doc["id"], doc["tracking_code"], village, doc["applicant"]["name"], doc["item"]["name"],
         tx_now(conn)))
    return cur.lastrowid


def of_day(conn, day):
    """The standing bookings of DAY, by time then booking order."""
    return conn.execute("SELECT * FROM appointments WHERE state = 'booked' AND day = ? ORDER BY time, id",
                        (day,)).fetchall()


def days_with_bookings(conn, first_day, limit=14):
    """[(day, bookings)] of the next LIMIT days from FIRST_DAY that have standing bookings."""
    return [(r["day"], r["n"]) for r in conn.execute(
        "SELECT day, COUNT(*) AS n FROM appointments WHERE state = 'booked' AND day >= ? GROUP BY day"
        " ORDER BY day LIMIT ?", (first_day, limit))]
