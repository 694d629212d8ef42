"""Meetings on every staff console: the list and the join button; the county also creates them.

Township nodes ask the hub over the live link (`meeting.list`, `meeting.join`) and wait a few
seconds for the answer in a reply mailbox; at the county the same messages are answered in
process. The join link leaves through a redirect, so the token never sits in a page.
"""
from flask import Blueprint, current_app, g, redirect, render_template, request, url_for

from ..domain.consults import hub_of
from ..errors import SanjiError, Unavailable, ValidationError
from ..live import ask, live_for
from ..roles import COORDINATORS, MEETING_STAFF
from .access import roles


def _ask(body):
    cfg = current_app.config["SANJI"]
    answer = ask(live_for(cfg), hub_of(cfg["code"]), body)
    if answer is None:
        raise Unavailable("县级中心现在连不上，稍后再试 / the county hub cannot be reached now",
                          fix="check the link banner; meetings work again once the link is up")
    return answer


def meetings_blueprint(create=None):
    """The `meetings` blueprint: /meetings and /meetings/<id>/join; CREATE(form, user) adds one (county only)."""
    bp = Blueprint("meetings", __name__)

    @bp.route("/meetings", methods=["GET", "POST"])
    @roles(*MEETING_STAFF)
    def page():
        """Upcoming meetings to join; at the county, a form to arrange one."""
        error = None
        if request.method == "POST":
            if create is None or not any(r in COORDINATORS for r, _ in g.user["roles"]):
                raise ValidationError("会议由县级安排 / meetings are arranged by the county")
            try:
                create(request.form, g.user)
                return redirect(url_for("meetings.page", done=1))
            except SanjiError as exc:
                error = exc
        try:
            answer, problem = _ask({"kind": "meeting.list"}), None
        except Unavailable as exc:
            answer, problem = {"meetings": [], "configured": True}, exc
        return render_template("meetings.html", meetings=answer.get("meetings", []), problem=problem or error,
                               configured=answer.get("configured", False), can_create=create is not None and any(
                                   r in COORDINATORS for r, _ in g.user["roles"]), form=request.form,
                               done=request.args.get("done")), (error.http_status if error else 200)

    @bp.post("/meetings/<meeting_id>/join")
    @roles(*MEETING_STAFF)
    def join(meeting_id):
        """Off to the conference server with this person's own token."""
        cfg = current_app.config["SANJI"]
        answer = _ask({"kind": "meeting.join", "meeting": meeting_id, "user": g.user["username"],
                       "label": cfg["name"]})
        if answer.get("error"):
            raise ValidationError(answer["error"], fix=answer.get("fix") or None)
        return redirect(answer["url"], code=303)

    return bp
