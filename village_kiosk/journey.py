"""The apply journey's rules, apart from the web: which steps an item has, what each needs, what is left.

Pure functions of (item, draft), so tests call them directly and the views stay thin.
Steps follow GOV.UK's "one thing per page": who is applying, the item's questions (only when it
has any), photos of the materials, then check your answers.
"""
from common.domain import submission

STEPS = ("applicant", "details", "materials", "check")
PHOTOS_PER_MATERIAL = 4  # e.g. both sides of an ID card, a booklet's pages
PHOTOS_MAX = 16


def steps_for(item):
    """The steps of ITEM's journey, in order (no 'details' page for an item without questions)."""
    return [s for s in STEPS if s != "details" or item.get("fields")]


def position(item, step):
    """(n, m): STEP is step n of m."""
    steps = steps_for(item)
    return steps.index(step) + 1, len(steps)


def next_step(item, step):
    """The step after STEP."""
    steps = steps_for(item)
    return steps[min(steps.index(step) + 1, len(steps) - 1)]


def previous_step(item, step):
    """The step before STEP, or None on the first."""
    steps = steps_for(item)
    i = steps.index(step)
    return steps[i - 1] if i else None


def photos_of(draft, index):
    """The photos in DRAFT for material INDEX."""
    return [p for p in draft.get("photos", []) if p.get("material") == index]


def needs_photo(material):
    """True when MATERIAL must be photographed before submitting (required, and not one to bring later, 容缺)."""
    return bool(material.get("required")) and not material.get("later")


def materials_errors(item, draft):
    """{field id: message} for each required material without a photo."""
    return {f"m{i}": f"请拍下“{m['name']}”（没有的话请找村代办员帮忙）/ take a photo of this"
            for i, m in enumerate(item.get("materials", [])) if needs_photo(m) and not photos_of(draft, i)}


def can_add_photo(draft, index):
    """None when another photo of material INDEX may be added, else the message why not."""
    if len(photos_of(draft, index)) >= PHOTOS_PER_MATERIAL:
        return f"每种材料最多 {PHOTOS_PER_MATERIAL} 张照片 / at most {PHOTOS_PER_MATERIAL} photos each"
    if len(draft.get("photos", [])) >= PHOTOS_MAX:
        return f"一件申请最多 {PHOTOS_MAX} 张照片 / at most {PHOTOS_MAX} photos"
    return None


def step_errors(item, draft, step):
    """{field: message} of what STEP still lacks in DRAFT (empty when the step is done)."""
    if step == "applicant":
        clean, errors = submission.check_applicant(draft.get("applicant") or {})
        return errors or submission.eligibility_problems(item, clean["id_number"])
    if step == "details":
        return submission.check_form(item, draft.get("form") or {})[1]
    if step == "materials":
        return materials_errors(item, draft)
    return {}


def first_unfinished(item, draft):
    """The first step before 'check' that is not done, or None when the draft is ready to submit."""
    for step in steps_for(item)[:-1]:
        if step_errors(item, draft, step):
            return step
    return None


def field_answers(item, form):
    """[(label, value shown)] of ITEM's questions for the check-answers page and the receipt."""
    return [(f.get("label", f["key"]), form.get(f["key"], "")) for f in item.get("fields", [])]


def combine_dates(item, raw):
    """RAW with each date question's three boxes (key__year, key__month, key__day) joined as YYYY-MM-DD.

    All three empty gives ''; anything else is joined as typed, zero-padded, for the form check to judge.
    """
    out = dict(raw)
    for f in item.get("fields", []):
        if f.get("type") != "date":
            continue
        parts = [str(out.pop(f"{f['key']}__{p}", "") or "").strip() for p in ("year", "month", "day")]
        if any(parts):
            y, m, d = parts
            out[f["key"]] = f"{y}-{m.zfill(2)}-{d.zfill(2)}"
        else:
            out.setdefault(f["key"], "")
    return out
