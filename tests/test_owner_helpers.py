"""What helps an owner write shop.yaml: finding a product's SKU, and JSON Schema for her editor."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # no stubs ship with it; the tests use three calls
import pytest
import yaml
from click.testing import CliRunner

from generator.cli import main
from generator.cli.wrap import width
from generator.content.schemajson import FOLDER, schema_files

from .conftest import REPO
from .test_invalid_content import make_case


def as_an_editor_reads(value: Any) -> Any:
    """YAML as yaml-language-server reads it (YAML 1.2: a date is text)."""
    if isinstance(value, dict):
        return {k: as_an_editor_reads(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_an_editor_reads(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def load(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".md":
        text = text.split("---\n")[1]
    return as_an_editor_reads(yaml.safe_load(text))


def validators(folder: Path) -> dict[str, jsonschema.Draft202012Validator]:
    out = {}
    for name in ("shop", "post", "catalog"):
        schema = json.loads((folder / f"{name}.schema.json").read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
        out[name] = jsonschema.Draft202012Validator(schema)
    return out


def test_the_demo_content_is_valid_against_the_emitted_schemas(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["schema", "--project", str(REPO), "--out", str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == ["catalog.schema.json", "post.schema.json", "shop.schema.json"]
    check = validators(tmp_path / "s")
    files = {"catalog": [REPO / "catalog.yaml"], "shop": sorted(REPO.glob("content/*/shop.yaml")), "post": sorted(REPO.glob("content/*/posts/*.md"))}
    assert len(files["shop"]) == 3 and len(files["post"]) == 6
    for kind, paths in files.items():
        for path in paths:
            errors = [e.message for e in check[kind].iter_errors(load(path))]
            assert errors == [], (path, errors)


def test_the_schemas_in_the_repository_are_current() -> None:
    for name, data in schema_files().items():
        assert (REPO / FOLDER / name).read_bytes() == data, f"run: shopforest schema (then commit {FOLDER}/{name})"


def test_the_schemas_flag_the_common_mistakes() -> None:
    check = validators(REPO / FOLDER)
    shop = load(REPO / "content" / "xiaomei" / "shop.yaml")

    def problems(kind: str, data: Any) -> list[str]:
        return [e.message for e in check[kind].iter_errors(data)]

    assert any("'titel' was unexpected" in m for m in problems("shop", {**shop, "titel": "x"}))
    assert problems("shop", {**shop, "picks": ["BB 1001"]})  # a SKU has no space
    assert problems("shop", {**shop, "private": {"phone": ["13800000000", "+86 138 0000 0000"]}}) == []
    assert problems("shop", {**shop, "private": {"phone": 13800000000}}) == []
    assert problems("shop", {**shop, "private": {"mobile": "1"}})
    catalog = load(REPO / "catalog.yaml")
    product = catalog["products"][0]
    for bad in ("89.0.0", "¥89", "-5", "1e2", "1_000", [89]):
        assert problems("catalog", {**catalog, "products": [{**product, "price": bad}]}), bad
    assert problems("catalog", {**catalog, "products": [{**product, "status": "gone"}]})
    assert problems("post", {"title": "x", "date": "2026-09-01", "tags": "a"})


def test_the_scaffold_names_the_shop_schema_on_its_first_line(tmp_path: Path) -> None:
    root = make_case("_base", tmp_path / "p")
    assert CliRunner().invoke(main, ["new", "--project", str(root), "lily-home"]).exit_code == 0
    shop_yaml = root / "content" / "lily-home" / "shop.yaml"
    first = shop_yaml.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../schemas/shop.schema.json"
    schema = (shop_yaml.parent / first.split("$schema=")[1]).resolve()
    assert schema.read_bytes() == schema_files()["shop.schema.json"]
    assert validators(schema.parent)["shop"].is_valid(load(shop_yaml))


def search(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["catalog", "search", "--project", str(REPO), *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def skus(*words: str) -> list[str]:
    code, out, _ = search("--format", "json", *words)
    assert code == 0
    return [row["sku"] for row in json.loads(out)] if out else []


def test_catalog_search_finds_by_title_tag_and_id() -> None:
    assert skus("米粉") == ["BB-1001"]  # a Chinese word inside a title written without spaces
    assert skus("ORGANIC") == skus("organic") == skus("ｏｒｇａｎｉｃ") == ["BB-1001"]  # a tag, in any case or width
    assert skus("bb-100") == [f"BB-100{i}" for i in range(1, 10)]
    assert skus("bb-100", "6m+") == ["BB-1001"]  # every word must match
    assert skus("nothing-like-this") == []


def test_catalog_search_shows_price_commission_and_status() -> None:
    code, out, _ = search("米粉")
    assert code == 0
    header, row = out.splitlines()
    assert header.split() == ["SKU", "title", "price", "commission", "status"]
    assert row.split() == ["BB-1001", "有机婴儿米粉", "250g", "¥89.00", "12%", "=", "¥10.68", "on", "sale"]
    assert header.index("price") == width(row[: row.index("¥89.00")])  # columns line up: a Chinese character takes two
    code, out, _ = search("米粉", env={"LANG": "zh_CN.UTF-8"})  # the table's words are the reader's
    header, row = out.splitlines()
    assert header.split() == ["商品编号", "商品名", "价格", "佣金", "状态"]
    assert row.split()[-1] == "在售"
    assert width(header[: header.index("价格")]) == width(row[: row.index("¥89.00")])
    code, out, err = search("nothing-like-this")
    assert (code, out) == (0, "") and "no product matches" in err
    assert search()[0] == 2


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_catalog_search_for_spreadsheets_and_programs(fmt: str) -> None:
    code, out, _ = search("--format", fmt, "米粉")
    assert code == 0
    if fmt == "json":
        assert json.loads(out) == [
            {
                "sku": "BB-1001",
                "title": "有机婴儿米粉 250g",
                "price": "89.00",
                "commission": "10.68",
                "status": "active",
                "commission_rate": "0.12",
                "currency": "CNY",
                "tags": ["organic", "6m+"],
            }
        ]
    else:
        assert out.splitlines()[0] == "sku,title,price,commission,status,commission_rate,currency,tags"
