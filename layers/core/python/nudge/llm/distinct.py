"""Embed each distinct normalised text once, and nothing for texts with nothing to find.

Wraps any `embed(texts) -> vectors` (LLMClient.embed, a stand-in in tests). A `VectorCache`
carried across calls remembers the vectors of short texts (where chats repeat themselves:
"ok", "haha", "see you") so a whole import embeds "ok" once; it is bounded in entries and in
text length, and holds float32 arrays, so its memory stays small (~1.6 kB an entry).
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Callable, Sequence

from nudge.errors import NudgeError
from nudge.rules.searchable import has_content, normalise

Embed = Callable[[list[str]], list[list[float]]]

CACHE_ENTRIES = 4096
CACHE_MAX_CHARS = 40  # longer texts rarely repeat word for word


class VectorCache:
    """Least-recently-used vectors of short normalised texts."""

    def __init__(self, entries: int = CACHE_ENTRIES, max_chars: int = CACHE_MAX_CHARS) -> None:
        self.entries = entries
        self.max_chars = max_chars
        self._vectors: OrderedDict[str, array[float]] = OrderedDict()
        self.hits = 0

    def get(self, key: str) -> list[float] | None:
        vector = self._vectors.get(key)
        if vector is None:
            return None
        self._vectors.move_to_end(key)
        self.hits += 1
        return vector.tolist()

    def put(self, key: str, vector: Sequence[float]) -> None:
        if len(key) > self.max_chars or self.entries <= 0:
            return
        self._vectors[key] = array("f", vector)
        self._vectors.move_to_end(key)
        while len(self._vectors) > self.entries:
            self._vectors.popitem(last=False)

    def __len__(self) -> int:
        return len(self._vectors)


def embed_distinct(embed: Embed, texts: Sequence[str], *,
                   cache: VectorCache | None = None) -> list[list[float] | None]:
    """One vector per text, in order; None for texts with nothing to find.

    Texts equal after `normalise` share one vector, computed once from the normalised text;
    only texts missing from `cache` reach `embed`, in one call (so the engine can pack them).
    Errors of `embed` (LLMUnavailable) pass through untouched.
    """
    keys = [normalise(text) if has_content(text) else None for text in texts]
    known: dict[str, list[float]] = {}
    wanted: dict[str, None] = {}  # ordered set
    for key in keys:
        if key is None or key in known or key in wanted:
            continue
        cached = cache.get(key) if cache is not None else None
        if cached is not None:
            known[key] = cached
        else:
            wanted[key] = None
    if wanted:
        vectors = embed(list(wanted))
        if len(vectors) != len(wanted):
            raise NudgeError(f"embedder returned {len(vectors)} vectors for {len(wanted)} texts")
        for key, vector in zip(wanted, vectors, strict=True):
            known[key] = list(vector)
            if cache is not None:
                cache.put(key, vector)
    return [None if key is None else known[key] for key in keys]
