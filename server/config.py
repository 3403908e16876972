"""Settings: defaults, overridden by MCM_* environment variables, checked once at start."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from .namespaces import FILE_BASE

DEFAULTS: dict[str, Any] = {
    # Canonical base of every IRI the dataset publishes (the files use FILE_BASE).
    "BASE_IRI": FILE_BASE,
    # Rewrite the canonical base to the origin a request came to, so that IRIs are
    # followable on a local or staging server. Off in production behind the canonical host.
    "REWRITE_TO_ORIGIN": True,
    # Where ontology/, data/ and shapes/ are; None means the repository this package is in.
    "DATA_ROOT": None,
    # "embedded" (pyoxigraph in this process) or "remote" (a SPARQL 1.1 endpoint).
    "STORE": "embedded",
    "REMOTE_QUERY_URL": None,
    # Remote store: seconds for each of the server's own queries, and the Retry-After of a
    # 503/504 when it is down or slow (also how long a failed connection marks it down).
    "REMOTE_TIMEOUT": 10.0,
    "REMOTE_RETRY_AFTER": 5,
    # SPARQL endpoint limits.
    "SPARQL_TIMEOUT": 5.0,
    "SPARQL_MAX_QUERY_LENGTH": 20_000,
    "SPARQL_MAX_BODY": 64 * 1024,
    "SPARQL_MAX_ROWS": 10_000,
    # Endpoints SERVICE may call; empty means SERVICE is refused.
    "SPARQL_SERVICE_ALLOWLIST": (),
    # Query worker processes per server process, at most (one is kept, more start when all
    # are busy; a timed-out one is killed), each one's memory limit in MB (0: none), and the
    # result cache's size in bytes.
    "SPARQL_WORKERS": 2,
    "SPARQL_WORKER_MEMORY_MB": 1024,
    "SPARQL_CACHE_BYTES": 32 * 1024 * 1024,
    # The link tool (`mcm link`): the SPARQL endpoint it checks Wikidata links at, the
    # contact sent in its User-Agent, and how politely it asks (see server/linking/client.py).
    "WIKIDATA_ENDPOINT": "https://query.wikidata.org/sparql",
    "LINK_CONTACT": FILE_BASE,
    "LINK_MIN_INTERVAL": 1.0,
    "LINK_TIMEOUT": 60.0,
    "LINK_RETRIES": 4,
    "LINK_BACKOFF": 2.0,
    # Reconciliation (OpenRefine): queries per batch, candidates per query, request body.
    "RECONCILE_MAX_QUERIES": 100,
    "RECONCILE_MAX_LIMIT": 50,
    "RECONCILE_MAX_BODY": 256 * 1024,
}

_ENV_PREFIX = "MCM_"


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """DEFAULTS with MCM_<NAME> environment overrides, parsed to the default's type."""
    environ = os.environ if environ is None else environ
    config = dict(DEFAULTS)
    for name, default in DEFAULTS.items():
        raw = environ.get(_ENV_PREFIX + name)
        if raw is None:
            continue
        config[name] = _parse(name, raw, default)
    return check(config)


def _parse(name: str, raw: str, default: Any) -> Any:
    try:
        if isinstance(default, bool):
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, tuple):
            return tuple(part.strip() for part in raw.split(",") if part.strip())
    except ValueError:
        raise SystemExit(f"{_ENV_PREFIX}{name}={raw!r} is not a valid value") from None
    return raw


def check(config: dict[str, Any]) -> dict[str, Any]:
    """Reject settings that cannot work, with a message naming the setting."""
    base = str(config["BASE_IRI"])
    if not base.startswith(("http://", "https://")) or not base.endswith("/"):
        raise SystemExit(f"MCM_BASE_IRI must be an http(s) IRI ending in '/': {base!r}")
    if config["STORE"] not in ("embedded", "remote"):
        raise SystemExit(f"MCM_STORE must be 'embedded' or 'remote', not {config['STORE']!r}")
    if config["STORE"] == "remote" and not config["REMOTE_QUERY_URL"]:
        raise SystemExit("MCM_STORE=remote needs MCM_REMOTE_QUERY_URL")
    if float(config["REMOTE_TIMEOUT"]) <= 0 or int(config["REMOTE_RETRY_AFTER"]) < 0:
        raise SystemExit("MCM_REMOTE_TIMEOUT must be positive, MCM_REMOTE_RETRY_AFTER >= 0")
    if float(config["SPARQL_TIMEOUT"]) <= 0:
        raise SystemExit("MCM_SPARQL_TIMEOUT must be positive")
    if int(config["SPARQL_WORKERS"]) < 1:
        raise SystemExit("MCM_SPARQL_WORKERS must be at least 1")
    return config
