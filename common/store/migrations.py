"""The ordered, named schema migrations every node shares. Append only; never edit a released step."""
import sqlite3

from .db import Migration, sql_migration

COMMON = [
    sql_migration("0001_meta", """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """),
    sql_migration("0002_accounts", """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            username TEXT NOT NULL UNIQUE COLLATE NOCASE,
            display_name TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            disabled INTEGER NOT NULL DEFAULT 0,
            failed_logins INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT,
            must_change_password INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        );
        CREATE TABLE user_roles (
            user_id INTEGER NOT NULL REFERENCES users(id),
            role TEXT NOT NULL,
            department TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (user_id, role, department)
        );
        CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,
            user_id INTEGER REFERENCES users(id),
            data TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL,
            last_seen TEXT NOT NULL
        );
        CREATE INDEX sessions_user ON sessions(user_id);
    """),
    sql_migration("0003_audit", """
        CREATE TABLE audit_log (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL DEFAULT '',
            detail TEXT NOT NULL DEFAULT '{}',
            ip TEXT NOT NULL DEFAULT '',
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    """),
    sql_migration("0004_calendar", """
        CREATE TABLE calendar_days (
            day TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
            name TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL DEFAULT 'seed'
        );
        CREATE TABLE calendar_years (
            year INTEGER PRIMARY KEY,
            published INTEGER NOT NULL DEFAULT 0,
            version INTEGER NOT NULL DEFAULT 1
        );
    """),
    sql_migration("0005_catalog", """
        CREATE TABLE catalog_versions (
            version INTEGER PRIMARY KEY,
            label TEXT NOT NULL,
            source TEXT NOT NULL,
            checksum TEXT NOT NULL,
            imported_at TEXT NOT NULL,
            item_count INTEGER NOT NULL
        );
        CREATE TABLE catalog_departments (
            version INTEGER NOT NULL REFERENCES catalog_versions(version),
            code TEXT NOT NULL,
            name TEXT NOT NULL,
            name_en TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (version, code)
        );
        CREATE TABLE catalog_items (
            version INTEGER NOT NULL REFERENCES catalog_versions(version),
            code TEXT NOT NULL,
            name TEXT NOT NULL,
            department TEXT NOT NULL,
            decide_tier TEXT NOT NULL,
            doc TEXT NOT NULL,
            PRIMARY KEY (version, code)
        );
    """),
    sql_migration("0006_applications", """
        CREATE TABLE events (
            id TEXT PRIMARY KEY,
            app_id TEXT NOT NULL,
            origin TEXT NOT NULL,
            hlc TEXT NOT NULL,
            actor TEXT NOT NULL,
            type TEXT NOT NULL,
            payload TEXT NOT NULL DEFAULT '{}',
            stored_at TEXT NOT NULL
        );
        CREATE INDEX events_app ON events(app_id, hlc);
        CREATE TABLE applications (
            id TEXT PRIMARY KEY,
            tracking_code TEXT NOT NULL,
            item_code TEXT NOT NULL,
            origin TEXT NOT NULL,
            custody TEXT NOT NULL,
            state TEXT NOT NULL,
            applicant_name TEXT NOT NULL,
            applicant_id_number TEXT NOT NULL,
            applicant_phone TEXT NOT NULL DEFAULT '',
            proxy_by TEXT NOT NULL DEFAULT '',
            submitted_at TEXT NOT NULL,
            accepted_on TEXT,
            due_on TEXT,
            due_provisional INTEGER NOT NULL DEFAULT 0,
            last_hlc TEXT NOT NULL,
            doc TEXT NOT NULL
        );
        CREATE INDEX applications_tracking ON applications(tracking_code);
        CREATE INDEX applications_state ON applications(state, due_on);
        CREATE INDEX applications_origin ON applications(origin);
    """),
]

