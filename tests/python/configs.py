"""Helpers for servers started with `--config FILE` (IAM keys and policies, quotas)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import boto3
from botocore.config import Config

import messages as M
from helpers import REGION, free_port, server_binary

ACCOUNT = M.ACCOUNT_ID


def pool_arn(pool_id: str) -> str:
    return f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{pool_id}"


def denied_missing_allow(principal: str, operation: str, resource: str) -> str:
    """AccessDeniedException message when no policy allows the action (spec §5.3)."""
    action = f"cognito-idp:{operation}"
    return (f"User: {principal} is not authorized to perform: {action} on resource: {resource} "
            f"because no identity-based policy allows the {action} action")


def denied_explicit(principal: str, operation: str, resource: str) -> str:
    """AccessDeniedException message when a Deny statement applies."""
    return (f"User: {principal} is not authorized to perform: cognito-idp:{operation} "
            f"on resource: {resource} with an explicit deny in an identity-based policy")


def policy_json(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=1)


def toml_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid TOML basic string


def key_block(akid: str, secret: str, principal: str, policies: list[str] = (),
              session_token: str | None = None, extra: str = "") -> str:
    lines = ["[[access_keys]]",
             f"access_key_id = {toml_string(akid)}",
             f"secret_access_key = {toml_string(secret)}",
             f"principal_arn = {toml_string(principal)}"]
    if session_token is not None:
        lines.append(f"session_token = {toml_string(session_token)}")
    if policies:
        lines.append("policies = [")
        lines += [f"'''{p}'''," for p in policies]
        lines.append("]")
    return "\n".join(lines) + "\n" + extra + "\n"


def write_config(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def client_for(server, akid: str, secret: str, *, session_token: str | None = None,
               retries: dict | None = None):
    """A boto3 cognito-idp client for `server` with explicit credentials."""
    return boto3.session.Session().client(
        "cognito-idp",
        endpoint_url=server.url,
        region_name=REGION,
        aws_access_key_id=akid,
        aws_secret_access_key=secret,
        aws_session_token=session_token,
        config=Config(
            retries=retries or {"max_attempts": 0, "mode": "standard"},
            connect_timeout=10,
            read_timeout=60,
        ),
    )


def serve_fails(tmp_path: Path, config_path: Path, credentials: tuple[str, str],
                timeout: float = 60) -> subprocess.CompletedProcess:
    """Runs `userpools serve --config FILE`, expecting it to exit with an error at start-up."""
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    env = {"PATH": "/usr/bin:/bin",
           "USERPOOLS_ACCESS_KEY_ID": credentials[0],
           "USERPOOLS_SECRET_ACCESS_KEY": credentials[1]}
    cmd = [str(server_binary()), "serve", "--listen", f"127.0.0.1:{free_port()}",
           "--data-dir", str(data), "--region", REGION, "--config", str(config_path)]
    try:
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:  # it started serving: kill it and fail
        raise AssertionError(f"userpools started with an invalid config: {e}") from None
    assert p.returncode != 0, f"userpools exited with 0\nstdout={p.stdout}\nstderr={p.stderr}"
    return p
