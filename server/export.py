"""`mcm export DIR`: the whole published site as files, and an nginx configuration serving it.

DIR/site/ holds what the Flask server publishes, each file under its URL path: every
representation of every document (`id/org/x.html`, `.ttl`, `.jsonld`, `.nt`, `.rdf`, with a
`.gz` beside it where the server would gzip), the landing page (index.html), the dumps and
SHA256SUMS, context.jsonld, robots.txt, sitemap.xml, the SSSOM linkset, the static assets
and the error pages (`_errors/404.html`, `.json`...). DIR/nginx/ holds site.conf (maps and a
server block, to include in an http block) and nginx.conf (a whole configuration around
it): see server/nginx.py. Any static host can serve DIR/site by path; negotiation at the
bare IRIs needs the nginx configuration (or an equivalent).

The bytes are the Renderer's, for `origin` (where the export will be served; default the
canonical base): the bytes the Flask server sends for that origin. Each file's mtime is the
dataset's modification date, so nginx's Last-Modified is the Flask server's.

Written into a new folder beside DIR, then swapped in by renaming: a web server serving DIR
sees the previous export or this one whole, never a mix. DIR must be new, empty, or an
earlier export (it has export.json).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from . import config as config_mod
from . import dumps, html, nginx
from .errors import PublisherError
from .linking import sssom
from .negotiation import DOCUMENT_FORMATS, HTML, JSONLD, TEXT, XML
from .publication import Publication, open_publication
from .representations import (
    CONTEXT,
    DOC,
    DUMP,
    LANDING,
    ROBOTS,
    SITEMAP,
    SUMS,
    Renderer,
    Representation,
)

MANIFEST = "export.json"
STATIC = Path(__file__).with_name("static")
_SAFE_PATH = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/")


class ExportError(PublisherError):
    """The export cannot be written where asked."""

    title = "Export failed"


@dataclass(frozen=True)
class Exported:
    """What an export wrote."""

    folder: Path
    documents: int
    files: int
    bytes: int
    seconds: float


class _Writer:
    """Writes files under a folder, each with the given mtime, and counts them."""

    def __init__(self, root: Path, mtime: float) -> None:
        self.root, self.mtime = root, mtime
        self.files = self.bytes = 0

    def write(self, path: str, body: bytes) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        os.utime(target, (self.mtime, self.mtime))
        self.files += 1
        self.bytes += len(body)

    def representation(self, path: str, rep: Representation) -> None:
        self.write(path, rep.body)
        if rep.gzipped is not None:  # where the Flask server would gzip: same bytes
            self.write(path + ".gz", rep.gzipped)


def _document_path(iri: str, base: str) -> str | None:
    """The URL path of a document under the base, if it is one a file can hold."""
    path = iri[len(base):]
    parts = path.split("/")
    if (not path or not set(path) <= _SAFE_PATH or any(p in ("", ".", "..") for p in parts)
            or path.endswith(".gz") or parts[0] in ("static", "_errors", "dumps")):
        return None
    return path


def _error_pages(out: _Writer) -> None:
    """The error bodies of server/errorhandlers.py, as pages and problem+json files."""
    available = [f.media_type for f in DOCUMENT_FORMATS]
    pages = {
        400: ("Bad request", "The request cannot be answered as sent (an Accept header "
              "longer than 4096 characters, for instance).", None),
        404: ("Not found", "There is no resource at this address.", None),
        405: ("Method not allowed", "This site is static: it answers GET and HEAD only.", None),
        406: ("Not acceptable", "None of the formats this resource has fits the Accept "
              "header; available: " + ", ".join(available) + ".", available),
    }
    for status, (title, detail, formats) in pages.items():
        out.write(f"{nginx.ERRORS[1:]}{status}.html",
                  html.render("error.html", status=status, title=title, detail=detail,
                              available=formats or []))
        body: dict[str, object] = {"type": "about:blank", "title": title, "status": status,
                                   "detail": detail}
        if formats:
            body["available"] = formats
        out.write(f"{nginx.ERRORS[1:]}{status}.json",
                  (json.dumps(body, ensure_ascii=False) + "\n").encode())


def _sssom(pub: Publication) -> str:
    """The SSSOM linkset, as /linksets/wikidata.sssom.tsv serves it."""
    from flask import Flask

    from .linking import web

    # links() keeps its result in the current app; a bare one is enough here.
    with Flask(__name__).app_context():
        return web.links(pub).sssom


def write_site(renderer: Renderer, site: Path, origin: str) -> tuple[_Writer, list[str]]:
    """Every file of the site under `site`; returns the writer and the document paths."""
    pub = renderer.pub
    base = renderer.base
    modified = renderer.modified
    mtime = datetime(modified.year, modified.month, modified.day, tzinfo=UTC).timestamp()
    out = _Writer(site, mtime)
    documents = []
    for iri in sorted(renderer.catalogue):
        path = _document_path(iri, base)
        if path is None:
            continue
        documents.append(path)
        for fmt in DOCUMENT_FORMATS:
            out.representation(path + fmt.suffix, renderer.get(DOC, iri, fmt, origin))
    out.representation("index.html", renderer.get(LANDING, "", HTML, origin))
    for dump in dumps.DUMPS:
        out.representation(dump.path, renderer.get(DUMP, dump.name, dump.format, origin))
    out.representation(dumps.DUMP_FOLDER + dumps.CHECKSUMS, renderer.get(SUMS, "", TEXT, origin))
    out.representation("context.jsonld", renderer.get(CONTEXT, "", JSONLD, origin))
    out.representation("robots.txt", renderer.get(ROBOTS, "", TEXT, origin))
    out.representation("sitemap.xml", renderer.get(SITEMAP, "", XML, origin))
    out.write(sssom.PATH, _sssom(pub).encode())
    for asset in sorted(STATIC.iterdir()):
        if asset.is_file():
            target = site / "static" / asset.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(asset, target)  # keeps its mtime, as Flask's static route says it
            out.files += 1
            out.bytes += asset.stat().st_size
    _error_pages(out)
    return out, documents


def export(pub: Publication, folder: Path, origin: str | None = None, *,
           listen: str = "127.0.0.1:8080", server_name: str = "_",
           renderer: Renderer | None = None) -> Exported:
    """Write the site and its nginx configuration to folder (see the module docstring).

    renderer: one already holding rendered representations (a running app's), else new.
    """
    started = time.perf_counter()
    folder = folder.resolve()
    origin = origin or pub.dataset.base
    if not origin.startswith(("http://", "https://")) or not origin.endswith("/"):
        raise ExportError(f"The origin must be an http(s) URL ending in '/': {origin!r}")
    _check_target(folder)
    renderer = renderer or Renderer(pub, rewrite=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        out, documents = write_site(renderer, work / "site", origin)
        aliases = {}
        for alias, iri in renderer.aliases.items():
            alias_path, doc_path = _document_path(alias, renderer.base), \
                _document_path(iri, renderer.base)
            if alias_path and doc_path:
                aliases[alias_path] = doc_path
        conf = work / "nginx"
        conf.mkdir()
        site_conf = nginx.site_conf(folder / "site", origin, documents, aliases,
                                    listen=listen, server_name=server_name)
        (conf / "site.conf").write_text(site_conf, encoding="utf-8")
        (conf / "nginx.conf").write_text(nginx.standalone_conf(folder / "nginx" / "site.conf"),
                                         encoding="utf-8")
        manifest = {"version": pub.dataset.version, "origin": origin,
                    "documents": len(documents), "files": out.files, "bytes": out.bytes}
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        work.chmod(0o755)  # mkdtemp's 0700 would keep a web server's user out
        _swap(work, folder)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return Exported(folder, len(documents), out.files, out.bytes, time.perf_counter() - started)


def _check_target(folder: Path) -> None:
    if folder.exists() and (not folder.is_dir() or (any(folder.iterdir())
                                                    and not (folder / MANIFEST).is_file())):
        raise ExportError(f"{folder} exists and is not an earlier export (no {MANIFEST}); "
                          "choose a new or empty folder.")


def _swap(work: Path, folder: Path) -> None:
    """Put work where folder is; the previous export is removed after the switch."""
    if not folder.exists():
        work.rename(folder)
        return
    old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
    folder.rename(old)
    work.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def cmd_export(args: argparse.Namespace) -> int:
    """Write the whole site as static files, with an nginx configuration serving it."""
    config = config_mod.from_environment()
    if args.root:
        config["DATA_ROOT"] = args.root
    done = export(open_publication(config), Path(args.folder), args.origin,
                  listen=args.listen, server_name=args.server_name)
    print(f"Exported {done.documents} documents ({done.files} files, {done.bytes} bytes) to "
          f"{done.folder}/site in {done.seconds:.1f} s; nginx configuration in "
          f"{done.folder}/nginx (nginx -p {done.folder}/nginx -c nginx.conf).")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("export", help=cmd_export.__doc__)
    p.add_argument("folder", help="where to write site/ and nginx/ (new, empty, or an export)")
    p.add_argument("--origin", "--base", dest="origin", default=None,
                   help="the URL the export will be served at, ending in '/' (default: the "
                        "canonical base); links and headers name it")
    p.add_argument("--listen", default="127.0.0.1:8080",
                   help="the nginx listen address (default 127.0.0.1:8080)")
    p.add_argument("--server-name", default="_", help="the nginx server_name (default _)")
    p.set_defaults(func=cmd_export)
