"""Every representation, rendered once per data version and origin, kept in a bounded cache.

`Renderer.get(kind, key, format, origin)` returns a Representation: the bytes, their gzip
form, strong ETags (hashes of the bytes) and the Link header. A request for an unchanged
document never runs SPARQL again: the store is queried when a representation is first
rendered, and the bytes are served from memory after that.

Rendering is done once with the canonical base, then the base is rewritten to the origin
a request came to (REWRITE_TO_ORIGIN), so every origin costs one bytes.replace.

Nothing here needs a request: `Renderer.render(iri, media_type, origin)` is what a static
export calls.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import format_datetime
from functools import cached_property

from rdflib import Graph, Literal
from rdflib.namespace import RDFS

from . import documents, dumps, html, jsonld, landing, sitemap, void
from .documents import canonical
from .negotiation import DOCUMENT_FORMATS, HTML, JSONLD, TEXT, XML, Format
from .publication import Publication
from .serializers import serialize

DEFAULT_CACHE_BYTES = 64 * 1024 * 1024
GZIP_MIN_BYTES = 512  # below this gzip saves less than its own headers cost
LICENSE = "https://creativecommons.org/licenses/by/4.0/"

# Kinds of representation; a key names one within its kind.
DOC, LANDING, DUMP, SUMS, CONTEXT, ROBOTS, SITEMAP = (
    "doc", "landing", "dump", "sums", "context", "robots", "sitemap")


@dataclass(frozen=True)
class Representation:
    """Bytes as served, with what the response headers need."""

    body: bytes
    content_type: str
    etag: str
    gzipped: bytes | None
    gzip_etag: str | None
    link: str | None

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzipped or b"")


def make(body: bytes, content_type: str, link: str | None = None) -> Representation:
    """A Representation of body: ETags are SHA-256 prefixes, gzip only where it pays."""
    digest = hashlib.sha256(body).hexdigest()[:32]
    gzipped = gzip.compress(body, 6, mtime=0) if len(body) >= GZIP_MIN_BYTES else None
    return Representation(body, content_type, f'"{digest}"', gzipped,
                          f'"{digest}-gz"' if gzipped else None, link)


class BoundedCache:
    """A thread-safe LRU cache of representations, bounded by their total size in bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[tuple[str, ...], Representation] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...]) -> Representation | None:
        with self._lock:
            rep = self._items.get(key)
            if rep is not None:
                self._items.move_to_end(key)
            return rep

    def put(self, key: tuple[str, ...], rep: Representation) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= old.size
            self._items[key] = rep
            self.bytes += rep.size
            while self.bytes > self.max_bytes and len(self._items) > 1:
                _, evicted = self._items.popitem(last=False)
                self.bytes -= evicted.size

    def __len__(self) -> int:
        return len(self._items)


