"""SQL for the node's key-value facts (identity, epoch, versions)."""


def get(conn, key, default=None):
    """The value of KEY, or DEFAULT."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row["value"] if row else default


def put(conn, key, value):
    """Set KEY to VALUE."""
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                 (key, str(value)))
