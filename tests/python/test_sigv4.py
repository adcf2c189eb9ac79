"""SigV4: raw requests signed with botocore's SigV4Auth + AWSRequest, then tampered with."""

from __future__ import annotations

import datetime
import hashlib
import json

import pytest
import requests

import messages as M
from helpers import (
    Raw,
    assert_raw_error,
    create_client,
    create_pool,
    create_user,
    expect_error,
    new_credentials,
    strong_password,
    unique,
    utcnow,
)
from botocore.auth import SIGV4_TIMESTAMP


@pytest.fixture
def pool_user(cognito):
    pool = create_pool(cognito)
    create_user(cognito, pool, "sig", temp=strong_password())
    return pool


def get_user_body(pool):
    return {"UserPoolId": pool, "Username": "sig"}


def test_signed_request_ok(raw, pool_user):
    r = raw.call("AdminGetUser", get_user_body(pool_user))
    assert r.status_code == 200, r.text
    assert r.json()["Username"] == "sig"
    assert r.headers.get("x-amzn-RequestId")


def test_unsigned(raw, pool_user):
    r = raw.call("AdminGetUser", get_user_body(pool_user), sign=False)
    assert_raw_error(r, "MissingAuthenticationTokenException", M.MISSING_AUTH_TOKEN)


def test_unsigned_config_operation(raw):
    r = raw.call("CreateUserPool", {"PoolName": unique("unsigned")}, sign=False)
    assert_raw_error(r, "MissingAuthenticationTokenException", M.MISSING_AUTH_TOKEN)


def test_unsigned_request_changes_nothing(raw, cognito, pool_user):
    r = raw.call("AdminSetUserPassword", {**get_user_body(pool_user),
                                          "Password": strong_password(), "Permanent": True},
                 sign=False)
    assert_raw_error(r, "MissingAuthenticationTokenException", M.MISSING_AUTH_TOKEN)
    assert cognito.admin_get_user(UserPoolId=pool_user, Username="sig")["UserStatus"] == \
        "FORCE_CHANGE_PASSWORD"


def test_unknown_access_key(raw, pool_user):
    r = raw.call("AdminGetUser", get_user_body(pool_user), credentials=new_credentials())
    assert_raw_error(r, "UnrecognizedClientException", M.UNRECOGNIZED_CLIENT)


def test_unknown_access_key_boto3(server, pool_user):
    c = server.client(credentials=new_credentials())
    expect_error(c.admin_get_user, "UnrecognizedClientException", M.UNRECOGNIZED_CLIENT,
                 UserPoolId=pool_user, Username="sig")


