"""Which stored name a person means when they type one ("ana" → "Ana Souza")."""

from __future__ import annotations

from collections.abc import Sequence

from nudge.errors import NotFound


def best_match(known: Sequence[str], wanted: str, *, what: str = "chat") -> str:
    """Exact, then prefix, then contained, ignoring case. NotFound when nothing matches (naming a
    few known names) or when several match at the first level that matches (asking which)."""
    key = wanted.strip().casefold()
    for test in (lambda k: k == key, lambda k: k.startswith(key), lambda k: key in k):
        found = [k for k in known if test(k.casefold())]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            exact = [k for k in found if k == wanted.strip()]
            if len(exact) == 1:
                return exact[0]
            raise NotFound(f"'{wanted}' could mean {', '.join(found[:8])}. Which one?")
    hint = f" Known: {', '.join(known[:10])}." if known else " Send me a WhatsApp export first."
    raise NotFound(f"I know no {what} called '{wanted}'.{hint}")
