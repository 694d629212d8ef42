"""Node configuration: a TOML file in the data folder, environment overrides, and a table of defaults.

Precedence: defaults < `sanji.toml` < environment (`SANJI_<KEY>` upper-cased).
"""
import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .domain.nodes import LENGTH_OF
from .errors import ConfigError

CONFIG_FILE = "sanji.toml"
TIERS = ("county", "township", "village")


@dataclass(frozen=True)
class Setting:
    """One configuration key: its default and the help text `sanji config` shows."""

    key: str
    default: object
    help: str


DEFAULTS = [
    Setting("tier", "", "county, township or village"),
    Setting("name", "", "the node's display name, e.g. 凤县政务服务中心"),
    Setting("code", "", "the administrative division code (6 digits county, 9 township, 12 village)"),
    Setting("parent", "", "the parent's sync endpoint, tcp://HOST:PORT (empty at the county)"),
    Setting("web_host", "127.0.0.1", "address the web UI and JSON API listen on"),
    Setting("web_port", 8000, "port of the web UI and JSON API"),
    Setting("web_threads", 8, "waitress worker threads"),
    Setting("sync_host", "127.0.0.1", "address the sync ROUTER binds to (county and township)"),
    Setting("sync_port", 0, "port the sync ROUTER binds to; 0 means no child links"),
    Setting("language", "zh", "default UI language: zh or en"),
    Setting("secure_cookies", False, "send cookies only over HTTPS (turn on behind TLS)"),
    Setting("session_idle_minutes", 30, "a staff session ends after this long without a request"),
    Setting("session_absolute_hours", 12, "a staff session ends this long after login, whatever happens"),
    Setting("lockout_attempts", 5, "failed logins in a row that lock an account"),
    Setting("lockout_minutes", 5, "how long a locked account stays locked"),
    Setting("lookup_per_minute", 30, "progress checks (tracking code + last 4) one client address may make a "
            "minute; five wrong last-4s lock a code for 15 minutes whatever this is"),
    Setting("log_level", "INFO", "DEBUG, INFO, WARNING or ERROR"),
    Setting("public_url", "", "a status address people can open from their own phones, printed as the receipts' QR "
            "code (BASE/kiosk/status/CODE), e.g. https://zwfw.example.gov.cn/ (empty: no QR code; the receipt "
            "says to check at the kiosk)"),
    Setting("office_phone", "", "the phone number printed on receipts for questions (the service room's or the "
            "township center's), e.g. 0539-1234567 (empty: not printed)"),
    Setting("supervision_phone", "12345", "the supervision and complaint phone printed on receipts (12345: the "
            "government service hotline)"),
    Setting("office_address", "", "where the office is, printed on appointment slips (e.g. 河口镇便民服务中心一楼 3 号窗口); "
            "empty: the node's name"),
    Setting("appointment_hours", "09:00-12:00,14:00-17:00", "township: the opening hours villagers can book a visit in, "
            "HH:MM-HH:MM ranges separated by commas, on the working days of the node's calendar"),
    Setting("appointment_slot_minutes", 30, "township: the length of one appointment slot (10 … 240 minutes)"),
    Setting("appointment_capacity", 2, "township: how many people one slot takes (the windows free for appointments)"),
    Setting("appointment_days", 5, "township: how many working days ahead a villager may book (1 … 20)"),
    Setting("card_reader", "", "kiosk: the ID card (二代身份证) reader driver: empty (none), simulator (the demo's), "
            "or a local reader service's address, e.g. http://127.0.0.1:19196/readcard (docs/card-reader.md)"),
    Setting("kiosk_voice", "espeak-ng", "kiosk: who reads pages aloud when the browser has no voice: espeak-ng "
            "(Debian's package, Mandarin voice cmn; audio made and cached by the node) or empty (only the browser's voice)"),
    Setting("kiosk_idle_warn_seconds", 60, "kiosk: seconds without a touch before the 'are you still there?' warning"),
    Setting("approval_url", "", "county: an external approval system's address, e.g. https://spxt.example.gov.cn/api "
            "(empty: the built-in department inboxes); see docs/approval-adapter.md"),
    Setting("approval_token", "", "county: the bearer token both ways with the external approval system"),
    Setting("approval_poll_seconds", 60, "county: how often a case handed to the external system is asked about"),
    Setting("clock_file", "", "drills and tests only: a file holding the business date (2026-12-03) or a shift "
            "in days (+5); empty: the real clock. See common/clock.py"),
    Setting("ice_servers", "", "live consults: STUN/TURN servers for routed networks, comma-separated URLs "
            "(turn:turn.example.gov.cn:3478) or a JSON list of RTCIceServer objects; empty: the LAN only (docs/consults.md)"),
    Setting("meeting_url", "", "county: the conference server (Jitsi) address, e.g. https://meet.example.gov.cn "
            "(empty: no meetings)"),
    Setting("meeting_app_id", "sanji", "county: the app id the conference server expects in its tokens (iss/aud)"),
    Setting("meeting_secret", "", "county: the HS256 secret shared with the conference server's token auth"),
    Setting("meeting_hours", 4, "county: how long a meeting link stays valid"),
    Setting("sms_gateway", "", "county: where SMS go: empty (none), file or file:/path (JSON lines, for the demo), or "
            "an SMS gateway's http(s) address (docs/sms.md)"),
    Setting("sms_token", "", "county: the bearer token for the SMS gateway"),
    Setting("sms_sign", "【政务服务】", "county: the signature each SMS starts with, as registered with the carrier"),
    Setting("sms_rate_invite_days", 3, "county: days after completion when an unrated applicant is invited to rate"),
    Setting("sms_retry_seconds", 5, "county: the first wait before an SMS is tried again; it doubles each time"),
    Setting("kiosk_idle_reset_seconds", 90, "kiosk: seconds without a touch before everything the person entered is wiped"),
    Setting("kiosk_idle_reset_with_data_seconds", 300, "kiosk: the same once the person has entered something (an "
            "application begun, one looked up): time to fetch the 户口簿 from home; the warning still comes "
            "kiosk_idle_reset_seconds − kiosk_idle_warn_seconds before"),
]
_BY_KEY = {s.key: s for s in DEFAULTS}


