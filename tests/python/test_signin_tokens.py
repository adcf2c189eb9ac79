"""Tokens with boto3 and PyJWT (issue 3, spec §3, §4.11): RS256 ID and access tokens and their
claims, the pool JWKS and OpenID configuration, validity from the app client, refresh-token
revocation, expiry with the test clock, and the token-authorised operations (GetUser,
ChangePassword, UpdateUserAttributes, DeleteUser, GlobalSignOut, AdminUserGlobalSignOut,
RevokeToken).
"""

from __future__ import annotations

import base64
import json

import pytest
import requests
from botocore.exceptions import ClientError

import messages as M
from helpers import (
    attrs_of,
    create_client,
    expect_error,
    get_user,
    status,
    strong_password,
    unique,
)
from signin_support import (
    PASSWORD_FLOWS,
    UUID_RE,
    assert_tokens,
    b64url_json,
    jwks,
    jwt_parts,
    make_app,
    verify_jwt,
)

ACCESS_EXPIRED = "Access Token has expired"
ACCESS_REVOKED = "Access Token has been revoked"
REFRESH_INVALID = "Invalid Refresh Token."
REFRESH_REVOKED = "Refresh Token has been revoked"
LIMIT = "Attempt limit exceeded, please try after some time."
SCOPE = "aws.cognito.signin.user.admin"

ID_CLAIMS = {"sub", "aud", "email_verified", "token_use", "auth_time", "iss", "cognito:username",
             "exp", "iat", "jti", "origin_jti", "event_id"}
ACCESS_CLAIMS = {"sub", "iss", "client_id", "origin_jti", "event_id", "token_use", "scope",
                 "auth_time", "exp", "iat", "jti", "username"}


def refused(fn, **kwargs) -> dict:
    """A clean 400 refusal whose exact type/message the spec does not fix: its Error dict."""
    with pytest.raises(ClientError) as ei:
        fn(**kwargs)
    assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return ei.value.response["Error"]


def issuer(server, pool):
    return f"{server.url}/{pool}"


@pytest.fixture
def signed_in(server, cognito):
    """A CONFIRMED user with e-mail and name, signed in with ADMIN_USER_PASSWORD_AUTH."""
    app = make_app(cognito)
    perm = strong_password()
    user = app.user(permanent=perm, attrs={
        "email": "tok@example.com", "email_verified": "true", "name": "Tok En",
        "phone_number": "+15555550100", "phone_number_verified": "false"})
    tokens = app.tokens(user, perm)
    return app, user, perm, tokens


# --------------------------------------------------------------------------- JWKS & discovery


def test_jwks_has_two_rs256_keys(server, signed_in):
    app, *_ = signed_in
    keyset = jwks(server, app.pool)
    assert set(keyset) == {"keys"}
    keys = keyset["keys"]
    assert len(keys) == 2
    for k in keys:
        assert {"kid", "alg", "kty", "e", "n", "use"} <= set(k), k
        assert k["alg"] == "RS256" and k["kty"] == "RSA" and k["use"] == "sig"
        assert k["e"] == "AQAB"
        n = base64.urlsafe_b64decode(k["n"] + "=" * (-len(k["n"]) % 4))
        assert len(n) * 8 >= 2048
        assert "d" not in k and "p" not in k, "private key material in the JWKS"
    assert keys[0]["kid"] != keys[1]["kid"]


def test_jwks_is_per_pool_and_stable(server, cognito):
    a, b = make_app(cognito), make_app(cognito)
    ka, kb = jwks(server, a.pool), jwks(server, b.pool)
    assert not {k["kid"] for k in ka["keys"]} & {k["kid"] for k in kb["keys"]}
    assert not {k["n"] for k in ka["keys"]} & {k["n"] for k in kb["keys"]}
    assert jwks(server, a.pool) == ka


def test_jwks_unknown_pool(server):
    r = requests.get(f"{server.url}/us-east-1_Nope12345/.well-known/jwks.json", timeout=10)
    assert 400 <= r.status_code < 500, r.status_code


def test_openid_configuration(server, signed_in):
    app, *_ = signed_in
    r = requests.get(f"{server.url}/{app.pool}/.well-known/openid-configuration", timeout=10)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["issuer"] == issuer(server, app.pool)
    assert doc["jwks_uri"] == f"{issuer(server, app.pool)}/.well-known/jwks.json"
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert "public" in doc["subject_types_supported"]
    # the jwks_uri it names serves the JWKS
    assert requests.get(doc["jwks_uri"], timeout=10).json() == jwks(server, app.pool)


# --------------------------------------------------------------------------- token format and claims


def test_tokens_are_rs256_with_different_kids(server, signed_in):
    app, user, _, tokens = signed_in
    id_header, _ = jwt_parts(tokens["IdToken"])
    ac_header, _ = jwt_parts(tokens["AccessToken"])
    assert id_header["alg"] == "RS256" and ac_header["alg"] == "RS256"
    assert id_header["kid"] != ac_header["kid"]
    kids = {k["kid"] for k in jwks(server, app.pool)["keys"]}
    assert {id_header["kid"], ac_header["kid"]} == kids


