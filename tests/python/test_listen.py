"""`serve --listen` takes host names and bracketed IPv6 addresses (issue 18 item 5)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time

import boto3
import pytest
import requests

from helpers import REGION, free_port, new_credentials, server_binary


def ipv6_port() -> int | None:
    """A free port on ::1, or None when the host has no IPv6 loopback."""
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
            return s.getsockname()[1]
    except OSError:
        return None


class Listening:
    """`userpools serve --listen <listen>` on a data dir of its own (embedded store)."""

    def __init__(self, tmp_path, listen: str):
        self.credentials = new_credentials()
        env = {k: v for k, v in os.environ.items() if not k.startswith("USERPOOLS_")}
        env["USERPOOLS_ACCESS_KEY_ID"], env["USERPOOLS_SECRET_ACCESS_KEY"] = self.credentials
        tmp_path.mkdir(parents=True, exist_ok=True)
        self.stderr_path = tmp_path / "stderr"
        with open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(
                [str(server_binary()), "serve", "--listen", listen,
                 "--data-dir", str(tmp_path / "data"), "--region", REGION],
                env=env, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)

    def wait_healthy(self, url: str):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.stderr()
            try:
                if requests.get(url + "/health", timeout=2).text == "ok":
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        pytest.fail(f"no answer from {url}/health: {self.stderr()}")

    def client(self, url: str):
        akid, secret = self.credentials
        return boto3.session.Session().client(
            "cognito-idp", endpoint_url=url, region_name=REGION,
            aws_access_key_id=akid, aws_secret_access_key=secret)

    def stderr(self) -> str:
        return re.sub(r"\x1b\[[0-9;]*m", "", self.stderr_path.read_text(errors="replace"))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(20)


@pytest.fixture
def listening(tmp_path):
    started = []

    def start(listen: str) -> Listening:
        server = Listening(tmp_path / f"s{len(started)}", listen)
        started.append(server)
        return server

    yield start
    for server in started:
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait(10)


def test_a_host_name(listening):
    port = free_port()
    s = listening(f"localhost:{port}")
    url = f"http://localhost:{port}"
    s.wait_healthy(url)
    c = s.client(url)
    pool = c.create_user_pool(PoolName="listen")["UserPool"]["Id"]
    # Tokens name the address as given.
    config = requests.get(f"{url}/{pool}/.well-known/openid-configuration", timeout=10).json()
    assert config["issuer"] == f"{url}/{pool}"
    serving = next(line for line in s.stderr().splitlines() if " serving " in line)
    assert re.search(rf"listen=(127\.0\.0\.1|\[::1\]):{port} ", serving), serving
    s.stop()
    assert s.proc.returncode == 0, s.stderr()


def test_a_bracketed_ipv6_address(listening):
    port = ipv6_port()
    if port is None:
        pytest.skip("no IPv6 loopback on this host")
    s = listening(f"[::1]:{port}")
    url = f"http://[::1]:{port}"
    s.wait_healthy(url)
    assert s.client(url).list_user_pools(MaxResults=1)["UserPools"] == []


@pytest.mark.parametrize("listen, message", [
    ("localhost", "expected HOST:PORT, e.g. 127.0.0.1:9229, localhost:9229 or [::1]:9229"),
    ("localhost:http", '"http" is not a port number: expected HOST:PORT'),
    ("::1:9300", '"::1" is not a host: expected HOST:PORT'),
    (":9300", '"" is not a host: expected HOST:PORT'),
])
def test_a_bad_address_is_refused_with_a_clear_message(tmp_path, listen, message):
    p = subprocess.run([str(server_binary()), "serve", "--listen", listen,
                        "--data-dir", str(tmp_path / "data")],
                       capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert p.returncode == 2, p
    assert f"invalid value '{listen}' for '--listen <LISTEN>': {message}" in p.stderr, p.stderr
    assert not (tmp_path / "data").exists()


def test_a_name_that_does_not_resolve_fails_start_up(tmp_path):
    p = subprocess.run([str(server_binary()), "serve", "--listen", "no-such-host.invalid:9300",
                        "--data-dir", str(tmp_path / "data")],
                       capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
                       env={**{k: v for k, v in os.environ.items()
                               if not k.startswith("USERPOOLS_")},
                            "USERPOOLS_ACCESS_KEY_ID": "AKIAEXAMPLE000000000",
                            "USERPOOLS_SECRET_ACCESS_KEY": "a-secret-of-20-chars"})
    assert p.returncode == 1, p
    assert "Error: cannot resolve the --listen address no-such-host.invalid:9300" in p.stderr, \
        p.stderr
    assert not (tmp_path / "data").exists()
