"""Small in-memory caches for what is the same for every visitor (never on disk, always bounded).

A public query leaves no trace: these hold only answers about named places (a
village, a postcode a visitor typed is kept no longer than the process and
is evicted first-in first-out), keyed on the data they were computed from.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date
from typing import Generic, TypeVar

__all__ = ["Memo"]

T = TypeVar("T")


#: Values compared by equality in a generation; anything else by identity.
_PLAIN = (str, int, float, bytes, date, type(None))


def _same(a: object, b: object) -> bool:
    """Tuples item by item; plain values by equality; anything else (a directory snapshot) by identity."""
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, _PLAIN) and isinstance(b, _PLAIN):
        return a == b
    return a is b


class Memo(Generic[T]):
    """A bounded least-recently-used cache of values, each computed from one *generation* of the data.

    A value is used only while its generation is the one asked for (a new directory
    snapshot or a newly published timetable makes it stale, and it is computed again).
    Generations are tuples compared item by item: plain values by equality, objects
    (a directory snapshot) by identity.
    """

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, tuple[object, T]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, generation: object, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value of ``key`` for this generation, computing it (outside the lock) when missing."""
        with self._lock:
            found = self._items.get(key)
            if found is not None and _same(found[0], generation):
                self._items.move_to_end(key)
                return found[1]
        value = compute()
        with self._lock:
            self._items[key] = (generation, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value
