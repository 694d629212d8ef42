"""What a villager or clerk does at the village: add a photo, submit, add a supplement, ask to withdraw.

Each function writes in one transaction, so a refused request leaves nothing behind; a submission's
applicant and form are checked where it is stored (`applications.submit`), once for every entry.
The web pages and the JSON API both call these.
"""
import hashlib
import shutil

from common import photos
from common.domain import submission
from common.domain.states import WITHDRAWABLE
from common.errors import Conflict, ValidationError
from common import clock as business_clock
from common.node import shared_clock
from common.store import applications, blobs, catalog, idempotency
from common.store.db import transaction

from . import drafts, journey


def add_draft_photo(conn, data_dir, draft, item, index, data):
    """Check and shrink photo DATA of material INDEX, keep it with DRAFT; returns the photo entry."""
    materials = item.get("materials", [])
    if not 0 <= index < len(materials):
        raise ValidationError("没有这项材料 / no such material", fix="回到材料页面，点所列材料旁的“拍照”")
    problem = journey.can_add_photo(draft, index)
    if problem:
        raise ValidationError(problem, fix="先删掉拍得不好的照片，再拍新的 / remove a photo first")
    photo = photos.prepare(data)
    sha = hashlib.sha256(photo.jpeg).hexdigest()
    folder = drafts.folder(data_dir, draft["id"])
    folder.mkdir(parents=True, exist_ok=True)
    entry = {"sha256": sha, "material": index, "name": materials[index]["name"], "size": len(photo.jpeg),
             "width": photo.width, "height": photo.height}
    if photo.full:  # kept here, sent up only when a reviewer asks for it
        full_sha = hashlib.sha256(photo.full).hexdigest()
        blobs.durable_write(folder / f"{full_sha}.jpg", photo.full)
        entry["full"] = {"sha256": full_sha, "size": len(photo.full)}
    blobs.durable_write(folder / f"{sha}.jpg", photo.jpeg)  # on disk before the draft's row names it
    with transaction(conn):  # read again under the lock: photos posted at once must all be kept
        fresh = drafts.get(conn, draft["id"]) or draft
        same = [p for p in fresh["photos"] if p["sha256"] == sha and p["material"] == index]
        if not same:  # the same photo twice (a double tap): keep one
            problem = journey.can_add_photo(fresh, index)
            if problem:
                raise ValidationError(problem, fix="先删掉拍得不好的照片，再拍新的 / remove a photo first")
            fresh["photos"].append(entry)
            drafts.save(conn, fresh)
    draft["photos"] = fresh["photos"]
    return same[0] if same else entry


def remove_draft_photo(conn, data_dir, draft, index, sha):
    """Take photo SHA of material INDEX out of DRAFT (and off the disk when nothing else uses it)."""
    gone = [p for p in draft["photos"] if p["sha256"] == sha and p["material"] == index]
    draft["photos"] = [p for p in draft["photos"] if p not in gone]
    drafts.save(conn, draft)
    used = {s for p in draft["photos"] for s in _draft_shas(p)}
    for name in {s for p in gone for s in _draft_shas(p)} - used:
        (drafts.folder(data_dir, draft["id"]) / f"{name}.jpg").unlink(missing_ok=True)


def _draft_shas(photo):
    full = photo.get("full")
    return [photo["sha256"]] + ([full["sha256"]] if isinstance(full, dict) else [])


def _draft_files(data_dir, draft):
    """({sha256: bytes}, damaged photos) of DRAFT's photos, each checked against its sha256.

    Only reads: a lost full copy is dropped from its photo's entry (the photo itself is whole);
    what is done about a damaged photo is `submit_draft`'s.
    """
    folder = drafts.folder(data_dir, draft["id"])
    files, damaged = {}, []
    for p in draft["photos"]:
        data = _read_checked(folder, p["sha256"])
        if data is None:
            damaged.append(p)
            continue
        files[p["sha256"]] = data
        full = p.get("full")
        if isinstance(full, dict):  # a lost full copy costs only the copy: the photo itself is whole
            data = _read_checked(folder, full["sha256"])
            if data is None:
                p.pop("full")
            else:
                files[full["sha256"]] = data
    return files, damaged


