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
    "shop_by": "{owner}的小店",
    "powered_by": "由 {platform} 提供货源与发货",
    "items": "{n} 件好物",
    "no_posts": "还没有笔记。",
    "published": "发布于",
    "skip": "跳到正文",
    "cart": "购物车",
    "cart_empty": "购物车是空的。",
    "remove": "删除",
    "total": "合计",
    "your_details": "收货信息",
    "name": "收货人",
    "phone": "手机号",
    "address": "收货地址",
    "email_optional": "邮箱（选填）",
    "note_optional": "备注（选填）",
    "place_order": "提交订单",
    "added": "已加入购物车",
    "view_cart": "去结算",
    "thanks_title": "下单成功，谢谢！",
    "thanks_text": "我们会尽快安排发货，发货后会通知你。",
    "order_number": "订单号",
    "msg_price_changed": "有商品价格变了，已更新为最新价格，请确认后再提交。",
    "msg_network": "网络不太好，订单还没提交。请稍后再点一次，不会重复下单。",
    "msg_error": "订单没有提交成功：",
    "msg_unavailable": "这件商品现在买不了，请删除后再提交。",
    "msg_sending": "正在提交…",
    "msg_invalid": "请检查标红的信息。",
    "continue_shopping": "继续逛逛",
    "share": "分享给朋友",
    "share_link": "分享链接",
    "copy_link": "复制链接",
    "copied": "已复制，去群里粘贴吧",
    "share_native": "分享",
    "poster": "生成分享海报",
    "poster_hint": "长按或截图保存海报",
    "scan": "扫码购买",
    "redirecting": "正在打开…",
    "contact_item": "{label}：{value}",
    "tags": "标签",
    "tag_title": "标签：{tag}",
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
    "cart": "Cart",
    "cart_empty": "Your cart is empty.",
    "remove": "Remove",
    "total": "Total",
    "your_details": "Delivery details",
    "name": "Name",
    "phone": "Phone",
    "address": "Delivery address",
    "email_optional": "Email (optional)",
    "note_optional": "Note (optional)",
    "place_order": "Place order",
    "added": "Added to your cart",
    "view_cart": "Go to cart",
    "thanks_title": "Thank you for your order!",
    "thanks_text": "We will ship it soon and let you know when it is on its way.",
    "order_number": "Order number",
    "msg_price_changed": "A price has changed. Your cart now shows the current prices; please check and confirm again.",
    "msg_network": "The connection failed and your order was not sent. Please try again; you will not be charged twice.",
    "msg_error": "Your order could not be placed: ",
    "msg_unavailable": "This item cannot be bought right now; please remove it.",
    "msg_sending": "Sending…",
    "msg_invalid": "Please check the fields marked in red.",
    "continue_shopping": "Keep shopping",
    "share": "Share with friends",
    "share_link": "Share link",
    "copy_link": "Copy link",
    "copied": "Copied — paste it in your group",
    "share_native": "Share",
    "poster": "Make a share poster",
    "poster_hint": "Take a screenshot to save the poster",
    "scan": "Scan to shop",
    "redirecting": "Opening…",
    "contact_item": "{label}: {value}",
    "tags": "Tags",
    "tag_title": "Tagged “{tag}”",
}

CATALOGS = {"zh": _ZH, "en": _EN}

# The names of the contact kinds a footer shows; any other is shown as she wrote it.
_CONTACT_ZH = {
    "wechat": "微信",
    "phone": "电话",
    "email": "邮箱",
    "weibo": "微博",
    "xiaohongshu": "小红书",
    "xhs": "小红书",
    "douyin": "抖音",
    "qq": "QQ",
}
_CONTACT_EN = {"wechat": "WeChat", "phone": "Phone", "email": "Email", "weibo": "Weibo", "xiaohongshu": "Xiaohongshu", "xhs": "Xiaohongshu"}
_CONTACT_EN |= {"douyin": "Douyin", "qq": "QQ", "whatsapp": "WhatsApp", "instagram": "Instagram", "line": "LINE", "telegram": "Telegram"}
CONTACT_LABELS = {"zh": _CONTACT_ZH, "en": _CONTACT_EN}


def contact_label(kind: str, locale: str) -> str:
    """``wechat`` → 微信 / WeChat; the names of other apps are the same in every language."""
    key = kind.lower()
    language = Locale.parse(locale).language
    return CONTACT_LABELS.get(language, {}).get(key) or _CONTACT_EN.get(key) or kind


@lru_cache(maxsize=64)
def words(locale: str) -> dict[str, str]:
    """UI words for a Babel locale; English where the language has no catalog yet."""
    return CATALOGS.get(Locale.parse(locale).language, _EN)


def html_lang(locale: str) -> str:
    """``zh_CN`` → ``zh-CN`` for the ``lang`` attribute."""
    return locale.replace("_", "-")
