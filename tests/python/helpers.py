"""Server process management, clients and small helpers shared by the test modules.

Everything here talks to a real `userpools` binary over HTTP on 127.0.0.1.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import itertools
import json
import os
import secrets
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
import requests
from botocore.auth import SIGV4_TIMESTAMP, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

import messages as M

REPO_ROOT = Path(__file__).resolve().parents[2]
REGION = M.REGION
TARGET_PREFIX = M.TARGET_PREFIX
JSON_11 = "application/x-amz-json-1.1"
START_TIMEOUT = float(os.environ.get("USERPOOLS_TEST_START_TIMEOUT", "60"))


def server_binary() -> Path:
    override = os.environ.get("USERPOOLS_BIN")
    path = Path(override) if override else REPO_ROOT / "target" / "debug" / "userpools"
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(
            f"userpools binary not found at {path}: run `cargo build -p userpools` "
            "(or set USERPOOLS_BIN)",
            pytrace=False,
        )
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def new_credentials() -> tuple[str, str]:
    """A fresh (access key id, secret) pair shaped like AWS's."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    akid = "AKIA" + "".join(secrets.choice(alphabet) for _ in range(16))
    return akid, secrets.token_urlsafe(30)[:40]


# --------------------------------------------------------------------------- signing


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class FixedTimeSigV4Auth(SigV4Auth):
    """botocore's SigV4 signer, with the signing time chosen by the caller.

    ``when`` is a callable returning a naive UTC datetime (so that a clock skew can be
    applied per request).
    """

    def __init__(self, credentials, service_name, region_name, when):
        super().__init__(credentials, service_name, region_name)
        self._when = when

    def add_auth(self, request):
        request.context["timestamp"] = self._when().strftime(SIGV4_TIMESTAMP)
        self._modify_request_before_signing(request)
        canonical_request = self.canonical_request(request)
        string_to_sign = self.string_to_sign(request, canonical_request)
        signature = self.signature(string_to_sign, request)
        self._inject_signature_to_request(request, signature)


# --------------------------------------------------------------------------- the server process

_counter = itertools.count(1)


def _die_with_parent():  # runs in the child before exec
    """Linux: have the kernel SIGKILL the server if the test process dies (no orphans)."""
    try:
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except Exception:
        pass


class Server:
    """One `userpools serve` process on a data dir.  Can be stopped, killed, restarted."""

    def __init__(
        self,
        data_dir: Path,
        log_dir: Path,
        *,
        test_clock: bool = True,
        credentials: tuple[str, str] | None = None,
        extra_env: dict | None = None,
        extra_args: list[str] | None = None,
        quotas: bool = False,
    ):
        self.data_dir = Path(data_dir)
        self.log_dir = Path(log_dir)
        self.test_clock = test_clock
        # None = let the server generate (and print) its own key pair.
        self.credentials = credentials
        self.extra_env = dict(extra_env or {})
        self.extra_args = list(extra_args or [])
        # The service's request-rate quotas are off unless switched on: quotas=True passes
        # --aws-quotas (a test's own --config may also say `[quotas] enabled = true`).
        self.quotas = quotas
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None
        self.starts = 0
        self.stdout_path: Path | None = None
        self.stderr_path: Path | None = None
        # Seconds to add to the signing time of requests made by our clients: set by
        # Clock.advance when the server applies its test clock to SigV4 too.
        self.signing_skew = 0.0
        self.clock = Clock(self)
        self.name = f"server{next(_counter)}"
        # Name of the PostgreSQL database it runs on (set by the fixtures), else None.
        self.database: str | None = None

    # ----------------------------------------------------------------- lifecycle
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("USERPOOLS_")}
        if self.credentials is not None:
            env["USERPOOLS_ACCESS_KEY_ID"], env["USERPOOLS_SECRET_ACCESS_KEY"] = self.credentials
        env.update(self.extra_env)
        return env

    def start(self) -> "Server":
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        last_error = ""
        for _attempt in range(3):
            self.starts += 1
            self.port = free_port()
            self.stdout_path = self.log_dir / f"{self.name}-start{self.starts}.stdout"
            self.stderr_path = self.log_dir / f"{self.name}-start{self.starts}.stderr"
            cmd = [
                str(server_binary()),
                "serve",
                "--listen",
                f"127.0.0.1:{self.port}",
                "--data-dir",
                str(self.data_dir),
                "--region",
                REGION,
            ]
            if self.test_clock:
                cmd.append("--test-clock")
            cmd += self.extra_args
            if self.quotas:
                cmd.append("--aws-quotas")
            with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
                self.proc = subprocess.Popen(
                    cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=self.env(),
                    start_new_session=True, preexec_fn=_die_with_parent,
                )
            ok, last_error = self._wait_healthy()
            if ok:
                return self
            if self.proc.poll() is None:
                self.kill()
            if "in use" not in last_error.lower():
                break
        pytest.fail(f"userpools did not become healthy: {last_error}", pytrace=False)

    def _wait_healthy(self) -> tuple[bool, str]:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False, f"exited with {self.proc.returncode}; stderr:\n{self.stderr()[-4000:]}"
            try:
                r = requests.get(self.url + "/health", timeout=2)
                if r.status_code == 200:
                    return True, ""
            except requests.RequestException:
                pass
            time.sleep(0.05)
        return False, f"no 200 from /health within {START_TIMEOUT}s; stderr:\n{self.stderr()[-4000:]}"

    def stop(self, timeout: float = 20) -> int:
        """SIGTERM and wait; returns the exit code."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
                pytest.fail(f"userpools did not exit within {timeout}s of SIGTERM", pytrace=False)
        return self.proc.returncode

    def kill(self) -> int:
        """SIGKILL (kill -9) and wait."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        return self.proc.returncode

    def restart(self) -> "Server":
        self.stop()
        self.signing_skew = 0.0
        return self.start()

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace") if self.stdout_path else ""

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace") if self.stderr_path else ""

    # ----------------------------------------------------------------- clients
    def client(self, *, credentials: tuple[str, str] | None = None, region: str = REGION,
               validate: bool = True):
        """A boto3 cognito-idp client pointed at this server (no retries)."""
        akid, secret = credentials or self.credentials
        c = boto3.session.Session().client(
            "cognito-idp",
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id=akid,
            aws_secret_access_key=secret,
            config=Config(
                retries={"max_attempts": 0, "mode": "standard"},
                parameter_validation=validate,
                connect_timeout=10,
                read_timeout=60,
            ),
        )
        server = self
        creds = Credentials(akid, secret)

        def resign(request, **_kwargs):
            # Only when Clock.advance found that the server checks X-Amz-Date against
            # its (advanced) test clock: sign as a client whose clock agrees with it.
            if server.signing_skew and "Authorization" in request.headers:
                FixedTimeSigV4Auth(
                    creds, M.SERVICE, region,
                    lambda: utcnow() + datetime.timedelta(seconds=server.signing_skew),
                ).add_auth(request)

        c.meta.events.register_last("request-created.cognito-identity-provider", resign)
        return c

    def raw(self) -> "Raw":
        return Raw(self)