def test_tokens_verify_against_the_jwks(server, signed_in):
    app, user, _, tokens = signed_in
    keyset = jwks(server, app.pool)
    iss = issuer(server, app.pool)
    idc = verify_jwt(tokens["IdToken"], keyset, issuer=iss, audience=app.client_id)
    acc = verify_jwt(tokens["AccessToken"], keyset, issuer=iss)
    assert idc["token_use"] == "id" and acc["token_use"] == "access"


def test_tampered_tokens_do_not_verify(server, signed_in):
    import jwt

    app, _, _, tokens = signed_in
    keyset = jwks(server, app.pool)
    head, payload, sig = tokens["AccessToken"].split(".")
    claims = b64url_json(payload)
    claims["username"] = "mallory"
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    forged = f"{head}.{forged_payload}.{sig}"
    with pytest.raises(jwt.InvalidSignatureError):
        verify_jwt(forged, keyset, issuer=issuer(server, app.pool))
    # and the server refuses it for token-authorised calls
    expect_error(app.c.get_user, "NotAuthorizedException", None, AccessToken=forged)
    # an ID token signed with the ID key does not verify as if the access key signed it
    id_head, id_payload, id_sig = tokens["IdToken"].split(".")
    ac_kid = jwt_parts(tokens["AccessToken"])[0]["kid"]
    swapped_head = base64.urlsafe_b64encode(
        json.dumps({"alg": "RS256", "kid": ac_kid}).encode()).rstrip(b"=").decode()
    with pytest.raises(jwt.InvalidSignatureError):
        verify_jwt(f"{swapped_head}.{id_payload}.{id_sig}", keyset,
                   issuer=issuer(server, app.pool), audience=app.client_id)


def test_id_token_claims(server, cognito, signed_in):
    app, user, _, tokens = signed_in
    _, c = jwt_parts(tokens["IdToken"])
    missing = ID_CLAIMS - set(c)
    assert not missing, f"ID token lacks {missing}"
    sub = attrs_of(get_user(cognito, app.pool, user))["sub"]
    assert c["sub"] == sub
    assert c["aud"] == app.client_id
    assert c["token_use"] == "id"
    assert c["iss"] == issuer(server, app.pool)
    assert c["cognito:username"] == user
    assert c["email_verified"] is True
    assert c["phone_number_verified"] is False
    assert c["email"] == "tok@example.com"
    assert c["name"] == "Tok En"
    assert c["phone_number"] == "+15555550100"
    for name in ("jti", "origin_jti", "event_id"):
        assert UUID_RE.match(c[name]), (name, c[name])
    for name in ("exp", "iat", "auth_time"):
        assert isinstance(c[name], int), (name, c[name])
    assert c["exp"] - c["iat"] == 3600
    assert c["auth_time"] <= c["iat"]
    for absent in ("client_id", "scope", "username"):
        assert absent not in c, f"{absent} in an ID token"


def test_access_token_claims(server, cognito, signed_in):
    app, user, _, tokens = signed_in
    _, c = jwt_parts(tokens["AccessToken"])
    missing = ACCESS_CLAIMS - set(c)
    assert not missing, f"access token lacks {missing}"
    assert "aud" not in c
    sub = attrs_of(get_user(cognito, app.pool, user))["sub"]
    assert c["sub"] == sub
    assert c["iss"] == issuer(server, app.pool)
    assert c["client_id"] == app.client_id
    assert c["token_use"] == "access"
    assert c["scope"] == SCOPE
    assert c["username"] == user
    for name in ("jti", "origin_jti", "event_id"):
        assert UUID_RE.match(c[name]), (name, c[name])
    assert c["exp"] - c["iat"] == 3600
    for attr in ("email", "name", "cognito:username"):
        assert attr not in c, f"{attr} in an access token"
    # one authentication: same origin_jti, event_id and auth_time, different jti
    _, idc = jwt_parts(tokens["IdToken"])
    assert c["origin_jti"] == idc["origin_jti"]
    assert c["event_id"] == idc["event_id"]
    assert c["auth_time"] == idc["auth_time"]
    assert c["jti"] != idc["jti"]


def test_custom_attributes_are_strings_in_the_id_token(cognito):
    app = make_app(cognito, Schema=[
        {"Name": "level", "AttributeDataType": "Number", "Mutable": True},
        {"Name": "admin", "AttributeDataType": "Boolean", "Mutable": True},
    ])
    perm = strong_password()
    user = app.user(permanent=perm, attrs={"custom:level": "7", "custom:admin": "true"})
    _, c = jwt_parts(app.tokens(user, perm)["IdToken"])
    assert c["custom:level"] == "7"
    assert c["custom:admin"] == "true"