class Config(dict):
    """A node's settings; `data_dir` is where its database, keys and files live."""

    @property
    def data_dir(self):
        """The node's data folder."""
        return Path(self["data_dir"])

    @property
    def db_path(self):
        """The node's SQLite database file."""
        return self.data_dir / "node.db"

    @property
    def keys_dir(self):
        """The folder of the node's CurveZMQ keys."""
        return self.data_dir / "keys"


def _coerce(key, value, source):
    default = _BY_KEY[key].default
    try:
        if isinstance(default, bool):
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        if isinstance(default, int):
            return int(value)
        return str(value)
    except (TypeError, ValueError):
        raise ConfigError(
            f"配置项 {key} 的值 {value!r} 无效（来自 {source}）/ bad value for {key}",
            fix=f"{key}: {_BY_KEY[key].help}",
        ) from None


def load(data_dir, environ=None, overrides=None):
    """Read a node's config from DATA_DIR/sanji.toml, then environment, then `overrides`."""
    environ = os.environ if environ is None else environ
    data_dir = Path(data_dir)
    path = data_dir / CONFIG_FILE
    if not path.exists():
        raise ConfigError(
            f"{data_dir} 不是 sanji 节点的数据目录（缺少 {CONFIG_FILE}）/ not a node data folder",
            fix=f"先运行 sanji init county|township|village --data {data_dir} …",
        )
    try:
        from_file = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} 不是有效的 TOML: {exc}", fix="修正该文件或重新 sanji init") from None
    values = {s.key: s.default for s in DEFAULTS}
    unknown = sorted(set(from_file) - set(_BY_KEY))
    if unknown:
        raise ConfigError(f"{path} 有未知配置项: {', '.join(unknown)}", fix="删除它们；`sanji config` 列出所有配置项")
    for key, value in from_file.items():
        values[key] = _coerce(key, value, str(path))
    for key in _BY_KEY:
        env_key = "SANJI_" + key.upper()
        if env_key in environ:
            values[key] = _coerce(key, environ[env_key], env_key)
    for key, value in (overrides or {}).items():
        if key not in _BY_KEY:
            raise ConfigError(f"未知配置项 {key}", fix="`sanji config` 列出所有配置项")
        values[key] = _coerce(key, value, "command line")
    values["data_dir"] = str(data_dir.resolve())
    validate(values)
    return Config(values)