COMMON.append(sql_migration("0007_sync", """
    CREATE TABLE sync_outbox (
        link TEXT NOT NULL,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        msg_id TEXT NOT NULL,
        subject TEXT NOT NULL DEFAULT '',
        body BLOB NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (link, seq)
    );
    CREATE TABLE sync_links (
        link TEXT PRIMARY KEY,
        acked_upto INTEGER NOT NULL DEFAULT 0,
        recv_upto INTEGER NOT NULL DEFAULT 0,
        peer_epoch TEXT NOT NULL DEFAULT '',
        last_contact TEXT,
        state TEXT NOT NULL DEFAULT 'down',
        state_since TEXT
    );
    CREATE TABLE sync_nodes (
        public_key TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        code TEXT NOT NULL DEFAULT '',
        claimed TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected', 'revoked')),
        address TEXT NOT NULL DEFAULT '',
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        decided_at TEXT
    );
    CREATE INDEX sync_nodes_code ON sync_nodes(code, status);
    CREATE TABLE sync_quarantine (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        link TEXT NOT NULL,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        msg_id TEXT NOT NULL,
        body BLOB NOT NULL,
        reason TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE TABLE sync_refusals (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        peer TEXT NOT NULL,
        code TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    CREATE TABLE blobs (
        sha256 TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        have INTEGER NOT NULL DEFAULT 0,
        complete INTEGER NOT NULL DEFAULT 0,
        source TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    );
"""))

COMMON.append(sql_migration("0008_sync_rates", """
    ALTER TABLE sync_links ADD COLUMN bytes_in INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sync_links ADD COLUMN bytes_out INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sync_links ADD COLUMN rate_in REAL NOT NULL DEFAULT 0;
    ALTER TABLE sync_links ADD COLUMN rate_out REAL NOT NULL DEFAULT 0;
    ALTER TABLE sync_links ADD COLUMN peer_backlog INTEGER NOT NULL DEFAULT 0;
"""))

COMMON.append(sql_migration("0009_sync_subtree", """
    CREATE TABLE sync_subtree (
        node TEXT PRIMARY KEY,
        reporter TEXT NOT NULL,
        state TEXT NOT NULL,
        since TEXT,
        last_contact TEXT,
        queue_out INTEGER NOT NULL DEFAULT 0,
        queue_in INTEGER NOT NULL DEFAULT 0,
        reported_at TEXT NOT NULL
    );
"""))

COMMON.append(sql_migration("0010_notices", """
    CREATE TABLE notices (
        id TEXT PRIMARY KEY,
        publisher TEXT NOT NULL,
        version INTEGER NOT NULL,
        seq INTEGER NOT NULL UNIQUE,
        published_on TEXT NOT NULL,
        expires_on TEXT,
        withdrawn INTEGER NOT NULL DEFAULT 0,
        doc TEXT NOT NULL
    );
    CREATE INDEX notices_shown ON notices(withdrawn, published_on);
"""))

# Trust (issue 16): a child's re-export after its restore skips what its link already holds, found by
# this index; the signing keys of the nodes whose events this node stores, and each event's signature; which
# applications refer to a blob, so a child is served only the blobs of its own subtree.
COMMON.append(sql_migration("0011_trust", """
    CREATE INDEX sync_outbox_msg ON sync_outbox(link, msg_id);
    ALTER TABLE events ADD COLUMN sig TEXT;
    CREATE TABLE node_keys (
        code TEXT NOT NULL,
        sign_key TEXT NOT NULL,
        source TEXT NOT NULL,
        added_at TEXT NOT NULL,
        PRIMARY KEY (code, sign_key)
    ) WITHOUT ROWID;
    CREATE TABLE blob_refs (
        sha256 TEXT NOT NULL,
        app_id TEXT NOT NULL,
        PRIMARY KEY (sha256, app_id)
    ) WITHOUT ROWID;
    INSERT OR IGNORE INTO blob_refs (sha256, app_id)
        SELECT json_extract(m.value, '$.sha256'), e.app_id
        FROM events e, json_each(e.payload, '$.materials') m
        WHERE e.type IN ('submitted', 'supplement_provided') AND m.type = 'object'
          AND json_type(m.value, '$.sha256') = 'text';
"""))

