"""The theme's fixed words in the shop's language; a theme reads them as ``t.<key>``."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale

_ZH = {
    "home": "首页",
    "posts": "好物笔记",
    "all_picks": "全部好物",
    "featured": "店主推荐",
    "collections": "合集",
    "recent_posts": "最新笔记",
    "owner_says": "店主说",
    "sold_out": "已售罄",
    "in_stock": "有货",
    "only_left": "仅剩 {n} 件",
    "list_price": "原价",
    "price": "价格",
    "variant": "规格",
    "quantity": "数量",
    "max_per_order": "每单限购 {n} 件",
    "add_to_cart": "加入购物车",
    "details": "商品详情",
    "brand": "品牌",
    "category": "分类",
    "contact": "联系店主",
    "read_more": "阅读全文",
    "view_product": "查看商品",
    "not_found_title": "页面不见了",
    "not_found_text": "这个链接可能已经失效，去店里逛逛吧。",
    "back_home": "回到首页",
    "shop_by": "{owner} 的小店",
    "powered_by": "由 {platform} 提供货源与发货",
    "items": "{n} 件好物",
    "no_posts": "还没有笔记。",
    "published": "发布于",
    "skip": "跳到正文",
}

_EN = {
    "home": "Home",
    "posts": "Notes",
    "all_picks": "All picks",
    "featured": "Featured",
    "collections": "Collections",
    "recent_posts": "Latest notes",
    "owner_says": "Why I love it",
    "sold_out": "Sold out",
    "in_stock": "In stock",
    "only_left": "Only {n} left",
    "list_price": "Was",
    "price": "Price",
    "variant": "Option",
    "quantity": "Quantity",
    "max_per_order": "Limit {n} per order",
    "add_to_cart": "Add to cart",
    "details": "Details",
    "brand": "Brand",
    "category": "Category",
    "contact": "Say hello",
    "read_more": "Read more",
    "view_product": "View product",
    "not_found_title": "Page not found",
    "not_found_text": "This link may have expired. Have a look around the shop instead.",
    "back_home": "Back to the shop",
    "shop_by": "{owner}'s shop",
    "powered_by": "Sourced and shipped by {platform}",
    "items": "{n} picks",
    "no_posts": "No notes yet.",
    "published": "Published",
    "skip": "Skip to content",
}

CATALOGS = {"zh": _ZH, "en": _EN}


@lru_cache(maxsize=64)
def words(locale: str) -> dict[str, str]:
    """UI words for a Babel locale; English where the language has no catalog yet."""
    return CATALOGS.get(Locale.parse(locale).language, _EN)


def html_lang(locale: str) -> str:
    """``zh_CN`` → ``zh-CN`` for the ``lang`` attribute."""
    return locale.replace("_", "-")
