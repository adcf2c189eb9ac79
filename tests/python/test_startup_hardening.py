"""Start-up hardening: a private data dir (0700, files 0600) and root secrets refused when
too short, checked through the real binary."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest
import requests

from helpers import (
    REGION,
    START_TIMEOUT,
    create_pool,
    create_user,
    free_port,
    new_credentials,
    server_binary,
    set_password,
    status,
    strong_password,
)

TOO_SHORT = ("USERPOOLS_SECRET_ACCESS_KEY is too short ({n} characters): a root secret needs "
             "at least 16 (AWS secret access keys have 40)")


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def assert_private(data_dir: Path) -> list[str]:
    """The data dir is 0700 and every file in it 0600; returns the files' names."""
    assert mode(data_dir) == 0o700, oct(mode(data_dir))
    names = []
    for root, dirs, files in os.walk(data_dir):
        for d in dirs:
            assert mode(Path(root) / d) == 0o700, (d, oct(mode(Path(root) / d)))
        for f in files:
            assert mode(Path(root) / f) == 0o600, (f, oct(mode(Path(root) / f)))
            names.append(f)
    return names


def some_writes(c) -> str:
    pool = create_pool(c, history=2)
    for name in ("alice", "bob"):
        create_user(c, pool, name, attrs={"email": f"{name}@example.com"})
        set_password(c, pool, name, strong_password(), permanent=True)
    return pool


def serve_env(credentials: tuple[str, str] | None, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("USERPOOLS_")}
    if credentials is not None:
        env["USERPOOLS_ACCESS_KEY_ID"], env["USERPOOLS_SECRET_ACCESS_KEY"] = credentials
    env.update(extra)
    return env


def serve_cmd(data_dir: Path, port: int) -> list[str]:
    return [str(server_binary()), "serve", "--listen", f"127.0.0.1:{port}",
            "--data-dir", str(data_dir), "--region", REGION]


@pytest.mark.sqlite_only
def test_data_dir_and_every_file_in_it_are_private(make_server):
    s = make_server(start=False)
    # Created by the test with the usual 0755: the server tightens it.
    s.data_dir.mkdir(parents=True, exist_ok=True)
    s.data_dir.chmod(0o755)
    s.start()
    c = s.client()
    pool = some_writes(c)
    names = assert_private(s.data_dir)  # while running: WAL and SHM files exist
    assert {"userpools.sqlite3", "userpools.sqlite3-wal", "master.key"} <= set(names), names
    s.stop()
    assert_private(s.data_dir)
    s.start()
    assert status(s.client(), pool, "alice") == "CONFIRMED"
    assert_private(s.data_dir)


@pytest.mark.sqlite_only
def test_a_data_dir_left_open_by_an_older_version_is_tightened(make_server):
    s = make_server()
    pool = some_writes(s.client())
    s.stop()
    s.data_dir.chmod(0o755)
    for f in s.data_dir.iterdir():
        f.chmod(0o644)
    s.start()
    assert_private(s.data_dir)
    assert status(s.client(), pool, "bob") == "CONFIRMED"


@pytest.mark.sqlite_only
def test_a_missing_data_dir_is_created_private(tmp_path):
    data_dir = tmp_path / "fresh" / "data"
    port = free_port()
    proc = subprocess.Popen(serve_cmd(data_dir, port), env=serve_env(new_credentials()),
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert proc.poll() is None, proc.stderr.read().decode(errors="replace")
            assert time.monotonic() < deadline, "no 200 from /health"
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=2).ok:
                    break
            except requests.RequestException:
                time.sleep(0.05)
        assert mode(data_dir) == 0o700
        assert mode(data_dir / "master.key") == 0o600
        assert_private(data_dir)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0


@pytest.mark.parametrize("secret", ["", "Zq7vW9k", "Zq7vW9kPm3xR8tY"])
def test_a_short_root_secret_is_refused(tmp_path, secret):
    data_dir = tmp_path / "data"
    p = subprocess.run(serve_cmd(data_dir, free_port()),
                       env=serve_env(("AKIAUSERPOOLSSHORT00", secret)),
                       capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert p.returncode == 1, f"rc={p.returncode}\nstdout={p.stdout}\nstderr={p.stderr}"
    assert p.stderr.splitlines()[0] == f"Error: {TOO_SHORT.format(n=len(secret))}", p.stderr
    assert p.stdout == ""
    if secret:
        assert secret not in p.stderr
    # Refused before anything was touched.
    assert not data_dir.exists()


def test_a_bad_account_id_is_refused(tmp_path):
    data_dir = tmp_path / "data"
    p = subprocess.run(serve_cmd(data_dir, free_port()),
                       env=serve_env(new_credentials(), USERPOOLS_ACCOUNT_ID="12345"),
                       capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert p.returncode == 1, f"rc={p.returncode}\nstderr={p.stderr}"
    assert p.stderr.splitlines()[0] == (
        'Error: USERPOOLS_ACCOUNT_ID must be 12 digits (an AWS account id), not "12345"'
    ), p.stderr
    assert not data_dir.exists()


def test_a_16_character_root_secret_is_accepted(make_server):
    akid, _ = new_credentials()
    s = make_server(credentials=(akid, "0123456789abcdef"))
    pool = create_pool(s.client())
    assert s.client().describe_user_pool(UserPoolId=pool)["UserPool"]["Id"] == pool


def test_logs_written_to_a_file_carry_no_colour_codes(make_server):
    """Issue 18: no ANSI escapes unless stderr is a terminal (the server's stderr is a file here)."""
    s = make_server()
    s.client().list_user_pools(MaxResults=1)
    s.stop()
    log = s.stderr()
    assert "serving" in log
    assert "\x1b[" not in log
