"""Public notices: the form's checks, versions (last one wins, never an older), who may send one to whom,
and what a child that joins later is sent at its hello."""
from datetime import date

import pytest

from common import notices as publishing
from common.domain import notices as model
from common.errors import Forbidden, NotFound, ValidationError
from common.node import open_db
from common.replication import Replicator
from common.store import notices as store
from common.store import outbox
from common.store.db import transaction
from tests.helpers import CODES, make_node

TODAY = date(2026, 12, 1)
C, T, V = CODES["county"], CODES["township"], CODES["village"]


def test_the_form_names_every_bad_field_and_fills_the_publication_date():
    clean = model.check({"title": " 通知 ", "body": "第一段\r\n\r\n第二段", "category": "guide"}, TODAY)
    assert clean == {"title": "通知", "body": "第一段\n\n第二段", "category": "guide", "published_on": "2026-12-01",
                     "expires_on": None}
    with pytest.raises(ValidationError) as err:
        model.check({"title": "长" * 61, "body": "<b>", "category": "ad", "published_on": "12/1",
                     "expires_on": "2026-11-30"}, TODAY)
    assert set(err.value.fields) == {"title", "body", "category", "published_on"}
    with pytest.raises(ValidationError) as err:
        model.check({"title": "t", "body": "b", "expires_on": "2026-11-30"}, TODAY)
    assert set(err.value.fields) == {"expires_on"}


def test_a_notice_is_shown_from_its_date_until_its_end_unless_withdrawn():
    n = {"published_on": "2026-12-01", "expires_on": "2026-12-31", "withdrawn": False}
    assert not model.visible(n, date(2026, 11, 30)) and model.visible(n, TODAY) and model.visible(n, date(2026, 12, 31))
    assert not model.visible(n, date(2027, 1, 1)) and not model.visible(dict(n, withdrawn=True), TODAY)


def wire(**changes):
    body = {"id": "n1", "publisher": C, "version": 1, "title": "t", "body": "b", "category": "notice",
            "published_on": "2026-12-01", "withdrawn": False, "seq": 1}
    body.update(changes)
    return body


@pytest.mark.parametrize("changes", [{"publisher": "371398"}, {"publisher": V}, {"version": True}, {"seq": "1"},
                                     {"category": "ad"}, {"title": 5}, {"withdrawn": 0}])
def test_a_frame_that_is_not_a_notice_from_an_ancestor_is_refused(changes):
    with pytest.raises(ValidationError):
        model.check_wire(wire(**changes), V)
    model.check_wire(wire(), V)
    model.check_wire(wire(publisher=T), V)
    with pytest.raises(ValidationError):
        model.check_wire(wire(publisher=T), T)  # not from oneself


def test_versions_last_one_wins_and_the_hello_sends_a_child_what_it_lacks(tmp_path):
    township = make_node(tmp_path, "township")
    conn = open_db(township)
    rep = Replicator(T, None)
    with transaction(conn):
        rep.apply(conn, "notice", "m1", "", wire(seq=7), outbox.UP)
        with pytest.raises(ValidationError):
            rep.apply(conn, "notice", "m2", "", wire(), V)  # never from a child
    assert store.parent_seq(conn) == 7 and store.get(conn, "n1")["seq"] == 1  # renumbered here
    with transaction(conn):
        rep.apply(conn, "notice", "m3", "", wire(version=3, title="v3", seq=9), outbox.UP)
        rep.apply(conn, "notice", "m4", "", wire(version=2, title="v2", seq=8), outbox.UP)  # late and older
    assert store.get(conn, "n1")["title"] == "v3" and store.parent_seq(conn) == 9
    mine = publishing.publish(conn, township, "head1", {"title": "镇里的", "body": "b"})
    assert mine["publisher"] == T and mine["version"] == 1
    sent = rep.broadcasts_newer(conn, {"notices": 0})
    assert [(b["id"], b["version"]) for k, _, _, b in sent if k == "notice"] == [("n1", 3), (mine["id"], 1)]
    lacking = rep.broadcasts_newer(conn, {"notices": store.get(conn, "n1")["seq"]})
    assert [b["id"] for k, _, _, b in lacking if k == "notice"] == [mine["id"]]
    assert rep.broadcast_versions(conn)["notices"] == 9
    with pytest.raises(NotFound):
        publishing.publish(conn, township, "head1", {}, "n1", withdraw=True)  # the county's, not ours to withdraw
    conn.close()


def test_a_village_cannot_publish(tmp_path):
    village = make_node(tmp_path, "village")
    conn = open_db(village)
    with pytest.raises(Forbidden):
        publishing.publish(conn, village, "clerk", {"title": "t", "body": "b"})
    conn.close()
