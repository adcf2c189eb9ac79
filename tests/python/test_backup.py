"""`userpools backup` under write load and `userpools restore` into a new data dir: every write
acknowledged before the backup began is in the restored store (issue 18)."""

from __future__ import annotations

import shutil
import subprocess
import threading

import pytest
from botocore.exceptions import ClientError

from helpers import get_user, server_binary, unique

pytestmark = pytest.mark.sqlite_only


def run(*args):
    return subprocess.run([str(server_binary()), *map(str, args)], capture_output=True,
                          text=True, timeout=120)


def test_backup_under_write_load_then_restore(make_server, tmp_path):
    s = make_server()
    c = s.client()
    pool = c.create_user_pool(PoolName=unique("backup"))["UserPool"]["Id"]
    acknowledged: list[str] = []
    stop = threading.Event()

    def writer(w):
        wc = s.client()
        n = 0
        while not stop.is_set():
            name = f"w{w}n{n}"
            n += 1
            try:
                wc.admin_create_user(UserPoolId=pool, Username=name, MessageAction="SUPPRESS")
            except ClientError:
                continue
            acknowledged.append(name)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    while len(acknowledged) < 100:
        stop.wait(0.01)
    before = list(acknowledged)
    out = tmp_path / "snapshot.sqlite3"
    r = run("backup", "--data-dir", s.data_dir, "--out", out)
    stop.set()
    for t in threads:
        t.join()
    assert r.returncode == 0, r.stderr
    assert "it holds no master key" in r.stdout
    assert (out.stat().st_mode & 0o777) == 0o600

    # A second backup to the same file is refused; so is a restore over an existing store.
    again = run("backup", "--data-dir", s.data_dir, "--out", out)
    assert again.returncode != 0 and "refusing to overwrite" in again.stderr, again.stderr
    over = run("restore", "--from", out, "--data-dir", s.data_dir)
    assert over.returncode != 0 and "refusing to overwrite the store" in over.stderr, over.stderr

    restored = make_server(start=False)
    r = run("restore", "--from", out, "--data-dir", restored.data_dir)
    assert r.returncode == 0, r.stderr
    shutil.copy(s.data_dir / "master.key", restored.data_dir / "master.key")
    restored.credentials = s.credentials
    restored.start()
    rc = restored.client()
    for name in before:
        assert get_user(rc, pool, name)["Username"] == name
    count = rc.describe_user_pool(UserPoolId=pool)["UserPool"]["EstimatedNumberOfUsers"]
    assert len(before) <= count <= len(acknowledged)


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    junk = tmp_path / "junk"
    junk.write_bytes(b"not a database at all" * 100)
    r = run("restore", "--from", junk, "--data-dir", tmp_path / "new")
    assert r.returncode != 0
    assert "restoring" in r.stderr and "junk" in r.stderr, r.stderr
    assert not (tmp_path / "new" / "userpools.sqlite3").exists()
