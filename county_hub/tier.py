"""Registration of the county tier with sanji's runner and CLI (entry point sanji.tiers)."""
from common.scheduler import Job
from common.tiers import Tier

from sync.service import components

from .app import create_app
from .supervision import sweep_job

TIER = Tier(name="county", create_app=create_app, components=components,
            jobs=[Job("supervision-sweep", sweep_job, 300)])
