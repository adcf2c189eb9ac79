"""Security hardening of the protocol edge, with hand-built requests.

* SigV4 must cover host, x-amz-date, x-amz-target and content-type, and the payload:
  a request signed over less, or with UNSIGNED-PAYLOAD, is refused.
* The test clock refuses steps that would overflow it (400), and keeps working.
* Every refusal outside the operations (oversized body, unknown path, wrong method) is an
  AWS-shaped JSON error, logged, and the kept-alive connection stays usable or is closed
  with `Connection: close`.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import socket

import pytest
import requests

import messages as M
from helpers import (
    assert_raw_error,
    create_pool,
    create_user,
    get_user,
    strong_password,
    utcnow,
)
from botocore.auth import SIGV4_TIMESTAMP

REQUIRED = ["content-type", "host", "x-amz-date", "x-amz-target"]
NOT_SIGNED = {
    "host": "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    "x-amz-date": "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.",
    "x-amz-target": "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.",
    "content-type": "'Content-Type' must be a 'SignedHeader' in the AWS Authorization.",
}


def hand_signed(server, operation: str, body: bytes, *, signed: list[str],
                payload_hash: str | None = None, extra: dict | None = None) -> dict:
    """Headers of a POST / signed by hand over exactly the `signed` header names.

    `payload_hash` is the canonical request's last line (default: the body's SHA-256).
    """
    akid, secret = server.credentials
    date = utcnow().strftime(SIGV4_TIMESTAMP)
    headers = {
        "content-type": "application/x-amz-json-1.1",
        "host": f"127.0.0.1:{server.port}",
        "x-amz-date": date,
        "x-amz-target": f"{M.TARGET_PREFIX}.{operation}",
        **(extra or {}),
    }
    payload_hash = payload_hash or hashlib.sha256(body).hexdigest()
    names = sorted(signed)
    canonical = "\n".join([
        "POST", "/", "",
        "".join(f"{n}:{headers[n]}\n" for n in names),
        ";".join(names),
        payload_hash,
    ])
    scope = f"{date[:8]}/{M.REGION}/{M.SERVICE}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    key = f"AWS4{secret}".encode()
    for part in [date[:8], M.REGION, M.SERVICE, "aws4_request"]:
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={akid}/{scope}, "
                                f"SignedHeaders={';'.join(names)}, Signature={signature}")
    return headers


def post(server, headers: dict, body: bytes) -> requests.Response:
    return requests.post(server.url + "/", data=body, headers=headers, timeout=60)


@pytest.fixture
def pool_user(cognito):
    pool = create_pool(cognito)
    create_user(cognito, pool, "sec", temp=strong_password())
    return pool


# --------------------------------------------------------------------------- SigV4 coverage


def test_hand_signer_over_the_required_headers_is_accepted(server, pool_user):
    body = json.dumps({"UserPoolId": pool_user, "Username": "sec"}).encode()
    more = REQUIRED + ["x-amz-content-sha256"]
    headers = hand_signed(server, "AdminGetUser", body, signed=more,
                          extra={"x-amz-content-sha256": hashlib.sha256(body).hexdigest()})
    r = post(server, headers, body)
    assert r.status_code == 200, r.text
    assert r.json()["Username"] == "sec"


@pytest.mark.parametrize("left_out", REQUIRED)
def test_each_required_header_must_be_signed(server, pool_user, left_out):
    body = json.dumps({"UserPoolId": pool_user, "Username": "sec"}).encode()
    headers = hand_signed(server, "AdminGetUser", body,
                          signed=[h for h in REQUIRED if h != left_out])
    assert_raw_error(post(server, headers, body), "InvalidSignatureException",
                     NOT_SIGNED[left_out])


def test_request_signed_over_host_alone_cannot_be_replayed_as_another_operation(
        server, cognito, pool_user):
    body = json.dumps({"UserPoolId": pool_user, "Username": "sec"}).encode()
    headers = hand_signed(server, "AdminGetUser", body, signed=["host"])
    headers["x-amz-target"] = f"{M.TARGET_PREFIX}.AdminDeleteUser"
    assert_raw_error(post(server, headers, body), "InvalidSignatureException",
                     NOT_SIGNED["x-amz-date"])
    assert get_user(cognito, pool_user, "sec")["Username"] == "sec"


@pytest.mark.parametrize("swap", [False, True])
def test_unsigned_payload_is_refused(server, cognito, pool_user, swap):
    body = json.dumps({"UserPoolId": pool_user, "Username": "sec",
                       "Password": strong_password(), "Permanent": False}).encode()
    headers = hand_signed(server, "AdminSetUserPassword", body,
                          signed=REQUIRED + ["x-amz-content-sha256"],
                          payload_hash="UNSIGNED-PAYLOAD",
                          extra={"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
    if swap:
        body = body.replace(b'"Permanent": false', b'"Permanent": true ')
    assert_raw_error(post(server, headers, body), "InvalidSignatureException",
                     M.CONTENT_SHA256_MISMATCH)
    assert get_user(cognito, pool_user, "sec")["UserStatus"] == "FORCE_CHANGE_PASSWORD"


# --------------------------------------------------------------------------- the test clock


def clock_post(server, body: bytes) -> requests.Response:
    return requests.post(server.url + "/_userpools/clock", data=body, timeout=10)


@pytest.mark.parametrize("body", [
    b'{"advance_seconds": 9000000000000000}',
    b'{"advance_seconds": 9223372036854775807}',
    b'{"advance_seconds": 9e15}',
    b'{"advance_seconds": -1}',
    b'{"advance_seconds": "60"}',
    b"not json",
])
def test_bad_clock_steps_are_400_and_the_clock_keeps_working(clocked, body):
    r = clock_post(clocked.server, body)
    assert r.status_code == 400, r.text
    assert r.json()["__type"] == "InvalidParameterException", r.text
    assert r.headers["x-amzn-ErrorType"].startswith("InvalidParameterException")
    # Every later clock read still works.
    clocked.clock.advance(60)
    assert clocked.cognito.list_user_pools(MaxResults=1)["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_clock_total_is_bounded(clocked):
    century = 100 * 365 * 86400
    clocked.clock.advance(century)
    r = clock_post(clocked.server, b'{"advance_seconds": 1}')
    assert r.status_code == 400, r.text
    assert r.json()["__type"] == "InvalidParameterException"
    pool = clocked.cognito.create_user_pool(PoolName="far-future")["UserPool"]
    assert pool["CreationDate"].year >= utcnow().year + 99


# --------------------------------------------------------------------------- refusals outside the operations


def exchange(server, method: str, path: str, body: bytes = b"", headers: dict | None = None):
    """Sends one request on a kept-alive connection, then GET /health on the same one.

    Returns the first response (status, headers, parsed body); asserts the second request
    works: either the connection stayed usable, or the server said `Connection: close`
    (then http.client reconnects).
    """
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        first = (r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        conn.request("GET", "/health")
        again = conn.getresponse()
        assert again.status == 200
        assert again.read() == b"ok"
    finally:
        conn.close()
    return first


def assert_aws_refusal(server, response, status: int, etype: str) -> str:
    got_status, headers, raw_body = response
    assert got_status == status, (got_status, raw_body[:200])
    body = json.loads(raw_body)
    assert body["__type"] == etype, body
    assert body["message"], body
    assert headers["x-amzn-errortype"].split(":")[0] == etype
    assert headers["content-type"].startswith("application/x-amz-json-1.1")
    request_id = headers["x-amzn-requestid"]
    assert request_id in server.stderr(), "the refusal was not logged"
    return body["message"]


def test_oversized_body_is_an_aws_error(server):
    big = json.dumps({"UserPoolId": "us-east-1_abc", "Filter": "x" * (2 * 1024 * 1024)}).encode()
    response = exchange(server, "POST", "/", big, {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": f"{M.TARGET_PREFIX}.ListUsers"})
    assert_aws_refusal(server, response, 413, "RequestEntityTooLargeException")


def test_far_oversized_body_is_refused_at_once_with_connection_close(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\n"
                  b"Content-Length: 100000000\r\n\r\n{")
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = s.recv(65536)
            assert chunk, "closed without an answer"
            head += chunk
    lines = head.split(b"\r\n\r\n")[0].decode().split("\r\n")
    assert lines[0].startswith("HTTP/1.1 413"), lines
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    assert headers["connection"].lower() == "close"
    assert headers["x-amzn-errortype"].startswith("RequestEntityTooLargeException")


@pytest.mark.parametrize("size", [0, 600_000])
def test_unknown_path_is_an_aws_error(server, size):
    response = exchange(server, "POST", "/nope", b"x" * size)
    message = assert_aws_refusal(server, response, 404, "UnknownOperationException")
    assert "/nope" in message


@pytest.mark.parametrize("method, path", [("GET", "/"), ("PUT", "/"), ("POST", "/health")])
def test_wrong_method_is_an_aws_error(server, method, path):
    response = exchange(server, method, path, b"{}" if method != "GET" else b"")
    assert_aws_refusal(server, response, 405, "UnknownOperationException")
    assert response[1].get("allow")