def test_email_verified_false_is_a_boolean(cognito):
    app = make_app(cognito)
    perm = strong_password()
    user = app.user(permanent=perm, attrs={"email": "x@example.com", "email_verified": "false"})
    _, c = jwt_parts(app.tokens(user, perm)["IdToken"])
    assert c["email_verified"] is False


def test_each_sign_in_is_a_new_origin(cognito):
    app = make_app(cognito)
    perm = strong_password()
    user = app.user(permanent=perm)
    t1, t2 = app.tokens(user, perm), app.tokens(user, perm, "USER_SRP_AUTH")
    assert jwt_parts(t1["IdToken"])[1]["origin_jti"] != jwt_parts(t2["IdToken"])[1]["origin_jti"]
    assert t1["RefreshToken"] != t2["RefreshToken"]


def test_refresh_token_is_opaque(signed_in):
    _, user, perm, tokens = signed_in
    rt = tokens["RefreshToken"]
    import re
    assert re.fullmatch(r"[A-Za-z0-9\-_=.]+", rt)
    assert perm not in rt and user not in rt
    for part in rt.split("."):
        try:
            decoded = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        except Exception:
            continue
        assert user.encode() not in decoded, "the refresh token shows its user in clear"


@pytest.mark.parametrize("flow", PASSWORD_FLOWS)
def test_every_flow_issues_the_same_kind_of_tokens(server, cognito, flow):
    app = make_app(cognito)
    perm = strong_password()
    user = app.user(permanent=perm, attrs={"email": "f@example.com", "email_verified": "true"})
    t = assert_tokens(app.sign_in(user, perm, flow))
    keyset = jwks(server, app.pool)
    idc = verify_jwt(t["IdToken"], keyset, issuer=issuer(server, app.pool), audience=app.client_id)
    acc = verify_jwt(t["AccessToken"], keyset, issuer=issuer(server, app.pool))
    assert ID_CLAIMS <= set(idc) and ACCESS_CLAIMS <= set(acc)
    assert cognito.get_user(AccessToken=t["AccessToken"])["Username"] == user


def test_tokens_after_new_password_required(server, cognito):
    app = make_app(cognito)
    temp = strong_password()
    user = app.user(temp=temp, attrs={"email": "n@example.com", "email_verified": "true"})
    session = app.sign_in(user, temp, "USER_SRP_AUTH")["Session"]
    t = assert_tokens(app.new_password(user, session, strong_password()))
    idc = verify_jwt(t["IdToken"], jwks(server, app.pool), issuer=issuer(server, app.pool),
                     audience=app.client_id)
    assert idc["cognito:username"] == user and idc["email_verified"] is True
    assert cognito.get_user(AccessToken=t["AccessToken"])["Username"] == user


# --------------------------------------------------------------------------- validity


@pytest.mark.parametrize("kwargs, access, idt", [
    ({}, 3600, 3600),
    ({"AccessTokenValidity": 5, "IdTokenValidity": 10,
      "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes"}}, 300, 600),
    ({"AccessTokenValidity": 2, "IdTokenValidity": 24,
      "TokenValidityUnits": {"AccessToken": "hours", "IdToken": "hours"}}, 7200, 86400),
    ({"AccessTokenValidity": 1, "IdTokenValidity": 1,
      "TokenValidityUnits": {"AccessToken": "days", "IdToken": "days"}}, 86400, 86400),
    ({"AccessTokenValidity": 900, "IdTokenValidity": 1800,
      "TokenValidityUnits": {"AccessToken": "seconds", "IdToken": "seconds"}}, 900, 1800),
    # units left out: hours
    ({"AccessTokenValidity": 3, "IdTokenValidity": 4}, 3 * 3600, 4 * 3600),
])
def test_token_validity_from_the_client(cognito, kwargs, access, idt):
    app = make_app(cognito, client_kwargs=kwargs)
    perm = strong_password()
    user = app.user(permanent=perm)
    for flow in ("USER_PASSWORD_AUTH", "USER_SRP_AUTH"):
        t = assert_tokens(app.sign_in(user, perm, flow), expires_in=access)
        _, ac = jwt_parts(t["AccessToken"])
        _, ic = jwt_parts(t["IdToken"])
        assert ac["exp"] - ac["iat"] == access
        assert ic["exp"] - ic["iat"] == idt
    r = assert_tokens(app.refresh(t["RefreshToken"]), refresh=False, expires_in=access)
    assert jwt_parts(r["IdToken"])[1]["exp"] - jwt_parts(r["IdToken"])[1]["iat"] == idt