def validate(values):
    """Check the cross-field rules; raise ConfigError naming every problem."""
    problems = []
    if values["tier"] not in TIERS:
        problems.append(f"tier must be one of {', '.join(TIERS)}, not {values['tier']!r}")
    code, tier = str(values["code"]), values["tier"]
    want = LENGTH_OF.get(tier)
    if want and not (code.isdigit() and len(code) == want):
        problems.append(f"code of a {tier} node must be {want} digits, not {code!r}")
    if tier in ("township", "village") and values["parent"] and not str(values["parent"]).startswith("tcp://"):
        problems.append(f"parent must look like tcp://HOST:PORT, not {values['parent']!r}")
    if values["language"] not in ("zh", "en"):
        problems.append("language must be zh or en")
    if not 2 <= int(values["kiosk_idle_warn_seconds"]) < int(values["kiosk_idle_reset_seconds"]) <= 3600:
        problems.append("kiosk_idle_warn_seconds must be at least 2 and below kiosk_idle_reset_seconds (at most 3600)")
    if not 2 <= int(values["kiosk_idle_reset_with_data_seconds"]) <= 3600:
        problems.append(f"kiosk_idle_reset_with_data_seconds must be 2–3600, not {values['kiosk_idle_reset_with_data_seconds']}"
                        " (below kiosk_idle_reset_seconds it counts as that)")
    sms_gw = str(values["sms_gateway"] or "")
    if sms_gw and sms_gw != "file" and not sms_gw.startswith(("file:", "http://", "https://")):
        problems.append(f"sms_gateway must be empty, file, file:/path or an http(s) address, not {sms_gw!r}")
    if values["approval_url"] and not str(values["approval_url"]).startswith(("http://", "https://")):
        problems.append(f"approval_url must start with http:// or https://, not {values['approval_url']!r}")
    if not 1 <= int(values["approval_poll_seconds"]) <= 86400:
        problems.append("approval_poll_seconds must be between 1 and 86400")
    if values["ice_servers"]:
        try:
            ice_servers(values)
        except ValueError as exc:
            problems.append(f"ice_servers: {exc}")
    if values["meeting_url"] and not str(values["meeting_url"]).startswith(("http://", "https://")):
        problems.append(f"meeting_url must start with http:// or https://, not {values['meeting_url']!r}")
    if values["meeting_secret"] and len(str(values["meeting_secret"])) < 32:
        problems.append("meeting_secret must be at least 32 characters (HS256 needs a long shared secret)")
    if not 1 <= int(values["meeting_hours"]) <= 24:
        problems.append("meeting_hours must be between 1 and 24")
    if values["public_url"] and not str(values["public_url"]).startswith(("http://", "https://")):
        problems.append(f"public_url must start with http:// or https://, not {values['public_url']!r}")
    for key in ("web_port", "sync_port"):
        if not 0 <= int(values[key]) <= 65535:
            problems.append(f"{key} must be between 0 and 65535")
    if problems:
        raise ConfigError("节点配置有误 / the node configuration is wrong", details=problems,
                          fix="edit sanji.toml in the data folder, or the SANJI_* environment variables")


def ice_servers(values):
    """The RTCIceServer list the `ice_servers` setting describes; ValueError when malformed."""
    text = str(values.get("ice_servers") or "").strip()
    if not text:
        return []
    if text.startswith("["):
        servers = json.loads(text)
        if not all(isinstance(x, dict) and x.get("urls") for x in servers):
            raise ValueError("a JSON list of objects each with urls")
        return servers
    urls = [u.strip() for u in text.split(",") if u.strip()]
    bad = [u for u in urls if not u.startswith(("stun:", "turn:", "turns:"))]
    if bad:
        raise ValueError(f"URLs start with stun:, turn: or turns:, not {bad[0]!r}")
    return [{"urls": urls}]


def write(data_dir, values):
    """Write a commented sanji.toml with VALUES over the defaults (used by `sanji init`)."""
    lines = ["# sanji node configuration. Environment variables SANJI_<KEY> override these.", ""]
    for s in DEFAULTS:
        value = values.get(s.key, s.default)
        lines.append(f"# {s.help}")
        lines.append(f"{s.key} = {_toml_value(value)}")
    path = Path(data_dir) / CONFIG_FILE
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
