"""Small in-memory caches for what is the same for every visitor (never on disk, always bounded).

A public query leaves no trace: these hold only answers about named places (a
village, a postcode a visitor typed is kept no longer than the process and
is evicted first-in first-out), keyed on the data they were computed from.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["Memo"]

T = TypeVar("T")


def _same(a: object, b: object) -> bool:
    """Tuples item by item; plain values by equality; anything else (a directory snapshot) by identity."""
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, str | int | float | bytes) and isinstance(b, str | int | float | bytes):
        return a == b
    return a is b


class Memo(Generic[T]):
    """A bounded least-recently-used cache of values computed from one *generation* of the data.

    When :meth:`get` is called with another generation (a new directory snapshot,
    a newly published timetable), everything computed before is dropped. Generations
    are tuples compared item by item: plain values by equality, objects by identity.
    """

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, T] = OrderedDict()
        self._generation: object = None
        self._lock = threading.Lock()

    def get(self, generation: object, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value of ``key`` for this generation, computing it (outside the lock) when missing."""
        with self._lock:
            if not _same(generation, self._generation):
                self._items.clear()
                self._generation = generation
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()
        with self._lock:
            if _same(generation, self._generation):
                self._items[key] = value
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return value