def test_access_token_expires(clocked):
    c = clocked.cognito
    app = make_app(c, client_kwargs={"AccessTokenValidity": 5,
                                     "TokenValidityUnits": {"AccessToken": "minutes"}})
    perm = strong_password()
    user = app.user(permanent=perm)
    t = app.tokens(user, perm)
    clocked.clock.advance(240)
    assert c.get_user(AccessToken=t["AccessToken"])["Username"] == user
    clocked.clock.advance(120)
    for call, kwargs in [
        (c.get_user, {}),
        (c.change_password, {"PreviousPassword": perm, "ProposedPassword": strong_password()}),
        (c.update_user_attributes, {"UserAttributes": [{"Name": "name", "Value": "x"}]}),
        (c.global_sign_out, {}),
        (c.delete_user, {}),
    ]:
        expect_error(call, "NotAuthorizedException", ACCESS_EXPIRED,
                     AccessToken=t["AccessToken"], **kwargs)
    assert status(c, app.pool, user) == "CONFIRMED"
    # the refresh token still gives a working access token, stamped with the server's clock
    r = assert_tokens(app.refresh(t["RefreshToken"]), refresh=False, expires_in=300)
    assert c.get_user(AccessToken=r["AccessToken"])["Username"] == user
    assert jwt_parts(r["AccessToken"])[1]["iat"] >= jwt_parts(t["AccessToken"])[1]["iat"] + 360


def test_refresh_token_expires(clocked):
    c = clocked.cognito
    app = make_app(c, client_kwargs={"RefreshTokenValidity": 60,
                                     "TokenValidityUnits": {"RefreshToken": "minutes"}})
    perm = strong_password()
    user = app.user(permanent=perm)
    t = app.tokens(user, perm)
    clocked.clock.advance(50 * 60)
    assert_tokens(app.refresh(t["RefreshToken"]), refresh=False)
    clocked.clock.advance(11 * 60)
    expect_error(app.refresh, "NotAuthorizedException", "Refresh Token has expired",
                 refresh_token=t["RefreshToken"])


def test_default_refresh_validity_is_thirty_days(clocked):
    c = clocked.cognito
    app = make_app(c)
    perm = strong_password()
    user = app.user(permanent=perm)
    t = app.tokens(user, perm)
    clocked.clock.advance(29 * 86400)
    assert_tokens(app.refresh(t["RefreshToken"]), refresh=False)
    clocked.clock.advance(2 * 86400)
    expect_error(app.refresh, "NotAuthorizedException", "Refresh Token has expired",
                 refresh_token=t["RefreshToken"])


# --------------------------------------------------------------------------- refresh refusals


@pytest.mark.parametrize("bad", ["garbage", "a.b.c.d.e", "eyJhbGciOiJSU0EtT0FFUCJ9.x.y.z.w"])
def test_invalid_refresh_token(cognito, bad):
    app = make_app(cognito)
    for flow, admin in (("REFRESH_TOKEN_AUTH", False), ("REFRESH_TOKEN", False),
                        ("REFRESH_TOKEN_AUTH", True)):
        expect_error(app.refresh, "NotAuthorizedException", REFRESH_INVALID,
                     refresh_token=bad, flow=flow, admin=admin)


def test_tampered_refresh_token(signed_in):
    app, _, _, tokens = signed_in
    rt = tokens["RefreshToken"]
    i = len(rt) // 2
    while rt[i] == ".":
        i += 1
    tampered = rt[:i] + ("A" if rt[i] != "A" else "B") + rt[i + 1:]
    expect_error(app.refresh, "NotAuthorizedException", REFRESH_INVALID, refresh_token=tampered)


def test_access_or_id_token_as_refresh_token(signed_in):
    app, _, _, tokens = signed_in
    for tok in (tokens["AccessToken"], tokens["IdToken"]):
        expect_error(app.refresh, "NotAuthorizedException", REFRESH_INVALID, refresh_token=tok)


def test_refresh_token_of_another_client_or_pool(cognito, signed_in):
    app, _, _, tokens = signed_in
    other_client = create_client(cognito, app.pool, ExplicitAuthFlows=["ALLOW_REFRESH_TOKEN_AUTH"])
    expect_error(cognito.initiate_auth, "NotAuthorizedException", REFRESH_INVALID,
                 ClientId=other_client["ClientId"], AuthFlow="REFRESH_TOKEN_AUTH",
                 AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})
    other = make_app(cognito)
    expect_error(other.refresh, "NotAuthorizedException", REFRESH_INVALID,
                 refresh_token=tokens["RefreshToken"])


def test_refresh_for_a_disabled_or_deleted_user(cognito):
    app = make_app(cognito)
    perm = strong_password()
    user = app.user(permanent=perm)
    t = app.tokens(user, perm)
    cognito.admin_disable_user(UserPoolId=app.pool, Username=user)
    expect_error(app.refresh, "NotAuthorizedException", None, refresh_token=t["RefreshToken"])
    expect_error(cognito.get_user, "NotAuthorizedException", None, AccessToken=t["AccessToken"])
    cognito.admin_enable_user(UserPoolId=app.pool, Username=user)
    t2 = app.tokens(user, perm)
    cognito.admin_delete_user(UserPoolId=app.pool, Username=user)
    expect_error(app.refresh, "NotAuthorizedException", None, refresh_token=t2["RefreshToken"])


