"""A photo's full copy stays where it was taken until a reviewer asks for it (issue 21).

The village sends the small review copy; the county reviewer presses 调取原图, the county asks
the township, the township (which lacks it too) asks the village, and the full copy comes up
through both hops ahead of any other photo. Real node processes, real web sessions.
"""
import hashlib
import io
import os

import requests
from PIL import Image

from common import photos
from common.store import applications as apps, blobs, catalog
from common.store.db import transaction
from sync import wire
from sync.child import ChildProtocol
from common.hlc import Clock
from common.replication import Replicator
from tests.helpers import csrf_from, login, wait_for
from tests.sync.netutil import NodeProcess, count, make_network, submit_many
from tests.sync.test_protocol import APPLICANT, T, V1, net  # noqa: F401 (the fixture)


def _page_photo():
    raw = io.BytesIO()  # a page with detail: its full copy is worth keeping
    Image.frombytes("RGB", (400, 300), os.urandom(400 * 300 * 3)).resize((4000, 3000)).save(raw, "JPEG")
    return photos.prepare(raw.getvalue())


def _held_at_village(cfg, photo):
    from common.node import open_db
    conn = open_db(cfg)
    with transaction(conn):
        sha = blobs.put(conn, cfg.data_dir, photo.jpeg)
        full = blobs.put(conn, cfg.data_dir, photo.full)
        blobs.set_full(conn, sha, full)
    conn.close()
    return {"name": "身份证", "sha256": sha, "size": len(photo.jpeg), "full": {"sha256": full, "size": len(photo.full)}}


def test_the_county_fetches_a_full_copy_through_the_township_only_when_asked(tmp_path):
    network = make_network(tmp_path, villages=1)
    county = network["county"]
    photo = _page_photo()
    material = _held_at_village(network[V1], photo)
    full = material["full"]["sha256"]
    procs = {code: NodeProcess(cfg).start() for code, cfg in network.items()}
    try:
        [app_id] = submit_many(network[V1], 1, materials=[material])
        wait_for(lambda: count(county, "SELECT COUNT(*) FROM blobs WHERE sha256 = ? AND complete = 1", material["sha256"]) == 1,
                 timeout=60, what="the review copy at the county")
        # Nobody asked: the full copy stayed in the village.
        for cfg in (county, network[T]):
            assert count(cfg, "SELECT COUNT(*) FROM blobs WHERE sha256 = ?", full) == 0
        s = requests.Session()
        url = (county.data_dir / "run" / "web.url").read_text().strip().rstrip("/")
        assert login(s, url).status_code == 200
        page = s.get(f"{url}/cases/{app_id}", timeout=10)
        assert "调取原图" in page.text and "查看原图" not in page.text
        r = s.post(f"{url}/cases/{app_id}/full/{material['sha256']}", data={"csrf_token": csrf_from(page.text)},
                   timeout=10)
        assert r.status_code == 200 and ("正在从下级传来" in r.text or "查看原图" in r.text)
        wait_for(lambda: count(county, "SELECT COUNT(*) FROM blobs WHERE sha256 = ? AND complete = 1", full) == 1, timeout=60,
                 what="the full copy at the county")
        assert count(network[T], "SELECT COUNT(*) FROM blobs WHERE sha256 = ? AND complete = 1", full) == 1  # it came through
        assert "查看原图" in s.get(f"{url}/cases/{app_id}", timeout=10).text
        got = s.get(f"{url}/cases/blob/{full}", timeout=10)
        assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == full
        assert count(county, "SELECT COUNT(*) FROM audit_log WHERE action = 'case.full_copy_asked'") == 1
        # A photo without a full copy, or a sha of nothing here: a clear refusal, nothing wanted.
        bad = s.post(f"{url}/api/v1/cases/{app_id}/materials/{'0' * 64}/full", headers={"X-CSRF-Token": csrf_from(page.text)},
                     timeout=10)
        assert bad.status_code == 404
        assert count(county, "SELECT COUNT(*) FROM blobs WHERE sha256 = ?", "0" * 64) == 0
    finally:
        for p in procs.values():
            p.stop()


