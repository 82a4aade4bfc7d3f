"""The catalog is cut into its products by YAML's events, whatever way the platform writes it:
each product composed alone is what the whole file says, and a build after one price change
works out that one product again in every layout."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.build.pipeline import build
from generator.cache.folder import USE
from generator.content import catalog as catalog_module
from generator.content.project import load_project
from generator.content.sources import Document, parse_yaml
from generator.content.yamlsplit import ListSplit, NotSimple
from generator.errors import Diagnostics

from .conftest import copy_project

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
from layouts import LAYOUTS, write  # noqa: E402


def demo_catalog() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REPO / "catalog.yaml").read_text(encoding="utf-8"))
    for i, product in enumerate(data["products"]):
        product.setdefault("tags", ["宝宝", "新品"] if i % 2 else ["家用"])  # shared lists: the hand layout aliases them
    return data


def relative(doc: Document, prefix: tuple[Any, ...]) -> dict[tuple[Any, ...], tuple[int, int]]:
    return {loc[len(prefix) :]: at for loc, at in doc.values.items() if loc[: len(prefix)] == prefix}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_each_product_composed_alone_is_what_the_whole_file_says(layout: str) -> None:
    text = write(demo_catalog(), layout)
    whole = parse_yaml(text, "catalog.yaml", Diagnostics())
    assert whole is not None
    split = ListSplit(text, "products")
    items = list(split.items())
    assert len(items) == len(whole.data["products"]) > 10
    for i, item in enumerate(items):
        alone = item.document("catalog.yaml", Diagnostics())
        assert alone is not None
        assert alone.data == whole.data["products"][i]
        assert alone.values == relative(whole, ("products", i)), "errors point where they would in the whole file"
    if layout == "hand":
        assert any(item.deps for item in items), "aliases to tags defined in another product"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_one_price_changed_changes_one_product_key_and_no_head(layout: str) -> None:
    data = demo_catalog()
    before = ListSplit(write(data, layout), "products")
    keys_before = [item.key for item in before.items()]
    data["products"][3]["price"] = "1.00"
    after = ListSplit(write(data, layout), "products")
    keys_after = [item.key for item in after.items()]
    assert [i for i, (a, b) in enumerate(zip(keys_before, keys_after, strict=True)) if a != b] == [3]
    assert before.head == after.head


def test_an_alias_names_what_its_anchor_is_made_of() -> None:
    text = "products:\n- {sku: A, tags: &t [x]}\n- {sku: B, tags: *t}\n"
    keys = [item.key for item in ListSplit(text, "products").items()]
    changed = [item.key for item in ListSplit(text.replace("[x]", "[y]"), "products").items()]
    assert keys[0] != changed[0] and keys[1] != changed[1], "B's tags changed with A's anchor"


@pytest.mark.parametrize(
    "text",
    [
        "%YAML 1.1\n---\nproducts: []\n",  # a directive
        "products: []\n---\nproducts: []\n",  # two documents
        "products: &all []\n",  # an anchor on the list
        "products:\n- &a {sku: A}\nfeatured: *a\n",  # an alias from outside into the list
        "products:\n- {sku: A, t: &a 1}\n- {sku: B, t: &a 2}\n",  # an anchor twice
        "products: [\n",  # malformed
        "- a\n",  # not a mapping
        "platform: {}\n",  # no list
    ],
)
def test_a_file_the_cut_cannot_vouch_for_is_read_whole(text: str) -> None:
    with pytest.raises(NotSimple):
        list(ListSplit(text, "products").items())


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_price_change_works_out_one_product_again_in_every_layout(layout: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_project(tmp_path / "p")
    data = demo_catalog()
    (root / "catalog.yaml").write_bytes(write(data, layout).encode())
    build(root, root / "site")
    reference = load_project(root)
    worked_out: list[str] = []
    fresh_product = catalog_module.CatalogLoader.fresh_product

    def counting(self: catalog_module.CatalogLoader, item: Any, categories: Any, currency: str) -> Any:
        worked_out.append(item.key)
        return fresh_product(self, item, categories, currency)

    monkeypatch.setattr(catalog_module.CatalogLoader, "fresh_product", counting)
    data["products"][3]["price"] = "1.00"
    (root / "catalog.yaml").write_bytes(write(data, layout).encode())
    project = load_project(root, policy=USE)
    assert len(worked_out) == 1
    sku = data["products"][3]["sku"]
    assert str(project.products[sku].price) == "1.00"
    assert {k: v for k, v in project.products.items() if k != sku} == {k: v for k, v in reference.products.items() if k != sku}
