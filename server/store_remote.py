"""The Store protocol over a remote SPARQL 1.1 endpoint (MCM_STORE=remote), through SPARQLWrapper.

Any standard store works (Oxigraph server, Jena Fuseki, Virtuoso, QLever, GraphDB): in
remote mode the server never builds the embedded pyoxigraph store or its worker pool.

Consistency: the release files are the unit. `python -m server push` loads a store from
them (server/push.py) and writes the data version last, in the named graph
`{base}graph/release`; at start a remote-mode server checks that the store holds its own
data version (`check_release`) and refuses to start otherwise. The store's default graph
must be the union written by push, not a union of every named graph computed by the store
(which would also show the release marker, and count triples twice).

Failures never hang a worker: every request has a deadline (SPARQLWrapper's socket timeout
bounds connecting and each read; reading the body is also checked against the deadline).
A store that does not answer in time is a 504 (StoreTimeout); one that is down or broken
is a 503 (StoreUnavailable), and after a connection failure the store is not asked again for
`retry_after` seconds, so that requests fail at once instead of queueing on a dead host.
Both carry Retry-After (errorhandlers adds it to every 503 and 504).

Endpoint queries (`query`) are checked before they get here (updates and SERVICE refused,
server/sparql_check.py). They are sent with the prefixes and base our endpoint allows
undeclared, read as SPARQL JSON results or N-Triples, cut at max_rows while streaming, and
written by the same serializers as the embedded workers, so both backends give the same
bytes for the same solutions.
"""

from __future__ import annotations

import ast
import contextlib
import io
import logging
import re
import threading
import time
import urllib.error
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.client import HTTPException, HTTPResponse
from itertools import islice
from typing import IO, Any, cast

import pyoxigraph as ox
from rdflib import Graph
from SPARQLWrapper import JSON, POST, TURTLE, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from . import sparql_check
from .errors import BadRequest, PublisherError, StoreUnavailable
from .sparql_worker import BINDINGS_WRITERS, BOOLEAN_WRITERS, GRAPH_FORMATS
from .store import QueryRequest, QueryResult, Row, query_prefixes, rows_of, to_rdflib

RELEASE_GRAPH = "graph/release"  # under the base; holds one triple: the data version
VERSION_PREDICATE = "http://www.w3.org/2002/07/owl#versionInfo"
USER_AGENT = "cybercrime-manifesto-publisher (SPARQLWrapper)"

RESULTS_ACCEPT = ("application/sparql-results+json, application/sparql-results+xml;q=0.9, "
                  "text/tab-separated-values;q=0.8")
GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.8"
_RESULTS_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
_GRAPH_FORMATS = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,  # N-Triples as some older stores label it
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
_SCHEME = re.compile(r"^<[A-Za-z][A-Za-z0-9+.\-]*:")
_MESSAGE_CHARS = 500  # of a store's error message passed on to the client
log = logging.getLogger(__name__)


class StoreTimeout(StoreUnavailable):
    """The remote store did not answer within the time limit (504, retry later)."""

    status = 504
    title = "Store timed out"


class StoreMismatch(PublisherError):
    """The remote store does not hold this server's release; the server must not start."""

    title = "The store does not hold this release"


def release_iri(base: str) -> str:
    """The named graph (and subject) of the release marker in a remote store."""
    return base + RELEASE_GRAPH


