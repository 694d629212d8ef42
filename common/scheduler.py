"""Periodic work beside the web server (APScheduler 3): housekeeping here, tier jobs from each Tier.

A job is `Job(name, func, seconds)`; `func(conn, cfg)` gets its own database connection. Jobs do
not overlap themselves (max_instances=1) and a missed run is coalesced, not replayed in a burst.
"""
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

from apscheduler.schedulers.background import BackgroundScheduler

from .clock import CHINA_ZONE
from .live import live_for
from .store import audit, blobs, db, sessions

log = logging.getLogger("sanji.scheduler")


@dataclass(frozen=True)
class Job:
    """A periodic job: FUNC(conn, cfg) every SECONDS."""

    name: str
    func: Callable
    seconds: float


def purge_sessions(conn, cfg):
    """Drop web sessions idle longer than the configured limit."""
    cutoff = datetime.now(timezone.utc) - timedelta(minutes=cfg["session_idle_minutes"])
    with db.transaction(conn):
        return sessions.purge_older_than(conn, cutoff.isoformat(timespec="milliseconds"))


def sweep_mailboxes(conn, cfg):
    """Drop live mailboxes nobody polled lately (every tier has them: kiosks, windows, the hub)."""
    return live_for(cfg).mailboxes.sweep()


def collect_uploads(conn, cfg):
    """Remove photos uploaded through the API that no application claimed within their time."""
    with db.transaction(conn):
        return blobs.collect_uploads(conn, cfg.data_dir)


COMMON_JOBS = [Job("purge-sessions", purge_sessions, 600), Job("sweep-mailboxes", sweep_mailboxes, 60),
               Job("collect-uploads", collect_uploads, 3600), Job("verify-audit", audit.verify_job, 600)]


class Scheduler:
    """A runtime component: start() schedules the jobs, stop() waits for running ones to finish."""

    def __init__(self, cfg, jobs=()):
        self.cfg, self.jobs = cfg, list(COMMON_JOBS) + list(jobs)
        self.scheduler = None
        self.runs = {}

    def start(self):
        """Schedule every job (first run after a second) and start the scheduler thread."""
        self.scheduler = BackgroundScheduler(timezone=CHINA_ZONE,
                                             job_defaults={"coalesce": True, "max_instances": 1})
        for job in self.jobs:
            self.scheduler.add_job(self._run, "interval", seconds=job.seconds, args=[job], id=job.name,
                                   next_run_time=datetime.now(timezone.utc) + timedelta(seconds=1))
        self.scheduler.start()

    def _run(self, job):
        conn = db.connect(self.cfg.db_path)
        try:
            job.func(conn, self.cfg)
            self.runs[job.name] = self.runs.get(job.name, 0) + 1
        except Exception:  # one failing run must not stop the schedule
            log.exception("job %s failed", job.name)
        finally:
            conn.close()

    def stop(self):
        """Stop scheduling and wait for running jobs to finish."""
        if self.scheduler:
            self.scheduler.shutdown(wait=True)
