"""The patterns of ids and the locales shops are shown in: plain constants, importable without
the schema (a build that checks nothing new never imports pydantic)."""

from __future__ import annotations

import re

SKU_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
SHOP_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,38}$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,38}$")
VARIANT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
TAG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")  # share-link channels and campaigns
# The locales a shop can be shown in: the theme has every word in each (its locale/ catalogs), and
# Babel writes its dates and prices. Any other is refused, never shown half in English.
LOCALES = ("en_US", "zh_CN")
