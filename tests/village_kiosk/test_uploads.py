"""Photos uploaded before a submission belong to their uploader, are bounded, and are collected when unused (issue 17)."""
from datetime import datetime, timedelta, timezone

import requests

from common.store import blobs
from common.store.db import transaction
from tests.helpers import ADMIN_PASSWORD
from tests.village_kiosk.test_api import ITEM, apply, node, upload  # noqa: F401 (the fixture)
from tests.village_kiosk.test_apply import GOOD, photo_bytes


def test_an_upload_is_claimed_only_by_its_uploader_and_belongs_to_the_application_once_submitted(node):
    url, cfg, conn = node
    mine = upload(url, (10, 200, 30))  # by the kiosk (anonymous, this address)
    clerk = requests.Session()  # the same machine, but a signed-in clerk: another uploader
    signed = clerk.post(url + "/api/v1/session", json={"username": "clerk1", "password": ADMIN_PASSWORD}, timeout=30)
    assert signed.status_code == 200, signed.text
    body = {"item": ITEM, "applicant": GOOD, "form": {"bank_account": "6222020200112233445"},
            "materials": [{"sha256": mine, "material": 0}]}
    stolen = clerk.post(url + "/api/v1/applications", json=body,
                        headers={"X-CSRF-Token": signed.json()["csrf_token"]}, timeout=30)
    assert stolen.status_code == 400 and "materials[0]" in stolen.json()["fields"], stolen.text
    assert blobs.row(conn, mine)["uploader"] != ""
    r = apply(url)
    assert r.status_code == 201, r.text
    shas = [m["sha256"] for m in conn.execute("SELECT sha256 FROM blob_refs").fetchall()]
    assert all(blobs.row(conn, s)["uploader"] == "" for s in shas)  # claimed: no longer collectable


def test_uploads_never_submitted_are_collected_after_their_time_and_submitted_ones_are_kept(node):
    url, cfg, conn = node
    loose = upload(url, (200, 10, 10))
    assert apply(url).status_code == 201
    kept = [r[0] for r in conn.execute("SELECT sha256 FROM blob_refs")]
    long_ago = (datetime.now(timezone.utc) - timedelta(hours=blobs.UPLOAD_TTL_HOURS + 1)).isoformat()
    with transaction(conn):
        conn.execute("UPDATE blobs SET created_at = ?", (long_ago,))
        assert blobs.collect_uploads(conn, cfg.data_dir) == 1
    assert blobs.row(conn, loose) is None and not blobs.path_of(cfg.data_dir, loose).exists()
    assert all(blobs.is_complete(conn, s) and blobs.path_of(cfg.data_dir, s).exists() for s in kept)


def test_one_client_cannot_fill_the_disk_with_uploads(node, monkeypatch):
    url, cfg, conn = node
    for i in range(blobs.MAX_UPLOADS_PENDING):
        upload(url, (i, 3 * i % 256, 7))
    r = requests.post(url + "/api/v1/materials", files={"photo": ("p.jpg", photo_bytes((1, 2, 250)), "image/jpeg")},
                      timeout=30)
    assert r.status_code == 429 and "照片" in r.json()["message"] and r.json()["fix"], r.text
    count = conn.execute("SELECT COUNT(*) FROM blobs WHERE uploader != ''").fetchone()[0]
    assert count == blobs.MAX_UPLOADS_PENDING


def test_the_same_bytes_sent_by_two_uploaders_can_be_used_by_either(node):
    url, cfg, conn = node
    colour = (33, 66, 99)
    mine = upload(url, colour)  # the kiosk's
    clerk = requests.Session()
    signed = clerk.post(url + "/api/v1/session", json={"username": "clerk1", "password": ADMIN_PASSWORD}, timeout=30)
    token = {"X-CSRF-Token": signed.json()["csrf_token"]}
    again = clerk.post(url + "/api/v1/materials", files={"photo": ("p.jpg", photo_bytes(colour), "image/jpeg")},
                       headers=token, timeout=30)
    assert again.status_code == 201 and again.json()["sha256"] == mine  # the clerk holds the bytes too
    assert blobs.row(conn, mine)["uploader"] == blobs.SHARED
    r = apply(url, session=clerk, headers=token)
    assert r.status_code == 201, r.text
