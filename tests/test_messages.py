"""What the generator says is said in the reader's language: a mistake in her folder in her
shop's locale, one in catalog.yaml in the platform's, the command line's own words in LANG's;
and every message id has its Chinese, with the same placeholders."""

from __future__ import annotations

import pickle
import re
import shutil
import string
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.catalogs import DOMAINS, message_ids, translations
from generator.cli import main
from generator.errors import ContentError, Diagnostic
from generator.messages import Message, Readers, cli_locale, msg, msgs, placeholders, tr

from .conftest import REPO, copy_project, first_lines
from .test_invalid_content import make_case

ZH = {"LANG": "zh_CN.UTF-8"}


def test_every_message_has_a_chinese_translation_with_the_same_placeholders() -> None:
    zh = translations("messages", "zh_CN")
    ids = message_ids(DOMAINS["messages"])
    assert len(ids) > 250  # every part's words were found (the extraction keywords work)
    assert [m for m in ids if m not in zh.messages] == []
    assert [m for m in ids if placeholders(m) != placeholders(zh.messages[m])] == []


def test_every_message_and_translation_is_a_format_string() -> None:
    """A '{' meant as text is written '{{': else the message would fall back to its id."""
    zh = translations("messages", "zh_CN")
    for text in [*message_ids(DOMAINS["messages"]), *zh.messages.values()]:
        list(string.Formatter().parse(text))  # raises on an unpaired brace


def test_no_message_is_made_from_an_f_string() -> None:
    """Babel cannot extract an f-string, so its words would never be translated."""
    found = []
    for path in (REPO / "generator").rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\bmsgs?\(\s*f[\"']", line):
                found.append(f"{path.relative_to(REPO)}:{number}")
    assert found == []


def test_a_message_is_its_english_text_and_is_translated_when_shown() -> None:
    text = msg("unknown key '{key}'{suggestion}", key="titel", suggestion=msg(": did you mean '{match}'?", match="title"))
    assert text == "unknown key 'titel': did you mean 'title'?"
    assert tr(text, "zh_CN") == "不认识的设置项“titel”：您是不是想写“title”？"
    assert tr(text, "en_US") == text
    assert tr("plain text", "zh_CN") == "plain text"
    again = pickle.loads(pickle.dumps(text))  # kept in the cache folder, sent to workers
    assert isinstance(again, Message) and tr(again, "zh_CN") == tr(text, "zh_CN")
    assert tr(msgs("1 error", "{n} errors", 1), "zh_CN") == "1 处错误"
    assert tr(msgs("1 error", "{n} errors", 3), "zh_CN") == "3 处错误"


def test_diagnostic_labels_are_translated() -> None:
    d = Diagnostic(
        "content/a/shop.yaml",
        3,
        6,
        msg("indent with spaces, not a tab"),
        msg("YAML counts spaces to see where a line belongs; a tab cannot be counted"),
    )
    assert d.render("zh_CN").splitlines() == [
        "content/a/shop.yaml:3:6: 请用空格缩进，不要用 Tab 键",
        "    提示：YAML 靠数空格判断一行属于哪一组；Tab 没法数",
    ]
    assert str(d) == "content/a/shop.yaml:3:6: indent with spaces, not a tab"
    warning = Diagnostic("content/a/shop.yaml", 7, 5, msg("{shop}: {sku} is not published; its card is left out", shop="a", sku="X-1"), warning=True)
    assert warning.render("zh_CN") == "content/a/shop.yaml:7:5: 警告：a：X-1 没有上架，这张商品卡片不会显示"
    assert warning.render() == "content/a/shop.yaml:7:5: warning: a: X-1 is not published; its card is left out"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "en_US"),
        ({"LANG": "C.UTF-8"}, "en_US"),
        ({"LANG": "zh_CN.UTF-8"}, "zh_CN"),
        ({"LANG": "en_US.UTF-8", "LC_ALL": "zh_TW.UTF-8"}, "zh_CN"),
        ({"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_GB.UTF-8"}, "en_US"),
        ({"LANGUAGE": "zh_CN:en", "LANG": "en_US.UTF-8"}, "zh_CN"),
    ],
)
def test_the_command_line_speaks_the_language_lang_names(env: dict[str, str], expected: str) -> None:
    assert cli_locale(env) == expected