def test_unexpected_session_token(server, pool_user):
    """Root keys have no session token: a request carrying one is not recognised."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    akid, secret = server.credentials
    req = AWSRequest(method="POST", url=server.url + "/",
                     data=json.dumps(get_user_body(pool_user)).encode(),
                     headers={"Content-Type": "application/x-amz-json-1.1",
                              "X-Amz-Target": f"{M.TARGET_PREFIX}.AdminGetUser"})
    SigV4Auth(Credentials(akid, secret, token="bogus-session-token"), M.SERVICE,
              "us-east-1").add_auth(req)
    assert "x-amz-security-token" in req.headers["Authorization"]
    r = requests.post(req.url, data=req.body, headers=dict(req.headers.items()), timeout=60)
    assert_raw_error(r, "UnrecognizedClientException", M.UNRECOGNIZED_CLIENT)


def test_wrong_secret(raw, server, pool_user):
    akid, _ = server.credentials
    r = raw.call("AdminGetUser", get_user_body(pool_user), credentials=(akid, "x" * 40))
    assert_raw_error(r, "InvalidSignatureException", M.SIGNATURE_MISMATCH)


def test_wrong_secret_boto3(server, pool_user):
    akid, secret = server.credentials
    c = server.client(credentials=(akid, secret[:-1] + ("A" if secret[-1] != "A" else "B")))
    expect_error(c.admin_set_user_password, "InvalidSignatureException", M.SIGNATURE_MISMATCH,
                 UserPoolId=pool_user, Username="sig", Password=strong_password(), Permanent=True)
    good = server.client()
    assert good.admin_get_user(UserPoolId=pool_user, Username="sig")["UserStatus"] == \
        "FORCE_CHANGE_PASSWORD"


def test_body_altered_after_signing(raw, cognito, pool_user):
    p = raw.prepare("AdminSetUserPassword", {**get_user_body(pool_user),
                                             "Password": strong_password(), "Permanent": False})
    p.body = p.body.replace(b'"Permanent": false', b'"Permanent": true ')
    assert b"true" in p.body
    assert_raw_error(raw.send(p), "InvalidSignatureException", M.SIGNATURE_MISMATCH)
    assert cognito.admin_get_user(UserPoolId=pool_user, Username="sig")["UserStatus"] == \
        "FORCE_CHANGE_PASSWORD"


def test_signed_header_altered(raw, pool_user):
    p = raw.prepare("AdminGetUser", get_user_body(pool_user), headers={"X-Custom": "one"})
    assert "x-custom" in p.headers["Authorization"].split("SignedHeaders=")[1]
    p.headers["X-Custom"] = "two"
    assert_raw_error(raw.send(p), "InvalidSignatureException", M.SIGNATURE_MISMATCH)


def test_signed_target_altered(raw, pool_user):
    p = raw.prepare("AdminGetUser", get_user_body(pool_user))
    p.headers["X-Amz-Target"] = f"{M.TARGET_PREFIX}.AdminDeleteUser"
    assert_raw_error(raw.send(p), "InvalidSignatureException", M.SIGNATURE_MISMATCH)


def test_signed_header_removed(raw, pool_user):
    p = raw.prepare("AdminGetUser", get_user_body(pool_user), headers={"X-Custom": "one"})
    del p.headers["X-Custom"]
    r = raw.send(p)
    assert_raw_error(r, "InvalidSignatureException", M.SIGNATURE_MISMATCH)


def test_extra_unsigned_header_passes(raw, pool_user):
    p = raw.prepare("AdminGetUser", get_user_body(pool_user))
    p.headers["X-Not-Signed"] = "added later"
    p.headers["User-Agent"] = "tampered/1.0"
    r = raw.send(p)
    assert r.status_code == 200, r.text


def test_header_whitespace_is_canonicalized(raw, pool_user):
    # botocore signs `a b c` for this value; the server must canonicalize the same way.
    p = raw.prepare("AdminGetUser", get_user_body(pool_user),
                    headers={"X-Spaced": "a   b  c"})
    r = raw.send(p)
    assert r.status_code == 200, r.text


def test_signature_hex_tampered(raw, pool_user):
    p = raw.prepare("AdminGetUser", get_user_body(pool_user))
    auth = p.headers["Authorization"]
    sig = auth.rsplit("Signature=", 1)[1]
    flipped = ("0" if sig[0] != "0" else "1") + sig[1:]
    p.headers["Authorization"] = auth.replace("Signature=" + sig, "Signature=" + flipped)
    assert_raw_error(raw.send(p), "InvalidSignatureException", M.SIGNATURE_MISMATCH)


def test_content_sha256_header_mismatch(raw, pool_user):
    wrong = hashlib.sha256(b"something else").hexdigest()
    p = raw.prepare("AdminGetUser", get_user_body(pool_user),
                    headers={"X-Amz-Content-SHA256": wrong})
    assert_raw_error(raw.send(p), "InvalidSignatureException", M.CONTENT_SHA256_MISMATCH)


def test_content_sha256_header_correct(raw, pool_user):
    body = json.dumps(get_user_body(pool_user)).encode()
    p = raw.prepare("AdminGetUser", body,
                    headers={"X-Amz-Content-SHA256": hashlib.sha256(body).hexdigest()})
    r = raw.send(p)
    assert r.status_code == 200, r.text


# --------------------------------------------------------------------------- time window


def _server_times(message, regex):
    m = regex.fullmatch(message)
    assert m, f"message does not match {regex.pattern!r}: {message!r}"
    return [datetime.datetime.strptime(g, SIGV4_TIMESTAMP) for g in m.groups()]


def test_stale_date(raw, pool_user):
    signed_at = (utcnow() - datetime.timedelta(minutes=10)).replace(microsecond=0)
    r = raw.call("AdminGetUser", get_user_body(pool_user), when=signed_at)
    msg = assert_raw_error(r, "InvalidSignatureException")
    amz, limit, now = _server_times(msg, M.SIGNATURE_EXPIRED_RE)
    assert amz == signed_at
    assert limit == now - datetime.timedelta(minutes=5)
    assert abs((now - utcnow()).total_seconds()) < 120


def test_future_date(raw, pool_user):
    signed_at = (utcnow() + datetime.timedelta(minutes=10)).replace(microsecond=0)
    r = raw.call("AdminGetUser", get_user_body(pool_user), when=signed_at)
    msg = assert_raw_error(r, "InvalidSignatureException")
    amz, limit, now = _server_times(msg, M.SIGNATURE_NOT_YET_CURRENT_RE)
    assert amz == signed_at
    assert limit == now + datetime.timedelta(minutes=5)
    assert abs((now - utcnow()).total_seconds()) < 120


def test_stale_date_with_valid_body_changes_nothing(raw, cognito, pool_user):
    signed_at = utcnow() - datetime.timedelta(hours=2)
    r = raw.call("AdminSetUserPassword", {**get_user_body(pool_user),
                                          "Password": strong_password(), "Permanent": True},
                 when=signed_at)
    assert_raw_error(r, "InvalidSignatureException")
    assert cognito.admin_get_user(UserPoolId=pool_user, Username="sig")["UserStatus"] == \
        "FORCE_CHANGE_PASSWORD"


@pytest.mark.parametrize("minutes", [-4, 4])
def test_small_skew_is_accepted(raw, pool_user, minutes):
    r = raw.call("AdminGetUser", get_user_body(pool_user),
                 when=utcnow() + datetime.timedelta(minutes=minutes))
    assert r.status_code == 200, r.text


def test_stale_date_via_botocore_clock(server, pool_user, monkeypatch):
    """The stock boto3 client, with botocore's clock 10 minutes behind."""
    import botocore.auth

    monkeypatch.setattr(botocore.auth, "get_current_datetime",
                        lambda *a, **k: utcnow() - datetime.timedelta(minutes=10))
    c = server.client()
    err = expect_error(c.admin_get_user, "InvalidSignatureException",
                       UserPoolId=pool_user, Username="sig")
    assert M.SIGNATURE_EXPIRED_RE.fullmatch(err.response["Error"]["Message"])


