"""Walk-ins at the township window, written in one transaction.

One-window intake (一窗受理): anyone may apply at the window for any item. A township item is
received here (the window receives its own); a county item is accepted on the county
department's behalf and forwarded at once, handing custody to the county in the same step.
"""
from common import photos
from common.domain import submission
from common.errors import ValidationError
from common import clock as business_clock
from common.node import shared_clock
from common.store import applications, blobs, catalog
from common.store.db import transaction


def walk_in(conn, cfg, item_code, applicant, form, files, staff):
    """Submit a walk-in for ITEM_CODE with FILES ({material index: bytes}) as scans; returns the doc."""
    item = catalog.item(conn, item_code)
    submission.check(item, applicant, form, today=business_clock.today(cfg))  # all checked before anything is written
    scans, problems = [], {}
    for index, data in sorted(files.items()):
        if not 0 <= index < len(item.get("materials", [])):
            problems[f"m{index}"] = "没有这项材料 / no such material"
            continue
        try:
            photo = photos.prepare(data)
        except ValidationError as exc:
            problems[f"m{index}"] = f"{item['materials'][index]['name']}：{exc.message}"
            continue
        scans.append((index, photo))
    if problems:
        raise ValidationError("扫描件有误 / some scans could not be used", fields=problems, details=list(problems.values()))
    me, clock = cfg["code"], shared_clock(conn, cfg)
    with transaction(conn):
        materials = [_scan(conn, cfg.data_dir, i, item["materials"][i]["name"], photo) for i, photo in scans]
        doc = applications.submit(conn, clock, me, staff, item, applicant, form, materials,
                                  catalog_version=catalog.current_version(conn))
        doc = applications.append(conn, clock, me, doc["id"], "received", staff, {"walk_in": True})
        if item["decide_tier"] == "county":
            doc = applications.append(conn, clock, me, doc["id"], "accepted", staff,
                                      {"on_behalf_of": item["department"], "note": "一窗受理",
                                       **({"office": str(cfg["name"])[:60]} if cfg.get("name") else {})})
            doc = applications.append(conn, clock, me, doc["id"], "forwarded", staff, {})
    return doc


def _scan(conn, data_dir, index, name, photo):
    # A scan's review copy and full copy become blobs; the material entry names both (the county
    # pulls the full copy only when a reviewer asks for it).
    entry = {"sha256": blobs.put(conn, data_dir, photo.jpeg), "material": index, "size": len(photo.jpeg),
             "name": name, "type": "image/jpeg"}
    if photo.full:
        full = blobs.put(conn, data_dir, photo.full)
        blobs.set_full(conn, entry["sha256"], full)
        entry["full"] = {"sha256": full, "size": len(photo.full)}
    return entry
