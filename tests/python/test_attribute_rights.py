"""What a user may write and read through an app client (issue 12 item 1), with boto3.

One rule for every path where a user (not an administrator) writes attributes: SignUp, the
NEW_PASSWORD_REQUIRED answer, UpdateUserAttributes and DeleteUserAttributes accept only the
client's WriteAttributes (every attribute when it names none, required ones always), never
the verified flags, ``identities``, ``sub`` or developer-only attributes. Reads (GetUser, the
ID token) show only the client's ReadAttributes (everything when it names none; ``sub``
always). Administrator operations are not restricted.
"""

from __future__ import annotations

import pytest

import messages as M
from helpers import attrs_of, expect_error, get_user, status, strong_password, unique
from signin_support import jwt_parts, make_app

UNAUTHORIZED = "A client attempted to write unauthorized attribute"

# custom:role (writable when listed) and custom:secret (developer-only).
SCHEMA = [
    {"Name": "role", "AttributeDataType": "String", "Mutable": True},
    {"Name": "secret", "AttributeDataType": "String", "Mutable": True,
     "DeveloperOnlyAttribute": True},
]


def app_with(cognito, **client_kwargs):
    return make_app(cognito, Schema=SCHEMA, AliasAttributes=["email"],
                    client_kwargs=client_kwargs)


def attrs(**values) -> list[dict]:
    return [{"Name": k.replace("__", ":"), "Value": v} for k, v in values.items()]


def sign_up(app, username, password, attributes):
    return app.c.sign_up(ClientId=app.client_id, Username=username, Password=password,
                         UserAttributes=attributes)


def test_the_reviewed_sign_up_attack_is_refused_and_creates_nothing(cognito):
    """The review's attack: WriteAttributes=["name"], SignUp with a self-verified email,
    custom:role=admin and a forged identities value."""
    app = app_with(cognito, WriteAttributes=["name"])
    user, pw = unique("eve"), strong_password()
    forged = '[{"userId":"1","providerName":"Google","providerType":"Google","primary":true}]'
    attack = [{"Name": "name", "Value": "Eve"},
              {"Name": "email", "Value": f"{user}@example.com"},
              {"Name": "email_verified", "Value": "true"},
              {"Name": "custom:role", "Value": "admin"},
              {"Name": "identities", "Value": forged}]
    expect_error(sign_up, "NotAuthorizedException", UNAUTHORIZED,
                 app=app, username=user, password=pw, attributes=attack)
    for one in ({"Name": "email_verified", "Value": "true"},
                {"Name": "custom:role", "Value": "admin"},
                {"Name": "identities", "Value": forged}):
        expect_error(sign_up, "NotAuthorizedException", UNAUTHORIZED, app=app, username=user,
                     password=pw, attributes=[{"Name": "name", "Value": "Eve"}, one])
    expect_error(cognito.admin_get_user, "UserNotFoundException", M.USER_NOT_FOUND,
                 UserPoolId=app.pool, Username=user)
    expect_error(cognito.admin_get_user, "UserNotFoundException", M.USER_NOT_FOUND,
                 UserPoolId=app.pool, Username=f"{user}@example.com")
    # What the client may write goes through, and the token carries nothing forged.
    sign_up(app, user, pw, attrs(name="Eve"))
    cognito.admin_confirm_sign_up(UserPoolId=app.pool, Username=user)
    _, claims = jwt_parts(app.tokens(user, pw)["IdToken"])
    assert claims["name"] == "Eve"
    assert not {"email_verified", "custom:role", "identities", "email"} & set(claims), claims


@pytest.mark.parametrize("name", ["email_verified", "phone_number_verified", "identities", "sub",
                                  "custom:secret", "dev:custom:secret"])
def test_sign_up_never_writes_protected_attributes(cognito, name):
    """Even a client that names no WriteAttributes (all writable) cannot write these."""
    app = app_with(cognito)
    user = unique("eve")
    expect_error(sign_up, "NotAuthorizedException", UNAUTHORIZED, app=app, username=user,
                 password=strong_password(), attributes=[{"Name": name, "Value": "true"}])
    expect_error(cognito.admin_get_user, "UserNotFoundException", M.USER_NOT_FOUND,
                 UserPoolId=app.pool, Username=user)


def test_a_client_naming_no_write_attributes_writes_custom_ones(cognito):
    app = app_with(cognito)
    user = unique("u")
    sign_up(app, user, strong_password(), attrs(name="N", custom__role="reader"))
    assert attrs_of(get_user(cognito, app.pool, user))["custom:role"] == "reader"


def test_required_attributes_are_always_writable(cognito):
    app = make_app(cognito, Schema=[{"Name": "email", "Required": True}],
                   client_kwargs={"WriteAttributes": ["name"]})
    user = unique("u")
    sign_up(app, user, strong_password(), attrs(email=f"{user}@example.com"))
    assert attrs_of(get_user(cognito, app.pool, user))["email"] == f"{user}@example.com"


def test_new_password_answer_obeys_write_attributes(cognito):
    app = app_with(cognito, WriteAttributes=["name"])
    temp, new = strong_password(), strong_password()
    user = app.user(temp=temp)
    session = app.password_auth(user, temp)["Session"]
    for forged in ({"email_verified": "true"}, {"custom:role": "admin"},
                   {"identities": "[]"}, {"nickname": "x"}):
        expect_error(app.new_password, "NotAuthorizedException", UNAUTHORIZED,
                     username=user, session=session, new=new, attrs=forged)
    assert status(cognito, app.pool, user) == "FORCE_CHANGE_PASSWORD"
    r = app.new_password(user, session, new, attrs={"name": "Bob"})
    assert "AuthenticationResult" in r, r
    a = attrs_of(get_user(cognito, app.pool, user))
    assert a["name"] == "Bob" and "custom:role" not in a and "email_verified" not in a