# Limits (issue 17): refusals are one row per peer and reason with a count, so a flood of bad frames
# or strangers costs a counter, not a row each.
COMMON.append(sql_migration("0012_refusals_aggregated", """
    CREATE TABLE sync_refusals_new (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        last_at TEXT NOT NULL,
        peer TEXT NOT NULL,
        code TEXT NOT NULL,
        detail TEXT NOT NULL,
        count INTEGER NOT NULL DEFAULT 1,
        UNIQUE (peer, code)
    );
    INSERT INTO sync_refusals_new (at, last_at, peer, code, detail, count)
        SELECT MIN(at), MAX(at), peer, code, MAX(detail), COUNT(*) FROM sync_refusals GROUP BY peer, code;
    DROP TABLE sync_refusals;
    ALTER TABLE sync_refusals_new RENAME TO sync_refusals;
    CREATE INDEX sync_refusals_last ON sync_refusals(last_at);
"""))

# Limits (issue 17): events that cannot apply yet wait in a backlog per link instead of quarantine;
# a child keeps what its parent refused, with why, so its screens never call it delivered.
COMMON.append(sql_migration("0013_held_and_refused", """
    CREATE TABLE sync_held (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        link TEXT NOT NULL,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        msg_id TEXT NOT NULL,
        subject TEXT NOT NULL,
        app_id TEXT NOT NULL,
        body BLOB NOT NULL,
        reason TEXT NOT NULL,
        held_at TEXT NOT NULL
    );
    CREATE INDEX sync_held_app ON sync_held(app_id);
    CREATE INDEX sync_held_link ON sync_held(link, held_at);
    CREATE TABLE sync_refused (
        link TEXT NOT NULL,
        seq INTEGER NOT NULL,
        msg_id TEXT NOT NULL,
        reason TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (link, seq)
    );
    CREATE INDEX sync_refused_msg ON sync_refused(msg_id);
"""))

# Limits (issue 17): a client that retries a submission gets the first answer, never a second application.
COMMON.append(sql_migration("0014_idempotency", """
    CREATE TABLE idempotency_keys (
        key TEXT PRIMARY KEY,
        request_hash TEXT NOT NULL,
        app_id TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX idempotency_keys_age ON idempotency_keys(created_at);
"""))

# Limits (issue 17): a link whose quarantine is full, or whose peer's clock is off, raises an alarm
# both sides show; events dated ahead of this node's clock are held until their time comes.
COMMON.append(sql_migration("0015_link_alarms", """
    ALTER TABLE sync_links ADD COLUMN alarm TEXT NOT NULL DEFAULT '';
    ALTER TABLE sync_links ADD COLUMN alarm_detail TEXT NOT NULL DEFAULT '';
    ALTER TABLE sync_links ADD COLUMN alarm_since TEXT;
    ALTER TABLE sync_held ADD COLUMN not_before INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX sync_held_due ON sync_held(link, not_before) WHERE not_before > 0;
    CREATE INDEX sync_quarantine_link ON sync_quarantine(link, id);
"""))

# Limits (issue 17): a photo uploaded through the API belongs to its uploader until an application
# claims it; unclaimed ones are bounded per uploader and collected after UPLOAD_TTL_HOURS.
COMMON.append(sql_migration("0016_upload_owner", """
    ALTER TABLE blobs ADD COLUMN uploader TEXT NOT NULL DEFAULT '';
    CREATE INDEX blobs_uploads ON blobs(uploader, created_at) WHERE uploader != '';
"""))

# The slow link (issue 21): how often a link went down, shown with its state (a line that flaps is
# not "up" in any sense a clerk cares about).
COMMON.append(sql_migration("0017_link_flaps", """
    ALTER TABLE sync_links ADD COLUMN flaps INTEGER NOT NULL DEFAULT 0;
"""))

