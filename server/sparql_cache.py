"""A bounded in-memory cache of query results, valid for one data version.

The data only changes with a new build, so the same query in the same format always has the
same answer: repeated queries (the common case for an endpoint behind a web page) skip the
worker round trip. Bounded by total bytes, least recently used first out; results larger
than an eighth of the budget are not kept, so that one big answer cannot flush the rest.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from .store import QueryResult


class ResultCache:
    """Thread-safe LRU of QueryResult by key, emptied when the data version changes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max(0, int(max_bytes))
        self._items: OrderedDict[Hashable, QueryResult] = OrderedDict()
        self._bytes = 0
        self._version: str | None = None
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, version: str, key: Hashable) -> QueryResult | None:
        with self._lock:
            if version != self._version:
                self._reset(version)
            result = self._items.get(key)
            if result is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return result

    def put(self, version: str, key: Hashable, result: QueryResult) -> None:
        size = len(result.body) + 200  # the body dominates; 200 for the key and record
        if size > self.max_bytes // 8:
            return
        with self._lock:
            if version != self._version:
                self._reset(version)
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body) + 200
            self._items[key] = result
            self._bytes += size
            while self._bytes > self.max_bytes and self._items:
                _, evicted = self._items.popitem(last=False)
                self._bytes -= len(evicted.body) + 200

    def _reset(self, version: str) -> None:
        self._items.clear()
        self._bytes = 0
        self._version = version

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)


class Memo:
    """A small thread-safe LRU map of hashable keys to small values (bounded by count)."""

    def __init__(self, max_items: int) -> None:
        self.max_items = max(1, int(max_items))
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> object | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: object) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.max_items:
                self._items.popitem(last=False)