def two_languages(tmp_path: Path, platform: str = "zh_CN") -> Path:
    """The test project with a second shop, Bea's, in en_US; Amy's follows the platform."""
    root = make_case("_base", tmp_path / "p")
    catalog = root / "catalog.yaml"
    catalog.write_text(catalog.read_text(encoding="utf-8").replace("locale: zh_CN", f"locale: {platform}"), encoding="utf-8")
    shutil.copytree(root / "content" / "amy", root / "content" / "bea")
    bea = root / "content" / "bea" / "shop.yaml"
    bea.write_text(bea.read_text(encoding="utf-8").replace("owner: Amy", "owner: Bea\nlocale: en_US"), encoding="utf-8")
    return root


def slip_in_each(root: Path) -> None:
    """The same mistakes in both shops (a mistyped key and SKU) and one in catalog.yaml."""
    for shop in ("amy", "bea"):
        path = root / "content" / shop / "shop.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("bio:", "boi:").replace("- FD-2001", "- FD-2010"), encoding="utf-8")
    catalog = root / "catalog.yaml"
    text = catalog.read_text(encoding="utf-8")
    catalog.write_text(text.replace("products:", '  - {id: toys, title: 玩具, commission: "1.5"}\nproducts:'), encoding="utf-8")


def test_each_mistake_is_told_in_the_language_of_whoever_fixes_its_file(tmp_path: Path) -> None:
    root = two_languages(tmp_path)
    slip_in_each(root)
    result = CliRunner().invoke(main, ["check", "--project", str(root)])
    assert result.exit_code == 1
    lines = first_lines(result.stderr)
    # the platform is zh_CN: catalog.yaml's mistake in Chinese
    assert "catalog.yaml:8:39: commission：佣金比例必须在 0 到 1 之间，现在是 1.5" in lines
    # Amy's shop follows the platform: Chinese
    assert "content/amy/shop.yaml:3:1: 不认识的设置项“boi”：您是不是想写“bio”？" in lines
    assert "content/amy/shop.yaml:7:5: 商品编号“FD-2010”不在商品目录里：您是不是想写“FD-2001”？" in lines
    # Bea's shop is en_US: English
    assert "content/bea/shop.yaml:4:1: unknown key 'boi': did you mean 'bio'?" in lines
    assert "content/bea/shop.yaml:8:5: unknown SKU 'FD-2010' (not in catalog.yaml): did you mean 'FD-2001'?" in lines
    # the count is the command line's own word: LANG (English in tests)
    assert lines[-1] == "5 errors"


def test_catalog_yaml_is_told_in_the_platforms_language(tmp_path: Path) -> None:
    root = two_languages(tmp_path, platform="en_US")
    slip_in_each(root)
    (root / "content" / "amy" / "shop.yaml").write_text(
        (root / "content" / "amy" / "shop.yaml").read_text(encoding="utf-8") + "locale: zh_CN\n", encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["check", "--project", str(root)], env=ZH)
    lines = first_lines(result.stderr)
    assert "catalog.yaml:8:39: commission: commission must be between 0 and 1, got 1.5" in lines
    assert "content/amy/shop.yaml:3:1: 不认识的设置项“boi”：您是不是想写“bio”？" in lines
    assert "content/bea/shop.yaml:4:1: unknown key 'boi': did you mean 'bio'?" in lines
    assert lines[-1] == "5 处错误"  # LANG=zh_CN


