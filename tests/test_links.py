"""Share links an owner pastes into her groups: stable codes, every format, QR codes that scan."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import segno
import zxingcpp
from click.testing import CliRunner
from PIL import Image

from generator.cli import main
from generator.pages.links import link_code

CODE = re.compile(r"^[A-Za-z0-9_-]{11}$")


def test_codes_are_stable_and_well_formed() -> None:
    # fixed forever: a code printed on a poster must keep working in every later build
    assert link_code("xiaomei", "BB-1001", "wechat", None) == "9yc12d_LaJt"
    assert link_code("xiaomei", "BB-1001", "wechat", None) == link_code("xiaomei", "BB-1001", "wechat", "")
    assert link_code("xiaomei", "BB-1001", "wechat", "winter") != link_code("xiaomei", "BB-1001", "wechat", None)
    assert link_code("xiaomei", "BB-1001", "moments", None) != link_code("chef-lin", "BB-1001", "moments", None)
    assert CODE.match(link_code("a" * 39, "Z" * 64, "c" * 32, "k" * 32))


def test_a_million_links_in_one_shop_never_collide() -> None:
    seen: set[str] = set()
    channels = [f"ch{i}" for i in range(10)]
    campaigns = [None] + [f"camp{i}" for i in range(9)]
    n = 0
    for sku in range(10_000):
        for channel in channels:
            for campaign in campaigns:
                seen.add(link_code("xiaomei", f"SKU-{sku:05d}", channel, campaign))
                n += 1
    assert n == 1_000_000 and len(seen) == n


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["links", *args])
    return result.exit_code, result.stdout, result.stderr


def test_links_in_every_format(project: Path) -> None:
    code, table, _ = run("--project", str(project), "xiaomei")
    assert code == 0
    lines = table.splitlines()
    assert len(lines) == 17 * 3  # 17 published picks x wechat, moments, link; no campaign
    assert "http://127.0.0.1:8000/xiaomei/s/?c=9yc12d_LaJt" in lines[0]
    code, out, _ = run("--project", str(project), "glow-with-amy", "--format", "json")
    rows = json.loads(out)
    assert {(r["channel"], r["campaign"]) for r in rows} == {("instagram", "black-friday"), ("wechat", "black-friday"), ("link", "black-friday")}
    first = rows[0]
    assert first["long"] == (
        f"http://127.0.0.1:8000/glow-with-amy/p/{first['sku']}/?lid={first['code']}&utm_source=instagram&utm_medium=share&utm_campaign=black-friday"
    )
    code, out, _ = run("--project", str(project), "chef-lin", "--format", "csv", "--channel", "wechat")
    parsed = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and {r["channel"] for r in parsed} == {"wechat"} and len(parsed) == 14
    # a code that starts with '-' would be a formula to a spreadsheet: the CSV shows it as text
    assert all(r["short"] == f"http://127.0.0.1:8000/chef-lin/s/?c={r['code'].removeprefix(chr(39))}" for r in parsed)
    assert all(r["code"].startswith("'-") for r in parsed if not CODE.match(r["code"]))


def test_qr_codes_scan_back_to_their_links(project: Path, tmp_path: Path) -> None:
    code, out, _ = run(
        "--project", str(project), "xiaomei", "--sku", "BB-1001", "--format", "json", "--qr", str(tmp_path / "png"), "--qr-format", "png"
    )
    assert code == 0
    for row in json.loads(out):
        image = Image.open(tmp_path / "png" / f"BB-1001-{row['channel']}.png")
        assert [r.text for r in zxingcpp.read_barcodes(image)] == [row["short"]]
    code, out, _ = run("--project", str(project), "xiaomei", "--sku", "BB-1001", "--format", "json", "--qr", str(tmp_path / "svg"))
    for row in json.loads(out):
        svg = (tmp_path / "svg" / f"BB-1001-{row['channel']}.svg").read_bytes()
        expected = io.BytesIO()
        segno.make(row["short"], error="m").save(expected, kind="svg", scale=10, border=4)
        assert svg == expected.getvalue()  # the same symbol as the PNG that scanned


def test_unknown_shop_channel_campaign_or_sku_is_a_usage_error(project: Path) -> None:
    for args, message in (
        (["nobody"], "no shop 'nobody'"),
        (["../x"], "invalid shop id"),
        (["xiaomei", "--channel", "qq"], "unknown channel 'qq'"),
        (["xiaomei", "--campaign", "summer"], "unknown campaign 'summer'"),
        (["xiaomei", "--sku", "BB-1010"], "'BB-1010' is not a published pick"),
    ):
        code, _, err = run("--project", str(project), *args)
        assert code == 2 and message in err, (args, err)


def test_short_link_table_is_one_file_per_shop(demo_site: Path) -> None:
    table = json.loads((demo_site / "xiaomei" / "s" / "codes.json").read_text(encoding="utf-8"))
    assert table["9yc12d_LaJt"] == ["BB-1001", "wechat", None]
    assert not any(p.name == "codes.json" for p in (demo_site / "xiaomei" / "p").rglob("*"))


def test_links_csv_shows_a_formula_looking_title_as_text(project: Path) -> None:
    catalog = project / "catalog.yaml"
    text = catalog.read_text(encoding="utf-8")
    catalog.write_text(text.replace('title: "手工鸡蛋挂面 1kg"', 'title: "=HYPERLINK(\\"https://evil.example\\")"'), encoding="utf-8")
    code, out, _ = run("--project", str(project), "chef-lin", "--format", "csv", "--sku", "FD-2001", "--channel", "wechat")
    assert code == 0, out
    [row] = list(csv.DictReader(io.StringIO(out)))
    assert row["title"] == '\'=HYPERLINK("https://evil.example")'
