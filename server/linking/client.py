"""A polite SPARQL client for public endpoints such as the Wikidata Query Service.

Built on SPARQLWrapper. Polite means what the Wikidata Query Service asks of its users: a
User-Agent naming the tool and a contact, one request at a time with a minimum interval,
back-off on 429 and 503 that honours Retry-After, and a query timeout.
"""

from __future__ import annotations

import email.utils
import errno
import socket
import sys
import time
import urllib.error
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from SPARQLWrapper import GET, JSON, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from ..errors import BadRequest, StoreUnavailable

DEFAULT_ENDPOINT = "https://query.wikidata.org/sparql"
TOOL = "cybercrime-manifesto-linker/1.0"
RETRY_STATUSES = frozenset({429, 502, 503, 504})


class EndpointUnreachable(StoreUnavailable):
    """The SPARQL endpoint could not be reached, or kept refusing after every retry."""

    title = "SPARQL endpoint unreachable"


class EndpointRefused(BadRequest):
    """The endpoint rejected a query (4xx other than 429): retrying would not help."""

    title = "SPARQL endpoint refused the query"


def user_agent(contact: str) -> str:
    """The User-Agent the Wikimedia policy asks for: tool/version (contact) library."""
    import SPARQLWrapper as sw

    return f"{TOOL} ({contact}) SPARQLWrapper/{sw.__version__}"


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), else None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


@dataclass
class Client:
    """Runs SELECT queries against one endpoint, politely; returns SPARQL JSON bindings.

    min_interval: seconds between the starts of two requests; timeout: seconds per request;
    retries: further attempts on 429/5xx or a dropped connection, waiting backoff * 2**n
    seconds or what Retry-After says (never more than max_wait; beyond that it gives up).
    """

    endpoint: str = DEFAULT_ENDPOINT
    contact: str = "https://w3id.org/cybercrime-manifesto/"
    min_interval: float = 1.0
    timeout: float = 60.0
    retries: int = 4
    backoff: float = 2.0
    max_wait: float = 300.0
    log: Callable[[str], None] = field(default=lambda msg: print(msg, file=sys.stderr))
    sleep: Callable[[float], None] = time.sleep  # tests keep the real one; a hook for callers
    requests: int = 0
    _last: float = field(default=-1e9, repr=False)

    def select(self, query: str) -> list[dict[str, dict[str, str]]]:
        """Run a SELECT; each row maps a variable to its SPARQL JSON term ({type, value...})."""
        attempt = 0
        while True:
            self._pace()
            try:
                return self._once(query)
            except urllib.error.HTTPError as exc:
                if exc.code not in RETRY_STATUSES:
                    raise EndpointRefused(self._describe(exc)) from None
                wait = retry_after(exc.headers.get("Retry-After") if exc.headers else None)
                reason = f"HTTP {exc.code}"
            except urllib.error.URLError as exc:
                if _refused(exc.reason):
                    raise EndpointUnreachable(
                        f"cannot reach {self.endpoint}: {exc.reason}. Check the URL "
                        "(--endpoint) and the network; nothing was changed.") from None
                wait, reason = None, f"network error ({exc.reason})"
            except (TimeoutError, ConnectionError) as exc:
                wait, reason = None, f"no answer within {self.timeout:g} s ({exc})"
            except SPARQLWrapperException as exc:
                raise EndpointRefused(f"{self.endpoint} refused the query: {exc}") from None
            attempt += 1
            if attempt > self.retries:
                raise EndpointUnreachable(
                    f"{self.endpoint} still answers {reason} after {self.retries} "
                    "retries; try again later.")
            if wait is None:
                wait = self.backoff * 2 ** (attempt - 1)
            if wait > self.max_wait:
                raise EndpointUnreachable(
                    f"{self.endpoint} asks to wait {wait:.0f} s ({reason}), longer than "
                    f"{self.max_wait:.0f} s; try again later.")
            self.log(f"{reason} from {self.endpoint}; waiting {wait:.1f} s "
                     f"(retry {attempt} of {self.retries})")
            self.sleep(wait)

    def _pace(self) -> None:
        gap = self.min_interval - (time.monotonic() - self._last)
        if gap > 0:
            self.sleep(gap)
        self._last = time.monotonic()

    def _once(self, query: str) -> list[dict[str, dict[str, str]]]:
        wrapper = SPARQLWrapper(self.endpoint, agent=user_agent(self.contact))
        wrapper.setQuery(query)
        # GET can be cached by the service; long queries (big VALUES blocks) go by POST
        wrapper.setMethod(GET if len(query) < 1500 else POST)
        wrapper.setReturnFormat(JSON)
        # Only the Accept header chooses the format: no format=/output= parameters, which
        # some endpoints reject as unknown.
        wrapper.setOnlyConneg(True)
        wrapper.setTimeout(int(max(1, round(self.timeout))))
        self.requests += 1
        result: Any = wrapper.query().convert()
        if not isinstance(result, dict) or "results" not in result:
            raise EndpointRefused(f"{self.endpoint} did not answer with SPARQL JSON results")
        rows: list[dict[str, dict[str, str]]] = result["results"]["bindings"]
        return rows

    def _describe(self, exc: urllib.error.HTTPError) -> str:
        try:
            body = exc.read(500).decode("utf-8", "replace").strip()
        except Exception:  # the body is only a hint for the message
            body = ""
        return f"{self.endpoint} answered HTTP {exc.code}" + (f": {body}" if body else "")


def _refused(reason: object) -> bool:
    """Whether a URLError means nobody is there (wrong host or port), so retrying is futile."""
    if isinstance(reason, socket.gaierror):
        return True
    return isinstance(reason, OSError) and reason.errno in (errno.ECONNREFUSED,
                                                            errno.EHOSTUNREACH,
                                                            errno.ENETUNREACH)


def value(term: dict[str, str] | None) -> str | None:
    """The value of a SPARQL JSON term, or None when unbound."""
    return None if term is None else term.get("value")
