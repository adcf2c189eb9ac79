"""The AWS CLI (v1, from the venv) against the running binary."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import messages as M
from helpers import strong_password, unique

SERVICE_ERROR_RC = 255  # AWS CLI v1: any error, service errors included (v2 would say 254)


def aws_executable() -> str:
    candidate = Path(sys.executable).parent / "aws"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("aws")
    if not found:
        pytest.fail("the AWS CLI is not installed (pip install -r tests/python/requirements.txt)",
                    pytrace=False)
    return found


class Cli:
    def __init__(self, server, credentials=None):
        self.server = server
        self.credentials = credentials or server.credentials

    def run(self, *args: str) -> subprocess.CompletedProcess:
        akid, secret = self.credentials
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({
            "AWS_ACCESS_KEY_ID": akid,
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_PAGER": "",
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_EC2_METADATA_DISABLED": "true",
        })
        cmd = [aws_executable(), "cognito-idp", *args, "--endpoint-url", self.server.url,
               "--region", "us-east-1", "--output", "json"]
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)

    def ok(self, *args: str) -> dict:
        p = self.run(*args)
        assert p.returncode == 0, f"rc={p.returncode}\nstdout={p.stdout}\nstderr={p.stderr}"
        return json.loads(p.stdout) if p.stdout.strip() else {}

    def fails(self, *args: str, code: str, message: str | None = None) -> str:
        p = self.run(*args)
        assert p.returncode == SERVICE_ERROR_RC, (
            f"rc={p.returncode}\nstdout={p.stdout}\nstderr={p.stderr}")
        assert code in p.stderr, p.stderr
        if message is not None:
            assert message in p.stderr, p.stderr
        return p.stderr


@pytest.fixture(scope="module")
def cli(server):
    return Cli(server)


@pytest.fixture
def pool(cli):
    created = cli.ok("create-user-pool", "--pool-name", unique("cli"),
                     "--policies", json.dumps({"PasswordPolicy": {
                         "MinimumLength": 8, "RequireUppercase": True, "RequireLowercase": True,
                         "RequireNumbers": True, "RequireSymbols": True,
                         "PasswordHistorySize": 1}}))
    return created["UserPool"]["Id"]


def create_user(cli, pool, username, temp=None):
    args = ["admin-create-user", "--user-pool-id", pool, "--username", username,
            "--message-action", "SUPPRESS"]
    if temp:
        args += ["--temporary-password", temp]
    return cli.ok(*args)["User"]


def user_status(cli, pool, username):
    return cli.ok("admin-get-user", "--user-pool-id", pool, "--username", username)["UserStatus"]


def test_create_user_pool(cli):
    name = unique("cli")
    out = cli.ok("create-user-pool", "--pool-name", name)
    assert out["UserPool"]["Name"] == name
    assert out["UserPool"]["Id"].startswith("us-east-1_")
    desc = cli.ok("describe-user-pool", "--user-pool-id", out["UserPool"]["Id"])
    assert desc["UserPool"]["Id"] == out["UserPool"]["Id"]


def test_admin_create_and_get_user(cli, pool):
    user = create_user(cli, pool, "clia", temp=strong_password())
    assert user["Username"] == "clia"
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    got = cli.ok("admin-get-user", "--user-pool-id", pool, "--username", "clia")
    assert got["Username"] == "clia"
    assert got["Enabled"] is True
    assert any(a["Name"] == "sub" for a in got["UserAttributes"])


def test_admin_set_user_password_permanent_and_temporary(cli, pool):
    create_user(cli, pool, "clib", temp=strong_password())
    out = cli.run("admin-set-user-password", "--user-pool-id", pool, "--username", "clib",
                  "--password", strong_password(), "--permanent")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() in ("", "{}")
    assert user_status(cli, pool, "clib") == "CONFIRMED"
    cli.ok("admin-set-user-password", "--user-pool-id", pool, "--username", "clib",
           "--password", strong_password(), "--no-permanent")
    assert user_status(cli, pool, "clib") == "FORCE_CHANGE_PASSWORD"
    cli.ok("admin-set-user-password", "--user-pool-id", pool, "--username", "clib",
           "--password", strong_password())
    assert user_status(cli, pool, "clib") == "FORCE_CHANGE_PASSWORD"


def test_policy_violation(cli, pool):
    create_user(cli, pool, "clic", temp=strong_password())
    cli.fails("admin-set-user-password", "--user-pool-id", pool, "--username", "clic",
              "--password", "abcdefg1!", "--permanent",
              code="InvalidPasswordException", message=M.policy_admin(M.RULE_UPPER))
    assert user_status(cli, pool, "clic") == "FORCE_CHANGE_PASSWORD"


def test_history_violation(cli, pool):
    create_user(cli, pool, "clih")
    pw = strong_password()
    cli.ok("admin-set-user-password", "--user-pool-id", pool, "--username", "clih",
           "--password", pw, "--permanent")
    cli.fails("admin-set-user-password", "--user-pool-id", pool, "--username", "clih",
              "--password", pw, "--permanent",
              code="PasswordHistoryPolicyViolationException", message=M.PASSWORD_HISTORY)


def test_leading_space_password(cli, pool):
    create_user(cli, pool, "clis", temp=strong_password())
    cli.fails("admin-set-user-password", "--user-pool-id", pool, "--username", "clis",
              "--password", " Abcdefg1!", "--permanent",
              code="InvalidParameterException",
              message=M.validation(M.v_pattern("password", M.WHITESPACE_PASSWORD_PATTERN)))


def test_unknown_user(cli, pool):
    cli.fails("admin-set-user-password", "--user-pool-id", pool, "--username", "nobody",
              "--password", strong_password(), "--permanent",
              code="UserNotFoundException", message=M.USER_NOT_FOUND)
    cli.fails("admin-get-user", "--user-pool-id", pool, "--username", "nobody",
              code="UserNotFoundException", message=M.USER_NOT_FOUND)


def test_unknown_pool(cli):
    missing = "us-east-1_Zz9Zz9Zz9"
    cli.fails("admin-set-user-password", "--user-pool-id", missing, "--username", "x",
              "--password", strong_password(),
              code="ResourceNotFoundException", message=M.pool_not_found(missing))


def test_wrong_secret(server, pool):
    akid, _ = server.credentials
    bad = Cli(server, credentials=(akid, "wrong" * 8))
    bad.fails("admin-get-user", "--user-pool-id", pool, "--username", "x",
              code="InvalidSignatureException", message=M.SIGNATURE_MISMATCH)


def test_duplicate_user(cli, pool):
    create_user(cli, pool, "clid")
    cli.fails("admin-create-user", "--user-pool-id", pool, "--username", "clid",
              "--message-action", "SUPPRESS",
              code="UsernameExistsException", message=M.ADMIN_CREATE_DUPLICATE)
