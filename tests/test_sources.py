"""Reading YAML safely: what a hostile or careless file can and cannot do."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from generator.build import pipeline, shop
from generator.build.writer import safe_join
from generator.content.sources import MAX_NODES, parse_yaml
from generator.errors import Diagnostics, UsageError
from generator.pages import plan
from generator.pages.plan import Output

from .test_invalid_content import make_case


def parse(text: str) -> tuple[object, list[str]]:
    diags = Diagnostics()
    doc = parse_yaml(text, "f.yaml", diags)
    return (doc.data if doc else None), [str(d) for d in diags.sorted()]


def test_money_is_decimal_from_its_text_never_a_float() -> None:
    data, errors = parse("price: 0.10\nother: 19.90\nbig: 12345678901234567.01\n")
    assert errors == []
    assert data == {"price": Decimal("0.10"), "other": Decimal("19.90"), "big": Decimal("12345678901234567.01")}
    assert all(isinstance(v, Decimal) for v in data.values())


def test_billion_laughs_is_bounded() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    data, errors = parse("\n".join(lines) + "\n")
    assert data is None
    assert errors == [f"f.yaml:1:34: document too large or too deeply nested (limits: {MAX_NODES} values, depth 64)"]


def test_python_tags_and_merge_keys_are_refused() -> None:
    _, errors = parse("a: !!python/object/apply:os.system ['echo hi']\n")
    assert errors == ["f.yaml:1:4: unsupported YAML tag tag:yaml.org,2002:python/object/apply:os.system"]
    _, errors = parse("base: &b {x: 1}\nother:\n  <<: *b\n")
    assert errors == ["f.yaml:3:3: YAML merge keys (<<) are not supported"]


def test_infinity_and_nan_are_not_money() -> None:
    _, errors = parse("price: .inf\nlist: .nan\n")
    assert errors == ["f.yaml:1:8: '.inf' is not a finite number", "f.yaml:2:7: '.nan' is not a finite number"]


def test_output_paths_cannot_escape_the_output_folder(tmp_path: Path) -> None:
    for bad in ("../x", "a/../../x", "/etc/passwd", "a\\..\\x", "", "a//b", "./a"):
        with pytest.raises(UsageError):
            safe_join(tmp_path, bad)
    assert safe_join(tmp_path, "p/BB-1001/index.html") == tmp_path / "p" / "BB-1001" / "index.html"


def test_two_outputs_at_one_path_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_case("_base", tmp_path / "p")
    real = plan.plan_shop  # what the builder calls

    def doubled(*args: object, **kwargs: object) -> list[Output]:
        outputs = real(*args, **kwargs)  # type: ignore[arg-type]
        return [*outputs, Output("robots.txt", data=b"again")]

    monkeypatch.setattr(shop, "plan_shop", doubled)
    with pytest.raises(UsageError, match=r"two outputs at one path: amy/robots\.txt"):
        pipeline.build(root, root / "site")
    assert not (root / "site").exists()
