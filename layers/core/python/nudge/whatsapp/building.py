"""Many `Message` objects at once, about three times faster than calling the constructor.

`Message` is a frozen slotted dataclass, so its generated `__init__` sets each field through
`object.__setattr__` in Python, about 1 µs per message. Here each field is filled for all messages
by one C-level `map` over the slot's descriptor: the same objects, equal and hashing the same,
without a Python frame per message. If `Message` ever stops being a plain slotted dataclass
(a `__post_init__`, no slots), this falls back to the constructor.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from itertools import repeat
from typing import Any

from nudge.domain import Message

FIELDS = tuple(f.name for f in dataclasses.fields(Message))
_SLOTS = {name: Message.__dict__.get(name) for name in FIELDS}
_BULK = not hasattr(Message, "__post_init__") and all(
    type(slot).__name__ == "member_descriptor" for slot in _SLOTS.values()
)


def build_messages(**columns: list[Any]) -> list[Message]:
    """Messages from one equally long list per field (every field of `Message` is required)."""
    if set(columns) != set(FIELDS):
        raise TypeError(f"build_messages needs exactly the fields {FIELDS}")
    if not _BULK:
        return list(map(Message, *(columns[name] for name in FIELDS)))
    size = len(columns[FIELDS[0]])
    messages = list(map(object.__new__, repeat(Message, size)))
    for name in FIELDS:
        deque(map(_SLOTS[name].__set__, messages, columns[name]), maxlen=0)
    return messages
