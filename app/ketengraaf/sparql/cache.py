"""LRU cache of serialized answers, keyed by (dataset version, query, dataset, format).

A generation never changes, so an answer stays valid as long as the version
in its key is current; old versions simply age out.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Hashable

MAX_ENTRY_BYTES = 4 * 1024 * 1024     # larger answers are not kept (they would push out many small ones)


class AnswerCache:
    def __init__(self, entries: int):
        self.entries = max(0, entries)
        self._data: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> bytes | None:
        if not self.entries:
            return None
        with self._lock:
            body = self._data.get(key)
            if body is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return body

    def put(self, key: Hashable, body: bytes) -> None:
        if not self.entries or len(body) > MAX_ENTRY_BYTES:
            return
        with self._lock:
            self._data[key] = body
            self._data.move_to_end(key)
            while len(self._data) > self.entries:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)
