"""Registration of the village tier with sanji's runner and CLI (entry point sanji.tiers)."""
from common.scheduler import Job
from common.tiers import Tier

from sync.service import components

from . import drafts, lookups
from .app import create_app
from .kiosk import idle_reset_seconds


def purge_drafts(conn, cfg):
    """Delete drafts the kiosk browser left behind (it died, or was closed before the idle reset)."""
    return drafts.purge_idle(conn, cfg.data_dir, idle_reset_seconds(cfg, drafting=True) + 30)


TIER = Tier(name="village", create_app=create_app, home="tier.home",  # the clerk's console at /clerk/ (clerk.py)
            components=components, migrations=drafts.MIGRATIONS + lookups.MIGRATIONS,
            jobs=[Job("purge-kiosk-drafts", purge_drafts, 30)])