class _Damaged(ValidationError):
    """A draft's photo was lost or damaged: it leaves the draft and the person is asked to take it again."""


def _damaged_error(damaged):
    names = "、".join(dict.fromkeys(p["name"] for p in damaged))
    return _Damaged(f"照片“{names}”已损坏，请重新拍 / a photo was lost or damaged: take it again",
                    fix="重新拍这几项材料的照片，再提交", fields={"photo": f"请重新拍：{names}"})


def _read_checked(folder, sha):
    try:
        data = (folder / f"{sha}.jpg").read_bytes()
    except OSError:
        return None
    return data if hashlib.sha256(data).hexdigest() == sha else None


def _owned(conn, sha, uploader):
    # An uploaded photo may be used by the one who uploaded it (or by anyone who sent the same bytes,
    # or, once claimed, by any application).
    row = blobs.row(conn, sha)
    return row is not None and row["complete"] and (uploader is None or row["uploader"] in ("", blobs.SHARED, uploader))


def _material_entry(sha, index, name, size, full=None):
    entry = {"sha256": sha, "material": index, "name": name, "size": size, "type": "image/jpeg"}
    if full:
        entry["full"] = {"sha256": full["sha256"], "size": full["size"]}
    return entry


def _photo_entry(photo):
    # The material entry of a draft's photo, naming the blobs `_put_photo` makes of it (a blob is
    # named by its sha256, already checked against the file's bytes).
    full = photo.get("full") if isinstance(photo.get("full"), dict) else None
    return _material_entry(photo["sha256"], photo["material"], photo["name"], photo["size"], full)


def _put_photo(conn, data_dir, files, photo):
    # The photo's review copy and (when kept) its full copy become blobs.
    sha = blobs.put(conn, data_dir, files[photo["sha256"]])
    full = photo.get("full")
    if isinstance(full, dict):
        blobs.set_full(conn, sha, blobs.put(conn, data_dir, files[full["sha256"]]))


def submit_draft(conn, cfg, draft, actor):
    """Turn DRAFT into an application (its photos become blobs) and delete the draft; returns the doc."""
    item = catalog.item(conn, draft["item_code"])
    check_can_apply_here(item, draft["proxy_by"])
    files, damaged = _draft_files(cfg.data_dir, draft)
    folder = drafts.folder(cfg.data_dir, draft["id"])
    try:
        with transaction(conn):
            # applications.submit checks the applicant and form (every entry's one check, on the
            # node's business day: drills move it). It goes first, so their problems are told
            # before the photos'; a refusal after it rolls it back and leaves nothing behind.
            doc = applications.submit(conn, shared_clock(conn, cfg), cfg["code"], actor, item,
                                      draft["applicant"], draft["form"],
                                      [_photo_entry(p) for p in draft["photos"] if p not in damaged],
                                      proxy_by=draft["proxy_by"], catalog_version=catalog.current_version(conn),
                                      today=business_clock.today(cfg))
            missing = journey.materials_errors(item, draft)
            if missing:
                raise ValidationError("还有材料没有拍照 / some materials still need a photo", fields=missing,
                                      details=list(missing.values()))
            if damaged:
                raise _damaged_error(damaged)
            for p in draft["photos"]:
                _put_photo(conn, cfg.data_dir, files, p)
            drafts.delete_row(conn, draft["id"])
    except _Damaged:
        draft["photos"] = [p for p in draft["photos"] if p not in damaged]
        drafts.save(conn, draft)  # after the rollback: the draft keeps only the photos that can be sent
        raise
    shutil.rmtree(folder, ignore_errors=True)
    return doc


