"""``--help`` speaks LANG's language: every description of every command and option is a message
id of the ``messages`` catalog with its Chinese, shown in Chinese under a Chinese LANG and in
English under any other, whichever came first in the process."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from generator.catalogs import DOMAINS, message_ids, translations
from generator.cli import main
from generator.cli.helptext import COMMAND_TEXTS, OPTION_TEXTS, TYPE_NAMES, commands, english, short
from generator.cli.wrap import fill, width, wrap

ZH = {"LANG": "zh_CN.UTF-8"}
C = {"LANG": "C"}
TREE = list(commands(main))
PATHS = [" ".join(path) or "shopforest" for path, _ in TREE]
HAN = re.compile(r"[\u4e00-\u9fff]")
# the usage's words and the names of option values, as click and our options write them in English
VALUE_WORDS = re.compile(r"\b(OPTIONS|COMMAND|ARGS|TEXT|INTEGER|FLOAT|RANGE|DIRECTORY|FILE|PATH|ADDRESS|URL|DATABASE|CHANNEL|CAMPAIGN|LOCALE|NOTE)\b")


def texts(command: click.Command) -> list[str]:
    """The English help texts a command shows: its own and its options'."""
    found = [text for text in english(command, COMMAND_TEXTS).values() if text]
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            text = english(param, OPTION_TEXTS)["help"]
            assert text, f"{command.name} {param.opts[0]} has no help"
            found.append(text)
    return found


def flat(text: str) -> str:
    """Text without its line breaks and indents, as help wraps it."""
    return re.sub(r"\s+", "", text)


def help_of(path: tuple[str, ...], env: dict[str, str]) -> str:
    result = CliRunner().invoke(main, [*path, "--help"], env=env, terminal_width=80)
    assert result.exit_code == 0, result.output
    return result.output


def test_every_help_text_is_a_message_id_with_its_chinese() -> None:
    ids = set(message_ids(DOMAINS["messages"]))
    zh = translations("messages", "zh_CN")
    every = [text for _, command in TREE for text in texts(command)]
    assert len(every) > 60
    for _, command in TREE[1:]:
        assert english(command, COMMAND_TEXTS)["help"], f"{command.name} has no help"
    assert [text for text in every if text not in ids] == [], "write help=msg(...), then python -m generator.catalogs"
    assert [text for text in every if "{" in text or "}" in text] == []  # help is shown as written
    assert [text for text in every if not HAN.search(zh.gettext(text))] == []


def test_every_options_value_is_named_in_chinese_too() -> None:
    zh = translations("messages", "zh_CN")
    for _, command in TREE:
        for param in command.params:
            if not isinstance(param, click.Option) or param.is_flag:
                continue
            metavar = english(param, OPTION_TEXTS)["metavar"]
            if metavar is None:  # the type's name, or a Choice's or date's own pattern
                assert param.type.name in TYPE_NAMES or isinstance(param.type, click.Choice | click.DateTime), param.opts
            elif VALUE_WORDS.search(metavar) or metavar in ("ID", "SKU"):
                assert HAN.search(zh.gettext(metavar)), metavar


@pytest.mark.parametrize("path", [path for path, _ in TREE], ids=PATHS)
def test_help_is_in_chinese_under_a_chinese_lang_and_english_under_c(path: tuple[str, ...]) -> None:
    command = dict(TREE)[path]
    zh = translations("messages", "zh_CN")
    for env in (ZH, C, ZH):  # a run in one language leaves nothing of it to the next
        shown = flat(help_of(path, env))
        for text in texts(command):
            if env is ZH:
                assert flat(zh.gettext(text)) in shown, text
                assert flat(text) not in shown
            else:
                assert flat(text) in shown
        if env is ZH:
            assert "Usage" not in shown and "Options" not in shown and "Showthismessage" not in shown
            assert not VALUE_WORDS.search(help_of(path, env))
            if isinstance(command, click.Group):
                for sub in command.commands.values():
                    assert flat(short(zh.gettext(english(sub, COMMAND_TEXTS)["help"] or ""))) in shown
        else:
            assert not HAN.search(shown)


def test_chinese_help_fits_the_terminal() -> None:
    for path, _ in TREE:
        for line in help_of(path, ZH).splitlines():
            # a word longer than a line (a URL, an option with its metavar) may stand out alone
            assert width(line) <= 80 or " " not in line.strip(), line


def test_every_command_list_says_what_each_does_in_a_whole_sentence() -> None:
    """A list of commands shows each one's first sentence: a help that opens with a long one is
    cut at the terminal's edge with '...', mid-thought."""
    for path, command in TREE:
        if isinstance(command, click.Group):
            for env in (C, ZH):
                listed = help_of(path, env).split("\n\n")[-1]
                assert "..." not in listed and "…" not in listed, listed


def test_lines_end_where_chinese_lets_them() -> None:
    text = "不用 .shopforest/ 里以前保存的结果，全部重新计算（并保存新结果）。"
    lines = fill(text, 24).splitlines()
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert all(width(line) <= 24 for line in lines)
    assert not any(line[0] in "，。）" for line in lines) and not any(line.endswith("（") for line in lines)
    assert wrap("One two three.\n\nFour.", 8) == "One two\nthree.\n\nFour."
    assert short("新建一家店铺。创建 content/SHOP_ID/。") == "新建一家店铺"