def test_a_township_relays_only_full_copies_its_subtree_named(net):
    # The township's side of the county's request: it pulls what an application from below names
    # as a full copy (ahead of other photos), and nothing else a parent asks for.
    cfgs, tc, vc, link = net
    photo = _page_photo()
    material = _held_at_village(cfgs[V1], photo)
    with transaction(vc):
        apps.submit(vc, Clock(V1), V1, "kiosk", catalog.item(vc, "MZ-001"), APPLICANT,
                    {"bank_account": "6222020200112233445"}, [material])
    link.pump()
    up = ChildProtocol(tc, T, Replicator(T, Clock(T)), cfgs[T].data_dir).ep  # the township's link to the county
    full = material["full"]["sha256"]
    reply = wire.decode(up.on_blob_get({"sha": full, "offset": 0, "max": 16384}))
    assert reply["t"] == "blob_missing"
    wanted = blobs.row(tc, full)
    assert wanted["source"] == V1 and wanted["urgent"] == 1 and wanted["size"] == len(photo.full)
    assert blobs.wanted(tc, V1)[0]["sha256"] == full  # before the review copies still waiting
    stranger = "cd" * 32
    assert wire.decode(up.on_blob_get({"sha": stranger, "offset": 0, "max": 16384}))["t"] == "blob_missing"
    assert blobs.row(tc, stranger) is None
    # A child asking its parent for it is never relayed (a village cannot make its township pull).
    down = link.parent.endpoint(V1)
    assert wire.decode(down.on_blob_get({"sha": "ef" * 32, "offset": 0, "max": 16384}))["t"] == "blob_missing"
    assert blobs.row(tc, "ef" * 32) is None


def test_a_full_copy_of_the_wrong_size_is_not_pulled_again_and_again(net):
    # (the attack helper's case: a failed check was asked again on the next turn of the loop, urgent first)
    cfgs, tc, vc, link = net
    data = os.urandom(40_000)
    with transaction(vc):
        review = blobs.put(vc, cfgs[V1].data_dir, os.urandom(5000))
        full = blobs.put(vc, cfgs[V1].data_dir, data)
        apps.submit(vc, Clock(V1), V1, "kiosk", catalog.item(vc, "MZ-001"), APPLICANT,
                    {"bank_account": "6222020200112233445"},
                    [{"name": "身份证", "sha256": review, "size": 5000,
                      "full": {"sha256": full, "size": 80_000}}])  # the size a careless/hostile kiosk says
    link.pump()
    with transaction(tc):  # a township reviewer asked for it
        blobs.want(tc, full, V1, 80_000, V1, urgent=True)
    ep = link.parent.endpoint(V1)
    ep._wanted_quiet_until = 0.0
    before = ep.bytes_in
    link.pump(rounds=200)
    sent = ep.bytes_in - before
    assert sent < 3 * len(data), "re-asked with no back-off"
    assert not blobs.is_complete(tc, full) and full in ep.blob_backoff


def test_a_full_copy_the_village_lost_is_shown_as_not_there_and_holds_nothing_back(net):
    from common.web.cases import full_copy_state
    cfgs, tc, vc, link = net
    with transaction(vc):
        review = blobs.put(vc, cfgs[V1].data_dir, os.urandom(5000))
        full = blobs.put(vc, cfgs[V1].data_dir, os.urandom(40_000))
        other = blobs.put(vc, cfgs[V1].data_dir, os.urandom(9000))
        entry = {"name": "身份证", "sha256": review, "size": 5000, "full": {"sha256": full, "size": 40_000}}
        apps.submit(vc, Clock(V1), V1, "kiosk", catalog.item(vc, "MZ-001"), APPLICANT,
                    {"bank_account": "6222020200112233445"}, [entry])
    blobs.path_of(cfgs[V1].data_dir, full).unlink()  # the kiosk's disk lost it
    link.pump()
    with transaction(tc):
        blobs.want(tc, full, V1, 40_000, V1, urgent=True)  # a reviewer asked
        blobs.want(tc, other, V1, 9000, V1)                 # and another photo waits
    ep = link.parent.endpoint(V1)
    for _ in range(3):
        ep._wanted_quiet_until = 0.0
        link.pump()
        ep.blob_backoff = {k: 0 for k in ep.blob_backoff}  # the retry's 5 s pass
    assert blobs.is_complete(tc, other)
    state = full_copy_state(tc, entry["full"])
    assert state["state"] == "coming" and state["missing_at"], "the page would say it is on its way"
