"""PostgreSQL for the tests: the engine switch and throw-away databases.

``USERPOOLS_TEST_ENGINE=postgres`` makes every server the fixtures start use a fresh
database ``userpools_test_<random>`` (created through ``USERPOOLS_TEST_DATABASE_URL``,
default ``postgres://postgres@127.0.0.1:5432/test``, dropped at the end) and a random
``USERPOOLS_MASTER_KEY``.
"""

from __future__ import annotations

import os
import secrets
from urllib.parse import unquote, urlsplit, urlunsplit

ENGINE = os.environ.get("USERPOOLS_TEST_ENGINE", "sqlite").strip().lower() or "sqlite"
ADMIN_URL = os.environ.get(
    "USERPOOLS_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"
)

if ENGINE not in ("sqlite", "postgres"):
    raise SystemExit(f"USERPOOLS_TEST_ENGINE must be sqlite or postgres, not {ENGINE!r}")


def is_postgres() -> bool:
    return ENGINE == "postgres"


def _connect(database: str | None = None):
    import pg8000.native

    parts = urlsplit(ADMIN_URL)
    return pg8000.native.Connection(
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password) if parts.password else None,
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        database=database or (parts.path.lstrip("/") or "postgres"),
    )


def url_for(database: str) -> str:
    """ADMIN_URL with another database name (same user, host, port, query)."""
    parts = urlsplit(ADMIN_URL)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, ""))


def create_database() -> tuple[str, str]:
    """Creates a fresh database; returns (name, URL)."""
    name = "userpools_test_" + secrets.token_hex(6)
    conn = _connect()
    try:
        conn.run(f"CREATE DATABASE {name}")
    finally:
        conn.close()
    return name, url_for(name)


def drop_database(name: str) -> None:
    conn = _connect()
    try:
        conn.run(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        conn.close()


def new_master_key() -> str:
    return secrets.token_hex(32)


def dump_text(name: str) -> str:
    """Every row of every table of the database, as text (for secret scans)."""
    conn = _connect(name)
    try:
        tables = [r[0] for r in conn.run(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        out = []
        for t in tables:
            for (row,) in conn.run(f'SELECT t::text FROM "{t}" t'):
                out.append(row)
        return "\n".join(out)
    finally:
        conn.close()


def query(name: str, sql: str, **params):
    conn = _connect(name)
    try:
        return conn.run(sql, **params)
    finally:
        conn.close()
