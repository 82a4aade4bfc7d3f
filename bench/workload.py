"""A deterministic, realistic shop project of any size, for the benchmark.

    python bench/workload.py --shops 1000 --picks 50 --products 5000 --seed 1 --out /tmp/medium

Zipf-like popularity (a popular product sits in most shops), Markdown descriptions of 80-200
words, notes on about a third of picks, one to three posts per shop with a product card, a
handful of small SVG images shared by many products (with ``--photos``, a phone-like JPEG of
about 1 MB per product and per owner instead). Same arguments, same bytes.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CATEGORIES = [("baby", "母婴", "0.10"), ("food", "食品", "0.08"), ("beauty", "美妆", "0.12"), ("home", "家居", "0.06")]
WORDS = [
    "有机",
    "天然",
    "温和",
    "宝宝",
    "妈妈",
    "营养",
    "美味",
    "家用",
    "厨房",
    "清洁",
    "保湿",
    "面霜",
    "精华",
    "米粉",
    "奶瓶",
    "轻薄",
    "透气",
    "舒适",
    "安全",
    "无添加",
    "新鲜",
    "手工",
    "香浓",
    "柔软",
    "耐用",
    "便携",
    "经典",
    "升级",
    "配方",
    "口感",
    "味道",
    "质地",
    "包装",
    "推荐",
    "回购",
    "好用",
    "实惠",
    "放心",
    "每天",
    "早餐",
    "晚上",
    "出门",
    "旅行",
    "送礼",
    "gentle",
    "daily",
    "fresh",
    "natural",
    "organic",
    "quality",
    "classic",
    "light",
    "soft",
    "rich",
]
IMAGES = 12


def sentence(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(WORDS) for _ in range(n)) + "。"


def description(rng: random.Random) -> str:
    words = rng.randint(80, 200)
    first = sentence(rng, words // 2)
    bullets = "\n".join(f"- {sentence(rng, rng.randint(4, 8))}" for _ in range(3))
    return f"{first}\n\n{bullets}\n\n**{sentence(rng, 5)}** {sentence(rng, words // 2 - 20)}"


def indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line if line else "" for line in text.splitlines())


def zipf_pick(rng: random.Random, products: int, k: int) -> list[int]:
    """k distinct product indexes, popular ones (low index) far more likely: P(i) ~ 1/(i+1)."""
    cumulative = _cumulative(products)
    chosen: set[int] = set()
    while len(chosen) < k:
        chosen.update(rng.choices(range(products), cum_weights=cumulative, k=k - len(chosen)))
    return sorted(chosen)


_CUMULATIVE: dict[int, list[float]] = {}


def _cumulative(products: int) -> list[float]:
    if products not in _CUMULATIVE:
        total, out = 0.0, []
        for i in range(products):
            total += 1.0 / (i + 1)
            out.append(total)
        _CUMULATIVE[products] = out
    return _CUMULATIVE[products]


PHOTO_SIZE = (1536, 2048)  # a phone photo as messaging apps pass it on: about 1 MB as a JPEG
PHOTO_BASES = 8


def photo_writer(seed: int) -> Callable[[Path, int], None]:
    """Writes a phone-like JPEG (tests/photos.py: sideways by EXIF, GPS) whose bytes are its
    own for each number: a few photos are drawn, and each file marks one of them with a patch
    of its own, which costs a JPEG encoding rather than a new drawing."""
    sys.path.insert(0, str(REPO))
    from PIL import Image

    from tests import photos

    bases = [photos.photo(*PHOTO_SIZE, seed=seed * 100 + i, grain=10).transpose(Image.Transpose.ROTATE_90) for i in range(PHOTO_BASES)]
    exif = Image.Exif()
    exif[photos.ORIENTATION] = 6
    exif[photos.GPS_IFD] = photos.GPS

    def write(path: Path, number: int) -> None:
        picture = bases[number % PHOTO_BASES].copy()
        shade = ((number * 37) % 256, (number * 91) % 256, (number * 53) % 256)
        picture.paste(shade, (64 + (number * 13) % 512, 64 + (number * 29) % 512, 320 + (number * 13) % 512, 320 + (number * 29) % 512))
        picture.save(path, "JPEG", quality=90, exif=exif.tobytes())

    return write


def write(out: Path, shops: int, picks: int, products: int, seed: int, photos: bool = False) -> None:
    """The project; with ``photos``, every product shows a JPEG photo of its own (about 1 MB)
    and every owner a photo avatar, instead of the shared SVG drawings."""
    rng = random.Random(seed)
    photo = photo_writer(seed) if photos else None
    if out.exists():
        shutil.rmtree(out)
    (out / "images").mkdir(parents=True)
    shutil.copytree(REPO / "themes", out / "themes")
    for i in range(IMAGES):
        hue = i * 360 // IMAGES
        (out / "images" / f"p{i}.svg").write_text(
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 600"><rect width="600" height="600" fill="hsl({hue},60%,90%)"/>'
            f'<rect x="170" y="170" width="260" height="260" rx="24" fill="hsl({hue},50%,45%)"/></svg>\n',
            encoding="utf-8",
        )
    lines = [
        "platform:",
        "  name: Bench Platform",
        "  currency: CNY",
        "  locale: zh_CN",
        '  checkout_url: "http://127.0.0.1:8787"',
        '  shop_url: "https://shops.example/{shop}/"',
        "categories:",
    ]
    lines += [f'  - {{id: {cid}, title: {title}, commission: "{rate}"}}' for cid, title, rate in CATEGORIES]
    lines.append("products:")
    for i in range(products):
        price = rng.randint(500, 50000)
        lines += [
            f"  - sku: P-{i:06d}",
            f"    title: {sentence(rng, 4)[:-1]} {rng.randint(1, 9) * 50}g",
            f"    brand: {rng.choice(WORDS)}",
            f"    category: {CATEGORIES[i % len(CATEGORIES)][0]}",
            f'    price: "{price // 100}.{price % 100:02d}"',
        ]
        if rng.random() < 0.4:
            lines.append(f'    list_price: "{price // 100 + rng.randint(5, 50)}.00"')
        status = "active"
        roll = rng.random()
        if roll < 0.01:
            status = "sold_out"
        elif roll < 0.015:
            status = "recalled"
        image = f"images/p{i % IMAGES}.svg"
        if photo is not None:
            image = f"images/p-{i:06d}.jpg"
            photo(out / image, i)
        lines += [f"    status: {status}", f"    images: [{image}]", "    description: |", indent(description(rng), 6)]
        if rng.random() < 0.2:
            lines += ["    variants:", '      - {id: s, title: "S"}', f'      - {{id: l, title: "L", price: "{price // 100 + 10}.00"}}']
    (out / "catalog.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    for s in range(shops):
        folder = out / "content" / f"shop-{s:05d}"
        (folder / "posts").mkdir(parents=True)
        chosen = zipf_pick(rng, products, min(picks, products))
        shop = [f"title: 小店 {s}", f"owner: 店主{s}", "bio: |", indent(sentence(rng, 30), 2)]
        if photo is not None:
            (folder / "images").mkdir()
            photo(folder / "images" / "avatar.jpg", products + s)
            shop.append("avatar: images/avatar.jpg")
        shop.append("picks:")
        for index in chosen:
            if rng.random() < 1 / 3:
                shop += [f"  - sku: P-{index:06d}", "    note: |", indent(sentence(rng, rng.randint(15, 40)), 6)]
            else:
                shop.append(f"  - P-{index:06d}")
        shop += ["collections:", f"  - {{id: best, title: 精选, skus: [{', '.join(f'P-{i:06d}' for i in chosen[:5])}]}}"]
        (folder / "shop.yaml").write_text("\n".join(shop) + "\n", encoding="utf-8")
        for n in range(rng.randint(1, 3)):
            card = chosen[rng.randrange(len(chosen))]
            body = "\n\n".join(sentence(rng, 40) for _ in range(3))
            (folder / "posts" / f"post-{n}.md").write_text(
                f"---\ntitle: 笔记 {n}\ndate: 2026-{(n % 9) + 1:02d}-15\n---\n{body}\n\n{{{{< product P-{card:06d} >}}}}\n", encoding="utf-8"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shops", type=int, required=True)
    parser.add_argument("--picks", type=int, required=True)
    parser.add_argument("--products", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--photos", action="store_true", help="a JPEG photo per product and per owner")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    write(args.out, args.shops, args.picks, args.products, args.seed, args.photos)


if __name__ == "__main__":
    main()
