"""A small pool of query worker processes, each killed and replaced when it runs too long.

pyoxigraph releases the GIL while it evaluates but offers no way to cancel a query, so a
runaway query in a thread would burn a core until it finished. In a process it can be
stopped for real: `run` waits for the reply until the deadline, then kills the process
(SIGKILL) and raises QueryTimeout. Other queries keep running in other workers meanwhile,
started on demand.
"""

from __future__ import annotations

import contextlib
import os
import pickle
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
        self.last_used = time.monotonic()
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
    """Up to `size` worker processes over the same data; `run` sends a job to an idle one.

    One worker is kept running; more start only when a query finds every worker busy (a
    runaway query then does not hold up the next one for long), and extra workers that
    stay idle for RETIRE_AFTER seconds are stopped, so that a quiet server holds one
    worker's memory (about 35 MB). Started lazily in the process that uses it (a pool must
    not cross a fork).
    """

    KEEP = 1
    RETIRE_AFTER = 60.0

    def __init__(self, init: dict[str, Any], size: int) -> None:
        self.size = max(1, int(size))
        self._init = pickle.dumps(init, protocol=pickle.HIGHEST_PROTOCOL)
        self._idle: list[Worker] = []  # most recently used last
        self._all: set[Worker] = set()  # running, idle or busy
        self._starting = 0
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)
        self._pid: int | None = None
        self._closed = False
        self.killed = 0  # workers killed (timeout, crash): for tests and metrics
        # Kill the workers when the pool goes away or at exit, whichever comes first.
        weakref.finalize(self, _kill_all, self._all, self._lock)

    @property
    def workers(self) -> list[Worker]:
        """The running workers (a copy)."""
        with self._lock:
            return list(self._all)

    def start(self) -> None:
        """Start the kept worker now rather than on the first query (idempotent)."""
        with contextlib.suppress(StoreUnavailable):  # the first query tries again, and says
            self._ensure_started()

    def _ensure_started(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            # After a fork the parent's workers are not ours to use.
            self._idle.clear()
            self._all.clear()
            self._starting = 0
            for worker in [w.ready() for w in [Worker(self._init) for _ in range(self.KEEP)]]:
                self._all.add(worker)
                self._idle.append(worker)
            self._pid = os.getpid()
            self._closed = False

    def run(self, job: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Run a job on an idle worker and return its reply, or raise QueryTimeout.

        The timeout covers waiting for a free worker and the query itself.
        """
        deadline = time.monotonic() + timeout
        self._ensure_started()
        worker = self._acquire(deadline, timeout)
        job = {**job, "timeout": timeout}
        try:
            worker.conn.send_bytes(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
            if worker.conn.poll(max(0.0, deadline - time.monotonic())):
                reply: dict[str, Any] = pickle.loads(worker.conn.recv_bytes())
                self._release(worker)
                return reply
        except (OSError, EOFError):
            # The worker died (e.g. its memory limit): the pool goes on without it.
            self._discard(worker)
            raise StoreUnavailable("The query worker stopped while running this query (it may "
                                   "have exceeded the memory limit).") from None
        self._discard(worker)
        raise QueryTimeout(f"The query ran longer than {timeout:g} s and was stopped. "
                           "Narrow it down (fewer unbound patterns, a LIMIT) and try again.")

    def _acquire(self, deadline: float, timeout: float) -> Worker:
        with self._ready:
            self._retire_locked()
            while not self._idle:
                if len(self._all) + self._starting < self.size:
                    self._start_in_background_locked()
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    raise QueryTimeout(f"All {self.size} query workers stayed busy for "
                                       f"{timeout:g} s; try again shortly.")
                self._ready.wait(remaining)
            return self._idle.pop()

    def _release(self, worker: Worker) -> None:
        worker.last_used = time.monotonic()
        with self._ready:
            self._idle.append(worker)
            self._ready.notify()

    def _retire_locked(self) -> None:
        """Stop workers beyond the kept one that have been idle for RETIRE_AFTER seconds."""
        now = time.monotonic()
        while (len(self._all) > self.KEEP and len(self._idle) > 1
               and now - self._idle[0].last_used > self.RETIRE_AFTER):
            oldest = self._idle.pop(0)
            self._all.discard(oldest)
            oldest.kill()

    def _start_in_background_locked(self) -> None:
        self._starting += 1

        def start() -> None:
            fresh: Worker | None = None
            with contextlib.suppress(StoreUnavailable):  # a later query tries again
                fresh = Worker(self._init).ready()
            with self._ready:
                self._starting -= 1
                if fresh is not None and self._closed:
                    fresh.kill()
                elif fresh is not None:
                    self._all.add(fresh)
                    self._idle.append(fresh)
                self._ready.notify()

        threading.Thread(target=start, name="sparql-worker-start", daemon=True).start()

    def _discard(self, worker: Worker) -> None:
        """Kill a worker that timed out or died; start the kept one again if it was that."""
        worker.kill()
        with self._ready:
            self.killed += 1
            self._all.discard(worker)
            if not self._closed and len(self._all) + self._starting < self.KEEP:
                self._start_in_background_locked()

    def close(self) -> None:
        """Kill every worker (at exit, and in tests)."""
        self._closed = True
        if self._pid != os.getpid():
            return
        _kill_all(self._all, self._lock)
        with self._ready:
            self._idle.clear()
            self._ready.notify_all()
        self._pid = None


def _kill_all(workers: set[Worker], lock: threading.Lock) -> None:
    with lock:
        for worker in list(workers):
            if worker.pid_of_parent == os.getpid():
                worker.kill()
        workers.clear()
