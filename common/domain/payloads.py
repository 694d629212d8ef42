"""What a parent checks of the commutative events a child sends for its own subtree (docs/protocol.md § 12.4).

Their origin checked them when they were made; a parent checks them again, because a tampered
child could otherwise put values into the parent's projection that no honest node makes.
"""
import re
from datetime import date
from typing import Any

from ..errors import CustodyError, ValidationError
from . import ratings, submission, urging
from .nodes import tier_of
from .record import Event

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
WARNING_LEVELS = ("yellow", "red")  # 电子监察: yellow near a deadline, red past it


def _text(p: dict[str, Any], key: str, limit: int, required: bool = False) -> None:
    value = p.get(key, "")
    if not isinstance(value, str) or len(value) > limit or (required and not value.strip()):
        raise ValidationError(f"{key} must be {'non-blank ' if required else ''}text of at most {limit} characters")


def check_from_child(event: Event) -> None:
    """Raise ValidationError unless a commutative EVENT sent up by a child has a well-formed payload.

    Only the shape, not the state: an event that arrives before the one it follows is not refused
    for that (a warning level the sweep does not know, or a rating of 9, is).
    """
    kind, p = event["type"], event["payload"]
    if kind == "warning_raised":
        if tier_of(event["origin"]) != "county":
            raise CustodyError("只有县级电子监察可以预警 / only the county's supervision raises warnings")
        if p.get("level") not in WARNING_LEVELS or p.get("about", "deadline") not in ("deadline", "rectification"):
            raise ValidationError(f"warning level must be one of {', '.join(WARNING_LEVELS)}")
    elif kind == "urged":  # 督办/催办 come from the county's supervisors only
        urging.check_shape(event)
    elif kind == "rated":
        ratings.check_shape(p)
    elif kind == "supplement_provided":
        submission.check_materials(p.get("materials", []), None)
        _text(p, "note", 200)
    elif kind == "withdrawal_requested":
        _text(p, "reason", 200)
    elif kind == "callback_booked":
        if p.get("kind") not in ("callback", "appointment"):
            raise ValidationError("callback_booked.kind must be callback or appointment")
        _text(p, "note", 200)
    elif kind == "appointment_booked":
        appointment_shape(event)
    elif kind == "rectification_done":
        _text(p, "note", 500, required=True)
    elif kind == "commented":
        _text(p, "text", 2000)
    elif kind == "consult_held":
        for key in ("sid", "staff", "staff_name", "staff_node", "from", "outcome"):
            _text(p, key, 64)
        if not isinstance(p.get("seconds", 0), (int, float)) or not 0 <= p.get("seconds", 0) <= 86400:
            raise ValidationError("consult_held.seconds must be 0 … 86400")
    elif kind == "sms_opted_out" and p:
        raise ValidationError("sms_opted_out carries no payload")


def appointment_shape(event: Event) -> None:
    """Raise unless an `appointment_booked` EVENT comes from a township and names a real day, time and place."""
    if tier_of(event["origin"]) != "township":
        raise CustodyError("只有乡镇能登记预约 / only a township books appointments in its own book")
    p = event["payload"]
    try:
        date.fromisoformat(p.get("date") if isinstance(p.get("date"), str) and len(p["date"]) == 10 else "")
        ok = all(isinstance(p.get(k), str) and _HHMM.match(p[k]) for k in ("time", "end"))
    except ValueError:
        ok = False
    if not ok or not isinstance(p.get("ref"), int) or isinstance(p.get("ref"), bool):
        raise ValidationError("appointment_booked needs date YYYY-MM-DD, time and end HH:MM and a ref number")
    _text(p, "place", 100, required=True)
