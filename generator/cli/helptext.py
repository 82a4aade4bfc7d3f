"""``--help`` in the reader's language: the descriptions of our commands and options.

Every ``help=`` of a command or option is written with ``msg()`` (so Babel extracts it into the
``messages`` catalog and ``python -m generator.catalogs`` fails while one has no translation).
Click keeps those texts as plain strings and formats them only when it prints help, so
:class:`Shopforest`, the top command, puts the whole command tree into ``LANG``'s language each
time it runs, before click parses anything: every command's help, short help, epilog and usage
words, every option's help and the name of its value (``--out 文件夹``). The English texts are
kept aside, so each run translates from them (never a translation of a translation) and a second
run in another language, as in tests, reads right.
"""

from __future__ import annotations

import gettext
import weakref
from collections.abc import Iterator, Sequence
from typing import Any

import click

from ..catalogs import Words, translations
from ..messages import CHINESE, DOMAIN, cli_locale, msg
from .wrap import WideFormatter

# what a command or group shows of itself: its help, and its usage's words for options and
# subcommands; what an option shows: its help and the name of its value
COMMAND_TEXTS = ("help", "short_help", "epilog", "options_metavar", "subcommand_metavar")
OPTION_TEXTS = ("help", "metavar")

# An option without a metavar of its own is shown with its type's name, upper-cased (click's
# words, which it does not translate): these name them in Chinese.
TYPE_NAMES = {
    "text": msg("TEXT"),
    "integer": msg("INTEGER"),
    "integer range": msg("INTEGER RANGE"),
    "float": msg("FLOAT"),
    "float range": msg("FLOAT RANGE"),
    "directory": msg("DIRECTORY"),
    "file": msg("FILE"),
    "path": msg("PATH"),
}
USAGE_WORDS = (msg("[OPTIONS]"), msg("COMMAND [ARGS]..."))  # click's defaults, for Babel to extract

# The English each command and option was written with, by the object that holds it.
_english: weakref.WeakKeyDictionary[Any, dict[str, str | None]] = weakref.WeakKeyDictionary()


def commands(command: click.Command) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command of the tree under ``command``, with the words that call it, itself first."""
    yield (), command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            for path, found in commands(sub):
                yield (name, *path), found


def english(thing: Any, names: Sequence[str]) -> dict[str, str | None]:
    """The English texts ``thing`` (a command or an option) was written with."""
    kept = _english.setdefault(thing, {})
    for name in names:
        if name not in kept and hasattr(thing, name):
            kept[name] = getattr(thing, name)
    return kept


def short(text: str) -> str:
    """A Chinese help's first sentence, for the list of commands.

    Click shortens a help by words and stops at a full stop ``.``: Chinese has neither spaces
    nor that stop, so the first sentence up to ``。`` is given to it whole."""
    first = text.strip().split("\n\n", 1)[0]
    return first.split("。", 1)[0] if "。" in first else first


class WideContext(click.Context):
    formatter_class = WideFormatter


def speak(top: click.Command, locale: str) -> None:
    """Put every help text of the tree under ``top`` into ``locale``'s language."""
    words: Words = translations(DOMAIN, locale)

    def said(text: str | None) -> str | None:
        return None if text is None else words.gettext(str(text))

    for _path, command in commands(top):
        texts = english(command, COMMAND_TEXTS)
        for name, text in texts.items():
            setattr(command, name, said(text))
        if locale == CHINESE and texts["short_help"] is None and command.help:
            command.short_help = short(command.help)
        # Chinese lines are measured in the columns they take (generator/cli/wrap.py)
        if locale == CHINESE:
            command.context_class = WideContext
        else:
            vars(command).pop("context_class", None)
        for param in command.params:
            if isinstance(param, click.Option):
                kept = english(param, OPTION_TEXTS)
                param.help = said(kept["help"])
                metavar = kept["metavar"]
                if metavar is None and locale == CHINESE and not param.is_flag and param.nargs == 1:
                    metavar = TYPE_NAMES.get(param.type.name)
                param.metavar = said(metavar)
        # click makes each command's --help option once and keeps it, with its words in the
        # language of the first run; give it this run's (click's own catalog, LANG as now)
        help_option = getattr(command, "_help_option", None)
        if isinstance(help_option, click.Option):
            help_option.help = gettext.gettext("Show this message and exit.")


class Shopforest(click.Group):
    """The ``shopforest`` command: its help, and its commands', in ``LANG``'s language."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        speak(self, cli_locale())
        return super().main(*args, **kwargs)
