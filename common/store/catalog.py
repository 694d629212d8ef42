"""SQL for the versioned service catalog: each import is a new version; a bad file changes nothing."""
import json
import sqlite3
from typing import Any

from ..domain import catalog as model
from ..domain import catalog_search
from ..errors import NotFound
from .db import now_iso, transaction


def current_version(conn: sqlite3.Connection) -> int:
    """The newest catalog version number, or 0 when none is imported."""
    return conn.execute("SELECT COALESCE(MAX(version), 0) FROM catalog_versions").fetchone()[0]


def import_catalog(conn: sqlite3.Connection, catalog: dict[str, Any], source: str, version: int | None = None) -> int:
    """Store a validated CATALOG as a new version (or VERSION when a parent assigned it).

    Importing the same content as the current version changes nothing and returns that version.
    """
    catalog = catalog_search.with_search_terms(model.validate(catalog))
    digest = model.checksum(catalog)
    with transaction(conn):
        cur = current_version(conn)
        if cur:
            row = conn.execute("SELECT checksum FROM catalog_versions WHERE version = ?", (cur,)).fetchone()
            if row["checksum"] == digest and version in (None, cur):
                return cur
        new = version if version is not None else cur + 1
        conn.execute("INSERT INTO catalog_versions (version, label, source, checksum, imported_at, item_count)"
                     " VALUES (?, ?, ?, ?, ?, ?)",
                     (new, catalog["label"] or f"v{new}", source, digest, now_iso(), len(catalog["items"])))
        conn.executemany("INSERT INTO catalog_departments (version, code, name, name_en) VALUES (?, ?, ?, ?)",
                         [(new, d["code"], d["name"], d["name_en"]) for d in catalog["departments"]])
        conn.executemany(
            "INSERT INTO catalog_items (version, code, name, department, decide_tier, doc) VALUES (?, ?, ?, ?, ?, ?)",
            [(new, i["code"], i["name"], i["department"], i["decide_tier"], json.dumps(i, ensure_ascii=False))
             for i in catalog["items"]])
    return new


def versions(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every version, newest first."""
    return [dict(r) for r in conn.execute("SELECT * FROM catalog_versions ORDER BY version DESC")]


def departments(conn: sqlite3.Connection, version: int | None = None) -> list[dict[str, Any]]:
    """Departments of VERSION (default: current), as dicts."""
    version = version or current_version(conn)
    return [dict(r) for r in conn.execute(
        "SELECT code, name, name_en FROM catalog_departments WHERE version = ? ORDER BY code", (version,))]


def items(conn: sqlite3.Connection, version: int | None = None, department: str | None = None) -> list[dict[str, Any]]:
    """Items of VERSION (default: current), optionally of one DEPARTMENT, ordered by code."""
    version = version or current_version(conn)
    sql = "SELECT doc FROM catalog_items WHERE version = ?"
    args: list[object] = [version]
    if department:
        sql, args = sql + " AND department = ?", args + [department]
    return [json.loads(r["doc"]) for r in conn.execute(sql + " ORDER BY code", args)]


def item(conn: sqlite3.Connection, code: str, version: int | None = None) -> dict[str, Any]:
    """One item of VERSION (default: current), or NotFound."""
    version = version or current_version(conn)
    row = conn.execute("SELECT doc FROM catalog_items WHERE version = ? AND code = ?", (version, code)).fetchone()
    if not row:
        raise NotFound(f"事项 {code} 不在目录第 {version} 版中 / no item {code} in catalog v{version}",
                       fix="`sanji catalog list` shows the codes")
    return json.loads(row["doc"])


def field_labels(conn: sqlite3.Connection, code: str) -> dict[str, str]:
    """{field key: label} of item CODE in the current catalog ({} when the item is no longer in it)."""
    row = conn.execute("SELECT doc FROM catalog_items WHERE version = ? AND code = ?",
                       (current_version(conn), code)).fetchone()
    return {f["key"]: f["label"] for f in json.loads(row["doc"]).get("fields", [])} if row else {}


def export(conn: sqlite3.Connection, version: int | None = None) -> dict[str, Any]:
    """The whole catalog of VERSION as the mapping `import_catalog` takes."""
    version = version or current_version(conn)
    row = conn.execute("SELECT label FROM catalog_versions WHERE version = ?", (version,)).fetchone()
    return {"label": row["label"] if row else "", "departments": departments(conn, version),
            "items": items(conn, version)}
