""" "Did you mean …?": the known name closest to one she mistyped.

A name typed on a phone differs from the right one in the ways a phone keyboard makes: letters
in the wrong case, full-width letters and digits from a Chinese keyboard (``ＢＢ－１００１``),
an invisible character pasted along, '-' for '_', a letter missed or doubled. The first ones are
undone before comparing; the last are difflib's ratio (the one Python's own "did you mean"
suggestions use, and Django's and Click's).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable

from ..messages import msg

_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff]")
CUTOFF = 0.6


def folded(name: str) -> str:
    """``name`` as compared: NFKC (full-width to ASCII), no invisible characters, case-folded,
    '-' and '_' alike."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", name)).strip().casefold()
    return text.replace("-", "_")


def invisible(name: str) -> bool:
    """Whether ``name`` holds characters that look like nothing (or like a space)."""
    return bool(_INVISIBLE.search(name)) or "\u3000" in name or "\u00a0" in name


class Names:
    """Known names, folded once (a catalog's thousands of SKUs are asked about many times)."""

    def __init__(self, names: Iterable[str]) -> None:
        self.by_folded: dict[str, str] = {}
        for name in names:
            self.by_folded.setdefault(folded(name), name)

    def closest(self, word: str) -> str | None:
        """The known name ``word`` most likely means, or None."""
        key = folded(word)
        if key in self.by_folded:
            return self.by_folded[key]
        found = difflib.get_close_matches(key, list(self.by_folded), n=1, cutoff=CUTOFF)
        return self.by_folded[found[0]] if found else None


def closest(word: str, names: Iterable[str]) -> str | None:
    return Names(names).closest(word)


def did_you_mean(word: str, names: Iterable[str] | Names) -> str:
    """``: did you mean 'x'?`` to end a message with, or nothing."""
    known = names if isinstance(names, Names) else Names(names)
    match = known.closest(word)
    if match is None or match == word:
        return ""
    if invisible(word) and folded(word) == folded(match):
        return msg(": it holds an invisible character or a wide space; write '{match}'", match=match)
    return msg(": did you mean '{match}'?", match=match)
