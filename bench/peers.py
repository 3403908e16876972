"""Start the servers under test on 127.0.0.1, each timed from process start to first answer.

Every server is a context manager yielding a `Running`; it is stopped (by its own process
id and process group) when the block ends, whatever happens inside.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from tests.servers import free_port

from .checks import fetch
from .load import tree_rss
from .workloads import ENTITY, JSON_RESULTS, TURTLE, Request, sparql_get

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
_ASK_DATA = "ASK { ?s ?p ?o }"


@dataclass
class Running:
    """A server that answers: where, its process (tree root), and how long it took to start."""

    name: str
    kind: str  # "ours" | "oxigraph" | "rdflib" | "nginx"
    base: str
    pid: int
    cold_start: float  # seconds from process start to the first answer over the data
    note: str = ""


def _wait(request: Request, process: subprocess.Popen[bytes], log: Path, seconds: float,
          accept_any: bool = False, max_rss: int | None = None) -> None:
    """Poll every 10 ms until the request gets a 200 (any status if accept_any).

    max_rss: bytes the process tree may hold while starting; beyond, it is stopped (a big
    synthetic dataset must not take the shared machine's memory).
    """
    deadline = time.monotonic() + seconds
    next_guard = 0.0
    while time.monotonic() < deadline:
        if max_rss and time.monotonic() > next_guard:
            next_guard = time.monotonic() + 1.0
            rss = tree_rss(process.pid)
            if rss > max_rss:
                raise RuntimeError(f"stopped while starting: {rss / 2**30:.1f} GB resident, "
                                   f"over the {max_rss / 2**30:.1f} GB guard")
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}:\n"
                               + log.read_text(errors="replace")[-2000:])
        try:
            resp = fetch(request, timeout=5)
            if resp.status == 200 or accept_any:
                return
        except OSError:
            pass
        time.sleep(0.01)
    raise RuntimeError(f"{request.url} did not answer within {seconds:.0f} s; see {log}")


@contextmanager
def _process(command: list[str], log: Path, env: dict[str, str] | None = None,
             cwd: Path | None = None) -> Iterator[subprocess.Popen[bytes]]:
    # Output goes to a file: a pipe nobody reads would block a chatty server under load.
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=cwd,
                                   env={**os.environ, **(env or {})}, start_new_session=True)
    try:
        yield process
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    # Workers a server forked are in the session it leads; end any that outlived it.
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


@contextmanager
def ours(workdir: Path, data_root: Path | None = None, workers: int = 1,
         env: dict[str, str] | None = None, start_timeout: float = 120.0,
         max_rss: int | None = None) -> Iterator[Running]:
    """Our publisher as `make serve` runs it: granian, WSGI, `workers` workers."""
    port = free_port()
    command = [str(BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--no-ws", "server.wsgi:app"]
    extra = dict(env or {})
    if data_root is not None:
        extra["MCM_DATA_ROOT"] = str(data_root)
    base = f"http://127.0.0.1:{port}"
    log = workdir / f"ours-{port}.log"
    started = time.perf_counter()
    with _process(command, log, env=extra, cwd=ROOT) as process:
        _wait(Request(base + "/health"), process, log, start_timeout, max_rss=max_rss)
        up = time.perf_counter() - started
        note = f"{workers} workers; cold start = process start to /health"
        # Anything rendered lazily on first use would make /health flatter the start: count
        # up to the first entity document too, when the server has them.
        try:
            if fetch(Request(f"{base}/{ENTITY}", {"Accept": TURTLE}), timeout=60).status in (
                    200, 303):
                up = time.perf_counter() - started
                note = f"{workers} workers; cold start = process start to first entity document"
        except OSError:
            pass
        yield Running("ours (granian)", "ours", base, process.pid, up, note)


@contextmanager
def oxigraph(workdir: Path, nquads: Path, on_disk: bool) -> Iterator[Running]:
    """Oxigraph server with --union-default-graph, in memory (data POSTed) or on disk."""
    exe = str(BIN / "oxigraph")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [exe, "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
    note = "in memory, data POSTed to /store"
    if on_disk:
        location = workdir / f"oxigraph-{port}"
        loaded = time.perf_counter()
        subprocess.run([exe, "load", "--location", str(location), "--file", str(nquads)],
                       check=True, capture_output=True, timeout=600)
        command += ["--location", str(location)]
        note = f"on disk (`oxigraph load` {time.perf_counter() - loaded:.1f} s)"
    log = workdir / f"oxigraph-{port}.log"
    ask = sparql_get(base + "/query", _ASK_DATA, JSON_RESULTS)
    started = time.perf_counter()
    with _process(command, log) as process:
        if not on_disk:
            _wait(sparql_get(base + "/query", "ASK {}", JSON_RESULTS), process, log, 30)
            _post(base + "/store", nquads)
        _wait(ask, process, log, 60)
        yield Running("oxigraph " + ("disk" if on_disk else "mem"), "oxigraph", base,
                      process.pid, time.perf_counter() - started, note)


def _post(url: str, nquads: Path) -> None:
    import urllib.request

    req = urllib.request.Request(url, data=nquads.read_bytes(), method="POST",
                                 headers={"Content-Type": "application/n-quads"})
    with urllib.request.urlopen(req, timeout=600) as resp:
        if resp.status not in (200, 201, 204):
            raise RuntimeError(f"loading {url} answered {resp.status}")


@contextmanager
def rdflib_endpoint(workdir: Path, nquads: Path) -> Iterator[Running]:
    """rdflib-endpoint's own CLI (FastAPI on uvicorn), default union graph over the quads."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [str(BIN / "rdflib-endpoint"), "serve", "--host", "127.0.0.1",
               "--port", str(port), str(nquads)]
    log = workdir / f"rdflib-endpoint-{port}.log"
    started = time.perf_counter()
    with _process(command, log) as process:
        _wait(sparql_get(base + "/", _ASK_DATA, JSON_RESULTS), process, log, 120)
        yield Running("rdflib-endpoint", "rdflib", base, process.pid,
                      time.perf_counter() - started, "uvicorn, 1 worker")


