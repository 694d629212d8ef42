"""The catalog's administrative actions: import a file, save an edited catalog; each a new version, sent down.

Both are one transaction: the version, its audit record and the outbox rows for every child
commit together (`common.replication.publish`), so a change is never stored unsent or sent
unaudited. Children that are offline, or enrolled later, get it at their next hello.
"""
from pathlib import PurePath

from ..domain import catalog as model
from ..domain import catalog_csv, catalog_edit
from ..errors import ValidationError
from ..replication import publish
from ..store import audit, catalog as store
from ..store.db import transaction


def parse_file(conn, data, filename):
    """The catalog document in file DATA (bytes) named FILENAME: CSV by its suffix, else YAML.

    A CSV holds items only and refers to the current catalog's departments. Raises ValidationError
    listing every problem.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(f"{filename} 不是 UTF-8 文本 / not UTF-8 text", fix="save the file as UTF-8") from None
    name = PurePath(filename)
    if name.suffix.lower() == ".csv":
        return catalog_csv.parse(text, store.departments(conn), label=name.stem)
    return model.load_yaml(text)


def import_file(conn, me, actor, data, filename, source):
    """Import file DATA named FILENAME as the next catalog version at node ME; returns (version, changed).

    SOURCE is what the version list says it came from (the file's name, `web:USER`). A file with
    the current content makes no version and is neither audited nor sent; a bad one changes nothing.
    """
    doc = parse_file(conn, data, filename)
    with transaction(conn):
        before = store.current_version(conn)
        version = store.import_catalog(conn, doc, source)
        if version == before:
            return version, False
        audit.record(conn, actor, "catalog.imported", str(version), {"file": filename})
        publish(conn, me, ("catalog",))
    return version, True


def save_item(conn, me, actor, form, replacing=None):
    """Save the item edit FORM (as posted) as the next catalog version at node ME and send it down.

    REPLACING names the item it replaces (None: a new item). The form carries the version it was
    opened on (`base_version`): a save over a catalog that moved on since is a Conflict, so two
    administrators cannot overwrite each other. Returns the version.
    """
    item = catalog_edit.item_of(form)
    with transaction(conn):
        doc = catalog_edit.with_item(store.export(conn), form.get("base_version", "0"), store.current_version(conn),
                                     item, replacing=replacing)
        version = store.import_catalog(conn, doc, f"web:{actor}")
        audit.record(conn, actor, "catalog.item_edited" if replacing else "catalog.item_added",
                     replacing or form.get("code", ""), {"version": version})
        publish(conn, me, ("catalog",))
    return version


def retire_item(conn, me, actor, code, base_version):
    """Take item CODE out of the catalog as the next version (opened on BASE_VERSION) and send it down.

    Applications already made keep their own copy of the item. Returns the version.
    """
    with transaction(conn):
        doc = catalog_edit.without_item(store.export(conn), base_version, store.current_version(conn), code)
        version = store.import_catalog(conn, doc, f"web:{actor}")
        audit.record(conn, actor, "catalog.item_retired", code, {"version": version})
        publish(conn, me, ("catalog",))
    return version
