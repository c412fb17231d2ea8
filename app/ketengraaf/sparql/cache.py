"""LRU cache of serialized answers, keyed by (dataset version, query, dataset, format), bounded in
entries and in bytes.

A generation never changes, so an answer stays valid as long as the version
in its key is current; old versions simply age out. The byte bound is what
keeps memory flat under a flood of different large queries (issue 9: 320
CONSTRUCT-everything queries took a server bounded by entries alone from 353
to 1,583 MiB); a key's own size counts too, since a query can be a megabyte.
"""
from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Hashable

MAX_ENTRY_BYTES = 4 * 1024 * 1024     # larger answers are not kept (they would push out many small ones)
ENTRY_OVERHEAD = 256                  # bytes an entry costs beyond its key and body (dict slot, tuple, bytes header)


def _key_bytes(key: Hashable) -> int:
    if isinstance(key, (tuple, frozenset)):
        return sum(_key_bytes(k) for k in key)
    if isinstance(key, (str, bytes)):
        return len(key)
    return sys.getsizeof(key)


class AnswerCache:
    def __init__(self, entries: int, max_bytes: int = 64 * 1024 * 1024):
        self.entries = max(0, entries)
        self.max_bytes = max(0, max_bytes)
        self.max_entry_bytes = min(MAX_ENTRY_BYTES, self.max_bytes // 8)
        self._data: OrderedDict[Hashable, tuple[bytes, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.bytes = 0                # what the entries take now (keys, bodies, overhead)
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> bytes | None:
        if not self.entries or not self.max_bytes:
            return None
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return entry[0]

    def put(self, key: Hashable, body: bytes) -> None:
        size = len(body) + _key_bytes(key) + ENTRY_OVERHEAD
        if not self.entries or size > self.max_entry_bytes:
            return
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            self._data[key] = (body, size)
            self.bytes += size
            while len(self._data) > self.entries or self.bytes > self.max_bytes:
                _, (_, gone) = self._data.popitem(last=False)
                self.bytes -= gone

    def __len__(self) -> int:
        return len(self._data)