NGINX_CONF = """worker_processes 2;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
{user}
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    types {{
        text/turtle ttl;
        application/ld+json jsonld;
        application/n-triples nt;
        application/n-quads nq;
        application/rdf+xml rdf;
        text/html html;
        application/json json;
        text/csv csv;
    }}
    default_type application/octet-stream;
{body}
}}
"""


def nginx_conf(workdir: Path, port: int, site: Path, body: str | None = None) -> Path:
    """An nginx.conf for an unprivileged prefix in workdir, serving site on the port."""
    if body is None:
        body = f"    server {{\n        listen 127.0.0.1:{port};\n        root {site};\n    }}"
    # As root, nginx's workers would run as nobody and could not read a private temp dir.
    user = "user root;" if os.geteuid() == 0 else ""
    conf = workdir / f"nginx-{port}.conf"
    conf.write_text(NGINX_CONF.format(dir=workdir, user=user, body=body), encoding="utf-8")
    return conf


@contextmanager
def nginx(workdir: Path, site: Path, probe: str, note: str,
          body: str | None = None, port: int | None = None) -> Iterator[Running]:
    """Debian's nginx serving site statically (2 workers); probe is a path that must answer."""
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    conf = nginx_conf(workdir, port, site, body)
    log = workdir / f"nginx-{port}.log"
    started = time.perf_counter()
    with _process([NGINX, "-c", str(conf), "-p", str(workdir), "-e", str(log)], log) as process:
        _wait(Request(base + probe), process, log, 20)
        yield Running("nginx static", "nginx", base, process.pid,
                      time.perf_counter() - started, note)


@contextmanager
def nginx_export(workdir: Path, folder: Path, port: int, probe: str,
                 note: str) -> Iterator[Running]:
    """nginx with the configuration `python -m server export` wrote (folder/nginx)."""
    log = workdir / f"nginx-export-{port}.log"
    command = [NGINX, "-p", str(folder / "nginx"), "-c", "nginx.conf", "-e", str(log)]
    if os.geteuid() == 0:  # as root, the workers would run as nobody: no read in a temp dir
        command += ["-g", "user root;"]
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    with _process(command, log) as process:
        _wait(Request(base + probe), process, log, 20)
        yield Running("nginx static", "nginx", base, process.pid,
                      time.perf_counter() - started, note)