# The slow link (issue 21): what a link re-sent, what the peer still wants of our photos (its
# heartbeat says), and where a wanted photo comes from, so villages of one township take turns
# (the partial index keeps the pull queue small however many photos a county ever held).
COMMON.append(sql_migration("0018_link_backlog", """
    ALTER TABLE sync_links ADD COLUMN bytes_resent INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sync_links ADD COLUMN peer_blobs INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sync_links ADD COLUMN peer_blob_bytes INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE blobs ADD COLUMN origin TEXT NOT NULL DEFAULT '';
    UPDATE blobs SET origin = COALESCE((SELECT a.origin FROM blob_refs r JOIN applications a ON a.id = r.app_id
                                        WHERE r.sha256 = blobs.sha256 LIMIT 1), '') WHERE complete = 0;
    CREATE INDEX blobs_wanted ON blobs(source, origin, created_at) WHERE complete = 0;
"""))

# Full copies on request (issue 21): a photo's review copy names its full copy (`full`, at the
# node that made it), and a full copy a reviewer asked for is pulled before the backlog (`urgent`;
# `missing_at`: when its holder last said it lacks it, which the reviewer is shown).
# The pull queue's index now leads with what a turn takes first, so each origin's next photos are
# found by a seek rather than by numbering every photo waiting (100,000 waiting took 0.3 s a read),
# and it holds the sizes, so what is left to pull is summed without reading the rows.
COMMON.append(sql_migration("0019_full_copies", """
    ALTER TABLE blobs ADD COLUMN full TEXT NOT NULL DEFAULT '';
    ALTER TABLE blobs ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE blobs ADD COLUMN missing_at TEXT NOT NULL DEFAULT '';
    DROP INDEX blobs_wanted;
    CREATE INDEX blobs_wanted ON blobs(source, origin, urgent DESC, created_at, size, have) WHERE complete = 0;
"""))


def _app_facts(conn: sqlite3.Connection) -> None:
    from . import calendar as cal_store, facts
    for sql in """
        CREATE TABLE app_facts (
            app_id TEXT PRIMARY KEY,
            department TEXT NOT NULL, township TEXT NOT NULL, village TEXT NOT NULL, item TEXT NOT NULL,
            case_type TEXT NOT NULL, state TEXT NOT NULL,
            submitted_on TEXT NOT NULL, accepted_on TEXT, decided_on TEXT, outcome TEXT, due_on TEXT,
            on_time INTEGER, early INTEGER, working_days INTEGER
        );
        CREATE INDEX app_facts_submitted ON app_facts(submitted_on, department, township, village, item);
        CREATE INDEX app_facts_accepted ON app_facts(accepted_on, department, township, village, item)
            WHERE accepted_on IS NOT NULL;
        CREATE INDEX app_facts_decided ON app_facts(decided_on, department, township, village, item, on_time,
            early, working_days, submitted_on) WHERE decided_on IS NOT NULL;
        CREATE INDEX app_facts_open ON app_facts(submitted_on, department, township, village, item)
            WHERE decided_on IS NULL;
        CREATE INDEX app_facts_voice ON app_facts(case_type, submitted_on, outcome, decided_on, on_time, state, due_on)
            WHERE case_type = 'voice';
        CREATE TABLE app_ratings (
            app_id TEXT NOT NULL, n INTEGER NOT NULL, on_day TEXT NOT NULL, level INTEGER NOT NULL,
            satisfied INTEGER NOT NULL, office TEXT NOT NULL, staff TEXT NOT NULL,
            department TEXT NOT NULL, township TEXT NOT NULL, village TEXT NOT NULL, item TEXT NOT NULL,
            PRIMARY KEY (app_id, n)
        );
        CREATE INDEX app_ratings_on ON app_ratings(on_day);
        CREATE TABLE app_awaiting (
            app_id TEXT NOT NULL, department TEXT NOT NULL, due_on TEXT, PRIMARY KEY (app_id, department)
        );
        CREATE INDEX app_awaiting_department ON app_awaiting(department, due_on);
        CREATE TABLE app_rollup (
            grp TEXT NOT NULL, month TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, n INTEGER NOT NULL,
            on_time INTEGER NOT NULL, early INTEGER NOT NULL, days INTEGER NOT NULL,
            PRIMARY KEY (grp, month, kind, key)
        ) WITHOUT ROWID;
        CREATE TABLE app_rating_rollup (
            grp TEXT NOT NULL, month TEXT NOT NULL, key TEXT NOT NULL, n INTEGER NOT NULL, satisfied INTEGER NOT NULL,
            PRIMARY KEY (grp, month, key)
        ) WITHOUT ROWID;
    """.split(";"):
        if sql.strip():
            conn.execute(sql)
    facts.backfill(conn, cal_store.load(conn))