class Clock:
    """The server's test clock (POST /_userpools/clock)."""

    def __init__(self, server: Server):
        self.server = server
        self.advanced = 0

    def advance(self, seconds: int) -> None:
        r = requests.post(
            self.server.url + "/_userpools/clock", json={"advance_seconds": seconds}, timeout=10
        )
        assert r.status_code == 200, f"clock advance failed: {r.status_code} {r.text}"
        self.advanced += seconds
        self._calibrate_signing()

    def _calibrate_signing(self) -> None:
        """Find out whether signed requests must now carry the server's (advanced) time.

        The contract leaves open whether SigV4's 5-minute window follows the test clock.
        A real SDK would correct the skew from the server's answer: do the same.
        """
        raw = self.server.raw()
        skewed = lambda: utcnow() + datetime.timedelta(seconds=self.server.signing_skew)  # noqa: E731
        r = raw.call("ListUserPools", {"MaxResults": 1}, when=skewed)
        if r.status_code == 200:
            return
        body = r.json()
        text = body.get("message", "")
        m = M.SIGNATURE_EXPIRED_RE.fullmatch(text) or M.SIGNATURE_NOT_YET_CURRENT_RE.fullmatch(text)
        assert m, f"unexpected answer after a clock advance: {r.status_code} {body}"
        server_now = datetime.datetime.strptime(m.group(3), SIGV4_TIMESTAMP)
        self.server.signing_skew = round((server_now - utcnow()).total_seconds())
        r = raw.call("ListUserPools", {"MaxResults": 1}, when=skewed)
        assert r.status_code == 200, f"signing with the server's clock failed: {r.text}"


# --------------------------------------------------------------------------- raw HTTP


@dataclass
class Prepared:
    url: str
    headers: dict
    body: bytes


class Raw:
    """Build, sign (botocore SigV4Auth + AWSRequest), tamper with and send raw requests."""

    def __init__(self, server: Server):
        self.server = server

    def prepare(
        self,
        target: str,
        body,
        *,
        sign: bool = True,
        credentials: tuple[str, str] | None = None,
        region: str = REGION,
        service: str = M.SERVICE,
        content_type: str | None = JSON_11,
        headers: dict | None = None,
        when=None,
    ) -> Prepared:
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = body
        h = {}
        if content_type is not None:
            h["Content-Type"] = content_type
        if target is not None:
            h["X-Amz-Target"] = target if "." in target else f"{TARGET_PREFIX}.{target}"
        h.update(headers or {})
        url = self.server.url + "/"
        req = AWSRequest(method="POST", url=url, data=data, headers=h)
        if sign:
            akid, secret = credentials or self.server.credentials
            if when is None:
                skew = self.server.signing_skew
                when = lambda: utcnow() + datetime.timedelta(seconds=skew)  # noqa: E731
            elif isinstance(when, datetime.datetime):
                fixed = when
                when = lambda: fixed  # noqa: E731
            FixedTimeSigV4Auth(Credentials(akid, secret), service, region, when).add_auth(req)
        return Prepared(url=url, headers=dict(req.headers.items()), body=data)

    def send(self, p: Prepared) -> requests.Response:
        return requests.post(p.url, data=p.body, headers=p.headers, timeout=60)

    def call(self, target: str, body, **kwargs) -> requests.Response:
        return self.send(self.prepare(target, body, **kwargs))


