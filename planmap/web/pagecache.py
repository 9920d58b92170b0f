"""A least-recently-used cache bounded by the bytes it holds, for rendered map pages.

A count bound is not enough: pages differ in size by a factor of ten (one layer vs all), and an
unbounded dict keyed on client input grows until the process is killed. Entries of an older
store version are dropped as soon as a newer one is stored.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Hashable


class ByteLRU:
    """``get_or_make(key, make)``: the cached text for ``key``, made (and kept) if missing."""

    def __init__(self, max_bytes: int | Callable[[], int]):
        self._max = max_bytes
        self._items: OrderedDict[Hashable, str] = OrderedDict()
        self._sizes: dict[Hashable, int] = {}
        self._lock = threading.Lock()
        self.bytes = 0

    @property
    def max_bytes(self) -> int:
        return self._max() if callable(self._max) else self._max

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable) -> str | None:
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: Hashable, value: str, version: Hashable | None = None) -> None:
        size = len(value.encode("utf-8"))
        with self._lock:
            if version is not None:  # a new store version makes every older page stale
                for stale in [k for k in self._items if isinstance(k, tuple) and k[0] != version]:
                    self._drop(stale)
            if key in self._items:
                self._drop(key)
            if size > self.max_bytes:
                return  # larger than the whole cache: serve it, do not keep it
            self._items[key] = value
            self._sizes[key] = size
            self.bytes += size
            while self.bytes > self.max_bytes:
                self._drop(next(iter(self._items)))

    def _drop(self, key: Hashable) -> None:
        del self._items[key]
        self.bytes -= self._sizes.pop(key)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._sizes.clear()
            self.bytes = 0
