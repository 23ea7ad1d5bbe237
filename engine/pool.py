"""A bounded pool of restored workflows, so a case's next step need not parse its saved JSON again.

Restoring a saved workflow costs more than running most steps. A process that just saved a case keeps the
workflow object it saved, keyed by the case and by the exact text it wrote. The next load of that case gets the
object back only if the stored text is still the same. A change made by another process, another worker or a
direct edit of the row is therefore a miss, and the caller parses the text as usual.

An entry is taken out while it is used, so two threads never share a workflow object. A step that fails simply
does not put its workflow back.
"""

from __future__ import annotations

import threading
from collections import OrderedDict


class WorkflowPool:
    """Least-recently-used workflows by case id, each with the saved text and the bundle it belongs to."""

    def __init__(self, capacity: int = 256):
        self.capacity = capacity
        self._entries: OrderedDict[int, tuple[str, object, object]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def take(self, case_id: int, text: str, bundle):
        """Remove and return the workflow kept for `case_id` if it was saved as `text` on `bundle`, else None."""
        with self._lock:
            entry = self._entries.pop(case_id, None)
            if entry is not None and entry[1] is bundle and entry[0] == text:
                self.hits += 1
                return entry[2]
            self.misses += 1
            return None

    def put(self, case_id: int, text: str, bundle, wf) -> None:
        """Keep `wf` as the workflow whose saved form is `text`, dropping the least recently used beyond capacity."""
        if self.capacity <= 0:
            return
        with self._lock:
            self._entries[case_id] = (text, bundle, wf)
            self._entries.move_to_end(case_id)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def discard(self, case_id: int) -> None:
        with self._lock:
            self._entries.pop(case_id, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
