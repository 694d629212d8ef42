"""Registration of the township tier with sanji's runner and CLI (entry point sanji.tiers)."""
from common.tiers import Tier

from sync.service import components

from . import appointment_store
from .app import create_app

TIER = Tier(name="township", create_app=create_app, home="tier.home",  # the window inbox at / (window.py)
            components=components, migrations=appointment_store.MIGRATIONS)
