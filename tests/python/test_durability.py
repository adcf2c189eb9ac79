"""Durability: data survives SIGTERM restarts and kill -9 right after a 200."""

from __future__ import annotations

import os
import stat
import subprocess

import pytest

import messages as M
import pgdb
from helpers import (
    all_pools,
    attrs_of,
    create_client,
    create_pool,
    create_user,
    expect_error,
    free_port,
    get_user,
    secret_hash,
    server_binary,
    set_password,
    status,
    strong_password,
)


def build_state(c):
    pool = create_pool(c, history=2, AliasAttributes=["email"],
                       UsernameConfiguration={"CaseSensitive": False})
    client = create_client(c, pool, GenerateSecret=True,
                           ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    c.sign_up(ClientId=client["ClientId"], Username="unconf", Password=strong_password(),
              SecretHash=secret_hash(
                  "unconf", client["ClientId"], client["ClientSecret"]))
    create_user(c, pool, "fcp", temp=strong_password(), attrs={"name": "Fcp"})
    create_user(c, pool, "conf", attrs={"email": "conf@example.com", "email_verified": "true"})
    p1, p2 = strong_password(), strong_password()
    set_password(c, pool, "conf", p1, permanent=True)
    set_password(c, pool, "conf", p2, permanent=True)
    create_user(c, pool, "off")
    c.admin_disable_user(UserPoolId=pool, Username="off")
    snapshot = {
        "pool": c.describe_user_pool(UserPoolId=pool)["UserPool"],
        "client": c.describe_user_pool_client(UserPoolId=pool,
                                              ClientId=client["ClientId"])["UserPoolClient"],
        "users": {u: get_user(c, pool, u) for u in ("unconf", "fcp", "conf", "off")},
    }
    return pool, client["ClientId"], (p1, p2), snapshot


def check_state(c, pool, client_id, history, snapshot):
    desc = c.describe_user_pool(UserPoolId=pool)["UserPool"]
    for key in ("Id", "Name", "Arn", "Policies", "AliasAttributes", "UsernameConfiguration",
                "CreationDate"):
        assert desc[key] == snapshot["pool"][key], key
    client = c.describe_user_pool_client(UserPoolId=pool, ClientId=client_id)["UserPoolClient"]
    assert client["ClientSecret"] == snapshot["client"]["ClientSecret"]
    assert sorted(client["ExplicitAuthFlows"]) == sorted(snapshot["client"]["ExplicitAuthFlows"])
    for name, before in snapshot["users"].items():
        after = get_user(c, pool, name)
        for key in ("Username", "UserStatus", "Enabled", "UserCreateDate",
                    "UserLastModifiedDate"):
            assert after[key] == before[key], (name, key)
        assert attrs_of(after) == attrs_of(before), name
    # alias still a lookup key, case-insensitively
    assert get_user(c, pool, "CONF@example.com")["Username"] == "conf"
    # password history survived
    for p in history:
        expect_error(c.admin_set_user_password, "PasswordHistoryPolicyViolationException",
                     M.PASSWORD_HISTORY,
                     UserPoolId=pool, Username="conf", Password=p, Permanent=True)


def test_restart_after_sigterm(make_server):
    s = make_server()
    c = s.client()
    pool, client_id, history, snapshot = build_state(c)
    rc = s.stop()
    assert rc == 0, f"userpools exited with {rc} on SIGTERM (expected a clean shutdown)"
    s.start()
    c = s.client()
    check_state(c, pool, client_id, history, snapshot)
    # and the restarted server keeps working and creating distinct ids
    new_pool = create_pool(c)
    assert new_pool != pool
    assert set(all_pools(c)) == {pool, new_pool}


def test_two_restarts(make_server):
    s = make_server()
    pool, client_id, history, snapshot = build_state(s.client())
    s.restart()
    s.restart()
    check_state(s.client(), pool, client_id, history, snapshot)


def test_kill_9_right_after_admin_set_user_password(make_server):
    s = make_server()
    c = s.client()
    pool = create_pool(c, history=3)
    create_user(c, pool, "k9", temp=strong_password())
    passwords = [strong_password() for _ in range(4)]
    for p in passwords[:-1]:
        set_password(c, pool, "k9", p, permanent=False)
    resp = set_password(c, pool, "k9", passwords[-1], permanent=True)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    s.kill()  # kill -9 immediately after the 200

    s.start()
    c = s.client()
    assert status(c, pool, "k9") == "CONFIRMED"
    # the last three passwords (the newest one included) are in the history ...
    for p in passwords[-3:]:
        expect_error(c.admin_set_user_password, "PasswordHistoryPolicyViolationException",
                     M.PASSWORD_HISTORY,
                     UserPoolId=pool, Username="k9", Password=p, Permanent=True)
    # ... and the fourth-newest is not.
    set_password(c, pool, "k9", passwords[0], permanent=True)


def test_kill_9_after_many_writes(make_server):
    s = make_server()
    c = s.client()
    pool = create_pool(c)
    names = [f"user{i}" for i in range(25)]
    for n in names:
        create_user(c, pool, n)
    for n in names[::2]:
        set_password(c, pool, n, strong_password(), permanent=True)
    c.admin_delete_user(UserPoolId=pool, Username="user1")
    s.kill()
    s.start()
    c = s.client()
    listed = {}
    token = None
    while True:
        kwargs = {"UserPoolId": pool, "Limit": 60}
        if token:
            kwargs["PaginationToken"] = token
        resp = c.list_users(**kwargs)
        listed.update({u["Username"]: u["UserStatus"] for u in resp["Users"]})
        token = resp.get("PaginationToken")
        if not token:
            break
    expected = {n: ("CONFIRMED" if i % 2 == 0 else "FORCE_CHANGE_PASSWORD")
                for i, n in enumerate(names) if n != "user1"}
    assert listed == expected


def test_kill_9_right_after_create_user_pool(make_server):
    s = make_server()
    c = s.client()
    pool = create_pool(c)
    s.kill()
    s.start()
    assert s.client().describe_user_pool(UserPoolId=pool)["UserPool"]["Id"] == pool


def test_no_plain_text_password_on_disk(make_server):
    s = make_server()
    c = s.client()
    pool = create_pool(c, history=3)
    secrets_used = ["Plain!Text1Marker", "Plain!Text2Marker", "Plain!Text3Marker"]
    create_user(c, pool, "disk", temp=secrets_used[0])
    set_password(c, pool, "disk", secrets_used[1], permanent=False)
    set_password(c, pool, "disk", secrets_used[2], permanent=True)
    cid = create_client(c, pool)["ClientId"]
    c.sign_up(ClientId=cid, Username="disk2", Password="Plain!Text4Marker")
    secrets_used.append("Plain!Text4Marker")

    def scan():
        found = []
        for root, _dirs, files in os.walk(s.data_dir):
            for f in files:
                data = open(os.path.join(root, f), "rb").read()
                for pw in secrets_used:
                    for enc in (pw.encode(), pw.encode("utf-16-le")):
                        if enc in data:
                            found.append((f, pw))
        if s.database:  # PostgreSQL: every row of every table, as text
            text = pgdb.dump_text(s.database)
            found += [("postgres", pw) for pw in secrets_used if pw in text]
        return found

    assert scan() == []  # while running (WAL not checkpointed)
    s.stop()
    assert scan() == []


@pytest.mark.sqlite_only
def test_data_dir_holds_sqlite_and_a_private_key_file(make_server):
    s = make_server()
    create_pool(s.client())
    s.stop()
    sqlite_files, private_files = [], []
    for root, _dirs, files in os.walk(s.data_dir):
        for f in files:
            path = os.path.join(root, f)
            with open(path, "rb") as fh:
                head = fh.read(16)
            if head == b"SQLite format 3\x00":
                sqlite_files.append(f)
            elif stat.S_IMODE(os.stat(path).st_mode) == 0o600:
                private_files.append(f)
    assert sqlite_files, f"no SQLite database in {os.listdir(s.data_dir)}"
    assert private_files, f"no mode-0600 key file in {os.listdir(s.data_dir)}"


@pytest.mark.sqlite_only
def test_a_second_server_cannot_open_the_same_data_dir(make_server):
    """The embedded store belongs to one server (it keeps committed rows in memory): a
    second `userpools serve` on the same data dir exits with a clear error and changes
    nothing; once the first has stopped, the directory opens again."""
    s = make_server()
    c = s.client()
    pool = create_pool(c)
    create_user(c, pool, "only")
    second = subprocess.run(
        [str(server_binary()), "serve", "--listen", f"127.0.0.1:{free_port()}",
         "--data-dir", str(s.data_dir)],
        capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
    )
    assert second.returncode != 0
    assert f"{s.data_dir} is in use by another userpools server" in second.stderr, second.stderr
    assert status(c, pool, "only") == "FORCE_CHANGE_PASSWORD"
    s.restart()
    assert status(s.client(), pool, "only") == "FORCE_CHANGE_PASSWORD"


def test_env_master_key_not_written_to_data_dir(make_server, tmp_path):
    """With USERPOOLS_MASTER_KEY given, the key is used from the environment; restart with
    the same key keeps the data."""
    # 32 random bytes, hex-encoded: the format is the lead's to fix in the README.
    key = os.urandom(32).hex()
    s = make_server(extra_env={"USERPOOLS_MASTER_KEY": key})
    c = s.client()
    pool = create_pool(c)
    create_user(c, pool, "mk")
    set_password(c, pool, "mk", "MasterKey!1x", permanent=True)
    s.restart()
    assert status(s.client(), pool, "mk") == "CONFIRMED"
    for root, _dirs, files in os.walk(s.data_dir):
        for f in files:
            data = open(os.path.join(root, f), "rb").read()
            assert key.encode() not in data, f
            assert bytes.fromhex(key) not in data, f


@pytest.mark.postgres_only
def test_postgres_keeps_everything_in_the_database(make_server):
    """On PostgreSQL (with USERPOOLS_MASTER_KEY) the data dir stays empty: a node has no
    state of its own; the schema is migrated once and sealed values are not plain text."""
    s = make_server()
    pool = create_pool(s.client())
    create_user(s.client(), pool, "pg")
    s.restart()
    assert status(s.client(), pool, "pg") == "FORCE_CHANGE_PASSWORD"
    s.stop()
    assert not any(files for _root, _dirs, files in os.walk(s.data_dir)), \
        os.listdir(s.data_dir)
    # Each migration ran exactly once, in order, across the restart.
    versions = [r[0] for r in pgdb.query(
        s.database, "SELECT version FROM userpools_migrations ORDER BY version")]
    assert versions == list(range(1, len(versions) + 1)) and len(versions) >= 2, versions
    names = {r[0] for r in pgdb.query(s.database, "SELECT name FROM settings")}
    assert "master_key_check" in names
    text = pgdb.dump_text(s.database)
    assert s.extra_env["USERPOOLS_MASTER_KEY"] not in text
    assert s.credentials[1] not in text


def test_kill_9_under_write_load(make_server):
    """The crash drill of issue 12: writers run flat out, the server is killed with SIGKILL in the
    middle, and every write that was answered 200 is there after the restart. Three trials."""
    import random
    import threading

    import time

    from botocore.exceptions import BotoCoreError, ClientError

    s = make_server()
    pool = create_pool(s.client())
    acknowledged: list[str] = []
    lock = threading.Lock()
    for trial in range(3):
        stop = threading.Event()

        def writer(w: int) -> None:
            # No retries: an answer is a 200 (acknowledged), a refusal (skipped) or no answer.
            c = s.client()
            n = 0
            while not stop.is_set():
                name = f"t{trial}w{w}n{n}"
                n += 1
                try:
                    c.admin_create_user(UserPoolId=pool, Username=name, MessageAction="SUPPRESS")
                except ClientError:
                    continue  # e.g. throttled: not acknowledged
                except BotoCoreError:
                    return  # the server is gone
                with lock:
                    acknowledged.append(name)

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        # Let the writers get going, then kill the server while requests are in flight.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with lock:
                done = len(acknowledged)
            if done >= (trial + 1) * 40 + random.randint(0, 40):
                break
            stop.wait(0.01)
        s.kill()
        stop.set()
        for t in threads:
            t.join()
        s.start()
        c = s.client()
        for name in acknowledged:
            assert get_user(c, pool, name)["Username"] == name, f"trial {trial}: {name} lost"
    assert len(acknowledged) >= 120