def submit_direct(conn, cfg, item_code, applicant, form, materials, actor, proxy_by="", key=None, uploader=None):
    """Submit in one call (the JSON API): MATERIALS are [{sha256, material}] of photos already uploaded
    (by UPLOADER, when given: another's unclaimed uploads are refused).

    KEY (an Idempotency-Key): a retry with the same key returns the application the first made.
    """
    if key is not None:
        digest = idempotency.request_hash([item_code, applicant, form, materials, proxy_by])
        with transaction(conn):
            first = idempotency.earlier(conn, idempotency.check_key(key), digest)
            if first:
                return applications.get(conn, first)
            doc = submit_direct(conn, cfg, item_code, applicant, form, materials, actor, proxy_by, uploader=uploader)
            idempotency.remember(conn, key, digest, doc["id"])
        return doc
    item = catalog.item(conn, item_code)
    check_can_apply_here(item, proxy_by)
    clean = []
    problems = {}
    for n, m in enumerate(materials or []):
        if not isinstance(m, dict) or not isinstance(m.get("sha256"), str) or not isinstance(m.get("material"), int) \
                or not 0 <= m["material"] < len(item.get("materials", [])) or not _owned(conn, m["sha256"], uploader):
            problems[f"materials[{n}]"] = "需要先上传照片（POST /api/v1/materials），并写明是第几项材料 / upload first"
        else:
            clean.append(_material_entry(m["sha256"], m["material"], item["materials"][m["material"]]["name"],
                                          blobs.row(conn, m["sha256"])["size"], _full_of(conn, m["sha256"])))
    problems.update(journey.materials_errors(item, {"photos": clean}))
    with transaction(conn):
        # The applicant and form are checked by applications.submit, first (as in `submit_draft`).
        doc = applications.submit(conn, shared_clock(conn, cfg), cfg["code"], actor, item, applicant, form,
                                  clean, proxy_by=proxy_by, catalog_version=catalog.current_version(conn),
                                  today=business_clock.today(cfg))
        if problems:
            raise ValidationError("材料有误 / the materials are incomplete", fields=problems,
                                  details=list(problems.values()))
        blobs.claim(conn, [s for m in clean for s in _draft_shas(m)])
    return doc


def _full_of(conn, sha):
    # The full copy kept with uploaded photo SHA ({sha256, size}), if it is still held whole.
    full = blobs.row(conn, sha)["full"]
    held = blobs.row(conn, full) if full else None
    return {"sha256": full, "size": held["size"]} if held and held["complete"] else None


def store_photo(conn, cfg, data, uploader):
    """Check, shrink and keep photo DATA as UPLOADER's blob (the JSON API); returns {sha256, size, width, height}.

    It stays UPLOADER's until an application uses it, bounded per uploader, and is collected
    after `blobs.UPLOAD_TTL_HOURS` if none does.
    """
    jpeg, width, height, full = photos.prepare(data)
    with transaction(conn):
        if not _owned(conn, hashlib.sha256(jpeg).hexdigest(), None):
            blobs.check_upload_room(conn, uploader, len(jpeg) + len(full or b""))
        sha = blobs.put(conn, cfg.data_dir, jpeg, uploader)
        if full:  # kept beside it, sent up only when a reviewer asks for it
            blobs.set_full(conn, sha, blobs.put(conn, cfg.data_dir, full, uploader))
    return {"sha256": sha, "size": len(jpeg), "width": width, "height": height, "type": "image/jpeg"}


def check_can_apply_here(item, proxy_by=""):
    """Refuse an item that cannot be applied for at a village (accepted only at a township or the county),
    or on someone's behalf (PROXY_BY) when the catalog says the applicant must come in person."""
    if item.get("accept_tier", "village") != "village":
        where = "乡镇为民服务中心" if item["accept_tier"] == "township" else "县政务服务中心"
        raise ValidationError(f"“{item['name']}”不能在村里申请 / this item cannot be applied for at a village",
                              fix=f"请带齐材料到{where}办理")
    if proxy_by and not item.get("proxy_allowed", True):
        raise ValidationError(f"“{item['name']}”须本人申请，不能代办 / the applicant must apply in person",
                              fix="请申请人本人在自助机上申请 / let the villager apply at the kiosk themselves")


SUPPLEMENT = "supplement:"  # a supplement's photos wait in a draft whose item_code is SUPPLEMENT + app id


def supplement_draft(conn, doc, session_draft_id):
    """The draft collecting supplement photos for DOC (SESSION_DRAFT_ID if it is that one, else a new one)."""
    draft = drafts.get(conn, session_draft_id)
    if draft and draft["item_code"] == SUPPLEMENT + doc["id"]:
        return draft
    return drafts.get(conn, drafts.create(conn, SUPPLEMENT + doc["id"]))


