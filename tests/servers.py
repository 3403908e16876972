"""Start and stop real servers on loopback for tests: the publisher and Oxigraph."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], seconds: float = 20.0) -> None:
    """Poll url until it answers (any HTTP status), or fail with the process's output."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out = process.stdout.read().decode(errors="replace") if process.stdout else ""
            raise RuntimeError(f"server exited with {process.returncode}:\n{out}")
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"server did not answer {url} within {seconds} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate a server process, kill it if it lingers, and close its pipe."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    if process.stdout:
        process.stdout.close()


@contextmanager
def publisher(env: dict[str, str] | None = None, workers: int = 1) -> Iterator[str]:
    """Run the publisher as the README serves it (granian, WSGI) and yield its base URL."""
    port = free_port()
    command = [str(BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--no-ws", "server.wsgi:app"]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/health", process)
        yield base
    finally:
        stop(process)


@contextmanager
def oxigraph_server(
    data: dict[str, Path] | None = None,
    location: Path | None = None,
    union_default_graph: bool = True,
    timeout_s: int | None = None,
) -> Iterator[str]:
    """Run the `oxigraph` server from the Python registry on loopback; yield its base URL.

    data maps named-graph IRIs (or "" for the default graph) to files loaded before start.
    Without location the store lives in a temporary folder removed afterwards.
    """
    exe = shutil.which("oxigraph", path=str(BIN)) or shutil.which("oxigraph")
    if exe is None:
        raise RuntimeError("the oxigraph server is not installed (pip package 'oxigraph')")
    import tempfile

    tmp = None
    if location is None:
        tmp = tempfile.mkdtemp(prefix="oxigraph-")
        location = Path(tmp)
    for graph, path in (data or {}).items():
        command = [exe, "load", "--location", str(location), "--file", str(path)]
        if graph:
            command += ["--graph", graph]
        subprocess.run(command, check=True, capture_output=True)
    port = free_port()
    command = [exe, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    if union_default_graph:
        command.append("--union-default-graph")
    if timeout_s:
        command += ["--timeout-s", str(timeout_s)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/query?query=ASK%7B%7D", process)
        yield base
    finally:
        stop(process)
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