# --------------------------------------------------------------------------- scope


def test_wrong_region_scope(raw, pool_user):
    r = raw.call("AdminGetUser", get_user_body(pool_user), region="eu-west-1")
    assert_raw_error(r, "InvalidSignatureException", M.BAD_REGION_SCOPE)


def test_wrong_region_boto3(server, pool_user):
    c = server.client(region="us-west-2")
    expect_error(c.admin_get_user, "InvalidSignatureException", M.BAD_REGION_SCOPE,
                 UserPoolId=pool_user, Username="sig")


def test_wrong_service_scope(raw, pool_user):
    r = raw.call("AdminGetUser", get_user_body(pool_user), service="cognito-identity")
    assert_raw_error(r, "InvalidSignatureException", M.BAD_SERVICE_SCOPE)


def test_scope_date_differs_from_amz_date(raw, pool_user):
    p = raw.prepare("AdminGetUser", get_user_body(pool_user))
    auth = p.headers["Authorization"]
    today = p.headers["X-Amz-Date"][:8]
    other = (datetime.datetime.strptime(today, "%Y%m%d") - datetime.timedelta(days=1)).strftime(
        "%Y%m%d")
    p.headers["Authorization"] = auth.replace(f"/{today}/", f"/{other}/")
    assert_raw_error(raw.send(p), "InvalidSignatureException",
                     M.scope_date_mismatch(other, p.headers["X-Amz-Date"]))


@pytest.mark.parametrize("header", [
    "garbage",
    "AWS4-HMAC-SHA256",
    "AWS4-HMAC-SHA256 Credential=, SignedHeaders=, Signature=",
    "AWS4-HMAC-SHA512 Credential=AKIAX/20240101/us-east-1/cognito-idp/aws4_request, "
    "SignedHeaders=host, Signature=00",
])
def test_malformed_authorization_header(raw, pool_user, header):
    p = raw.prepare("AdminGetUser", get_user_body(pool_user), sign=False)
    p.headers["Authorization"] = header
    p.headers["X-Amz-Date"] = utcnow().strftime(SIGV4_TIMESTAMP)
    message = assert_raw_error(raw.send(p), "IncompleteSignatureException")
    assert message


