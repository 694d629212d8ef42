"""An application's states, and every group of them the code asks about: each group is defined here once.

Pure data. `application.py`'s state machine moves a case from one state to the next (its DECISIONS
table says which state each decision may follow); the groups below are the questions the rest of
the code asks about a state ("is it finished?", "is a deciding tier working on it?"). Several
groups look alike and differ on purpose; each says why it is what it is, so a newcomer adds a
state to the right ones instead of guessing. `tests/test_vocabulary.py` keeps literal lists of
states out of every other module.

Tuples, not sets: a group is also bound into SQL (`state IN (?, …)`) and shown in order on pages.
"""

# Every state, in the order a case usually passes through them (the clerk's filter lists them so).
UNFINISHED = ("submitted", "received", "forwarded", "accepted", "supplement", "in_review", "returned", "escalated",
              "escalation_review")
FINISHED = ("approved", "denied", "delivered", "withdrawn", "not_accepted")
STATES = UNFINISHED + FINISHED

# UNFINISHED: every state before the outcome. Named, not "NOT IN" the finished ones, so that a query
# reads the state index instead of every application ever held.
# FINISHED: the outcome is known (or the case ended without one): no promised date means anything
# any more, and no one works on it.

# The decisions' outcomes: the states a `decision` (approved, denied or not accepted) leaves, and the
# outside approval system's statuses after which it says nothing more.
OUTCOMES = ("approved", "denied", "not_accepted")

# Decided, awaiting delivery of the decision (送达): the only finished states a decision still follows.
TO_DELIVER = ("approved", "denied")

# An outcome was reached, so the service can be rated (好差评); a withdrawn case had none to rate.
RATABLE = ("approved", "denied", "not_accepted", "delivered")

# Awaiting intake at the deciding tier: received from below (or forwarded by a township to the
# county), not yet accepted or refused.
AWAITING_INTAKE = ("received", "forwarded")

# A flow's steps are being decided: the case was accepted and the step(s) awaiting a decision have
# their own clocks (`current_steps`).
IN_FLOW = ("accepted", "in_review")

# Awaiting the parent: a submission not yet received, or an escalation not yet taken up by the county.
# Only the custodian's parent may take such a case (`received`).
AWAITING_PARENT = ("submitted", "escalated")

# A deciding tier (township or county department) is working on the case: its inboxes, the county's
# queues and counts of open work. Not `submitted` (still the village's), and not the escalation
# states: an escalation is the county reviewer's, and the queues and staffing ask for it by name.
WORKING = ("received", "forwarded", "accepted", "in_review", "returned", "supplement")

# 督办/催办 may be sent: someone is working on the case, escalations included (an urge to a finished
# case would ask for nothing, and a `submitted` one has reached no office yet).
URGEABLE = WORKING + ("escalated", "escalation_review")

# The states `withdrawn` may follow (application.DECISIONS), so where the applicant may ask to withdraw
# (撤回): before the outcome, but not during an escalation, which first goes back to the township or is
# decided at the county.
WITHDRAWABLE = ("submitted",) + WORKING

# The township inbox says who handles a case held elsewhere ("由 … 办理") in these: WORKING without
# `forwarded`, whose own label already says the county handles it (已转报县级（县级负责）).
NAMES_HOLDER = ("received", "accepted", "supplement", "in_review", "returned")

# The township inbox's state filter, in the order it lists them: the states a township works with.
# Not `submitted` (a village's, until received) nor `escalation_review` (the county's).
TOWNSHIP_FILTER = ("received", "accepted", "in_review", "supplement", "returned", "escalated", "forwarded",
                   "approved", "denied", "delivered", "withdrawn", "not_accepted")

# A booked visit to the township (预约) is no longer needed and frees its place: the case was
# withdrawn, or its decision delivered. A decision not yet delivered may still bring the person.
NO_VISIT = ("withdrawn", "delivered")
