"""How tiers register with the shared runner and CLI, without common/ importing any tier.

Each tier package declares a `Tier` in setup.py's `sanji.tiers` entry point group.
"""
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Callable

from .errors import ConfigError


@dataclass(frozen=True)
class Tier:
    """What a tier gives the runner: its app factory, its home page, extra migrations, periodic jobs and the
    components (objects with start() and stop(), e.g. its sync links) that run beside the web server."""

    name: str
    """The tier's name, as a node's config says it (`tier` in sanji.toml) and the entry point is called."""
    create_app: Callable
    """The tier's app factory, `create_app(config)`: the runner, the CLI and the tests make its app with it."""
    home: str
    """The endpoint (for url_for) of the staff's home page, which the tier's app must have. The shared web layer
    links to it through `common.web.context.home_url`: sign-in and the language switch return there when
    no safe `next` is given, the brand in every page's header and the shared casework, notice and meeting
    pages' back links point there."""
    migrations: list = field(default_factory=list)
    jobs: list = field(default_factory=list)
    components: Callable | None = None

    def make_components(self, cfg):
        """The components to run for CFG: the tier's own, then the scheduler with its jobs."""
        from .scheduler import Scheduler  # lazy: apscheduler (~45 ms) loads where a node runs, not with every CLI command
        own = list(self.components(cfg)) if self.components else []
        return own + [Scheduler(cfg, self.jobs)]


def load_tier(name):
    """The registered Tier called NAME."""
    for ep in entry_points(group="sanji.tiers"):
        if ep.name == name:
            return ep.load()
    raise ConfigError(f"没有名为 {name!r} 的层级 / no tier called {name!r}",
                      fix="tier is county, township or village; reinstall sanji (pip install -e .) if all are missing")