def test_missing_amz_date(raw, pool_user):
    p = raw.prepare("AdminGetUser", get_user_body(pool_user))
    del p.headers["X-Amz-Date"]
    message = assert_raw_error(raw.send(p), "IncompleteSignatureException")
    assert message.startswith(M.MISSING_DATE_PREFIX), message


# --------------------------------------------------------------------------- noAuth operations


def test_sign_up_unsigned(raw, cognito):
    pool = create_pool(cognito)
    cid = create_client(cognito, pool)["ClientId"]
    r = raw.call("SignUp", {"ClientId": cid, "Username": "anon",
                            "Password": strong_password()}, sign=False)
    assert r.status_code == 200, r.text
    assert r.json()["UserConfirmed"] is False
    assert cognito.admin_get_user(UserPoolId=pool, Username="anon")["UserStatus"] == "UNCONFIRMED"


def test_sign_up_with_bogus_signature_is_not_rejected_for_it(raw, cognito):
    pool = create_pool(cognito)
    cid = create_client(cognito, pool)["ClientId"]
    r = raw.call("SignUp", {"ClientId": cid, "Username": "anon2",
                            "Password": strong_password()}, credentials=new_credentials())
    assert r.status_code == 200, r.text


def test_initiate_auth_unsigned_is_not_an_auth_error(raw):
    r = raw.call("InitiateAuth", {"ClientId": "nosuchclient0000000000000a",
                                  "AuthFlow": "USER_SRP_AUTH",
                                  "AuthParameters": {"USERNAME": "x", "SRP_A": "abc"}},
                 sign=False)
    assert r.status_code == 400, r.text
    etype = r.json()["__type"]
    assert etype in {"ResourceNotFoundException", "UnsupportedOperationException"}, r.text


@pytest.mark.signin
def test_initiate_auth_unsigned_works(raw, cognito):
    pool = create_pool(cognito)
    cid = create_client(cognito, pool, ExplicitAuthFlows=[
        "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["ClientId"]
    pw = strong_password()
    create_user(cognito, pool, "ia")
    cognito.admin_set_user_password(UserPoolId=pool, Username="ia", Password=pw, Permanent=True)
    r = raw.call("InitiateAuth", {"ClientId": cid, "AuthFlow": "USER_PASSWORD_AUTH",
                                  "AuthParameters": {"USERNAME": "ia", "PASSWORD": pw}},
                 sign=False)
    assert r.status_code == 200, r.text
    assert r.json()["AuthenticationResult"]["TokenType"] == "Bearer"


# --------------------------------------------------------------------------- generated credentials


def test_generated_credentials(make_server):
    s = make_server(credentials=None)
    lines = s.stdout().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("USERPOOLS_ACCESS_KEY_ID=")
    assert lines[1].startswith("USERPOOLS_SECRET_ACCESS_KEY=")
    akid = lines[0].split("=", 1)[1]
    secret = lines[1].split("=", 1)[1]
    assert akid and secret and akid != secret
    c = s.client(credentials=(akid, secret))
    pool = create_pool(c)
    wrong = s.client(credentials=(akid, secret + "x"))
    expect_error(wrong.describe_user_pool, "InvalidSignatureException", M.SIGNATURE_MISMATCH,
                 UserPoolId=pool)

    # A later start reuses the stored pair and does not print the secret again.
    s.credentials = (akid, secret)
    s.restart()
    assert "USERPOOLS_SECRET_ACCESS_KEY=" not in s.stdout()
    assert secret not in s.stdout()
    assert s.client().describe_user_pool(UserPoolId=pool)["UserPool"]["Id"] == pool


def test_env_credentials_are_not_printed(make_server):
    s = make_server()
    assert "USERPOOLS_SECRET_ACCESS_KEY=" not in s.stdout()
    assert s.credentials[1] not in s.stdout()
    assert s.credentials[1] not in s.stderr()


def test_health_needs_no_signature(server):
    r = requests.get(server.url + "/health", timeout=10)
    assert r.status_code == 200


def test_other_servers_keys_are_unknown(make_server, server, pool_user):
    other = make_server()
    raw = Raw(server)
    r = raw.call("AdminGetUser", get_user_body(pool_user), credentials=other.credentials)
    assert_raw_error(r, "UnrecognizedClientException", M.UNRECOGNIZED_CLIENT)
