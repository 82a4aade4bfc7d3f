"""The owners' folders: each content/<shop>/shop.yaml and its posts, checked against the catalog.

A shop that loaded without a mistake is kept whole (resolved.py) and used again while nothing
it was made from — its files, the catalog's context, the images it names — has changed.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..messages import msg
from . import marktext, media, raster
from .ids import SHOP_ID_RE, SLUG_RE
from .loading import STATUS_WORDS, Loader, locale_problem
from .model import Collection, Pick, Platform, Post, Product, Shop
from .resolved import FileStamp, KeptShop, files_unchanged, relink, shop_texts, stamps_unchanged, text_key
from .sources import MAX_FILE_BYTES, Document, load_yaml_file, read_text, split_front_matter
from .suggest import did_you_mean

if TYPE_CHECKING:
    from .schema import ShopIn


class ShopLoader(Loader):
    def shop(self, folder: Path, platform: Platform, products: dict[str, Product], themes: tuple[str, ...]) -> Shop | None:
        """One shop: as an earlier build kept it when nothing it was made from changed, else
        loaded and checked (and kept, when it has no mistake)."""
        digest = self.unchanged_shop(folder)
        if digest is None:
            texts = shop_texts(folder, MAX_FILE_BYTES)
            if texts is None:  # a file that cannot be read: the full load says why
                return self.load_shop(folder, platform, products, themes)
            digest = text_key("shop", folder.name, *texts.parts)
            if texts.stamps is not None and self.kept is not None:
                self.kept.put(text_key("shop-stamps", str(folder)), (texts.stamps, digest))
        key = text_key("kept-shop", str(folder), digest)
        kept: KeptShop | None = self.kept.get(key) if self.kept is not None else None
        if kept is not None and kept.context == self.context and files_unchanged(kept.files):
            self.warnings.extend(kept.warnings)
            return relink(kept.shop, products)
        errors, warnings, checked = len(self.diags), len(self.warnings), len(self.checked)
        shop = self.load_shop(folder, platform, products, themes)
        if shop is None:
            return None
        shop = replace(shop, digest=digest)
        if self.kept is not None and len(self.diags) == errors:
            self.kept.put(key, KeptShop(self.context, shop, tuple(self.warnings[warnings:]), tuple(self.checked[checked:])))
        return shop

    def unchanged_shop(self, folder: Path) -> str | None:
        """The digest of the shop's files when every one is as the last load stamped it (as
        make does: nothing is read); None when one changed, or none was stamped."""
        if self.kept is None:
            return None
        stamped: tuple[tuple[FileStamp, ...], str] | None = self.kept.get(text_key("shop-stamps", str(folder)))
        if stamped is None or not stamps_unchanged(stamped[0]):
            return None
        return stamped[1]

    def load_shop(self, folder: Path, platform: Platform, products: dict[str, Product], themes: tuple[str, ...]) -> Shop | None:
        shop_id = folder.name
        rel = f"content/{shop_id}/shop.yaml"
        if not SHOP_ID_RE.fullmatch(shop_id):
            self.diags.add(
                rel,
                1,
                1,
                msg("invalid shop id '{shop_id}': use 2-39 lowercase letters, digits and '-', starting with a letter or digit", shop_id=shop_id),
                whole_file=True,
            )
            return None
        doc = load_yaml_file(folder / "shop.yaml", rel, self.diags, self.cache)
        if doc is None:
            return None
        from .schema import ShopIn, url_problem  # (pydantic: only when a shop is checked)
        from .validate import validate

        data = validate(ShopIn, doc, self.diags)
        if data is None:
            self.raw_picks(doc, products)  # her other mistakes in the same run, not after this one is fixed
            return None
        if data.theme not in themes:
            self.add(
                doc,
                ("theme",),
                msg(
                    "unknown theme '{theme}' (available: {known}){suggestion}",
                    theme=data.theme,
                    known=", ".join(themes) or msg("none"),
                    suggestion=did_you_mean(data.theme, themes),
                ),
            )
        locale = data.locale or platform.locale
        problem = locale_problem(data.locale) if data.locale is not None else None
        if problem:
            self.add(doc, ("locale",), problem)
        base_url = data.base_url or platform.shop_url.replace("{shop}", shop_id)
        # (one made from the platform's shop_url is checked, and named, with the platform)
        problem = url_problem(base_url) if data.base_url else None
        if problem:
            self.add(
                doc,
                ("base_url",),
                msg(
                    "base_url {problem}: write the absolute URL the shop is published at, like https://shops.example.com/{shop_id}/",
                    problem=problem,
                    shop_id=shop_id,
                ),
            )
        if not base_url.endswith("/"):
            base_url += "/"
        if data.avatar is not None:
            problem = self.local_path_problem(folder, data.avatar)
            if problem:
                self.add(doc, ("avatar",), problem)
            else:
                self.small_picture(doc, ("avatar",), folder, data.avatar, raster.AVATAR_SHOWN, msg("an avatar"))
        self.markdown_limits(doc, ("bio",), data.bio, msg("this bio"))
        self.markdown_images(doc, ("bio",), data.bio, folder)

        picks: dict[str, Pick] = {}
        named: set[str] = set()
        for i, p in enumerate(data.picks):
            self.markdown_limits(doc, ("picks", i, "note"), p.note, msg("this note"))
            product = products.get(p.sku)
            if product is None:
                if p.sku not in self.invalid_skus:
                    message, hint = self.unknown_sku(p.sku, products)
                    self.add(doc, ("picks", i, "sku"), message, hint=hint)
                continue
            if p.sku in named:
                self.add(doc, ("picks", i, "sku"), msg("'{sku}' is picked twice", sku=p.sku))
                continue
            named.add(p.sku)
            self.markdown_images(doc, ("picks", i, "note"), p.note, folder)
            if not product.published:
                line, col = doc.at(("picks", i, "sku"))
                status = STATUS_WORDS.get(product.status, product.status)
                self.warn(rel, line, col, msg("{shop}: {sku} is {status}; not published", shop=shop_id, sku=p.sku, status=status))
                continue
            picks[p.sku] = Pick(product, p.note, p.featured)

        collections: list[Collection] = []
        picked_skus = {q.sku for q in data.picks}
        seen_ids: set[str] = set()
        for i, c in enumerate(data.collections):
            if c.id in seen_ids:
                self.add(doc, ("collections", i, "id"), msg("duplicate collection '{id}'", id=c.id))
            seen_ids.add(c.id)
            members: list[Pick] = []
            for j, sku in enumerate(c.skus):
                if sku not in products:
                    if sku not in self.invalid_skus:
                        message, hint = self.unknown_sku(sku, products)
                        self.add(doc, ("collections", i, "skus", j), message, hint=hint)
                elif sku not in picked_skus:
                    self.add(doc, ("collections", i, "skus", j), msg("'{sku}' is in collection '{id}' but not among the picks", sku=sku, id=c.id))
                elif sku in picks:
                    members.append(picks[sku])
            self.markdown_limits(doc, ("collections", i, "description"), c.description, msg("this description"))
            self.markdown_images(doc, ("collections", i, "description"), c.description, folder)
            collections.append(Collection(c.id, c.title, c.description, tuple(members)))

        posts = self.posts(folder, shop_id, products, data, picks)
        texts = [data.bio] + [p.note for p in picks.values()] + [c.description for c in collections] + [p.body for p in posts]
        media = {ref for text in texts for ref in marktext.local_image_refs(text) if ref.startswith("images/")}
        if data.avatar:
            media.add(data.avatar)
        return Shop(
            id=shop_id,
            title=data.title,
            owner=data.owner,
            bio=data.bio,
            avatar=data.avatar,
            theme=data.theme,
            locale=locale,
            base_url=base_url,
            contact=tuple(sorted(data.contact.items())),
            picks=tuple(picks.values()),
            collections=tuple(collections),
            posts=posts,
            source_dir=folder,
            channels=tuple(dict.fromkeys(data.channels)),
            campaigns=tuple(dict.fromkeys(data.campaigns)),
            media=tuple(sorted(media)),
            private_phones=tuple(phone.strip() for phone in data.private.phone),
        )

    def raw_picks(self, doc: Document, products: dict[str, Product]) -> None:
        """The SKUs of a shop.yaml the schema refused, checked as written (a pick is a SKU or has one)."""
        picks = doc.data.get("picks") if isinstance(doc.data, dict) else None
        reported = {(d.line, d.col) for d in self.diags.items if d.path == doc.path}  # one message a place
        for i, pick in enumerate(picks if isinstance(picks, list) else []):
            sku, loc = (
                (pick, ("picks", i)) if isinstance(pick, str) else (pick.get("sku"), ("picks", i, "sku")) if isinstance(pick, dict) else (None, ())
            )
            if isinstance(sku, str) and sku not in products and sku not in self.invalid_skus and doc.at(loc) not in reported:
                message, hint = self.unknown_sku(sku, products)
                self.add(doc, loc, message, hint=hint)

    def posts(self, folder: Path, shop_id: str, products: dict[str, Product], data: ShopIn, picks: dict[str, Pick]) -> tuple[Post, ...]:
        posts_dir = folder / "posts"
        if not posts_dir.is_dir():
            return ()
        picked = {p.sku for p in data.picks}
        out: list[Post] = []
        for path in sorted(posts_dir.glob("*.md")):
            rel = f"content/{shop_id}/posts/{path.name}"
            link = media.link_in(str(folder), f"posts/{path.name}")
            if link is not None:
                self.diags.add(rel, 1, 1, media.link_message(f"content/{shop_id}/{link}"), whole_file=True)
                continue
            slug = path.stem
            if not SLUG_RE.fullmatch(slug):
                self.diags.add(
                    rel, 1, 1, msg("invalid post file name '{name}': use lowercase letters, digits and '-'", name=path.name), whole_file=True
                )
                continue
            text = read_text(path, rel, self.diags)
            if text is None:
                continue
            fm = split_front_matter(text, rel, self.diags, self.cache)
            if fm.meta is None:
                continue
            from .schema import PostMetaIn
            from .validate import validate

            meta = validate(PostMetaIn, fm.meta, self.diags)
            for offset, message in marktext.limit_problems(fm.body, msg("this post"), post=True):
                self.diags.add(rel, fm.body_line + offset, 1, message)
            body_lines = fm.body.splitlines()
            for offset, sku in marktext.shortcodes(fm.body, self.diags, rel, fm.body_line):
                line = fm.body_line + offset
                if sku in self.invalid_skus:
                    pass
                elif sku not in products:
                    message, hint = self.unknown_sku(sku, products, msg(" in product shortcode"))
                    col = body_lines[offset].find(sku) + 1 if offset < len(body_lines) else 1
                    self.diags.add(rel, line, max(col, 1), message, hint=hint)
                elif sku not in picked:
                    self.diags.add(rel, line, 1, msg("'{sku}' in product shortcode is not one of this shop's picks", sku=sku))
                elif sku not in picks:
                    self.warn(rel, line, 1, msg("{shop}: {sku} is not published; its card is left out", shop=shop_id, sku=sku))
            for offset, ref in marktext.local_image_refs_with_lines(fm.body):
                problem = self.local_path_problem(folder, ref)
                if problem:
                    self.diags.add(rel, fm.body_line + offset, 1, problem)
            if meta is None or meta.draft:
                continue
            out.append(Post(slug, meta.title, meta.date, meta.summary, tuple(meta.tags), fm.body, rel, fm.body_line))
        out.sort(key=lambda p: (p.date, p.slug), reverse=True)
        return tuple(out)
