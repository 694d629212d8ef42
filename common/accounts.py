"""Staff accounts: Argon2id passwords, roles per tier, lockout after repeated failures (kept in SQLite)."""
import os
import re
import threading
import time
import unicodedata
from datetime import datetime, timedelta, timezone
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .errors import AuthRequired, Conflict, LockedOut, NotFound, ValidationError
from .roles import DEPARTMENT_ROLES, ROLES, roles_for_tier
from .store import audit, sessions as session_store, users
from .store.db import transaction

MIN_PASSWORD = 10
_state: dict[str, Any] = {}


def _hasher():
    # argon2id with the library's recommended parameters. SANJI_ARGON2_PROFILE=test (the test
    # suite only) picks a cheap profile so hundreds of throwaway accounts do not cost minutes.
    if "hasher" not in _state:
        if os.environ.get("SANJI_ARGON2_PROFILE") == "test":
            _state["hasher"] = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        else:
            _state["hasher"] = PasswordHasher()
        _state["dummy"] = _state["hasher"].hash("timing equaliser for unknown users")
    return _state["hasher"]


def check_password_rules(password):
    """Raise ValidationError unless PASSWORD is long enough."""
    if len(password or "") < MIN_PASSWORD:
        raise ValidationError(f"密码至少 {MIN_PASSWORD} 位 / a password needs at least {MIN_PASSWORD} characters",
                              fix="use a longer passphrase, e.g. four unrelated words")