class RemoteStore:
    """The Store protocol answered by a SPARQL 1.1 query endpoint (see the module docstring).

    timeout: seconds for each of the server's own queries (documents, landing page, dumps);
    endpoint queries carry their own. retry_after: seconds a failed connection keeps the
    store marked down, and the Retry-After clients are told.
    """

    def __init__(self, endpoint: str, base: str, version: str, *, timeout: float = 10.0,
                 retry_after: int = 5) -> None:
        self.endpoint = endpoint
        self.base = base
        self.version = version
        self.timeout = timeout
        self.retry_after = retry_after
        self.prefixes = query_prefixes(base)
        # As the embedded workers write results: no id: prefix (its local names need "/").
        self.output_prefixes = {k: v for k, v in self.prefixes.items() if k != "id"}
        self._down_until = 0.0
        self._lock = threading.Lock()

    # --- the server's own queries -------------------------------------------------------

    def select(self, query: str) -> list[Row]:
        with self._send(query, "SELECT", RESULTS_ACCEPT, self.timeout) as (body, kind):
            return rows_of(_results(body, kind))

    def ask(self, query: str) -> bool:
        with self._send(query, "ASK", RESULTS_ACCEPT, self.timeout) as (body, kind):
            result = _results(body, kind)
            if not isinstance(result, ox.QueryBoolean):
                raise TypeError("ask() needs an ASK query")
            return bool(result)

    def construct(self, query: str) -> Graph:
        graph = Graph()
        with self._send(query, "CONSTRUCT", GRAPH_ACCEPT, self.timeout) as (body, kind):
            for quad in _triples(body, kind):
                graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate),
                           to_rdflib(quad.object)))
        return graph

    # --- the endpoint's queries ---------------------------------------------------------

    def query(self, request: QueryRequest) -> QueryResult:
        info = sparql_check.inspect(request.query, self.prefixes)
        if info.form is None:
            raise BadRequest("Query syntax error: not a SELECT, CONSTRUCT, DESCRIBE or ASK "
                             "query.")
        text = self.with_prologue(request.query)
        graph = info.form in ("CONSTRUCT", "DESCRIBE")
        started = time.perf_counter()
        with self._send(text, info.form, GRAPH_ACCEPT if graph else RESULTS_ACCEPT,
                        request.timeout, request.default_graphs,
                        request.named_graphs) as (body, kind):
            limit = request.max_rows
            if graph:
                triples = [ox.Triple(q.subject, q.predicate, q.object)
                           for q in islice(_triples(body, kind), limit + 1)]
                engine = time.perf_counter()
                truncated, triples = len(triples) > limit, triples[:limit]
                out = ox.serialize(triples, format=GRAPH_FORMATS[request.graph_format],
                                   prefixes=self.output_prefixes) or b""
                return _result("graph", request.graph_format, out, len(triples), truncated,
                               started, engine)
            result = _results(body, kind)
            if isinstance(result, ox.QueryBoolean):
                engine = time.perf_counter()
                write = BOOLEAN_WRITERS.get(request.bindings_format, BOOLEAN_WRITERS["json"])
                return _result("boolean", request.bindings_format, write(bool(result)), 1,
                               False, started, engine)
            variables = [v.value for v in result.variables]
            table = [tuple(solution) for solution in islice(result, limit + 1)]
            engine = time.perf_counter()
            truncated, table = len(table) > limit, table[:limit]
            out = BINDINGS_WRITERS[request.bindings_format](variables, table)
            return _result("bindings", request.bindings_format, out, len(table), truncated,
                           started, engine)

    def with_prologue(self, query: str) -> str:
        """The query with the BASE and PREFIXes it relies on undeclared, on its first line
        (so that a store's error positions after line 1 stay right)."""
        used: set[str] = set()
        declared: set[str] = set()
        relative = False
        previous = ""
        for kind, value in sparql_check.tokens(query):
            if kind == "pname":
                name = value.split(":", 1)[0]
                (declared if previous.upper() == "PREFIX" else used).add(name)
            elif kind == "iri" and not _SCHEME.match(value):
                relative = True
            previous = value
        head = [f"BASE <{self.base}>"] if relative else []
        head += [f"PREFIX {name}: <{self.prefixes[name]}>"
                 for name in sorted(used - declared) if name in self.prefixes]
        return " ".join(head) + " " + query if head else query

    # --- the release --------------------------------------------------------------------

    def check_release(self) -> None:
        """Raise StoreMismatch unless the store holds this data version, with its default
        graph apart from its named graphs; StoreUnavailable when it cannot be asked."""
        g = release_iri(self.base)
        rows = self.select(
            f"SELECT DISTINCT ?v WHERE {{ GRAPH <{g}> {{ <{g}> <{VERSION_PREDICATE}> ?v }} }}")
        found = sorted(str(row["v"]) for row in rows if "v" in row)
        push = "Load this release into it with `python -m server push --endpoint URL`."
        if not found:
            raise StoreMismatch(f"The store at {self.endpoint} holds no release of this "
                                f"dataset (nothing in <{g}>). {push}")
        if found != [self.version]:
            raise StoreMismatch(
                f"The store at {self.endpoint} holds data version {', '.join(found)}; this "
                f"server's files are version {self.version}. {push} Or start this server "
                "on the release the store holds.")
        if self.ask(f"ASK {{ <{g}> <{VERSION_PREDICATE}> ?v }}"):
            raise StoreMismatch(
                f"The store at {self.endpoint} shows its named graphs in the default graph "
                "(a union default graph, e.g. `oxigraph serve --union-default-graph`): "
                "triples would count twice. Run it without that option; `push` writes the "
                "default graph itself.")

    # --- HTTP ---------------------------------------------------------------------------

    @contextmanager
    def _send(self, query: str, form: str, accept: str, timeout: float,
              default_graphs: tuple[str, ...] | None = None,
              named_graphs: tuple[str, ...] | None = None) -> Iterator[tuple[io.RawIOBase, str]]:
        """POST a query; yield the response body (read against the deadline) and its media
        type. Every failure is raised as StoreUnavailable, StoreTimeout or BadRequest."""
        now = time.monotonic()
        with self._lock:
            down_for = self._down_until - now
        if down_for > 0:
            raise StoreUnavailable(f"The data store was unreachable moments ago; retry in "
                                   f"{max(down_for, 1):.0f} s.")
        deadline = now + timeout
        wrapper = SPARQLWrapper(self.endpoint, agent=USER_AGENT)
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(URLENCODED)  # no URL length limit; the body is ours
        wrapper.setOnlyConneg(True)  # no format= parameters: some stores reject them
        # Set directly: setQuery() guesses the form with a regex (and warns when unsure);
        # ours is known. setTimeout() would round to whole seconds, 0.5 s becoming none.
        wrapper.queryString = query
        wrapper.queryType = form
        wrapper.timeout = max(timeout, 0.05)  # type: ignore[assignment]  # urlopen takes floats
        # A return format that fits the form (else SPARQLWrapper warns), then our own Accept.
        wrapper.setReturnFormat(TURTLE if form in ("CONSTRUCT", "DESCRIBE") else JSON)
        wrapper.addCustomHttpHeader("Accept", accept)
        for iri in default_graphs or ():
            wrapper.addParameter("default-graph-uri", iri)
        for iri in named_graphs or ():
            wrapper.addParameter("named-graph-uri", iri)
        try:
            response: HTTPResponse = wrapper.query().response
        except (SPARQLWrapperException, urllib.error.HTTPError) as exc:
            raise self._refused(exc) from None
        except (TimeoutError, urllib.error.URLError, HTTPException, OSError) as exc:
            raise self._failed(exc, timeout) from None
        try:
            kind = response.headers.get_content_type()
            yield _Deadline(response, deadline, timeout), kind
        except (TimeoutError, HTTPException, OSError) as exc:
            raise self._failed(exc, timeout) from None
        except SyntaxError as exc:
            log.warning("%s sent an answer that does not parse: %s", self.endpoint, exc)
            raise StoreUnavailable("The data store sent an answer that does not parse.") \
                from None
        finally:
            response.close()

    def _refused(self, exc: Exception) -> PublisherError:
        """The store answered with an HTTP error."""
        code = getattr(exc, "code", None)
        if isinstance(exc, SPARQLWrapperException):
            code = {"QueryBadFormed": 400, "EndPointNotFound": 404, "Unauthorized": 401,
                    "URITooLong": 414, "EndPointInternalError": 500}.get(type(exc).__name__)
        text = _message(exc)
        if code == 400:
            return BadRequest(f"The store refused the query: {text}")
        # Clients are not told where the store is nor what it said; the log is.
        log.warning("%s answered HTTP %s: %s", self.endpoint, code, text)
        return StoreUnavailable(f"The data store failed to answer (HTTP {code}).")

    def _failed(self, exc: BaseException, timeout: float) -> StoreUnavailable:
        """The store could not be reached or did not answer in time."""
        reason = getattr(exc, "reason", exc)
        # urllib wraps what fails while connecting and sending in URLError; a timeout
        # waiting for or reading the answer comes bare: the store is up but slow.
        if isinstance(reason, TimeoutError) and not isinstance(exc, urllib.error.URLError):
            return StoreTimeout(f"The data store did not answer within {timeout:g} s.")
        # Refused, reset, unreachable, or a connect that timed out: the store is down.
        with self._lock:
            self._down_until = time.monotonic() + self.retry_after
        log.warning("%s cannot be reached: %s", self.endpoint, reason)
        return StoreUnavailable(f"The data store cannot be reached ({reason}).")


