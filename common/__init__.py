"""Shared foundations of every sanji tier: domain model, storage, config, auth, web base, i18n."""

__version__ = "0.1.0"
