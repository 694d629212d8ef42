"""Opening a node's data folder: its config, its tier, its migrated database, its clock."""
import secrets
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import zmq.auth

from . import accounts
from . import config as config_mod
from .errors import ConfigError
from . import clock as business_clock
from . import signing
from .domain import catalog as catalog_model
from .hlc import Clock
from .runtime import address_file
from .store import calendar as cal_store
from .store import catalog as catalog_store
from .store import db, meta
from .store.migrations import COMMON
from .tiers import load_tier


def migrations_for(tier):
    """COMMON then the tier's own migrations."""
    return COMMON + list(tier.migrations)


def open_db(cfg, tier=None):
    """A connection to the node's database, migrated to this version."""
    tier = tier or load_tier(cfg["tier"])
    conn = db.connect(cfg.db_path)
    db.migrate(conn, migrations_for(tier))
    return conn


def open_node(data_dir, overrides=None):
    """(config, connection) for the node in DATA_DIR."""
    cfg = config_mod.load(data_dir, overrides=overrides)
    return cfg, open_db(cfg)


def clock_for(conn, cfg):
    """The HLC of CFG's node on its business clock, resumed after the newest event it holds so time never runs backwards."""
    row = conn.execute("SELECT MAX(hlc) FROM events WHERE origin = ?", (cfg["code"],)).fetchone()
    return Clock(cfg["code"], last=row[0], wall=business_clock.for_config(cfg).wall_ms)


def init_identity(conn, cfg):
    """Record the node's identity and a fresh epoch in meta (called once by `sanji init`)."""
    existing = meta.get(conn, "node_code")
    if existing and existing != cfg["code"]:
        raise ConfigError(f"数据库属于节点 {existing}，配置却是 {cfg['code']} / the database belongs to another node",
                          fix="use the data folder that belongs to this node")
    with db.transaction(conn):
        meta.put(conn, "node_code", cfg["code"])
        meta.put(conn, "tier", cfg["tier"])
        meta.put(conn, "name", cfg["name"])
        if not meta.get(conn, "epoch"):
            meta.put(conn, "epoch", secrets.token_hex(8))
        if not meta.get(conn, "secret_key"):
            meta.put(conn, "secret_key", secrets.token_hex(32))
        signing.ensure(conn, cfg["code"])


def make_keys(keys_dir):
    """The node's CurveZMQ key pair (node.key / node.key_secret), made with pyzmq's zmq.auth."""
    keys_dir = Path(keys_dir)
    keys_dir.mkdir(parents=True, exist_ok=True)
    public, secret = zmq.auth.create_certificates(str(keys_dir), "node")
    Path(secret).chmod(0o600)
    return Path(public), Path(secret)


def init_node(data_dir, tier_name, name, code, parent="", settings=None, admin_password=None, catalog_file=None):
    """Create a node's data folder: config, migrated database, identity, calendar, catalog, keys, admin.

    Returns (config, admin password). Refuses a folder that already holds a node.
    """
    data_dir = Path(data_dir)
    if (data_dir / config_mod.CONFIG_FILE).exists():
        raise ConfigError(f"{data_dir} 已经是一个节点的数据目录 / already holds a node",
                          fix="choose an empty folder, or remove this one if you mean to start over")
    values = dict(settings or {}, tier=tier_name, name=name, code=code, parent=parent or "")
    config_mod.validate({**{s.key: s.default for s in config_mod.DEFAULTS}, **values})
    data_dir.mkdir(parents=True, exist_ok=True)
    config_mod.write(data_dir, values)
    cfg = config_mod.load(data_dir, environ={})
    conn = open_db(cfg)
    try:
        init_identity(conn, cfg)
        cal_store.seed_from_package(conn)
        path = Path(catalog_file) if catalog_file else SHIPPED_CATALOG
        catalog_store.import_catalog(conn, catalog_model.load_yaml(path.read_text(encoding="utf-8")), path.name)
        password = admin_password or secrets.token_urlsafe(12)
        accounts.add_user(conn, tier_name, "admin", "系统管理员", password, ["admin"], actor="init")
    finally:
        conn.close()
    make_keys(cfg.keys_dir)
    return cfg, password


SHIPPED_CATALOG = Path(__file__).parent / "data" / "county_catalog.yaml"


_clocks: dict[str, Clock] = {}
_clocks_lock = threading.Lock()


def shared_clock(conn, cfg):
    """The one HLC of this process for CFG's node (web threads and sync threads share it)."""
    with _clocks_lock:
        if cfg["code"] not in _clocks:
            _clocks[cfg["code"]] = clock_for(conn, cfg)
        return _clocks[cfg["code"]]


RESTORE_WINDOW_DAYS = 7


def start_new_epoch(conn):
    """Begin a new epoch (after a restore): for RESTORE_WINDOW_DAYS children may re-offer what they hold,
    including events that came from this node or above. Returns the new epoch."""
    epoch = secrets.token_hex(8)
    until = datetime.now(timezone.utc) + timedelta(days=RESTORE_WINDOW_DAYS)
    with db.transaction(conn):
        meta.put(conn, "epoch", epoch)
        meta.put(conn, "restore_window_until", until.isoformat())
    return epoch


def backup(cfg, target):
    """Copy the node database to TARGET with SQLite's online backup API (safe while the node runs)."""
    target = Path(target)
    if target.exists():
        raise ConfigError(f"{target} 已存在 / already exists", fix="choose a new file name")
    src = db.connect(cfg.db_path)
    dst = db.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return target


def restore(cfg, source):
    """Replace the node database with backup SOURCE (node stopped) and start a new epoch."""
    if address_file(cfg).exists():
        raise ConfigError("节点正在运行 / the node is running", fix="stop it (Ctrl-C or SIGTERM) before restoring")
    source = Path(source)
    if not source.exists():
        raise ConfigError(f"找不到备份文件 {source} / no such backup", fix="give the path of a file made by sanji backup")
    src = db.connect(source)
    if not db.integrity_ok(src):
        raise ConfigError(f"{source} 未通过完整性检查 / the backup is damaged", fix="use another backup")
    for suffix in ("-wal", "-shm"):
        Path(str(cfg.db_path) + suffix).unlink(missing_ok=True)
    cfg.db_path.unlink(missing_ok=True)
    dst = db.connect(cfg.db_path)
    try:
        src.backup(dst)
        return start_new_epoch(dst)
    finally:
        dst.close()
        src.close()