def test_refresh_after_user_recreated_with_same_name(cognito):
    """A refresh token of a deleted user must not work for a new user of the same name."""
    app = make_app(cognito)
    perm = strong_password()
    user = app.user("reborn", permanent=perm)
    t = app.tokens(user, perm)
    cognito.admin_delete_user(UserPoolId=app.pool, Username=user)
    app.user("reborn", permanent=strong_password())
    expect_error(app.refresh, "NotAuthorizedException", None, refresh_token=t["RefreshToken"])
    expect_error(cognito.get_user, "NotAuthorizedException", None, AccessToken=t["AccessToken"])


# --------------------------------------------------------------------------- sign-out and revocation


def test_global_sign_out(cognito):
    app = make_app(cognito)
    perm = strong_password()
    user = app.user(permanent=perm)
    t1 = app.tokens(user, perm)
    t2 = app.tokens(user, perm, "USER_SRP_AUTH")
    resp = cognito.global_sign_out(AccessToken=t1["AccessToken"])
    assert set(resp) == {"ResponseMetadata"}
    for t in (t1, t2):  # every session of the user
        expect_error(app.refresh, "NotAuthorizedException", REFRESH_REVOKED,
                     refresh_token=t["RefreshToken"])
        expect_error(cognito.get_user, "NotAuthorizedException", ACCESS_REVOKED,
                     AccessToken=t["AccessToken"])
    expect_error(cognito.global_sign_out, "NotAuthorizedException", ACCESS_REVOKED,
                 AccessToken=t1["AccessToken"])
    # a new sign-in works
    t3 = app.tokens(user, perm)
    assert cognito.get_user(AccessToken=t3["AccessToken"])["Username"] == user
    assert_tokens(app.refresh(t3["RefreshToken"]), refresh=False)


def test_global_sign_out_is_per_user(cognito):
    app = make_app(cognito)
    pa, pb = strong_password(), strong_password()
    a, b = app.user(permanent=pa), app.user(permanent=pb)
    ta, tb = app.tokens(a, pa), app.tokens(b, pb)
    cognito.global_sign_out(AccessToken=ta["AccessToken"])
    assert cognito.get_user(AccessToken=tb["AccessToken"])["Username"] == b
    assert_tokens(app.refresh(tb["RefreshToken"]), refresh=False)


def test_admin_user_global_sign_out(cognito):
    app = make_app(cognito)
    perm = strong_password()
    user = app.user(permanent=perm)
    t = app.tokens(user, perm)
    refreshed = assert_tokens(app.refresh(t["RefreshToken"]), refresh=False)
    resp = cognito.admin_user_global_sign_out(UserPoolId=app.pool, Username=user)
    assert set(resp) == {"ResponseMetadata"}
    expect_error(app.refresh, "NotAuthorizedException", REFRESH_REVOKED,
                 refresh_token=t["RefreshToken"])
    for access in (t["AccessToken"], refreshed["AccessToken"]):
        expect_error(cognito.get_user, "NotAuthorizedException", ACCESS_REVOKED, AccessToken=access)
    assert_tokens(app.sign_in(user, perm, "USER_SRP_AUTH"))


def test_admin_user_global_sign_out_unknown_user(cognito):
    app = make_app(cognito)
    expect_error(cognito.admin_user_global_sign_out, "UserNotFoundException", M.USER_NOT_FOUND,
                 UserPoolId=app.pool, Username=unique("ghost"))


def test_revoke_token(cognito):
    app = make_app(cognito)
    perm = strong_password()
    user = app.user(permanent=perm)
    t1, t2 = app.tokens(user, perm), app.tokens(user, perm)
    resp = cognito.revoke_token(Token=t1["RefreshToken"], ClientId=app.client_id)
    assert set(resp) == {"ResponseMetadata"}
    expect_error(app.refresh, "NotAuthorizedException", REFRESH_REVOKED,
                 refresh_token=t1["RefreshToken"])
    expect_error(cognito.get_user, "NotAuthorizedException", ACCESS_REVOKED,
                 AccessToken=t1["AccessToken"])
    # only that session
    assert cognito.get_user(AccessToken=t2["AccessToken"])["Username"] == user
    assert_tokens(app.refresh(t2["RefreshToken"]), refresh=False)
    # revoking again is not an error
    cognito.revoke_token(Token=t1["RefreshToken"], ClientId=app.client_id)


def test_revoke_token_with_a_client_secret(cognito):
    app = make_app(cognito, secret=True)
    perm = strong_password()
    user = app.user(permanent=perm)
    t = app.tokens(user, perm)
    expect_error(cognito.revoke_token, "NotAuthorizedException", None,
                 Token=t["RefreshToken"], ClientId=app.client_id)
    expect_error(cognito.revoke_token, "NotAuthorizedException", None,
                 Token=t["RefreshToken"], ClientId=app.client_id, ClientSecret=app.secret + "x")
    assert_tokens(app.refresh(t["RefreshToken"], username=user), refresh=False)
    cognito.revoke_token(Token=t["RefreshToken"], ClientId=app.client_id, ClientSecret=app.secret)
    expect_error(app.refresh, "NotAuthorizedException", REFRESH_REVOKED,
                 refresh_token=t["RefreshToken"], username=user)


