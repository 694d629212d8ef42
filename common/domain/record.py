"""What an application holds: its projection (the doc) as the state machine builds it, one line per key.

`new_doc` (application.py) makes the keys of `Born` from a `submitted` event; the others appear as
events add them (in application.py, ratings.py and urging.py) or as the store reads the node's
calendar (`due_on`, `due_provisional`, `paused_days`: common/store/applications.with_deadline).
Dates are ISO `YYYY-MM-DD` in China time, HLC stamps as common/hlc.py writes them.
"""
from typing import Any, TypedDict


class Born(TypedDict):
    """The keys every application has from its `submitted` event on."""

    id: str                         # the application id (a UUID, the events' app_id)
    tracking_code: str              # the applicant's 查询码 (XXXXX-XXXXX)
    item: dict[str, Any]            # the catalog item as it was when submitted (name, flow, materials, days)
    applicant: dict[str, Any]       # name, id_number, phone (and for a company: company, uscc, legal_rep)
    form: dict[str, Any]            # the item's questions, answered and checked
    materials: list[dict[str, Any]]  # photos and scans: {sha256, material, name, size, type, full?}
    proxy_by: str                   # the village clerk who applied on the person's behalf, or ""
    origin: str                     # the node where it was born
    custody: str                    # the node that decides it now
    state: str                      # one of the state machine's states (common/domain/states.py groups them)
    submitted_hlc: str              # HLC of the `submitted` event
    submitted_on: str               # its day
    accepted_on: str | None         # the day it was accepted (the deadline counts from it)
    limit_days: int                 # the promised working days
    pauses: list[list[str | None]]  # [start, end or None] of each 补正 pause after acceptance
    flow_pos: int                   # index of the flow entry (step or parallel group) under way
    branches: dict[str, str]        # a parallel group's branches: step id -> pending/passed/returned/cancelled
    step_since: str | None          # the day the current step started (its own limit counts from it)
    resume_state: str | None        # the state a 补正 returns to once the material is provided
    escalation: dict[str, Any] | None  # {from, reason, prior_state, answer, on, resolution?, department?}
    decision: dict[str, Any] | None    # {outcome, reason, note, on, by, at} once approved, denied or not accepted
    warning: str | None             # the county supervision's light: yellow or red
    rating: dict[str, Any] | None   # the latest rating
    withdrawal_requested: bool      # the applicant asked to withdraw
    supplement: dict[str, Any] | None  # the latest 补正: {missing, reason, requested_on, provided, provided_on?}
    comments: int                   # how many `commented` events
    consults: int                   # video consults held about it
    callbacks: int                  # callbacks and appointments booked
    anomalies: list[dict[str, str]]  # {event, problem}: events replay could not apply (noted, never blocking)
    last_hlc: str                   # HLC of the newest event applied


class Application(Born, total=False):
    """An application's projection: the keys events add as they happen."""

    assigned: str                   # the department a voice case was assigned to (送阅)
    answer: dict[str, Any]          # a voice case's answer {text, by, on, department}
    returned: dict[str, Any]        # the step that returned it {step, reason, on}
    forwarded_on: str               # the day a township forwarded it to the county
    forwarded_by: str               # that township
    delivered_on: str               # the day the outcome was delivered
    appointment: dict[str, Any]     # the latest visit booked at the township {date, time, end, place}
    sms_opted_out: bool             # the applicant asked for no more texts
    urges: int                      # how many 督办/催办
    urged: dict[str, Any]           # the latest {kind, note, level, office, departments, by, by_name, on, hlc}
    ratings: list[dict[str, Any]]   # every rating, by channel
    rectification: dict[str, Any]   # the 差评整改 a bad rating opened
    due_on: str | None              # the deadline on this node's calendar (with_deadline)
    due_provisional: bool           # the deadline moves (a pause is open)
    paused_days: int                # working days paused so far


# The names functions are annotated with. At run time both are plain dicts (JSON in, JSON out);
# `Application` above says which keys a Doc holds, the protocol (docs/protocol.md § 6) an Event's.
Event = dict[str, Any]  # id, app_id, origin, hlc, actor, type, payload (and sig, when signed)
Doc = dict[str, Any]    # an application's projection: the keys of Born and Application