# Ten years of a county (issue 18): the dashboard's figures are sums over one narrow row per
# application (and per rating), kept with the projection, instead of every projection's JSON
# parsed for every page, and monthly sums of them for long periods (kept by delta, exact at every
# commit); a department's inbox is the departments each working case awaits. Back-filled from the projections held (1.2 million: a few minutes, once).
COMMON.append(Migration("0020_app_facts", _app_facts))

# Ten years of a county (issue 18): the JSON paths the county's lists filter on become columns
# (generated from the projection, so nothing else writes them) with indexes, so the supervision
# page, its warnings and the rectifications are index ranges, a page at a time; staff find a case
# by its applicant's ID number (a villager at the window without the receipt).
COMMON.append(sql_migration("0021_list_columns", """
    ALTER TABLE applications ADD COLUMN warning TEXT GENERATED ALWAYS AS (json_extract(doc, '$.warning')) VIRTUAL;
    ALTER TABLE applications ADD COLUMN department TEXT
        GENERATED ALWAYS AS (json_extract(doc, '$.item.department')) VIRTUAL;
    ALTER TABLE applications ADD COLUMN rectification TEXT
        GENERATED ALWAYS AS (json_extract(doc, '$.rectification.state')) VIRTUAL;
    ALTER TABLE applications ADD COLUMN rectification_opened TEXT
        GENERATED ALWAYS AS (json_extract(doc, '$.rectification.opened_on')) VIRTUAL;
    CREATE INDEX applications_warning ON applications(warning, due_on) WHERE warning IS NOT NULL;
    CREATE INDEX applications_rectifying ON applications(rectification_opened) WHERE rectification = 'open';
    CREATE INDEX applications_applicant ON applications(applicant_id_number);
"""))

# Ten years of a township or a county (issue 18), continued: the history lists ("all", the clerk's
# list) read newest first (by id: a UUIDv7, in order of submission, never changing) from an index
# and stop at a page, of one state too; the daily rating invitations and the
# clerk's "decided today" read the decision day from an index instead of parsing every projection
# (every 3 s with SMS on); the cases a county reviewer took are found without parsing each one.
COMMON.append(sql_migration("0022_history_columns", """
    ALTER TABLE applications ADD COLUMN decided_on TEXT GENERATED ALWAYS AS (json_extract(doc, '$.decision.on')) VIRTUAL;
    ALTER TABLE applications ADD COLUMN escalation_resolution TEXT
        GENERATED ALWAYS AS (json_extract(doc, '$.escalation.resolution')) VIRTUAL;
    CREATE INDEX applications_state_newest ON applications(state, id);
    CREATE INDEX applications_decided ON applications(decided_on);
    CREATE INDEX applications_taken ON applications(custody, state) WHERE escalation_resolution = 'taken';
"""))

# The audit log after ten years (issue 18): a page of one case's or one person's records read from
# an index; the page verifies only what was added since the last check, from the record checked
# last (its hash remembered here), and the whole chain is walked nightly and by `sanji audit verify`.
COMMON.append(sql_migration("0023_audit_checks", """
    CREATE INDEX audit_log_target ON audit_log(target, seq);
    CREATE INDEX audit_log_actor ON audit_log(actor, seq);
    CREATE TABLE audit_checks (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seq INTEGER NOT NULL,
        hash TEXT NOT NULL,
        checked_at TEXT NOT NULL,
        full_at TEXT,
        problem TEXT,
        walk_seq INTEGER NOT NULL DEFAULT 0,
        walk_hash TEXT
    );
"""))