class _Deadline(io.RawIOBase):
    """A response body that raises StoreTimeout when read past the deadline."""

    def __init__(self, response: HTTPResponse, deadline: float, timeout: float) -> None:
        self.response, self.deadline, self.timeout = response, deadline, timeout

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if time.monotonic() > self.deadline:
            raise StoreTimeout(f"The data store did not answer within {self.timeout:g} s.")
        return self.response.readinto(buffer)


def _results(body: io.RawIOBase, kind: str) -> ox.QuerySolutions | ox.QueryBoolean:
    fmt = _RESULTS_FORMATS.get(kind)
    if fmt is None:
        raise StoreUnavailable(f"The store answered a query in {kind!r}, not SPARQL results.")
    return ox.parse_query_results(cast(IO[bytes], body), fmt)


def _triples(body: io.RawIOBase, kind: str) -> Iterator[ox.Quad]:
    fmt = _GRAPH_FORMATS.get(kind)
    if fmt is None:
        raise StoreUnavailable(f"The store answered a graph query in {kind!r}, not RDF.")
    return iter(ox.parse(cast(IO[bytes], body), fmt))


def _result(kind: str, fmt: str, body: bytes, rows: int, truncated: bool, started: float,
            engine: float) -> QueryResult:
    done = time.perf_counter()
    return QueryResult(kind=kind, format=fmt, body=body, rows=rows, truncated=truncated,
                       engine_ms=(engine - started) * 1000, serialize_ms=(done - engine) * 1000)


def _message(exc: Exception) -> str:
    """A store's error message, short and on one line."""
    raw: Any = str(exc)
    if isinstance(exc, urllib.error.HTTPError):
        try:
            raw = exc.read()
        except OSError:
            raw = b""
    elif "Response:\n" in raw:
        # SPARQLWrapper keeps only the repr of the body in its message: read it back.
        with contextlib.suppress(ValueError, SyntaxError):
            raw = ast.literal_eval(raw.split("Response:\n", 1)[1])
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    text = " ".join(text.split())
    return text[:_MESSAGE_CHARS] + ("…" if len(text) > _MESSAGE_CHARS else "")


def open_remote(config: Mapping[str, Any], base: str, version: str) -> RemoteStore:
    """The configured remote store, checked to hold this release (StoreMismatch if not)."""
    store = RemoteStore(str(config["REMOTE_QUERY_URL"]), base, version,
                        timeout=float(config.get("REMOTE_TIMEOUT", 10.0)),
                        retry_after=int(config.get("REMOTE_RETRY_AFTER", 5)))
    try:
        store.check_release()
    except StoreUnavailable as exc:
        raise StoreUnavailable(f"{exc} (MCM_REMOTE_QUERY_URL={store.endpoint})") from None
    return store
