"""`userpools seed` on pools of every username kind, run twice with --skip-existing, and a data
dir restored without its master key (issue 18, small fixes)."""

from __future__ import annotations

import subprocess

import pytest

from helpers import create_client, server_binary, strong_password, unique

pytestmark = pytest.mark.sqlite_only

PASSWORD = "Seed-Passw0rd!"


def seed(server, pool, *args):
    env = {k: v for k, v in server.env().items() if not k.startswith("USERPOOLS_MASTER")}
    return subprocess.run(
        [str(server_binary()), "seed", "--data-dir", str(server.data_dir), "--pool-id", pool,
         "--password", PASSWORD, *args],
        env=env, capture_output=True, text=True, timeout=120)


def signs_in(c, pool, client_id, login):
    r = c.admin_initiate_auth(UserPoolId=pool, ClientId=client_id,
                              AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                              AuthParameters={"USERNAME": login, "PASSWORD": PASSWORD})
    return "AccessToken" in r["AuthenticationResult"]


@pytest.mark.parametrize("kind,login", [
    (None, "user0000003"),
    (["email"], "user0000003@example.com"),
    (["phone_number"], "+15550000003"),
])
def test_seed_fills_pools_of_every_username_kind(make_server, kind, login):
    s = make_server()
    c = s.client()
    extra = {"UsernameAttributes": kind} if kind else {}
    pool = c.create_user_pool(PoolName=unique("seed"), **extra)["UserPool"]["Id"]
    client_id = create_client(c, pool, ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"])[
        "ClientId"]
    r = seed(s, pool, "--to", "5")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"seeded 5 users into {pool}"), r.stdout
    assert signs_in(c, pool, client_id, login)
    assert c.describe_user_pool(UserPoolId=pool)["UserPool"]["EstimatedNumberOfUsers"] == 5


def test_seed_twice_needs_skip_existing(make_server):
    s = make_server()
    c = s.client()
    pool = c.create_user_pool(PoolName=unique("seed"), UsernameAttributes=["email"])[
        "UserPool"]["Id"]
    assert seed(s, pool, "--to", "4").returncode == 0
    again = seed(s, pool, "--to", "6")
    assert again.returncode != 0
    assert "User account already exists" in again.stderr, again.stderr
    # The failed batch (one transaction) created nothing.
    assert c.describe_user_pool(UserPoolId=pool)["UserPool"]["EstimatedNumberOfUsers"] == 4
    skipping = seed(s, pool, "--to", "6", "--skip-existing")
    assert skipping.returncode == 0, skipping.stderr
    assert skipping.stdout.startswith(f"seeded 2 users into {pool}"), skipping.stdout
    assert "; 4 already existed" in skipping.stdout
    assert c.describe_user_pool(UserPoolId=pool)["UserPool"]["EstimatedNumberOfUsers"] == 6


def test_a_data_dir_without_its_master_key_is_refused(make_server):
    s = make_server()
    c = s.client()
    pool = c.create_user_pool(PoolName=unique("keyless"))["UserPool"]["Id"]
    c.admin_create_user(UserPoolId=pool, Username="kept", TemporaryPassword=strong_password(),
                        MessageAction="SUPPRESS")
    s.stop()
    key = (s.data_dir / "master.key").read_bytes()
    (s.data_dir / "master.key").unlink()
    proc = subprocess.run(
        [str(server_binary()), "serve", "--listen", "127.0.0.1:0", "--data-dir",
         str(s.data_dir)], env=s.env(), capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert ("this data directory was sealed with a master key that is missing: restore "
            "master.key or set USERPOOLS_MASTER_KEY") in proc.stderr, proc.stderr
    assert not (s.data_dir / "master.key").exists()
    # Restoring the key brings everything back.
    (s.data_dir / "master.key").write_bytes(key)
    (s.data_dir / "master.key").chmod(0o600)
    s.start()
    assert s.client().admin_get_user(UserPoolId=pool, Username="kept")["Username"] == "kept"