def _check_supplement_wanted(doc):
    if doc["state"] != "supplement":
        raise Conflict("这件申请现在不需要补充材料 / no supplement is being asked for",
                       fix="刷新页面查看最新进度 / reload to see the latest progress")


def add_supplement_photo(conn, data_dir, draft, doc, data):
    """Check and keep one supplement photo DATA for DOC in DRAFT."""
    _check_supplement_wanted(doc)
    return add_draft_photo(conn, data_dir, draft, {"materials": [{"name": supplement_name(doc)}]}, 0, data)


def supplement_name(doc):
    """What the supplement photos are of: the materials the decider listed as missing."""
    return "、".join((doc.get("supplement") or {}).get("missing") or []) or "补正材料"


def provide_supplement(conn, cfg, doc, draft, actor):
    """Record DRAFT's photos as the supplement DOC waits for (blobs and event in one transaction)."""
    _check_supplement_wanted(doc)
    if not draft or not draft["photos"]:
        raise ValidationError("请先拍下要补充的材料 / take a photo of what is missing first",
                              fields={"photo": "请先拍下要补充的材料"})
    folder = drafts.folder(cfg.data_dir, draft["id"])
    files, damaged = _draft_files(cfg.data_dir, draft)
    if damaged:  # nothing is sent: the damaged photos leave the draft and are asked for again
        draft["photos"] = [p for p in draft["photos"] if p not in damaged]
        drafts.save(conn, draft)
        raise _damaged_error(damaged)
    with transaction(conn):
        materials = []
        for p in draft["photos"]:
            _put_photo(conn, cfg.data_dir, files, p)
            materials.append(_photo_entry(dict(p, material=-1)))
        doc = provide_supplement_blobs(conn, cfg, doc, materials, actor)
        drafts.delete_row(conn, draft["id"])
    shutil.rmtree(folder, ignore_errors=True)
    return doc


def provide_supplement_blobs(conn, cfg, doc, materials, actor):
    """Append `supplement_provided` with MATERIALS (entries of blobs held here) to DOC."""
    _check_supplement_wanted(doc)
    if not materials:
        raise ValidationError("请先拍下要补充的材料 / take a photo of what is missing first",
                              fields={"photo": "请先拍下要补充的材料"})
    with transaction(conn):
        doc = applications.append(conn, shared_clock(conn, cfg), cfg["code"], doc["id"], "supplement_provided",
                                  actor, {"materials": materials, "note": f"{len(materials)} 张照片"})
        blobs.claim(conn, [s for m in materials for s in _draft_shas(m)])
    return doc


def material_entries(conn, shas, name, uploader=None):
    """Material entries for blobs SHAS (the JSON API's uploads, by UPLOADER); ValidationError naming any not held."""
    bad = [s for s in shas if not isinstance(s, str) or not _owned(conn, s, uploader)]
    if bad:
        raise ValidationError("有照片还没有上传 / some photos were not uploaded",
                              fix="upload each photo with POST /api/v1/materials first", details=[str(b) for b in bad])
    return [_material_entry(s, -1, name, blobs.row(conn, s)["size"], _full_of(conn, s)) for s in shas]


def request_withdrawal(conn, cfg, doc, reason, actor):
    """Ask the deciding tier to withdraw DOC (a village never decides; the custodian turns this into withdrawn)."""
    if doc["state"] not in WITHDRAWABLE:
        raise Conflict("这件申请已经有结果，不能撤回 / it has been decided and cannot be withdrawn")
    if doc.get("withdrawal_requested"):
        raise Conflict("已经申请过撤回，请等待处理 / withdrawal already requested")
    reason = submission.clean_text(reason)[:200]
    if not reason:
        raise ValidationError("请选择撤回的原因 / choose why", fields={"reason": "请选择撤回的原因"})
    return applications.append(conn, shared_clock(conn, cfg), cfg["code"], doc["id"], "withdrawal_requested",
                               actor, {"reason": reason})