def error_of(r: requests.Response) -> tuple[str, str]:
    """(type, message) of an error response; asserts the wire format of §5.2."""
    assert r.status_code == 400, f"expected HTTP 400, got {r.status_code}: {r.text[:500]}"
    body = r.json()
    assert isinstance(body, dict), body
    etype = body.get("__type")
    assert isinstance(etype, str) and etype, f"no __type in {body}"
    assert r.headers.get("x-amzn-ErrorType", "").split(":")[0] == etype.split("#")[-1], r.headers
    assert r.headers.get("x-amzn-RequestId"), "no x-amzn-RequestId"
    return etype.split("#")[-1], body.get("message", body.get("Message"))


def assert_raw_error(r: requests.Response, etype: str, message: str | None = None) -> str:
    got_type, got_message = error_of(r)
    assert got_type == etype, f"expected {etype}, got {got_type}: {got_message}"
    if message is not None:
        assert got_message == message, f"{etype}: got message {got_message!r}"
    return got_message


# --------------------------------------------------------------------------- boto3 helpers


def expect_error(fn, code: str, message: str | None = None, **kwargs) -> ClientError:
    """Call fn(**kwargs); assert a ClientError with this code (and exact message), HTTP 400."""
    with pytest.raises(ClientError) as ei:
        fn(**kwargs)
    err = ei.value.response["Error"]
    meta = ei.value.response["ResponseMetadata"]
    assert err["Code"] == code, f"expected {code}, got {err['Code']}: {err.get('Message')}"
    if message is not None:
        assert err.get("Message") == message, f"{code}: got message {err.get('Message')!r}"
    assert meta["HTTPStatusCode"] == 400
    assert meta.get("RequestId"), "no x-amzn-RequestId on an error response"
    return ei.value


STRONG_POLICY = {
    "MinimumLength": 8,
    "RequireUppercase": True,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireSymbols": True,
}


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def create_pool(c, *, history: int | None = None, temp_days: int | None = None,
                policy: dict | None = None, **kwargs) -> str:
    pp = dict(STRONG_POLICY if policy is None else policy)
    if history is not None:
        pp["PasswordHistorySize"] = history
    if temp_days is not None:
        pp["TemporaryPasswordValidityDays"] = temp_days
    kwargs.setdefault("PoolName", unique("pool"))
    kwargs.setdefault("Policies", {"PasswordPolicy": pp})
    pool = c.create_user_pool(**kwargs)["UserPool"]
    return pool["Id"]


def all_pools(c) -> dict:
    pools, token = {}, None
    for _ in range(1000):
        kwargs = {"MaxResults": 60}
        if token:
            kwargs["NextToken"] = token
        resp = c.list_user_pools(**kwargs)
        for p in resp["UserPools"]:
            assert p["Id"] not in pools, "a pool was listed twice"
            pools[p["Id"]] = p
        token = resp.get("NextToken")
        if not token:
            return pools
    raise AssertionError("ListUserPools never ended")


def create_client(c, pool_id: str, **kwargs) -> dict:
    kwargs.setdefault("ClientName", unique("client"))
    return c.create_user_pool_client(UserPoolId=pool_id, **kwargs)["UserPoolClient"]


def create_user(c, pool_id: str, username: str, *, temp: str | None = None,
                attrs: dict | None = None, **kwargs) -> dict:
    args = dict(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS", **kwargs)
    if temp is not None:
        args["TemporaryPassword"] = temp
    if attrs:
        args["UserAttributes"] = [{"Name": k, "Value": v} for k, v in attrs.items()]
    return c.admin_create_user(**args)["User"]


def get_user(c, pool_id: str, username: str) -> dict:
    return c.admin_get_user(UserPoolId=pool_id, Username=username)


def status(c, pool_id: str, username: str) -> str:
    return get_user(c, pool_id, username)["UserStatus"]


def attrs_of(user: dict) -> dict:
    lst = user.get("UserAttributes", user.get("Attributes", []))
    return {a["Name"]: a.get("Value") for a in lst}


def set_password(c, pool_id: str, username: str, password: str, permanent=None):
    args = dict(UserPoolId=pool_id, Username=username, Password=password)
    if permanent is not None:
        args["Permanent"] = permanent
    return c.admin_set_user_password(**args)


def strip_meta(resp: dict) -> dict:
    return {k: v for k, v in resp.items() if k != "ResponseMetadata"}


_pw = itertools.count(1)


def strong_password() -> str:
    """A distinct password satisfying the strong policy."""
    return f"Str0ng!Pw{next(_pw)}x{secrets.token_hex(3)}"


def secret_hash(username, client_id, client_secret):
    digest = hmac.new(client_secret.encode(), (username + client_id).encode(), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()
