"""Staff roles and which tier each belongs to (None: every tier; a tuple: those tiers)."""

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


def roles_for_tier(tier):
    """Role names a node of TIER can grant."""
    return [name for name, (t, _, _) in ROLES.items() if t is None or t == tier or (isinstance(t, tuple) and tier in t)]


def label(role, lang="zh"):
    """Human label of ROLE."""
    _, zh, en = ROLES.get(role, (None, role, role))
    return zh if lang == "zh" else en
