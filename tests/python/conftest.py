"""Fixtures: a shared userpools server for the session, fresh servers on demand.

* ``server`` / ``cognito`` / ``raw``: one server (``--test-clock``) for the whole session,
  root credentials passed through USERPOOLS_ACCESS_KEY_ID / USERPOOLS_SECRET_ACCESS_KEY.
  Its clock is never moved, so its SigV4 window is the real time.
* ``make_server``: start extra servers (own data dir, own flags, stop / kill / restart).
* ``clocked``: a fresh ``--test-clock`` server with ``clocked.clock.advance(seconds)``.

Each test creates its own user pool, so tests are independent of each other.

``USERPOOLS_TEST_ENGINE=postgres`` (see ``pgdb.py``) runs every server on a fresh PostgreSQL
database of its own, with a random USERPOOLS_MASTER_KEY; a restart keeps both.
"""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

pytest.register_assert_rewrite("helpers")

import pgdb  # noqa: E402
from helpers import Server, new_credentials  # noqa: E402

# Keep the developer's own AWS configuration out of every client and CLI call.
for _var in [v for v in os.environ if v.startswith("AWS_")]:
    if _var not in ("AWS_CA_BUNDLE",):
        del os.environ[_var]
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "signin: exercises a sign-in flow (AdminInitiateAuth / InitiateAuth / SRP); "
        "run by default, skipped when USERPOOLS_SIGNIN_TESTS=0",
    )
    config.addinivalue_line("markers", "sqlite_only: runs only on the embedded engine")
    config.addinivalue_line(
        "markers", "postgres_only: runs only with USERPOOLS_TEST_ENGINE=postgres")


def pytest_report_header(config):
    target = f" ({pgdb.ADMIN_URL.split('@')[-1]})" if pgdb.is_postgres() else ""
    return f"userpools engine: {pgdb.ENGINE}{target}"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "sqlite_only" in item.keywords and pgdb.is_postgres():
            item.add_marker(pytest.mark.skip(reason="embedded-engine test"))
        if "postgres_only" in item.keywords and not pgdb.is_postgres():
            item.add_marker(pytest.mark.skip(
                reason="PostgreSQL test: set USERPOOLS_TEST_ENGINE=postgres"))
    if os.environ.get("USERPOOLS_SIGNIN_TESTS") != "0":
        return
    skip = pytest.mark.skip(reason="USERPOOLS_SIGNIN_TESTS=0: sign-in tests skipped")
    for item in items:
        if "signin" in item.keywords:
            item.add_marker(skip)


class ServerFactory:
    def __init__(self, tmp_path_factory):
        self.tmp = tmp_path_factory
        self.servers: list[Server] = []
        self.databases: list[str] = []

    def database(self) -> dict:
        """A fresh PostgreSQL database: the environment that points a server at it."""
        name, url = pgdb.create_database()
        self.databases.append(name)
        return {"USERPOOLS_DATABASE_URL": url, "USERPOOLS_MASTER_KEY": pgdb.new_master_key(),
                "_database": name}

    def __call__(self, data_dir=None, *, start=True, credentials="default", share=None,
                 **kwargs) -> Server:
        """Starts a server; with ``share=other`` (PostgreSQL) a second node on other's
        database, with its master key."""
        if data_dir is None:
            data_dir = self.tmp.mktemp("data")
        if credentials == "default":
            credentials = share.credentials if share is not None else new_credentials()
        if pgdb.is_postgres() or share is not None:
            if share is not None:
                env = {k: share.extra_env[k] for k in
                       ("USERPOOLS_DATABASE_URL", "USERPOOLS_MASTER_KEY")}
                env["_database"] = share.database
            else:
                env = self.database()
            database = env.pop("_database")
            env.update(kwargs.pop("extra_env", None) or {})
            kwargs["extra_env"] = env
        else:
            database = None
        s = Server(data_dir, self.tmp.getbasetemp() / "logs", credentials=credentials, **kwargs)
        s.database = database
        self.servers.append(s)
        if start:
            s.start()
        return s

    def cleanup(self):
        for s in self.servers:
            if s.running():
                s.kill()
        for name in self.databases:
            try:
                pgdb.drop_database(name)
            except Exception as e:  # a leftover database must not fail the run
                print(f"warning: could not drop database {name}: {e}")


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    factory = ServerFactory(tmp_path_factory)
    s = factory(test_clock=True)
    yield s
    factory.cleanup()


@pytest.fixture(scope="session")
def cognito(server):
    """boto3 cognito-idp client for the shared server."""
    return server.client()


@pytest.fixture(scope="session")
def lax(server):
    """Same, without botocore's client-side parameter validation (to reach the server's)."""
    return server.client(validate=False)


@pytest.fixture(scope="session")
def raw(server):
    return server.raw()


@pytest.fixture
def make_server(tmp_path_factory):
    factory = ServerFactory(tmp_path_factory)
    yield factory
    factory.cleanup()


@pytest.fixture
def clocked(make_server):
    """A fresh --test-clock server of its own: clock, client and raw access."""
    s = make_server(test_clock=True)
    return SimpleNamespace(server=s, cognito=s.client(), clock=s.clock, raw=s.raw())
