"""The deadline light every tier that decides shows the same way: red past the deadline, yellow near it.

Pure. The county's supervision sweep records warnings from it (county_hub/supervision.py, with its
editable rules); a township shows it from its own state as well, so a case overdue there is marked
even when the county's warning has not come down (or the county is out of reach).
"""
from datetime import date

from ..workcal import WorkCalendar
from .record import Doc

YELLOW_DAYS_LEFT = 2  # working days left at or below which a deadline turns yellow (the rules' default)
LEVELS = (None, "yellow", "red")


def light(doc: Doc, due_on: str | None, cal: WorkCalendar, today: date,
          yellow_days_left: int = YELLOW_DAYS_LEFT) -> str | None:
    """'red', 'yellow' or None for DOC's deadline DUE_ON (YYYY-MM-DD) on TODAY; none while paused for documents."""
    if not due_on or doc["state"] == "supplement":
        return None
    left = cal.remaining(today, date.fromisoformat(due_on))
    if left < 0:
        return "red"
    return "yellow" if left <= yellow_days_left else None


def strongest(*levels: str | None) -> str | None:
    """The strongest of LEVELS (None, 'yellow', 'red')."""
    return max(levels, key=lambda lv: LEVELS.index(lv) if lv in LEVELS else 0)
