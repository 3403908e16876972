"""`mcm push`: load a release into a remote store over the SPARQL 1.1 Graph Store Protocol.

The release files are the unit: push parses them (as the server does), then, at the Graph
Store endpoint (`http://host:7878/store` for Oxigraph, `http://host:3030/ds/data` for
Fuseki):
1. deletes the release marker, so that no server starts on a store being rewritten;
2. with --query-endpoint, deletes the named graphs the release does not have;
3. replaces each named graph (PUT, N-Triples) and the default graph with their union
   (written once, as a set: a triple in two graphs counts once, as in the embedded store);
4. writes the marker last: `<{base}graph/release> owl:versionInfo "{data version}"` in its
   own named graph;
5. with --query-endpoint, checks the store as a remote-mode server will at start.

Servers already running keep what they rendered; the README's Deployment section says how
to move replicas from one release to the next.
"""

from __future__ import annotations

import argparse
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from . import config as config_mod
from . import dataset as dataset_mod
from .dataset import Dataset
from .errors import DataNotValid, PublisherError
from .store_remote import VERSION_PREDICATE, RemoteStore, release_iri
from .validation import read_record, validate_and_record

NTRIPLES = "application/n-triples"


class PushFailed(PublisherError):
    """The store refused or failed a step of the push."""

    title = "Push failed"


@dataclass(frozen=True)
class Pushed:
    """What a push wrote."""

    graphs: int
    triples: int  # in the named graphs (the default graph repeats them)
    version: str
    seconds: float


class GraphStore:
    """A SPARQL 1.1 Graph Store Protocol endpoint: PUT and DELETE of whole graphs."""

    def __init__(self, url: str, timeout: float = 120.0) -> None:
        self.url, self.timeout = url, timeout

    def _target(self, graph: str | None) -> str:
        sep = "&" if "?" in self.url else "?"
        if graph is None:
            return f"{self.url}{sep}default"
        return f"{self.url}{sep}graph={urllib.parse.quote(graph, safe='')}"

    def _send(self, method: str, graph: str | None, body: bytes | None = None) -> int:
        headers = {"Content-Type": NTRIPLES} if body is not None else {}
        request = urllib.request.Request(self._target(graph), data=body, method=method,
                                         headers=headers)
        name = f"<{graph}>" if graph else "the default graph"
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            if method == "DELETE" and exc.code == 404:
                return 404  # nothing to delete
            detail = exc.read()[:300].decode("utf-8", "replace").strip()
            raise PushFailed(f"{method} {name} at {self.url}: HTTP {exc.code} {detail}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise PushFailed(f"{method} {name}: cannot reach {self.url}: "
                             f"{getattr(exc, 'reason', exc)}") from None

    def put(self, graph: str | None, ntriples: bytes) -> None:
        """Replace a named graph (None: the default graph) with these triples."""
        self._send("PUT", graph, ntriples)

    def delete(self, graph: str) -> None:
        """Delete a named graph; one that does not exist is fine."""
        self._send("DELETE", graph)


def push(data: Dataset, store_url: str, query_url: str | None = None,
         timeout: float = 120.0) -> Pushed:
    """Load the release `data` into the store (see the module docstring); raise PushFailed."""
    started = time.perf_counter()
    gsp = GraphStore(store_url, timeout)
    marker = release_iri(data.base)
    gsp.delete(marker)
    names = {str(data.graph_iri(name)): name for name in sorted(data.graphs)}
    if query_url:
        reader = RemoteStore(query_url, data.base, data.version, timeout=timeout)
        present = reader.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        for row in present:
            graph = str(row.get("g", ""))
            if graph and graph not in names and graph != marker:
                gsp.delete(graph)
    union: list[bytes] = []
    for iri, name in names.items():
        ntriples = data.graphs[name].serialize(format="nt", encoding="utf-8")
        gsp.put(iri, ntriples)
        union.append(ntriples)
    gsp.put(None, b"".join(union))
    version = f'<{marker}> <{VERSION_PREDICATE}> "{data.version}" .\n'.encode()
    gsp.put(marker, version)
    if query_url:
        RemoteStore(query_url, data.base, data.version, timeout=timeout).check_release()
    return Pushed(len(names), len(data), data.version, time.perf_counter() - started)


def cmd_push(args: argparse.Namespace) -> int:
    """Load this release into a remote store (SPARQL 1.1 Graph Store Protocol)."""
    config = config_mod.from_environment()
    root = Path(args.root).resolve() if args.root else dataset_mod.project_root()
    data = dataset_mod.load(root, base=config["BASE_IRI"])
    record = read_record(root, data.version)
    if record is None:
        record = {"conforms": validate_and_record(root, data).conforms}
    if not record.get("conforms"):
        raise DataNotValid("The data does not conform to the shapes; not pushing it "
                           "(`make validate` prints the report).")
    query_url = args.query_endpoint or config.get("REMOTE_QUERY_URL")
    done = push(data, args.endpoint, query_url, args.timeout)
    print(f"Pushed {done.triples} triples in {done.graphs} named graphs (and their union as "
          f"the default graph) to {args.endpoint} in {done.seconds:.1f} s; data version "
          f"{done.version}.")
    if query_url:
        print(f"Checked: {query_url} answers with this release.")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("push", help=cmd_push.__doc__)
    p.add_argument("--endpoint", required=True,
                   help="the store's Graph Store Protocol URL, e.g. http://127.0.0.1:7878/store")
    p.add_argument("--query-endpoint", default=None,
                   help="its SPARQL query URL (default MCM_REMOTE_QUERY_URL): stale named "
                        "graphs are deleted and the result is checked")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds per request")
    p.set_defaults(func=cmd_push)