def test_a_shop_yaml_too_broken_to_read_is_still_told_in_her_locale(tmp_path: Path) -> None:
    root = two_languages(tmp_path, platform="zh_CN")
    bea = root / "content" / "bea" / "shop.yaml"
    bea.write_text(bea.read_text(encoding="utf-8").replace("owner: Bea", "owner：Bea"), encoding="utf-8")
    amy = root / "content" / "amy" / "shop.yaml"
    amy.write_text(amy.read_text(encoding="utf-8").replace("owner: Amy", "owner：Amy"), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--project", str(root)])
    stderr = result.stderr
    assert "content/amy/shop.yaml:2:6: 这里用了中文冒号“：”，请在“owner”后面改成英文冒号“:”，冒号后面加一个空格" in stderr
    assert "    提示：中文输入法打出的“：”会被当成文字的一部分；请切换到英文输入法再打“:”" in stderr
    assert "content/bea/shop.yaml:2:6: use an ASCII colon ':' followed by a space after 'owner', not the full-width '：'" in stderr
    assert "    hint: a Chinese keyboard types '：'" in stderr


def test_readers_read_the_locales_from_the_files_as_they_are(tmp_path: Path) -> None:
    (tmp_path / "content" / "a").mkdir(parents=True)
    (tmp_path / "content" / "b").mkdir(parents=True)
    (tmp_path / "content" / "c").mkdir(parents=True)
    (tmp_path / "content" / "d").mkdir(parents=True)
    (tmp_path / "catalog.yaml").write_text("# the platform\nplatform:\n  name: X\n  locale: en_US\ncategories: []\nlocale: zh_CN\n", encoding="utf-8")
    (tmp_path / "content" / "a" / "shop.yaml").write_text("title: [broken\nlocale：zh_CN\n", encoding="utf-8")
    (tmp_path / "content" / "b" / "shop.yaml").write_text("title: B\nlocale: ja_JP\n", encoding="utf-8")
    (tmp_path / "content" / "c" / "shop.yaml").write_text("title: C\npicks:\n  - {sku: X, locale: zh_CN}\n", encoding="utf-8")
    (tmp_path / "content" / "d" / "shop.yaml").write_text("title: D\nlocale: zh-cn\n", encoding="utf-8")
    readers = Readers(tmp_path, cli="zh_CN")
    assert readers.of("catalog.yaml") == "en_US"  # the platform section's, not a top-level key's
    assert readers.of("content/a/shop.yaml") == "zh_CN"  # read from a file YAML cannot parse
    assert readers.of("content/a/posts/hello.md") == "zh_CN"
    assert readers.of("content/b/shop.yaml") == "en_US"  # a locale no shop can have: the platform's
    assert readers.of("content/c/shop.yaml") == "en_US"  # an indented 'locale' is no shop's locale
    assert readers.of("content/d/shop.yaml") == "zh_CN"  # misspelt: refused, in the language she meant
    assert readers.of("themes/default") == "en_US"
    assert Readers(tmp_path / "nowhere", cli="zh_CN").of("catalog.yaml") == "zh_CN"  # no project: LANG's


def test_the_command_lines_own_words_follow_lang(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "p")
    zh = CliRunner().invoke(main, ["build", "--project", str(root)], env=ZH)
    assert zh.exit_code == 0, zh.output
    # the demo's recalled pick is xiaomei's (zh_CN), the summary is the command line's
    assert re.search(r"content/xiaomei/shop\.yaml:\d+:\d+: 警告：xiaomei：BB-1010 已召回，不会上架", zh.stderr)
    assert re.search(r"^3 家店，写入 \d+ 个，未变 0 个，删除 0 个，跳过 0 个，\d+ 条警告，用时 [\d.]+ 秒", zh.stdout, re.M)
    en = CliRunner().invoke(main, ["build", "--project", str(root)], env={"LANG": "en_US.UTF-8"})
    assert re.search(r"content/xiaomei/shop\.yaml:\d+:\d+: 警告：xiaomei：BB-1010 已召回", en.stderr)  # still hers
    assert re.search(r"^3 shops, 0 written, \d+ unchanged", en.stdout, re.M)
    check = CliRunner().invoke(main, ["check", "--project", str(root)], env=ZH)
    assert re.match(r"没问题：3 家店，\d+ 个商品，会生成 \d+ 个文件", check.stdout)
    usage = CliRunner().invoke(main, ["links", "--project", str(root), "xiaomei", "--channel", "wechatt"], env=ZH)
    assert usage.exit_code == 2
    assert "xiaomei 没有渠道“wechatt”（已有渠道：" in usage.stderr and "您是不是想写“wechat”？" in usage.stderr
    unknown = CliRunner().invoke(main, ["build", "--project", str(root), "--shop", "xiaomai"], env=ZH)
    assert "content/ 里没有店铺“xiaomai”" in unknown.stderr and "您是不是想写“xiaomei”？" in unknown.stderr


def test_content_error_without_readers_is_english() -> None:
    error = ContentError([Diagnostic("catalog.yaml", 1, 1, msg("catalog.yaml not found (is this a shop project folder?)"))])
    assert str(error) == "catalog.yaml:1:1: catalog.yaml not found (is this a shop project folder?)\n1 error"


def test_clicks_own_words_follow_lang_too(tmp_path: Path) -> None:
    # a mistyped option is refused by click itself, before any of our code runs
    zh = CliRunner().invoke(main, ["build", "--projekt", "."], env=ZH)
    assert zh.exit_code == 2
    assert "错误：没有选项 '--projekt'。" in zh.stderr and "您是不是想写 '--project'？" in zh.stderr
    assert "查看帮助" in zh.stderr and "Usage" not in zh.stderr
    en = CliRunner().invoke(main, ["build", "--projekt", "."], env={"LANG": "en_US.UTF-8"})
    assert "Error: No such option '--projekt'." in en.stderr


def test_the_compiled_click_catalog_is_the_po_compiled() -> None:
    from generator.catalogs import compiled, read

    domain = DOMAINS["click"]
    assert domain.catalog_path("zh_CN").with_suffix(".mo").read_bytes() == compiled(read(domain, "zh_CN"))
