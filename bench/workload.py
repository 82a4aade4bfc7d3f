"""A deterministic, realistic shop project of any size, for the benchmark.

    python bench/workload.py --shops 1000 --picks 50 --products 5000 --seed 1 --out /tmp/medium
    python bench/workload.py ... --layout hand        # or safe_dump (the default), indented
    python bench/workload.py ... --profile plain      # the earlier, lighter content
    python bench/workload.py ... --photos --distinct-photos 40   # photos, but only 40 to resize

Zipf-like popularity (a popular product sits in most shops). The realistic profile has what
platforms and owners write: product descriptions of 1-2 KB of Markdown with bold, lists and
links; an owner's note on about a third of picks, often with bold and a short list; most shops
with a post citing several products. The catalog is written in one of three layouts
(bench/layouts.py). With ``--photos``, every product shows a phone-like JPEG of its own (about
1 MB) and every owner a photo avatar, instead of the shared SVG drawings; with
``--distinct-photos N`` as well, those files share N distinct photos round-robin (each product
still names a file of its own, so a shop holds as many copies as before, but a cold build
resizes N pictures rather than one per product and owner). Same arguments, same bytes.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import layouts

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
TAG_SETS = [["宝宝", "有机"], ["家用"], ["送礼", "新品"], ["早餐"], ["旅行", "便携"]]  # shared: the hand layout aliases them


def sentence(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(WORDS) for _ in range(n)) + "。"


def description(rng: random.Random, profile: str) -> str:
    if profile == "plain":
        words = rng.randint(80, 200)
        first = sentence(rng, words // 2)
        bullets = "\n".join(f"- {sentence(rng, rng.randint(4, 8))}" for _ in range(3))
        return f"{first}\n\n{bullets}\n\n**{sentence(rng, 5)}** {sentence(rng, words // 2 - 20)}"
    # 1-2 KB: a paragraph with bold, a list of points, a link, a closing paragraph
    first = f"{sentence(rng, rng.randint(50, 90))}**{sentence(rng, 6)}**{sentence(rng, rng.randint(40, 80))}"
    bullets = "\n".join(f"- **{sentence(rng, 2)[:-1]}**：{sentence(rng, rng.randint(6, 12))}" for _ in range(rng.randint(3, 6)))
    link = f"[{sentence(rng, 3)[:-1]}](https://brand.example/{rng.randrange(10_000)})"
    return f"{first}\n\n{bullets}\n\n{sentence(rng, rng.randint(20, 40))}详见{link}。"


def note(rng: random.Random, profile: str) -> str:
    if profile == "plain" or rng.random() < 0.5:
        return sentence(rng, rng.randint(15, 40))
    points = "\n".join(f"- {sentence(rng, rng.randint(3, 8))}" for _ in range(rng.randint(2, 3)))
    return f"**{sentence(rng, 4)}**{sentence(rng, rng.randint(8, 20))}\n\n{points}"


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
MARK_BITS = 20  # up to a million distinct photos


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
        # the patch alone repeats every 512 numbers: its number in bits makes every file its own
        for bit in range(MARK_BITS):
            x = 64 + bit * 24
            picture.paste((255, 255, 255) if number >> bit & 1 else (0, 0, 0), (x, 16, x + 24, 40))
        path.parent.mkdir(parents=True, exist_ok=True)
        picture.save(path, "JPEG", quality=90, exif=exif.tobytes())

    return write


def shared_photos(seed: int, distinct: int) -> Callable[[Path, int], None]:
    """Like :func:`photo_writer`, but file ``number`` holds the bytes of photo ``number %
    distinct``: each a real JPEG (Pillow, sideways by EXIF, GPS), each encoded once."""
    draw = photo_writer(seed)
    made: dict[int, bytes] = {}

    def write(path: Path, number: int) -> None:
        which = number % distinct
        if which not in made:
            draw(path, which)
            made[which] = path.read_bytes()
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(made[which])

    return write


def photo_path(i: int) -> str:
    return f"images/p-{i:06d}.jpg"


def catalog(products: int, seed: int, profile: str = "realistic", *, photos: bool = False) -> dict[str, Any]:
    """The platform's catalog as data; its own random stream, so a scenario can write it again.
    With ``photos``, each product names its own photo (written by :func:`write`)."""
    rng = random.Random(f"catalog-{seed}")
    items: list[dict[str, Any]] = []
    for i in range(products):
        price = rng.randint(500, 50000)
        item: dict[str, Any] = {
            "sku": f"P-{i:06d}",
            "title": f"{sentence(rng, 4)[:-1]} {rng.randint(1, 9) * 50}g",
            "brand": rng.choice(WORDS),
            "category": CATEGORIES[i % len(CATEGORIES)][0],
            "price": f"{price // 100}.{price % 100:02d}",
        }
        if rng.random() < 0.4:
            item["list_price"] = f"{price // 100 + rng.randint(5, 50)}.00"
        roll = rng.random()
        item["status"] = "sold_out" if roll < 0.01 else "recalled" if roll < 0.015 else "active"
        item["images"] = [photo_path(i) if photos else f"images/p{i % IMAGES}.svg"]
        item["description"] = description(rng, profile)
        if profile != "plain":
            item["tags"] = TAG_SETS[i % len(TAG_SETS)]
        if rng.random() < 0.2:
            item["variants"] = [{"id": "s", "title": "S"}, {"id": "l", "title": "L", "price": f"{price // 100 + 10}.00"}]
        items.append(item)
    return {
        "platform": {
            "name": "Bench Platform",
            "currency": "CNY",
            "locale": "zh_CN",
            "checkout_url": "http://127.0.0.1:8787",
            "shop_url": "https://shops.example/{shop}/",
        },
        "categories": [{"id": cid, "title": title, "commission": rate} for cid, title, rate in CATEGORIES],
        "products": items,
    }


def write_catalog(out: Path, data: dict[str, Any], layout: str) -> None:
    (out / "catalog.yaml").write_bytes(layouts.write(data, layout).encode())


def shop(out: Path, s: int, picks: int, products: int, rng: random.Random, profile: str) -> None:
    """One owner's folder: shop.yaml with her picks and notes, and her posts."""
    folder = out / "content" / f"shop-{s:05d}"
    (folder / "posts").mkdir(parents=True)
    chosen = zipf_pick(rng, products, min(picks, products))
    lines = [f"title: 小店 {s}", f"owner: 店主{s}", "bio: |", indent(sentence(rng, 30), 2), "picks:"]
    for index in chosen:
        if rng.random() < 1 / 3:
            lines += [f"  - sku: P-{index:06d}", "    note: |", indent(note(rng, profile), 6)]
        else:
            lines.append(f"  - P-{index:06d}")
    lines += ["collections:", f"  - {{id: best, title: 精选, skus: [{', '.join(f'P-{i:06d}' for i in chosen[:5])}]}}"]
    (folder / "shop.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    posts = rng.randint(1, 3) if profile == "plain" or rng.random() < 0.85 else 0
    for n in range(posts):
        cited = 1 if profile == "plain" else rng.randint(2, 4)
        cards = "\n\n".join(f"{{{{< product P-{chosen[rng.randrange(len(chosen))]:06d} >}}}}" for _ in range(cited))
        body = "\n\n".join(sentence(rng, 40) for _ in range(3))
        (folder / "posts" / f"post-{n}.md").write_text(
            f"---\ntitle: 笔记 {n}\ndate: 2026-{(n % 9) + 1:02d}-15\n---\n{body}\n\n{cards}\n", encoding="utf-8"
        )


def write(
    out: Path,
    shops: int,
    picks: int,
    products: int,
    seed: int,
    *,
    layout: str = "safe_dump",
    profile: str = "realistic",
    photos: bool = False,
    distinct_photos: int = 0,
) -> None:
    """The project at ``out``; with ``distinct_photos`` (and ``photos``), every photo file holds
    the bytes of one of that many photos, round-robin (0: each file its own photo)."""
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
    write_catalog(out, catalog(products, seed, profile, photos=photos), layout)
    rng = random.Random(seed)
    for s in range(shops):
        shop(out, s, picks, products, rng, profile)
    if photos:
        photo = photo_writer(seed) if not distinct_photos else shared_photos(seed, distinct_photos)
        for i in range(products):
            photo(out / photo_path(i), i)
        for s in range(shops):
            folder = out / "content" / f"shop-{s:05d}"
            photo(folder / "images" / "avatar.jpg", products + s)
            with (folder / "shop.yaml").open("a", encoding="utf-8") as fh:
                fh.write("avatar: images/avatar.jpg\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shops", type=int, required=True)
    parser.add_argument("--picks", type=int, required=True)
    parser.add_argument("--products", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--layout", choices=layouts.LAYOUTS, default="safe_dump", help="how catalog.yaml is written")
    parser.add_argument("--profile", choices=("realistic", "plain"), default="realistic", help="how much the texts hold")
    parser.add_argument("--photos", action="store_true", help="a JPEG photo per product and per owner")
    parser.add_argument("--distinct-photos", type=int, default=0, metavar="N", help="with --photos: the files share N distinct photos")
    args = parser.parse_args()
    if args.distinct_photos < 0:
        parser.error("--distinct-photos must be 0 or more")
    write(
        args.out,
        args.shops,
        args.picks,
        args.products,
        args.seed,
        layout=args.layout,
        profile=args.profile,
        photos=args.photos or args.distinct_photos > 0,
        distinct_photos=args.distinct_photos,
    )


if __name__ == "__main__":
    main()
