"""Registration of the county tier with sanji's runner and CLI (entry point sanji.tiers)."""
from common.scheduler import Job
from common.tiers import Tier

from sync.service import components

from . import external, external_store, meeting_store, sms_gateway, sms_store
from .app import create_app
from .consult_hub import ConsultTicker, hub_for
from .supervision import sweep_job


def county_components(cfg):
    """The sync links, then the consult broker's ticker."""
    return components(cfg) + [ConsultTicker(hub_for(cfg))]


TIER = Tier(name="county", create_app=create_app, home="tier.home",  # the queues at / (console.py)
            components=county_components,
            migrations=external_store.MIGRATIONS + meeting_store.MIGRATIONS + sms_store.MIGRATIONS,
            jobs=[Job("supervision-sweep", sweep_job, 300), Job("external-approval", external.job, 15),
                  Job("sms", sms_gateway.job, 3)])
