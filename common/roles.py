"""Staff roles, which tier each belongs to (None: every tier; a tuple: those tiers), and the groups of them.

Every group of roles the code asks about is defined here once, each with why it is what it is;
views declare access with these names (`@roles(*TOWNSHIP_CONSOLE)`), and `tests/test_vocabulary.py`
keeps literal lists of role names out of every other module.
"""

ROLES = {
    "village_clerk": ("village", "村代办员", "Village clerk"),
    "township_staff": ("township", "乡镇窗口人员", "Township window staff"),
    "township_head": ("township", "乡镇分管领导", "Township head"),
    "county_approver": ("county", "县部门审批人员", "County department approver"),
    "county_reviewer": ("county", "县上报件审核人员", "County escalation reviewer"),
    "supervisor": ("county", "电子监察人员", "Supervisor (电子监察)"),
    "publisher": (("county", "township"), "政务公开信息员", "Publisher of public notices"),
    "admin": (None, "系统管理员", "Administrator"),
}
DEPARTMENT_ROLES = {"county_approver"}  # held per department

# Who works on cases at each deciding tier: a flow step names one of them (catalog validation) and the
# consoles offer them the decisions (decisions.available). At the county the reviewer takes
# escalations, the approvers their departments' steps.
TOWNSHIP_CASEWORKERS = ("township_staff", "township_head")
COUNTY_CASEWORKERS = ("county_approver", "county_reviewer")
CASEWORKERS = {"township": TOWNSHIP_CASEWORKERS, "county": COUNTY_CASEWORKERS}
# Who may make a tier's final decision whatever role its flow's last step names (分管领导; at the
# county the department's approver).
HEADS = {"township": "township_head", "county": "county_approver"}
# Who oversees the county's work without deciding cases: supervision (电子监察) and the administrator.
OVERSEERS = ("supervisor", "admin")
# Who sends 督办/催办: the supervisors alone (docs/protocol.md: an urge originates at the county only).
URGERS = ("supervisor",)
# Who coordinates the county's live work: the overseers and the escalation reviewer (they organise
# video meetings and watch the live consults).
COORDINATORS = ("admin", "supervisor", "county_reviewer")

# Each tier's console: its caseworkers (the clerk at a village) and whoever runs or oversees that tier.
VILLAGE_CONSOLE = ("village_clerk", "admin")
TOWNSHIP_CONSOLE = TOWNSHIP_CASEWORKERS + ("admin",)
COUNTY_CONSOLE = COUNTY_CASEWORKERS + OVERSEERS
# The county's figures (绩效): its overseers and its caseworkers.
DASHBOARD_VIEWERS = OVERSEERS + COUNTY_CASEWORKERS
# Who asks for a live consult from a console: the caseworkers of either deciding tier.
CONSULTERS = TOWNSHIP_CASEWORKERS + COUNTY_CASEWORKERS
# Staff who join video meetings: every caseworker of the township and the county, and the overseers.
MEETING_STAFF = TOWNSHIP_CASEWORKERS + COUNTY_CASEWORKERS + OVERSEERS
# Public notices (政务公开) are read by every staff member above the village and by their publishers,
# and published by the publisher, the administrator and the township head.
NOTICE_READERS = MEETING_STAFF + ("publisher",)
NOTICE_PUBLISHERS = ("admin", "publisher", "township_head")
# Whose work needs every case of their node (review of escalations, supervision, running it,
# township and village casework); a county approver sees their department's only, a publisher none.
SEES_ALL = frozenset({"county_reviewer", "supervisor", "admin", "township_staff", "township_head", "village_clerk"})


def roles_for_tier(tier):
    """Role names a node of TIER can grant."""
    return [name for name, (t, _, _) in ROLES.items() if t is None or t == tier or (isinstance(t, tuple) and tier in t)]


def label(role, lang="zh"):
    """Human label of ROLE."""
    _, zh, en = ROLES.get(role, (None, role, role))
    return zh if lang == "zh" else en
