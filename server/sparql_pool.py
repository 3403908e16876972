"""A small pool of query worker processes, each killed and replaced when it runs too long.

pyoxigraph releases the GIL while it evaluates but offers no way to cancel a query, so a
runaway query in a thread would burn a core until it finished. In a process it can be
stopped for real: `run` waits for the reply until the deadline, then kills the process
(SIGKILL), starts a replacement in the background and raises QueryTimeout. Other queries
keep running in the other workers meanwhile.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import socket
import subprocess
import sys
import threading
import time
import weakref
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from .errors import QueryTimeout, StoreUnavailable

WORKER_SCRIPT = Path(__file__).with_name("sparql_worker.py")
_START_TIMEOUT = 60.0


class Worker:
    """One worker process and the connection to it; `ready` waits for it to load the data."""

    def __init__(self, init: bytes) -> None:
        ours, theirs = socket.socketpair()
        with ours, theirs:
            # -I: ignore PYTHON* variables and the user's site folder; the script imports
            # only the standard library and pyoxigraph.
            self.process = subprocess.Popen(
                [sys.executable, "-I", str(WORKER_SCRIPT), str(theirs.fileno())],
                pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, close_fds=True,
            )
            self.conn = Connection(os.dup(ours.fileno()))
        self.pid_of_parent = os.getpid()
        try:
            self.conn.send_bytes(init)
        except OSError as exc:
            self.kill()
            raise StoreUnavailable(f"A query worker failed to start: {exc}") from None

    def ready(self) -> Worker:
        """Wait until the worker has loaded the data; raise StoreUnavailable if it does not."""
        try:
            if self.conn.poll(_START_TIMEOUT) and self.conn.recv_bytes() == b"ready":
                return self
        except (OSError, EOFError):
            pass
        self.kill()
        raise StoreUnavailable("A query worker failed to start (see the server's log).")

    def kill(self) -> None:
        """Stop the process now and reap it (SIGKILL cannot be ignored or delayed)."""
        self.process.kill()
        self.conn.close()
        self.process.wait()


class WorkerPool:
    """`size` worker processes over the same data; `run` sends a job to an idle one.

    Created lazily in the process that uses it (a pool must not cross a fork).
    """

    def __init__(self, init: dict[str, Any], size: int) -> None:
        self.size = max(1, int(size))
        self._init = pickle.dumps(init, protocol=pickle.HIGHEST_PROTOCOL)
        self._idle: queue.LifoQueue[Worker] = queue.LifoQueue()
        self._all: set[Worker] = set()
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._closed = False
        self.replaced = 0  # workers killed on timeout and replaced: for tests and metrics
        # Kill the workers when the pool goes away or at exit, whichever comes first.
        weakref.finalize(self, _kill_all, self._all, self._lock)

    def start(self) -> None:
        """Start the workers now rather than on the first query (idempotent)."""
        with contextlib.suppress(StoreUnavailable):  # the first query tries again, and says
            self._ensure_started()

    def _ensure_started(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            # After a fork the parent's workers are not ours to use.
            self._idle = queue.LifoQueue()
            self._all.clear()
            # Started together, so that they load the data in parallel.
            workers = [w.ready() for w in [Worker(self._init) for _ in range(self.size)]]
            for worker in workers:
                self._all.add(worker)
                self._idle.put(worker)
            self._pid = os.getpid()

    def run(self, job: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Run a job on an idle worker and return its reply, or raise QueryTimeout.

        The timeout covers waiting for a free worker and the query itself.
        """
        deadline = time.monotonic() + timeout
        self._ensure_started()
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise QueryTimeout(f"All {self.size} query workers stayed busy for {timeout:g} s; "
                               "try again shortly.") from None
        job = {**job, "timeout": timeout}
        try:
            worker.conn.send_bytes(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
            if worker.conn.poll(max(0.0, deadline - time.monotonic())):
                reply: dict[str, Any] = pickle.loads(worker.conn.recv_bytes())
                self._idle.put(worker)
                return reply
        except (OSError, EOFError):
            # The worker died (e.g. its memory limit): replace it and say so.
            self._replace(worker)
            raise StoreUnavailable("The query worker stopped while running this query (it may "
                                   "have exceeded the memory limit).") from None
        self._replace(worker)
        raise QueryTimeout(f"The query ran longer than {timeout:g} s and was stopped. "
                           "Narrow it down (fewer unbound patterns, a LIMIT) and try again.")

    def _replace(self, worker: Worker) -> None:
        worker.kill()
        self.replaced += 1
        with self._lock:
            self._all.discard(worker)

        def start() -> None:
            if self._closed:
                return
            try:
                fresh = Worker(self._init).ready()
            except StoreUnavailable:
                return  # the pool runs one short; the next timeout tries again
            with self._lock:
                self._all.add(fresh)
            self._idle.put(fresh)

        threading.Thread(target=start, name="sparql-worker-start", daemon=True).start()

    def close(self) -> None:
        """Kill every worker (at exit, and in tests)."""
        self._closed = True
        if self._pid != os.getpid():
            return
        _kill_all(self._all, self._lock)
        self._pid = None


def _kill_all(workers: set[Worker], lock: threading.Lock) -> None:
    with lock:
        for worker in list(workers):
            if worker.pid_of_parent == os.getpid():
                worker.kill()
        workers.clear()
