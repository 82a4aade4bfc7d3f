"""The store ``SHOPFOREST_DB`` names: a SQLite path (default var/orders.db), or a
``postgresql://`` URL for several hook processes on several machines.

The only module that knows both stores; it imports each when asked for it, so the SQLite hook
never loads psycopg.
"""

from __future__ import annotations

from pathlib import Path

from .store import Store


def is_postgresql(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def open_storage(url: str) -> Store:
    if is_postgresql(url):
        from .pgstorage import PgStorage

        return PgStorage(url)
    from .storage import SqliteStorage

    return SqliteStorage(Path(url.removeprefix("sqlite:///")))