@pytest.mark.parametrize("name", ["email_verified", "phone_number_verified", "identities", "sub",
                                  "custom:secret", "dev:custom:secret"])
def test_update_user_attributes_never_writes_protected_attributes(cognito, name):
    app = app_with(cognito)
    pw = strong_password()
    user = app.user(permanent=pw, attrs={"name": "Kept"})
    token = app.tokens(user, pw)["AccessToken"]
    before = attrs_of(get_user(cognito, app.pool, user))
    expect_error(cognito.update_user_attributes, "NotAuthorizedException", UNAUTHORIZED,
                 AccessToken=token, UserAttributes=[{"Name": name, "Value": "true"},
                                                    {"Name": "name", "Value": "Changed"}])
    assert attrs_of(get_user(cognito, app.pool, user)) == before


def test_update_user_attributes_obeys_write_attributes(cognito):
    app = app_with(cognito, WriteAttributes=["name"])
    pw = strong_password()
    user = app.user(permanent=pw)
    token = app.tokens(user, pw)["AccessToken"]
    expect_error(cognito.update_user_attributes, "NotAuthorizedException", UNAUTHORIZED,
                 AccessToken=token, UserAttributes=attrs(custom__role="admin"))
    cognito.update_user_attributes(AccessToken=token, UserAttributes=attrs(name="Ok"))
    a = attrs_of(get_user(cognito, app.pool, user))
    assert a["name"] == "Ok" and "custom:role" not in a


def test_delete_user_attributes(cognito):
    app = app_with(cognito, WriteAttributes=["name", "custom:role"])
    pw = strong_password()
    user = app.user(permanent=pw, attrs={"name": "N", "nickname": "nick",
                                         "custom:role": "r", "custom:secret": "s"})
    token = app.tokens(user, pw)["AccessToken"]
    for name in ("nickname", "custom:secret", "dev:custom:secret", "sub", "identities",
                 "email_verified"):
        expect_error(cognito.delete_user_attributes, "NotAuthorizedException", UNAUTHORIZED,
                     AccessToken=token, UserAttributeNames=[name])
    resp = cognito.delete_user_attributes(AccessToken=token,
                                          UserAttributeNames=["name", "custom:role"])
    assert set(resp) == {"ResponseMetadata"}
    a = attrs_of(get_user(cognito, app.pool, user))
    assert "name" not in a and "custom:role" not in a
    assert a["nickname"] == "nick" and a["custom:secret"] == "s"


def test_delete_user_attributes_with_a_bad_token(cognito):
    expect_error(cognito.delete_user_attributes, "NotAuthorizedException", None,
                 AccessToken="not-a-token", UserAttributeNames=["name"])


def test_read_attributes_filter_get_user_and_the_id_token(cognito):
    app = app_with(cognito, ReadAttributes=["email", "email_verified"])
    pw = strong_password()
    user = app.user(permanent=pw, attrs={"email": f"r{unique()}@example.com",
                                         "email_verified": "true", "name": "Hidden",
                                         "custom:role": "hidden"})
    t = app.tokens(user, pw)
    shown = attrs_of(cognito.get_user(AccessToken=t["AccessToken"]))
    assert set(shown) == {"sub", "email", "email_verified"}, shown
    _, claims = jwt_parts(t["IdToken"])
    assert "email" in claims and claims["email_verified"] is True
    assert "name" not in claims and "custom:role" not in claims, claims
    # The administrator sees everything.
    assert attrs_of(get_user(cognito, app.pool, user))["name"] == "Hidden"


def test_a_client_naming_no_read_attributes_reads_everything(cognito):
    app = app_with(cognito)
    pw = strong_password()
    user = app.user(permanent=pw, attrs={"name": "Shown", "custom:role": "shown"})
    t = app.tokens(user, pw)
    shown = attrs_of(cognito.get_user(AccessToken=t["AccessToken"]))
    assert shown["name"] == "Shown" and shown["custom:role"] == "shown"
    _, claims = jwt_parts(t["IdToken"])
    assert claims["name"] == "Shown" and claims["custom:role"] == "shown"


def test_administrators_still_write_every_attribute(cognito):
    app = app_with(cognito, WriteAttributes=["name"])
    user = app.user()
    cognito.admin_update_user_attributes(UserPoolId=app.pool, Username=user,
                                         UserAttributes=attrs(email=f"{user}@example.com",
                                                              email_verified="true",
                                                              custom__role="admin"))
    a = attrs_of(get_user(cognito, app.pool, user))
    assert a["email_verified"] == "true" and a["custom:role"] == "admin"


@pytest.mark.parametrize("key, names, kind", [
    ("ReadAttributes", ["email", "custom:nope"], "read"),
    ("WriteAttributes", ["name", "nope"], "write"),
    ("WriteAttributes", ["sub"], "write"),
    ("WriteAttributes", ["identities"], "write"),
    ("WriteAttributes", ["custom:secret"], "write"),
])
def test_clients_may_only_name_attributes_of_the_schema(cognito, key, names, kind):
    app = app_with(cognito)
    expect_error(cognito.create_user_pool_client, "InvalidParameterException",
                 f"Invalid {kind} attributes specified while creating a client",
                 UserPoolId=app.pool, ClientName=unique("c"), **{key: names})
    expect_error(cognito.update_user_pool_client, "InvalidParameterException",
                 f"Invalid {kind} attributes specified while updating a client",
                 UserPoolId=app.pool, ClientId=app.client_id, **{key: names})
    described = cognito.describe_user_pool_client(UserPoolId=app.pool, ClientId=app.client_id)
    assert key not in described["UserPoolClient"], "a refused update changed the client"