def test_revoke_token_with_another_client(cognito):
    app = make_app(cognito)
    other = create_client(cognito, app.pool, ExplicitAuthFlows=["ALLOW_REFRESH_TOKEN_AUTH"])
    perm = strong_password()
    user = app.user(permanent=perm)
    t = app.tokens(user, perm)
    refused(cognito.revoke_token, Token=t["RefreshToken"], ClientId=other["ClientId"])
    assert_tokens(app.refresh(t["RefreshToken"]), refresh=False)


def test_revoke_token_with_an_access_token(cognito, signed_in):
    app, _, _, t = signed_in
    expect_error(cognito.revoke_token, "UnsupportedTokenTypeException", None,
                 Token=t["AccessToken"], ClientId=app.client_id)
    assert cognito.get_user(AccessToken=t["AccessToken"])


def test_revoke_token_when_revocation_disabled(cognito):
    app = make_app(cognito, client_kwargs={"EnableTokenRevocation": False})
    perm = strong_password()
    user = app.user(permanent=perm)
    t = app.tokens(user, perm)
    refused(cognito.revoke_token, Token=t["RefreshToken"], ClientId=app.client_id)
    assert_tokens(app.refresh(t["RefreshToken"]), refresh=False)


# --------------------------------------------------------------------------- GetUser & co.


def test_get_user(cognito, signed_in):
    app, user, _, t = signed_in
    resp = cognito.get_user(AccessToken=t["AccessToken"])
    assert resp["Username"] == user
    attrs = attrs_of(resp)
    admin = attrs_of(get_user(cognito, app.pool, user))
    assert attrs == admin
    assert UUID_RE.match(attrs["sub"])
    assert attrs["email"] == "tok@example.com"


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."])
def test_get_user_with_a_bad_token(cognito, token):
    expect_error(cognito.get_user, "NotAuthorizedException", None, AccessToken=token)


def test_id_token_is_not_an_access_token(cognito, signed_in):
    _, _, _, t = signed_in
    expect_error(cognito.get_user, "NotAuthorizedException", None, AccessToken=t["IdToken"])


def test_alg_none_token_refused(cognito, signed_in):
    _, _, _, t = signed_in
    _, payload, _ = t["AccessToken"].split(".")
    head = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    expect_error(cognito.get_user, "NotAuthorizedException", None, AccessToken=f"{head}.{payload}.")


def test_change_password(cognito, signed_in):
    app, user, perm, t = signed_in
    new = strong_password()
    resp = cognito.change_password(AccessToken=t["AccessToken"], PreviousPassword=perm,
                                   ProposedPassword=new)
    assert set(resp) == {"ResponseMetadata"}
    for flow in PASSWORD_FLOWS:
        assert_tokens(app.sign_in(user, new, flow))
    expect_error(app.sign_in, "NotAuthorizedException", M.INCORRECT_CREDENTIALS,
                 username=user, password=perm, flow="USER_SRP_AUTH")
    # tokens are not revoked by a password change
    assert cognito.get_user(AccessToken=t["AccessToken"])["Username"] == user


def test_change_password_wrong_previous(cognito, signed_in):
    app, user, perm, t = signed_in
    new = strong_password()
    expect_error(cognito.change_password, "NotAuthorizedException", M.INCORRECT_CREDENTIALS,
                 AccessToken=t["AccessToken"], PreviousPassword=strong_password(),
                 ProposedPassword=new)
    assert_tokens(app.sign_in(user, perm, "USER_PASSWORD_AUTH"))


def test_change_password_policy(cognito, signed_in):
    app, user, perm, t = signed_in
    for weak, rule in [("Sh0rt!", M.RULE_LENGTH), ("nouppercase1!", M.RULE_UPPER),
                       ("NOLOWERCASE1!", M.RULE_LOWER), ("NoNumbers!!", M.RULE_NUMBER),
                       ("NoSymbols123", M.RULE_SYMBOL)]:
        expect_error(cognito.change_password, "InvalidPasswordException", M.policy_admin(rule),
                     AccessToken=t["AccessToken"], PreviousPassword=perm, ProposedPassword=weak)
    assert_tokens(app.sign_in(user, perm, "USER_PASSWORD_AUTH"))


def test_change_password_history(cognito):
    app = make_app(cognito, history=2)
    p1 = strong_password()
    user = app.user(permanent=p1)
    t = app.tokens(user, p1)
    expect_error(cognito.change_password, "PasswordHistoryPolicyViolationException",
                 M.PASSWORD_HISTORY,
                 AccessToken=t["AccessToken"], PreviousPassword=p1, ProposedPassword=p1)
    p2 = strong_password()
    cognito.change_password(AccessToken=t["AccessToken"], PreviousPassword=p1, ProposedPassword=p2)
    expect_error(cognito.change_password, "PasswordHistoryPolicyViolationException",
                 M.PASSWORD_HISTORY,
                 AccessToken=t["AccessToken"], PreviousPassword=p2, ProposedPassword=p1)
    assert_tokens(app.sign_in(user, p2, "USER_PASSWORD_AUTH"))