class Renderer:
    """Renders and caches the publication's representations (see the module docstring)."""

    def __init__(self, publication: Publication, rewrite: bool = True,
                 max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self.pub = publication
        self.store = publication.store
        self.base = publication.dataset.base
        self.rewrite = rewrite
        self.cache = BoundedCache(max_bytes)
        self._base_bytes = self.base.encode()
        # Canonical (origin-independent) bytes; bounded by the catalogue's size.
        self._canonical: dict[tuple[str, str, str], tuple[bytes, str | None]] = {}
        self._graphs: dict[str, Graph] = {}

    # --- what exists ---------------------------------------------------------------------

    @cached_property
    def dataset_iri(self) -> str:
        return str(void.dataset_iri(self.base))

    @cached_property
    def graph_iris(self) -> dict[str, str]:
        """Named-graph IRI -> graph name."""
        return {str(self.pub.dataset.graph_iri(n)): n for n in self.pub.dataset.graphs}

    @cached_property
    def catalogue(self) -> frozenset[str]:
        """Every document IRI that dereferences: the store's, the dataset's, the graphs'."""
        iris = set(documents.catalogue(self.store, self.base))
        iris.add(self.dataset_iri)
        iris.update(self.graph_iris)
        return frozenset(iris)

    @cached_property
    def aliases(self) -> dict[str, str]:
        return documents.aliases(self.store, self.base)

    def lookup(self, path: str) -> str | None:
        """The document IRI for a path under the base (`id/org/x`, `def`), or None."""
        iri = self.base + path
        if iri in self.catalogue:
            return iri
        return self.aliases.get(iri)

    @cached_property
    def modified(self) -> date:
        """The dataset's dct:modified: the latest committed date in the data, never a mtime."""
        rows = self.store.select(
            "SELECT (MAX(?d) AS ?m) WHERE { ?s <http://purl.org/dc/terms/modified> ?d }")
        value = rows[0].get("m") if rows else None
        try:
            found = date.fromisoformat(str(value)[:10]) if value is not None else None
        except ValueError:
            found = None
        today = datetime.now(UTC).date()
        return min(found, today) if found else today

    @cached_property
    def last_modified(self) -> str:
        """The Last-Modified header (an HTTP date) shared by every representation."""
        moment = datetime(self.modified.year, self.modified.month, self.modified.day, tzinfo=UTC)
        return format_datetime(moment, usegmt=True)

    @cached_property
    def labeller(self) -> html.Labeller:
        rows = self.store.select(
            f"SELECT ?s ?l WHERE {{ ?s <{RDFS.label}> ?l . "
            f'FILTER(STRSTARTS(STR(?s), "{self.base}")) }}')
        labels: dict[str, str] = {}
        for row in sorted(rows, key=lambda r: (str(r["s"]), _lang_rank(r["l"]), str(r["l"]))):
            labels.setdefault(str(row["s"]), str(row["l"]))
        return html.Labeller(labels, self.base)

    # --- serving -------------------------------------------------------------------------

    def origin(self, url_root: str) -> str:
        """The base to write into responses for a request that came to url_root."""
        return url_root if self.rewrite else self.base

    def get(self, kind: str, key: str, fmt: Format, origin: str) -> Representation:
        """The representation, from the cache or rendered now and cached."""
        cache_key = (kind, key, fmt.key, origin)
        rep = self.cache.get(cache_key)
        if rep is None:
            body, link = self._body(kind, key, fmt, origin)
            rep = make(body, fmt.content_type, link)
            self.cache.put(cache_key, rep)
        return rep

    def render(self, iri: str, media_type: str, origin: str | None = None) -> bytes:
        """The bytes of a document IRI in a media type (for the static export)."""
        fmt = next((f for f in DOCUMENT_FORMATS if f.media_type == media_type), None)
        if fmt is None:
            raise ValueError(f"no document format {media_type!r}")
        return self.get(DOC, iri, fmt, origin or self.base).body

    def _rewrite(self, data: bytes, origin: str) -> bytes:
        if origin == self.base:
            return data
        return data.replace(self._base_bytes, origin.encode())

    def _body(self, kind: str, key: str, fmt: Format, origin: str) -> tuple[bytes, str | None]:
        if kind == DUMP:
            body, link = self._canonical_body(kind, key, fmt), None
        elif kind == DOC and key != self.dataset_iri:
            body, link = self._canonical_body(kind, key, fmt), self._links(key)
        elif kind == DOC:  # the dataset description lists checksums of this origin's dumps
            body, link = self._document(key, fmt, origin), self._links(key)
        elif kind == LANDING:
            body, link = self._landing(origin), self._links(self.dataset_iri)
        elif kind == SUMS:
            return dumps.checksums_file(
                {f.dump.name: self.get(DUMP, f.dump.name, f.dump.format, origin).body
                 for f in self.files(origin)}), None
        elif kind == CONTEXT:
            body, link = jsonld.context_bytes(self.base), None
        elif kind == ROBOTS:
            body, link = sitemap.robots(self.base), None
        elif kind == SITEMAP:
            pages = [self.base, *sorted(self.catalogue)]
            body, link = sitemap.sitemap(pages, self.modified), None
        else:
            raise ValueError(f"unknown kind {kind!r}")
        return self._rewrite(body, origin), (self._rewrite(link.encode(), origin).decode()
                                             if link else None)

    def _canonical_body(self, kind: str, key: str, fmt: Format) -> bytes:
        cache_key = (kind, key, fmt.key)
        hit = self._canonical.get(cache_key)
        if hit is None:
            if kind == DUMP:
                body = dumps.render(dumps.BY_NAME[key], self.pub.dataset, self.store, self.base)
            else:
                body = self._document(key, fmt, self.base)
            hit = (body, None)
            self._canonical[cache_key] = hit
        return hit[0]

    def graph(self, iri: str, origin: str | None = None) -> Graph:
        """The document graph of a document IRI (canonical base)."""
        if iri == self.dataset_iri:
            return self._void_graph(origin or self.base)
        graph = self._graphs.get(iri)
        if graph is None:
            name = self.graph_iris.get(iri)
            if name is not None:
                graph = canonical(self.pub.dataset.graphs[name])
            else:
                graph = documents.describe(self.store, iri)
            self._graphs[iri] = graph
        return graph

    def _document(self, iri: str, fmt: Format, origin: str) -> bytes:
        graph = self.graph(iri, origin)
        name = self.graph_iris.get(iri)
        if fmt is HTML:
            if name is not None:
                return html.render("graph.html", iri=iri, name=name, triples=len(graph),
                                   alternates=html.alternates(iri), base=self.base)
            return html.resource_page(graph, iri, self.labeller, self.base)
        # A named graph is a dump of its triples: flat JSON-LD rather than one nested tree.
        root = None if name is not None else iri
        if fmt is JSONLD and root is not None and iri not in set(map(str, graph.subjects())):
            root = None
        return serialize(graph, fmt, root, self.base)

    def _void_graph(self, origin: str) -> Graph:
        counts = {iri: len(self.pub.dataset.graphs[n]) for iri, n in self.graph_iris.items()}
        return void.describe(self.store, self.base, counts, self.files(origin), self.modified)

    def files(self, origin: str) -> list[void.DumpFile]:
        """Every dump as served at origin, with its size and SHA-256."""
        out = []
        for dump in dumps.DUMPS:
            body = self.get(DUMP, dump.name, dump.format, origin).body
            out.append(void.DumpFile(dump, len(body), dumps.sha256(body)))
        return out

    def _landing(self, origin: str) -> bytes:
        model = landing.landing(self.store, self.base)
        files = self.files(origin)
        return html.render(
            "landing.html", landing=model, files=files, base=self.base,
            description=void.DESCRIPTION, modified=self.modified.isoformat(),
            alternates=html.alternates(self.dataset_iri),
            manifesto_formats=html.alternates(model.manifesto),
            schema_org=html.script_json(html.dataset_schema_org(self.base, files,
                                                                self.modified)))

    def links(self, iri: str, origin: str) -> str:
        """The Link header of a document's representations, as served at origin."""
        return self._rewrite(self._links(iri).encode(), origin).decode()

    def _links(self, iri: str) -> str:
        links = [f'<{href}>; rel="alternate"; type="{fmt.media_type}"'
                 for fmt, href in html.alternates(iri)]
        links.append(f'<{LICENSE}>; rel="license"')
        return ", ".join(links)


def _lang_rank(term: object) -> int:
    lang = term.language if isinstance(term, Literal) else None
    return 0 if lang in (None, "en") else 1


# Formats of the small fixed resources.
ROBOTS_FORMAT = TEXT
SITEMAP_FORMAT = XML
