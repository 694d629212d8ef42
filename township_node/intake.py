"""Walk-ins at the township window, written in one transaction.

One-window intake (一窗受理): anyone may apply at the window for any item. A township item is
received here (the window receives its own); a county item is accepted on the county
department's behalf and forwarded at once, handing custody to the county in the same step.
"""
import hashlib

from common import photos
from common.errors import ValidationError
from common import clock as business_clock
from common.node import shared_clock
from common.store import applications, blobs, catalog
from common.store.db import transaction


def walk_in(conn, cfg, item_code, applicant, form, files, staff):
    """Submit a walk-in for ITEM_CODE with FILES ({material index: bytes}) as scans; returns the doc."""
    item = catalog.item(conn, item_code)
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
    me, clock = cfg["code"], shared_clock(conn, cfg)
    with transaction(conn):
        # applications.submit checks the applicant and form (every entry's one check, on the node's
        # business day) before the scans' problems are told; a refusal rolls everything back.
        doc = applications.submit(conn, clock, me, staff, item, applicant, form,
                                  [_scan_entry(i, item["materials"][i]["name"], photo) for i, photo in scans],
                                  catalog_version=catalog.current_version(conn), today=business_clock.today(cfg))
        if problems:
            raise ValidationError("扫描件有误 / some scans could not be used", fields=problems,
                                  details=list(problems.values()))
        for _, photo in scans:
            _put_scan(conn, cfg.data_dir, photo)
        doc = applications.append(conn, clock, me, doc["id"], "received", staff, {"walk_in": True})
        if item["decide_tier"] == "county":
            doc = applications.append(conn, clock, me, doc["id"], "accepted", staff,
                                      {"on_behalf_of": item["department"], "note": "一窗受理",
                                       **({"office": str(cfg["name"])[:60]} if cfg.get("name") else {})})
            doc = applications.append(conn, clock, me, doc["id"], "forwarded", staff, {})
    return doc


def _scan_entry(index, name, photo):
    # A scan's material entry names its review copy and full copy by their sha256, the names
    # `_put_scan` stores them under (the county pulls the full copy only when a reviewer asks).
    entry = {"sha256": hashlib.sha256(photo.jpeg).hexdigest(), "material": index, "size": len(photo.jpeg),
             "name": name, "type": "image/jpeg"}
    if photo.full:
        entry["full"] = {"sha256": hashlib.sha256(photo.full).hexdigest(), "size": len(photo.full)}
    return entry


def _put_scan(conn, data_dir, photo):
    # The scan's review copy and full copy become blobs.
    sha = blobs.put(conn, data_dir, photo.jpeg)
    if photo.full:
        blobs.set_full(conn, sha, blobs.put(conn, data_dir, photo.full))