def test_change_password_limit_per_hour(clocked):
    c = clocked.cognito
    app = make_app(c)
    pw = strong_password()
    user = app.user(permanent=pw)
    t = app.tokens(user, pw)
    for _ in range(5):
        new = strong_password()
        c.change_password(AccessToken=t["AccessToken"], PreviousPassword=pw, ProposedPassword=new)
        pw = new
    expect_error(c.change_password, "LimitExceededException", LIMIT,
                 AccessToken=t["AccessToken"], PreviousPassword=pw,
                 ProposedPassword=strong_password())
    assert_tokens(app.sign_in(user, pw, "USER_PASSWORD_AUTH"))
    clocked.clock.advance(3601)
    t = app.tokens(user, pw)  # the first token has expired by now
    new = strong_password()
    c.change_password(AccessToken=t["AccessToken"], PreviousPassword=pw, ProposedPassword=new)
    assert_tokens(app.sign_in(user, new, "USER_PASSWORD_AUTH"))


def test_change_password_limit_is_per_user(cognito):
    app = make_app(cognito)
    pa, pb = strong_password(), strong_password()
    a, b = app.user(permanent=pa), app.user(permanent=pb)
    ta, tb = app.tokens(a, pa), app.tokens(b, pb)
    for _ in range(5):
        new = strong_password()
        cognito.change_password(AccessToken=ta["AccessToken"], PreviousPassword=pa,
                                ProposedPassword=new)
        pa = new
    cognito.change_password(AccessToken=tb["AccessToken"], PreviousPassword=pb,
                            ProposedPassword=strong_password())


def test_change_password_after_sign_out(cognito, signed_in):
    app, user, perm, t = signed_in
    cognito.global_sign_out(AccessToken=t["AccessToken"])
    expect_error(cognito.change_password, "NotAuthorizedException", ACCESS_REVOKED,
                 AccessToken=t["AccessToken"], PreviousPassword=perm,
                 ProposedPassword=strong_password())
    assert_tokens(app.sign_in(user, perm, "USER_PASSWORD_AUTH"))


def test_update_user_attributes(cognito, signed_in):
    app, user, _, t = signed_in
    resp = cognito.update_user_attributes(AccessToken=t["AccessToken"], UserAttributes=[
        {"Name": "name", "Value": "New Name"}, {"Name": "given_name", "Value": "Newt"}])
    assert "CodeDeliveryDetailsList" not in resp or resp["CodeDeliveryDetailsList"] == []
    attrs = attrs_of(get_user(cognito, app.pool, user))
    assert attrs["name"] == "New Name" and attrs["given_name"] == "Newt"
    assert attrs_of(cognito.get_user(AccessToken=t["AccessToken"]))["name"] == "New Name"
    r = assert_tokens(app.refresh(t["RefreshToken"]), refresh=False)
    assert jwt_parts(r["IdToken"])[1]["name"] == "New Name"


def test_update_user_attributes_new_email_is_unverified(cognito, signed_in):
    app, user, _, t = signed_in
    assert attrs_of(get_user(cognito, app.pool, user))["email_verified"] == "true"
    cognito.update_user_attributes(AccessToken=t["AccessToken"], UserAttributes=[
        {"Name": "email", "Value": "changed@example.com"}])
    attrs = attrs_of(get_user(cognito, app.pool, user))
    assert attrs["email"] == "changed@example.com"
    assert attrs["email_verified"] == "false"


def test_update_user_attributes_respects_client_write_attributes(cognito):
    """A token of a client whose WriteAttributes lack `name` cannot write it (§4.11).
    Message as the real service words it [recalled]."""
    app = make_app(cognito, client_kwargs={"WriteAttributes": ["given_name"]})
    perm = strong_password()
    user = app.user(permanent=perm, attrs={"name": "Fixed"})
    t = app.tokens(user, perm)
    cognito.update_user_attributes(AccessToken=t["AccessToken"],
                                   UserAttributes=[{"Name": "given_name", "Value": "Ok"}])
    expect_error(cognito.update_user_attributes, "NotAuthorizedException",
                 "A client attempted to write unauthorized attribute",
                 AccessToken=t["AccessToken"], UserAttributes=[{"Name": "name", "Value": "Changed"}])
    attrs = attrs_of(get_user(cognito, app.pool, user))
    assert attrs["name"] == "Fixed" and attrs["given_name"] == "Ok"