def parse_roles(specs, tier):
    """['county_approver:MZ', 'supervisor'] → [(role, department)], checked against TIER."""
    out, problems = [], []
    for spec in specs:
        role, _, dept = str(spec).partition(":")
        if role not in ROLES:
            problems.append(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
        elif role not in roles_for_tier(tier):
            problems.append(f"role {role} does not exist at a {tier} node; here: {', '.join(roles_for_tier(tier))}")
        elif role in DEPARTMENT_ROLES and not dept:
            problems.append(f"role {role} is held per department: write {role}:DEPT, e.g. {role}:MZ")
        out.append((role, dept))
    if not out:
        problems.append("give at least one role")
    if problems:
        raise ValidationError("角色设置有误 / wrong roles", details=problems)
    return out


MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")  # a mainland mobile: what the SMS gateway can text


def clean_phone(phone):
    """PHONE as stored: '' (none) or an 11-digit mainland mobile number; ValidationError otherwise."""
    # As people type or paste it: full-width digits (a Chinese input method), no-break spaces, dashes, +86.
    phone = "".join(unicodedata.normalize("NFKC", str(phone or "")).split()).replace("-", "")
    if len(phone) == 14 and phone.startswith("+86") or len(phone) == 13 and phone.startswith("86"):
        phone = phone[-11:]
    if phone and not MOBILE_RE.match(phone):
        raise ValidationError("手机号须是 11 位手机号码 / the phone must be an 11-digit mobile number",
                              fields={"phone": "11 位手机号，如 13700001234；可不填"},
                              fix="leave it empty, or write e.g. 13700001234")
    return phone


def add_user(conn, tier, username, display_name, password, role_specs, actor="cli", must_change=False, phone=""):
    """Create a staff account (MUST_CHANGE: its password is temporary, changed at first sign-in; PHONE: its
    mobile number, texted with a supervisor's 督办); returns its id."""
    username = (username or "").strip()
    phone = clean_phone(phone)
    if not username or not username.replace("_", "").replace(".", "").isalnum() or len(username) > 40:
        raise ValidationError("用户名只能由字母、数字、下划线和点组成 / username: letters, digits, _ and .")
    check_password_rules(password)
    roles = parse_roles(role_specs, tier)
    if users.by_username(conn, username):
        raise Conflict(f"用户 {username} 已存在 / user exists", fix="choose another username or reset-password")
    with transaction(conn):
        uid = users.create(conn, username, display_name or username, _hasher().hash(password), roles, must_change, phone)
        audit.record(conn, actor, "user.created", username, {"roles": [f"{r}:{d}" if d else r for r, d in roles],
                                                            "phone": bool(phone)})
    return uid


def _now():
    return datetime.now(timezone.utc)


MAX_USERNAME, MAX_PASSWORD = 64, 1024


class AddressGuard:
    """Failed logins per client address in the last WINDOW seconds; an address past LIMIT is refused.

    Set at the account lockout, so a stranger trying passwords from one address can lock one
    colleague's account at most, then only their own address.
    """

    def __init__(self, limit, window=900.0, max_addresses=10_000):
        self.limit, self.window, self.max_addresses = limit, window, max_addresses
        self._fails = {}
        self._told = {}  # ip -> when its block was last audited
        self._lock = threading.Lock()

    def blocked(self, ip, now=None):
        """True while IP has LIMIT failures in the window."""
        now = time.monotonic() if now is None else now
        with self._lock:
            recent = [t for t in self._fails.get(ip, ()) if now - t < self.window]
            self._fails[ip] = recent
            return len(recent) >= self.limit

    def first_refusal(self, ip, now=None):
        """True for the first refusal of a blocked IP in a window (audited once, not per attempt)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._told) > self.max_addresses:
                self._told.clear()
            if now - self._told.get(ip, -self.window) < self.window:
                return False
            self._told[ip] = now
            return True

    def failed(self, ip, now=None):
        """Count one failure from IP."""
        with self._lock:
            if len(self._fails) > self.max_addresses:
                self._fails.clear()
            self._fails.setdefault(ip, []).append(time.monotonic() if now is None else now)


def authenticate(conn, username, password, attempts=5, lock_minutes=5, ip="", now=None, guard=None):
    """The user dict for good credentials; AuthRequired or LockedOut otherwise. Every try is audited.

    The password is checked (Argon2id, tens of ms) before the write transaction, so logins never
    hold up the node's other writers; the failure count and the audit row are then committed
    before the refusal is raised. The username is trimmed, cut to its first MAX_USERNAME
    characters and stripped of control characters before it is looked up or audited. GUARD (an
    AddressGuard) refuses an address that failed too often, before anything else.
    """
    now = now or _now()
    username = "".join(c for c in str(username or "").strip()[:MAX_USERNAME] if c >= " ")
    password = str(password or "")[:MAX_PASSWORD]
    if guard is not None and guard.blocked(ip):
        if guard.first_refusal(ip):  # once per window: a blocked address must not grow the audit trail at will
            with transaction(conn):
                audit.record(conn, username or "?", "login.refused", username, {"why": "address"}, ip)
        raise LockedOut("这台电脑登录失败次数过多，请 15 分钟后再试 / too many failed sign-ins from this computer",
                        fix="wait 15 minutes; if you forgot the password, ask an administrator to reset it")
    user = users.by_username(conn, username)
    verified = _verify(user, password)
    with transaction(conn):
        user, refusal = _check_login(conn, username, user, verified, password, attempts, lock_minutes, ip, now)
    if refusal:
        if guard is not None and isinstance(refusal, AuthRequired):
            guard.failed(ip)
        raise refusal
    return user


def _verify(user, password):
    try:
        _hasher().verify(user["password_hash"] if user else _state["dummy"], password)
        return user is not None
    except (VerificationError, InvalidHashError):
        return False


def _check_login(conn, username, user, verified, password, attempts, lock_minutes, ip, now):
    wrong = AuthRequired("用户名或密码不正确 / wrong username or password", fix="请核对用户名和密码后重试 / check both and try again")
    if user is not None:  # read again inside the transaction: counts may have moved meanwhile
        user = users.by_username(conn, username)
    if user is None:
        audit.record(conn, username or "?", "login.failed", username, {"why": "unknown user"}, ip)
        return None, wrong
    if user["locked_until"] and datetime.fromisoformat(user["locked_until"]) > now:
        audit.record(conn, username, "login.refused", username, {"why": "locked"}, ip)
        return None, LockedOut(f"连续输错 {attempts} 次，账号已锁定，请 {lock_minutes} 分钟后再试 / account locked",
                               fix=f"wait {lock_minutes} minutes, or ask an administrator to reset the password")
    if user["locked_until"]:
        users.clear_failures(conn, user["id"])
        user["failed_logins"] = 0
    if user["disabled"]:
        audit.record(conn, username, "login.refused", username, {"why": "disabled"}, ip)
        return None, AuthRequired("此账号已停用 / this account is disabled", fix="ask an administrator")
    if not verified:
        locks = user["failed_logins"] + 1 >= attempts
        until = (now + timedelta(minutes=lock_minutes)).isoformat() if locks else None
        users.record_failure(conn, user["id"], until)
        audit.record(conn, username, "login.failed", username, {"why": "password", "locked": locks}, ip)
        return None, wrong
    users.clear_failures(conn, user["id"])
    if _hasher().check_needs_rehash(user["password_hash"]):
        users.set_password(conn, user["id"], _hasher().hash(password), bool(user["must_change_password"]))
    audit.record(conn, username, "login.ok", username, {}, ip)
    return user, None


def reset_password(conn, username, password, actor="cli", must_change=False):
    """Set a new password (MUST_CHANGE: a temporary one), unlock the account and end its sessions."""
    check_password_rules(password)
    user = users.by_username(conn, username)
    if not user:
        raise NotFound(f"没有用户 {username} / no such user", fix="`sanji users list` shows them")
    with transaction(conn):
        users.set_password(conn, user["id"], _hasher().hash(password), must_change)
        users.clear_failures(conn, user["id"])
        session_store.delete_for_user(conn, user["id"])
        audit.record(conn, actor, "user.password_reset", username, {"temporary": must_change})


def change_password(conn, user, current, new, confirm):
    """USER changes their own password: CURRENT must verify, NEW (twice) follow the rules and differ from it.

    Ends the user's other sessions (the caller renews its own)."""
    problems = {}
    try:
        _hasher().verify(user["password_hash"], current or "")
    except (VerificationError, InvalidHashError):
        problems["current"] = "当前密码不对 / the current password is wrong"
    if new != confirm:
        problems["confirm"] = "两次输入的新密码不一致 / the two new passwords differ"
    elif new == current:
        problems["new"] = "新密码须与当前密码不同 / choose a password other than the current one"
    else:
        try:
            check_password_rules(new)
        except ValidationError as exc:
            problems["new"] = exc.message
    if problems:
        raise ValidationError("密码未修改 / the password was not changed", fields=problems,
                              fix="correct the fields marked")
    with transaction(conn):
        users.set_password(conn, user["id"], _hasher().hash(new), False)
        session_store.delete_for_user(conn, user["id"])
        audit.record(conn, user["username"], "user.password_changed", user["username"])


def set_disabled(conn, username, disabled=True, actor="cli"):
    """Disable (ending its sessions) or re-enable an account."""
    user = users.by_username(conn, username)
    if not user:
        raise NotFound(f"没有用户 {username} / no such user", fix="`sanji users list` shows them")
    with transaction(conn):
        users.set_disabled(conn, user["id"], disabled)
        if disabled:
            session_store.delete_for_user(conn, user["id"])
        audit.record(conn, actor, "user.disabled" if disabled else "user.enabled", username)


def set_phone(conn, username, phone, actor="cli"):
    """Give USERNAME's account the mobile number PHONE ('' removes it); audited (that a number was set, not the number)."""
    phone = clean_phone(phone)
    user = users.by_username(conn, username)
    if user is None:
        raise NotFound(f"没有用户 {username} / no such user", fix="`sanji users list` shows them")
    with transaction(conn):
        users.set_phone(conn, user["id"], phone)
        audit.record(conn, actor, "user.phone_set", username, {"phone": bool(phone)})
