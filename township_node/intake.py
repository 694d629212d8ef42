"""Walk-ins at the township window, written in one transaction.

One-window intake (一窗受理): anyone may apply at the window for any item. A township item is
received here (the window receives its own); a county item is accepted on the county
department's behalf and forwarded at once, handing custody to the county in the same step.
"""
from common import photos
from common.domain import submission
from common.errors import ValidationError
from common.node import shared_clock
from common.store import applications, blobs, catalog
from common.store.db import transaction


def walk_in(conn, cfg, item_code, applicant, form, files, staff):
    """Submit a walk-in for ITEM_CODE with FILES ({material index: bytes}) as scans; returns the doc."""
    item = catalog.item(conn, item_code)
    submission.check(item, applicant, form)  # every answer checked before anything is written
    scans, problems = [], {}
    for index, data in sorted(files.items()):
        if not 0 <= index < len(item.get("materials", [])):
            problems[f"m{index}"] = "没有这项材料 / no such material"
            continue
        try:
            jpeg, _, _ = photos.normalise(data)
        except ValidationError as exc:
            problems[f"m{index}"] = f"{item['materials'][index]['name']}：{exc.message}"
            continue
        scans.append((index, jpeg))
    if problems:
        raise ValidationError("扫描件有误 / some scans could not be used", fields=problems, details=list(problems.values()))
    me, clock = cfg["code"], shared_clock(conn, cfg)
    with transaction(conn):
        materials = [{"sha256": blobs.put(conn, cfg.data_dir, jpeg), "material": i, "size": len(jpeg),
                      "name": item["materials"][i]["name"], "type": "image/jpeg"} for i, jpeg in scans]
        doc = applications.submit(conn, clock, me, staff, item, applicant, form, materials,
                                  catalog_version=catalog.current_version(conn))
        doc = applications.append(conn, clock, me, doc["id"], "received", staff, {"walk_in": True})
        if item["decide_tier"] == "county":
            doc = applications.append(conn, clock, me, doc["id"], "accepted", staff,
                                      {"on_behalf_of": item["department"], "note": "一窗受理"})
            doc = applications.append(conn, clock, me, doc["id"], "forwarded", staff, {})
    return doc