def _item_snapshots(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE item_snapshots (ref TEXT PRIMARY KEY, snapshot TEXT NOT NULL) WITHOUT ROWID")
    from ..jsontext import dumps, loads
    from . import item_snapshots
    last = ""
    while True:  # a few thousand rows at a time: 1.2 million projections are ~2 GB of JSON
        found = conn.execute("SELECT id, doc FROM applications WHERE id > ? ORDER BY id LIMIT 5000", (last,)).fetchall()
        if not found:
            return
        conn.executemany("UPDATE applications SET doc = ? WHERE id = ?",
                         [(dumps(item_snapshots.stored(conn, loads(doc))), app_id) for app_id, doc in found])
        last = found[-1][0]


# Ten years of a county (issue 18): every projection carried its item's snapshot (~750 bytes, 40 % of
# the row) although thousands share each one; the snapshot is stored once, named by its digest.
COMMON.append(Migration("0024_item_snapshots", _item_snapshots))


def _event_item_snapshots(conn: sqlite3.Connection) -> None:
    from ..jsontext import dumps, loads
    from . import item_snapshots
    last = 0
    while True:  # every submission's payload carried the item snapshot too
        found = conn.execute("SELECT rowid, payload FROM events WHERE type = 'submitted' AND rowid > ? ORDER BY rowid"
                             " LIMIT 5000", (last,)).fetchall()
        if not found:
            return
        conn.executemany("UPDATE events SET payload = ? WHERE rowid = ?",
                         [(dumps(item_snapshots.stored_payload(conn, "submitted", loads(text))), rowid)
                          for rowid, text in found])
        last = found[-1][0]


# The same for the `submitted` event each application starts with (~700 of its ~900 bytes).
COMMON.append(Migration("0025_event_item_snapshots", _event_item_snapshots))


def _calendar_chinese_names(conn: sqlite3.Connection) -> None:
    # Seeded holidays were stored with chinese-calendar's English names ("Spring Festival"): the
    # administrators read Chinese. Administrator edits keep whatever they wrote.
    from .calendar import chinese_name
    for day, name in conn.execute("SELECT day, name FROM calendar_days WHERE source = 'seed'").fetchall():
        if chinese_name(name) != name:
            conn.execute("UPDATE calendar_days SET name = ? WHERE day = ?", (chinese_name(name), day))


COMMON.append(Migration("0026_calendar_chinese_names", _calendar_chinese_names))


# Issue 20: the papers a case hands its applicant (受理通知书, 一次性告知书, …), kept as made: one per
# event and kind, the first print's bytes served again (what was handed over stays what it was).
COMMON.append(sql_migration("0027_case_documents", """
    CREATE TABLE case_documents (
        event_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        app_id TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        made_at TEXT NOT NULL,
        pdf BLOB NOT NULL,
        PRIMARY KEY (event_id, kind)
    );
    CREATE INDEX case_documents_app ON case_documents(app_id);
"""))


# Issue 20.11: a staff member's mobile number, so that a supervisor's 督办/催办 reaches the approvers of the
# department it is for by text ('' when none was given; validated by common.accounts).
COMMON.append(sql_migration("0028_user_phones", """
    ALTER TABLE users ADD COLUMN phone TEXT NOT NULL DEFAULT '';
"""))


# Issue 20: the names of the places of the network (县、乡镇、村), so screens say 东岭村 where they said
# 371399101001. Each node tells its parent its own name and its subtree's (ping `names`), and its
# children its own and its ancestors' (welcome `names`); a node's own name stays in meta.
COMMON.append(sql_migration("0029_place_names", """
    CREATE TABLE place_names (
        code TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        told_by TEXT NOT NULL,
        told_at TEXT NOT NULL
    ) WITHOUT ROWID;
"""))
