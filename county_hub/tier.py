"""Registration of the county tier with sanji's runner and CLI (entry point sanji.tiers)."""
from common.scheduler import Job
from common.tiers import Tier

from sync.service import components

from . import external, external_store
from .app import create_app
from .supervision import sweep_job

TIER = Tier(name="county", create_app=create_app, components=components, migrations=external_store.MIGRATIONS,
            jobs=[Job("supervision-sweep", sweep_job, 300), Job("external-approval", external.job, 15)])