def test_id_token_respects_client_read_attributes(cognito):
    """The ID token carries the attributes the client may read (§3.2)."""
    app = make_app(cognito, client_kwargs={"ReadAttributes": ["email", "email_verified"]})
    perm = strong_password()
    user = app.user(permanent=perm, attrs={"email": "r@example.com", "email_verified": "true",
                                           "name": "Secret Name"})
    _, c = jwt_parts(app.tokens(user, perm)["IdToken"])
    assert c["email"] == "r@example.com"
    assert "name" not in c, "the ID token shows an attribute the client may not read"


def test_update_user_attributes_after_sign_out(cognito, signed_in):
    app, user, _, t = signed_in
    cognito.admin_user_global_sign_out(UserPoolId=app.pool, Username=user)
    expect_error(cognito.update_user_attributes, "NotAuthorizedException", ACCESS_REVOKED,
                 AccessToken=t["AccessToken"],
                 UserAttributes=[{"Name": "name", "Value": "Nope"}])
    assert attrs_of(get_user(cognito, app.pool, user))["name"] == "Tok En"


def test_delete_user(cognito, signed_in):
    app, user, perm, t = signed_in
    resp = cognito.delete_user(AccessToken=t["AccessToken"])
    assert set(resp) == {"ResponseMetadata"}
    expect_error(cognito.admin_get_user, "UserNotFoundException", M.USER_NOT_FOUND,
                 UserPoolId=app.pool, Username=user)
    expect_error(app.sign_in, "UserNotFoundException", M.USER_NOT_FOUND,
                 username=user, password=perm, flow="USER_PASSWORD_AUTH")
    err = refused(cognito.get_user, AccessToken=t["AccessToken"])
    assert err["Code"] in ("NotAuthorizedException", "UserNotFoundException"), err
    assert err["Message"] == M.USER_NOT_FOUND, err
    expect_error(app.refresh, "NotAuthorizedException", None, refresh_token=t["RefreshToken"])


def test_delete_user_after_sign_out(cognito, signed_in):
    app, user, _, t = signed_in
    cognito.global_sign_out(AccessToken=t["AccessToken"])
    expect_error(cognito.delete_user, "NotAuthorizedException", ACCESS_REVOKED,
                 AccessToken=t["AccessToken"])
    assert status(cognito, app.pool, user) == "CONFIRMED"


def test_token_of_another_pool_user_is_refused_after_pool_deletion(cognito):
    app = make_app(cognito)
    perm = strong_password()
    user = app.user(permanent=perm)
    t = app.tokens(user, perm)
    cognito.delete_user_pool(UserPoolId=app.pool)
    expect_error(cognito.get_user, "NotAuthorizedException", None, AccessToken=t["AccessToken"])


# --------------------------------------------------------------------------- issuer and restarts


def test_issuer_base_url_option(make_server):
    base = "https://auth.example.test:8443/base"
    s = make_server(test_clock=True, extra_args=["--issuer-base-url", base])
    c = s.client()
    app = make_app(c)
    perm = strong_password()
    user = app.user(permanent=perm)
    t = app.tokens(user, perm)
    iss = f"{base}/{app.pool}"
    keyset = jwks(s, app.pool)
    assert verify_jwt(t["IdToken"], keyset, issuer=iss, audience=app.client_id)["iss"] == iss
    assert verify_jwt(t["AccessToken"], keyset, issuer=iss)["iss"] == iss
    doc = requests.get(f"{s.url}/{app.pool}/.well-known/openid-configuration", timeout=10).json()
    assert doc["issuer"] == iss
    assert doc["jwks_uri"] == f"{iss}/.well-known/jwks.json"
    # the server accepts its own tokens
    assert c.get_user(AccessToken=t["AccessToken"])["Username"] == user


def test_tokens_and_keys_survive_a_restart(make_server):
    s = make_server(test_clock=True)
    c = s.client()
    app = make_app(c)
    perm = strong_password()
    user = app.user(permanent=perm)
    t = app.tokens(user, perm)
    keys_before = jwks(s, app.pool)
    s.restart()
    c = s.client()
    app.c = c
    # the port changes on restart, and so does the default issuer: compare the keys only
    assert jwks(s, app.pool)["keys"] == keys_before["keys"]
    assert_tokens(app.refresh(t["RefreshToken"]), refresh=False)
    assert_tokens(app.sign_in(user, perm, "USER_SRP_AUTH"))


def test_tokens_survive_a_restart_with_a_fixed_issuer(make_server):
    s = make_server(test_clock=True, extra_args=["--issuer-base-url", "http://idp.test"])
    c = s.client()
    app = make_app(c)
    perm = strong_password()
    user = app.user(permanent=perm)
    t = app.tokens(user, perm)
    s.restart()
    c = s.client()
    assert c.get_user(AccessToken=t["AccessToken"])["Username"] == user
    cognito_app = app
    cognito_app.c = c
    assert_tokens(cognito_app.refresh(t["RefreshToken"]), refresh=False)
    c.global_sign_out(AccessToken=t["AccessToken"])
    s.restart()
    c = s.client()
    expect_error(c.get_user, "NotAuthorizedException", ACCESS_REVOKED, AccessToken=t["AccessToken"])
