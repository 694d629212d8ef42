"""How tiers register with the shared runner and CLI, without common/ importing any tier.

Each tier package declares a `Tier` in setup.py's `sanji.tiers` entry point group.
"""
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Callable

from .errors import ConfigError


@dataclass(frozen=True)
class Tier:
    """What a tier gives the runner: its app factory, extra migrations, periodic jobs and the
    components (objects with start() and stop(), e.g. its sync links) that run beside the web server."""

    name: str
    create_app: Callable
    migrations: list = field(default_factory=list)
    jobs: list = field(default_factory=list)
    components: Callable | None = None

    def make_components(self, cfg):
        """The components to run for CFG: the tier's own, then the scheduler with its jobs."""
        from .scheduler import Scheduler
        own = list(self.components(cfg)) if self.components else []
        return own + [Scheduler(cfg, self.jobs)]


def load_tier(name):
    """The registered Tier called NAME."""
    for ep in entry_points(group="sanji.tiers"):
        if ep.name == name:
            return ep.load()
    raise ConfigError(f"没有名为 {name!r} 的层级 / no tier called {name!r}",
                      fix="tier is county, township or village; reinstall sanji (pip install -e .) if all are missing")

