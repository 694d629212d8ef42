"""Meetings on a conference server: the JWT's claims and expiry, nothing personal, and joining from a
real township process through the hub."""
import time
from urllib.parse import parse_qs, urlparse

import jwt
import pytest

from county_hub import meetings
from tests.county_hub.test_admin import post
from tests.helpers import wait_for
from tests.sync.netutil import NodeProcess, count, make_network
from tests.township_node.test_window_network import Staff, add_staff, web

T, T2 = "371399101", "371399102"
SECRET = "a-shared-secret-of-at-least-32-characters!"
SETTINGS = {"SANJI_MEETING_URL": "https://meet.example.gov.cn", "SANJI_MEETING_SECRET": SECRET,
            "SANJI_MEETING_APP_ID": "sanji-test", "SANJI_MEETING_HOURS": "2"}
CFG = {"code": "371399", "meeting_url": "https://meet.example.gov.cn", "meeting_secret": SECRET,
       "meeting_app_id": "sanji-test", "meeting_hours": 2}


def test_the_token_carries_room_moderator_and_expiry_and_nothing_personal():
    now = int(time.time())
    tok = meetings.token(CFG, "sanjiabc", "371399/zhangsan", "示范县政务服务中心", moderator=True, now=now)
    claims = meetings.verify(CFG, tok)
    assert claims["room"] == "sanjiabc" and claims["moderator"] is True and claims["aud"] == claims["iss"] == "sanji-test"
    assert claims["exp"] == now + 2 * 3600 and claims["nbf"] == now - meetings.LEEWAY
    assert claims["context"]["user"]["name"] == "示范县政务服务中心" and "zhangsan" not in str(claims)
    expired = meetings.token(CFG, "sanjiabc", "371399/zhangsan", "x", False, now=now - 3 * 3600)
    with pytest.raises(jwt.ExpiredSignatureError):
        meetings.verify(CFG, expired)
    with pytest.raises(jwt.InvalidSignatureError):
        meetings.verify(dict(CFG, meeting_secret="another-secret-of-at-least-32-chars!!"), tok)
    with pytest.raises(jwt.InvalidAudienceError):
        meetings.verify(dict(CFG, meeting_app_id="other"), tok)


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    net = make_network(tmp_path_factory.mktemp("meet-net"), villages=0, townships=2)
    add_staff(net["county"], "county", [("sup1", ["supervisor"])])
    add_staff(net[T], "township", [("win1", ["township_staff"])])
    add_staff(net[T2], "township", [("win2", ["township_staff"])])
    procs = {"county": NodeProcess(net["county"], env=SETTINGS).start(),
             T: NodeProcess(net[T]).start(), T2: NodeProcess(net[T2]).start()}
    yield net, procs
    for p in procs.values():
        p.stop()


def test_a_meeting_arranged_at_the_county_is_joined_from_an_invited_township_only(net):
    net, procs = net
    wait_for(lambda: count(net["county"], "SELECT COUNT(*) FROM sync_links WHERE state = 'up'") == 2, timeout=30,
             what="both townships linked")
    sup = Staff(web(procs["county"]), "sup1")
    bad = post(sup.s, sup.url, "/meetings", {"title": "<b>x</b>", "starts_at": "tomorrow"})
    assert bad.status_code == 400 and 'href="#m-title"' in bad.text and 'href="#m-townships"' in bad.text
    r = post(sup.s, sup.url, "/meetings", {"title": "防汛工作视频调度会", "starts_at": "2099-06-01T09:30", "townships": T})
    assert r.status_code == 200 and "防汛工作视频调度会" in r.text
    win1, win2 = Staff(web(procs[T]), "win1"), Staff(web(procs[T2]), "win2")
    wait_for(lambda: "防汛工作视频调度会" in win1.get("/meetings").text, timeout=30,
             what="the meeting listed at the township (its link to the hub settles first)")
    page = win1.get("/meetings")
    assert "防汛工作视频调度会" not in win2.get("/meetings").text  # not invited: not listed
    meeting_id = page.text.split("/meetings/")[1].split("/join")[0]
    r = win1.s.post(win1.url + f"/meetings/{meeting_id}/join", data={"csrf_token": win1.token},
                    allow_redirects=False, timeout=10)
    assert r.status_code == 303, r.text
    url = urlparse(r.headers["Location"])
    assert url.netloc == "meet.example.gov.cn" and url.path.startswith("/sanji") and "防汛" not in r.headers["Location"]
    claims = meetings.verify(CFG, parse_qs(url.query)["jwt"][0])
    assert claims["moderator"] is False and claims["room"] == url.path.strip("/") and "win1" not in str(claims)
    assert claims["exp"] - claims["iat"] == 2 * 3600
    r = win2.s.post(win2.url + f"/meetings/{meeting_id}/join", data={"csrf_token": win2.token},
                    allow_redirects=False, timeout=10)
    assert r.status_code == 400 and "没有受邀" in r.text
    r = sup.s.post(sup.url + f"/meetings/{meeting_id}/join", data={"csrf_token": sup.token}, allow_redirects=False,
                   timeout=10)
    assert meetings.verify(CFG, parse_qs(urlparse(r.headers["Location"]).query)["jwt"][0])["moderator"] is True
    procs["county"].stop()
    try:
        assert win1.get("/meetings").status_code == 200  # the page still opens, saying the hub is away
        r = win1.s.post(win1.url + f"/meetings/{meeting_id}/join", data={"csrf_token": win1.token},
                        allow_redirects=False, timeout=20)
        assert r.status_code == 503 and "连不上" in r.text
    finally:
        procs["county"].start()
