"""pycognito (an independent real client) against the server, unchanged except for the
endpoint (spec §9): SRP sign-in, the ForceChangePasswordException path and
set_new_password_challenge, Cognito.authenticate + verify_tokens (JWKS fetched from
``<endpoint_url>/<poolId>/.well-known/jwks.json``, ``iss`` checked), admin_authenticate
(ADMIN_NO_SRP_AUTH), a client secret, refresh, a wrong password.

pycognito checks ``exp`` against the real time, so these tests use the shared server whose
test clock is never moved.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from pycognito import Cognito
from pycognito.aws_srp import AWSSRP
from pycognito.exceptions import ForceChangePasswordException

import messages as M
from helpers import set_password, status, strong_password
from signin_support import make_app


def cognito_for(server, app, username, **kwargs):
    akid, secret = server.credentials
    return Cognito(app.pool, app.client_id, username=username,
                   client_secret=app.secret,
                   boto3_client_kwargs={"endpoint_url": server.url,
                                        "aws_access_key_id": akid,
                                        "aws_secret_access_key": secret},
                   **kwargs)


def srp_for(server, app, username, password):
    return AWSSRP(username=username, password=password, pool_id=app.pool,
                  client_id=app.client_id, client_secret=app.secret, client=server.client())


@pytest.mark.parametrize("secret", [False, True])
def test_temporary_password_then_new_password_then_srp_sign_in(server, cognito, secret):
    app = make_app(cognito, secret=secret)
    temp, new = strong_password(), strong_password()
    user = app.user("pyco", temp=temp, attrs={"email": "pyco@example.com",
                                              "email_verified": "true"})

    with pytest.raises(ForceChangePasswordException):
        srp_for(server, app, user, temp).authenticate_user()
    assert status(cognito, app.pool, user) == "FORCE_CHANGE_PASSWORD"

    resp = srp_for(server, app, user, temp).set_new_password_challenge(new)
    result = resp["AuthenticationResult"]
    assert {"AccessToken", "IdToken", "RefreshToken"} <= set(result)
    assert status(cognito, app.pool, user) == "CONFIRMED"

    # the permanent password: SRP sign-in straight to tokens, verified against the JWKS
    u = cognito_for(server, app, user)
    u.authenticate(password=new)
    u.verify_tokens()
    assert u.id_claims["cognito:username"] == user
    assert u.id_claims["email"] == "pyco@example.com"
    assert u.id_claims["iss"] == f"{server.url}/{app.pool}"
    assert u.access_claims["username"] == user
    assert u.token_type == "Bearer"
    assert u.refresh_token

    # the session works for the token-authorised calls pycognito makes
    me = u.get_user()
    assert me.username == user
    assert me.email == "pyco@example.com"

    # refresh through pycognito (REFRESH_TOKEN_AUTH, SECRET_HASH when there is a secret)
    old_access = u.access_token
    u.renew_access_token()
    assert u.access_token != old_access
    u.verify_tokens()


def test_new_password_challenge_through_cognito_class(server, cognito):
    app = make_app(cognito)
    temp, new = strong_password(), strong_password()
    user = app.user(temp=temp)
    u = cognito_for(server, app, user)
    with pytest.raises(ForceChangePasswordException):
        u.authenticate(password=temp)
    u.new_password_challenge(password=temp, new_password=new)
    u.verify_tokens()
    assert u.access_claims["username"] == user
    v = cognito_for(server, app, user)
    v.authenticate(password=new)
    v.verify_tokens()


@pytest.mark.parametrize("secret", [False, True])
def test_admin_authenticate(server, cognito, secret):
    """Cognito.admin_authenticate uses ADMIN_NO_SRP_AUTH (AdminInitiateAuth, SigV4-signed)."""
    app = make_app(cognito, secret=secret)
    perm = strong_password()
    user = app.user(permanent=perm, attrs={"email": "adm@example.com"})
    u = cognito_for(server, app, user)
    u.admin_authenticate(password=perm)
    u.verify_tokens()
    assert u.id_claims["aud"] == app.client_id
    assert u.id_claims["token_use"] == "id" and u.access_claims["token_use"] == "access"
    assert u.access_claims["client_id"] == app.client_id


def test_admin_authenticate_with_a_temporary_password(server, cognito):
    """ADMIN_NO_SRP_AUTH for a FORCE_CHANGE_PASSWORD user yields the challenge, not tokens:
    pycognito then fails looking for AuthenticationResult."""
    app = make_app(cognito)
    temp = strong_password()
    user = app.user(temp=temp)
    u = cognito_for(server, app, user)
    with pytest.raises(KeyError):
        u.admin_authenticate(password=temp)
    assert status(cognito, app.pool, user) == "FORCE_CHANGE_PASSWORD"


@pytest.mark.parametrize("how", ["srp", "admin"])
def test_wrong_password(server, cognito, how):
    app = make_app(cognito)
    user = app.user(permanent=strong_password())
    u = cognito_for(server, app, user)
    with pytest.raises(ClientError) as ei:
        if how == "srp":
            u.authenticate(password=strong_password())
        else:
            u.admin_authenticate(password=strong_password())
    err = ei.value.response["Error"]
    assert err["Code"] == "NotAuthorizedException"
    assert err["Message"] == M.INCORRECT_CREDENTIALS


def test_wrong_secret(server, cognito):
    app = make_app(cognito, secret=True)
    perm = strong_password()
    user = app.user(permanent=perm)
    app.secret = app.secret[::-1]
    with pytest.raises(ClientError) as ei:
        cognito_for(server, app, user).authenticate(password=perm)
    assert ei.value.response["Error"]["Code"] == "NotAuthorizedException"
    assert ei.value.response["Error"]["Message"] == M.secret_hash_mismatch(app.client_id)


def test_unknown_user(server, cognito):
    app = make_app(cognito)
    with pytest.raises(ClientError) as ei:
        cognito_for(server, app, "nobody-here").authenticate(password=strong_password())
    assert ei.value.response["Error"]["Code"] == "UserNotFoundException"
    assert ei.value.response["Error"]["Message"] == M.USER_NOT_FOUND


def test_change_password_and_logout(server, cognito):
    app = make_app(cognito)
    perm, new = strong_password(), strong_password()
    user = app.user(permanent=perm)
    u = cognito_for(server, app, user)
    u.authenticate(password=perm)
    u.change_password(perm, new)
    token = u.access_token
    u.logout()
    with pytest.raises(ClientError) as ei:
        cognito.get_user(AccessToken=token)
    assert ei.value.response["Error"]["Message"] == "Access Token has been revoked"
    v = cognito_for(server, app, user)
    v.authenticate(password=new)
    v.verify_tokens()


def test_verify_tokens_rejects_a_foreign_issuer(server, cognito):
    """pycognito's own check: a Cognito object pointed at another pool id refuses our tokens
    (the issuer would differ) — shows that iss is really compared."""
    from pycognito.exceptions import TokenVerificationException

    app, other = make_app(cognito), make_app(cognito)
    perm = strong_password()
    user = app.user(permanent=perm)
    u = cognito_for(server, app, user)
    u.authenticate(password=perm)
    stranger = cognito_for(server, other, user, id_token=u.id_token, access_token=u.access_token)
    stranger.pool_jwk = u.get_keys()  # the right keys: only iss/aud can fail
    with pytest.raises(TokenVerificationException):
        stranger.verify_tokens()


def test_permanent_password_set_by_admin_signs_in_with_srp(server, cognito):
    app = make_app(cognito)
    temp, perm = strong_password(), strong_password()
    user = app.user(temp=temp)
    set_password(cognito, app.pool, user, perm, permanent=True)
    tokens = srp_for(server, app, user, perm).authenticate_user()
    assert tokens["AuthenticationResult"]["TokenType"] == "Bearer"
