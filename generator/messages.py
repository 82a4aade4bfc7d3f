"""What the generator tells a person — her files' mistakes, warnings, the check report, the
command line's own words — written once in English and shown in the reader's language.

A message is made with :func:`msg` (or :func:`msgs` for a count): its English id and named
``{placeholders}``, Babel extracts the ids (domain ``messages``, generator/catalogs.py) and the
zh_CN catalog holds their Chinese. A :class:`Message` *is* its English text (a ``str``, so code
and tests that compare or sort it see English), and keeps its id and values so that it is
translated only when it is shown, by whoever knows who reads it: the shop's locale for a mistake
in her folder, the platform's for catalog.yaml and the rest of the project, ``LANG`` for the
command line's own words (:class:`Readers`).
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .catalogs import translations

DOMAIN = "messages"
ENGLISH = "en_US"
CHINESE = "zh_CN"
SUPPORTED = (CHINESE, ENGLISH)


class Message(str):
    """English text that can be shown in another language: its id and the values it names."""

    msgid: str
    params: tuple[tuple[str, Any], ...]

    def __new__(cls, msgid: str, params: Mapping[str, Any] | None = None) -> Message:
        values = tuple(params.items()) if params else ()
        plain = not values and "{" not in msgid and "}" not in msgid  # most hints: nothing to fill
        self = super().__new__(cls, msgid if plain else _format(msgid, msgid, values, None))
        self.msgid = msgid
        self.params = values
        return self

    def __reduce__(self) -> tuple[Any, ...]:  # kept in the cache folder and sent to workers
        return (Message, (self.msgid, dict(self.params)))

    def translated(self, locale: str) -> str:
        """The text in ``locale``'s language (values that are messages too)."""
        return _format(translations(DOMAIN, locale).gettext(self.msgid), self.msgid, self.params, locale)


def _format(text: str, msgid: str, params: tuple[tuple[str, Any], ...], locale: str | None) -> str:
    values = dict(params) if locale is None else {name: _shown(value, locale) for name, value in params}
    try:
        return text.format_map(values)
    except (KeyError, IndexError, ValueError):  # a translation naming a value the id does not: the id
        try:
            return msgid.format_map(values)
        except (KeyError, IndexError, ValueError):
            return msgid


def _shown(value: Any, locale: str | None) -> Any:
    if isinstance(value, Message) and locale is not None:
        return value.translated(locale)
    return value


def msg(msgid: str, /, **params: Any) -> Message:
    """A message (Babel extracts ``msgid``): ``msg("unknown key '{key}'", key=key)``."""
    return Message(msgid, params)


def msgs(one: str, many: str, n: int, /, **params: Any) -> Message:
    """A message about ``n`` things: ``one`` when n is 1, else ``many``; both name ``{n}``."""
    return Message(one if n == 1 else many, {"n": n, **params})


def tr(text: str, locale: str) -> str:
    """``text`` in ``locale``'s language when it is a message; other text as it is."""
    return text.translated(locale) if isinstance(text, Message) else text


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a message id or translation uses (a test compares them)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


# Who reads it ---------------------------------------------------------------------------


def cli_locale(environ: Mapping[str, str] | None = None) -> str:
    """The command line's language, as gettext finds it: the first of LANGUAGE, LC_ALL,
    LC_MESSAGES and LANG that is set; any Chinese one is zh_CN, every other English."""
    env = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            return CHINESE if value.lower().startswith("zh") else ENGLISH
    return ENGLISH


_LOCALE_LINE = re.compile(r"^(?P<indent>[ \t]*)locale[ \t]*[:：][ \t]*[\"']?(?P<value>[A-Za-z_-]+)", re.MULTILINE)
_PLATFORM = re.compile(r"^platform[ \t]*[:：][ \t]*(#.*)?$", re.MULTILINE)
_TOP_KEY = re.compile(r"^[^\s#-]", re.MULTILINE)
HEAD = 256 * 1024  # the platform section is at the top of catalog.yaml, which may be huge


def _read_head(path: Path) -> str | None:
    try:
        with path.open("rb") as f:
            return f.read(HEAD).decode("utf-8", errors="replace").removeprefix("\ufeff")
    except OSError:
        return None


def _supported(value: str) -> str | None:
    """The locale ``value`` means, spelt as an owner might (``zh-CN``, ``zh_cn``, ``zh``): her
    build stops on the misspelling, and the message saying so is best in the language she meant."""
    if value in SUPPORTED:
        return value
    language = value.replace("-", "_").split("_")[0].lower()
    return next((s for s in SUPPORTED if s.split("_")[0] == language), None)


class Readers:
    """Whose language each message of a report is shown in, for the project at ``root``.

    Read from the files as they are, broken or not (the report is about their mistakes): a line
    ``locale: …`` at the top of her shop.yaml, else the platform's ``locale:`` in catalog.yaml's
    ``platform:`` section, else zh_CN (the platform's default). Without a catalog.yaml the
    folder is no project and the person at the command line reads it: ``LANG``.
    """

    def __init__(self, root: Path | None, cli: str | None = None) -> None:
        self.root = root
        self.cli = cli or cli_locale()
        self._platform: str | None = None
        self._shops: dict[str, str] = {}

    @property
    def platform(self) -> str:
        if self._platform is None:
            self._platform = self._read_platform()
        return self._platform

    def _read_platform(self) -> str:
        text = None if self.root is None else _read_head(self.root / "catalog.yaml")
        if text is None:
            return self.cli
        start = _PLATFORM.search(text)
        if start is None:
            return CHINESE
        end = _TOP_KEY.search(text, start.end() + 1)
        section = text[start.end() : end.start() if end else len(text)]
        found = next((m for m in _LOCALE_LINE.finditer(section) if m.group("indent")), None)
        return (_supported(found.group("value")) if found else None) or CHINESE

    def shop(self, shop_id: str) -> str:
        if shop_id not in self._shops:
            text = None if self.root is None else _read_head(self.root / "content" / shop_id / "shop.yaml")
            found = next((m for m in _LOCALE_LINE.finditer(text or "") if not m.group("indent")), None)
            self._shops[shop_id] = (_supported(found.group("value")) if found else None) or self.platform
        return self._shops[shop_id]

    def of(self, path: str) -> str:
        """The locale of the person who fixes the file at ``path`` (relative to the project)."""
        parts = path.split("/")
        if len(parts) >= 3 and parts[0] == "content":
            return self.shop(parts[1])
        return self.platform
