"""Users: SignUp, AdminConfirmSignUp, AdminCreateUser, AdminGetUser, AdminDeleteUser,
ListUsers, attributes, enable/disable — with boto3."""

from __future__ import annotations

import datetime
import re

import pytest

import messages as M
from helpers import (
    attrs_of,
    create_client,
    create_pool,
    create_user,
    expect_error,
    get_user,
    secret_hash,
    status,
    strong_password,
    unique,
)

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
MISSING_POOL = "us-east-1_Zz9Zz9Zz9"


# --------------------------------------------------------------------------- SignUp


def test_sign_up_creates_unconfirmed_user(server, cognito):
    pool = create_pool(cognito)
    cid = create_client(cognito, pool)["ClientId"]
    # SignUp is noAuth: a client without any credentials at all must work.
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    anon = boto3.session.Session().client(
        "cognito-idp", endpoint_url=server.url, region_name="us-east-1",
        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 0}))
    resp = anon.sign_up(ClientId=cid, Username="sue", Password=strong_password(),
                        UserAttributes=[{"Name": "email", "Value": "sue@example.com"}])
    assert resp["UserConfirmed"] is False
    assert UUID_RE.fullmatch(resp["UserSub"])
    user = get_user(cognito, pool, "sue")
    assert user["UserStatus"] == "UNCONFIRMED"
    assert user["Enabled"] is True
    a = attrs_of(user)
    assert a["sub"] == resp["UserSub"]
    assert a["email"] == "sue@example.com"


def test_sign_up_duplicate(cognito):
    pool = create_pool(cognito)
    cid = create_client(cognito, pool)["ClientId"]
    cognito.sign_up(ClientId=cid, Username="dup", Password=strong_password())
    expect_error(cognito.sign_up, "UsernameExistsException", M.SIGNUP_DUPLICATE,
                 ClientId=cid, Username="dup", Password=strong_password())


def test_sign_up_duplicate_of_admin_created_user(cognito):
    pool = create_pool(cognito)
    cid = create_client(cognito, pool)["ClientId"]
    create_user(cognito, pool, "taken")
    expect_error(cognito.sign_up, "UsernameExistsException", M.SIGNUP_DUPLICATE,
                 ClientId=cid, Username="taken", Password=strong_password())


@pytest.mark.parametrize("password, rule", [
    ("Ab1!", M.RULE_LENGTH), ("abcdefg1!", M.RULE_UPPER), ("ABCDEFG1!", M.RULE_LOWER),
    ("Abcdefgh!", M.RULE_NUMBER), ("Abcdefgh1", M.RULE_SYMBOL),
])
def test_sign_up_password_policy_prefix(cognito, password, rule):
    pool = create_pool(cognito)
    cid = create_client(cognito, pool)["ClientId"]
    expect_error(cognito.sign_up, "InvalidPasswordException", M.policy_signup(rule),
                 ClientId=cid, Username="weak", Password=password)
    expect_error(cognito.admin_get_user, "UserNotFoundException", M.USER_NOT_FOUND,
                 UserPoolId=pool, Username="weak")


def test_sign_up_unknown_client(cognito):
    expect_error(cognito.sign_up, "ResourceNotFoundException",
                 M.client_not_found("nosuchclient0000000000000a"), ClientId="nosuchclient0000000000000a", Username="u", Password=strong_password())


def test_sign_up_with_secret_client(cognito):
    pool = create_pool(cognito)
    client = create_client(cognito, pool, GenerateSecret=True)
    cid, sec = client["ClientId"], client["ClientSecret"]
    expect_error(cognito.sign_up, "NotAuthorizedException", M.secret_hash_missing(cid),
                 ClientId=cid, Username="noh", Password=strong_password())
    expect_error(cognito.sign_up, "NotAuthorizedException", M.secret_hash_mismatch(cid),
                 ClientId=cid, Username="noh", Password=strong_password(),
                 SecretHash=secret_hash("noh", cid, "wrong-secret"))
    cognito.sign_up(ClientId=cid, Username="noh", Password=strong_password(),
                    SecretHash=secret_hash("noh", cid, sec))
    assert status(cognito, pool, "noh") == "UNCONFIRMED"


def test_sign_up_in_email_username_pool_needs_email(cognito):
    pool = create_pool(cognito, UsernameAttributes=["email"])
    cid = create_client(cognito, pool)["ClientId"]
    expect_error(cognito.sign_up, "InvalidParameterException", M.USERNAME_SHOULD_BE_EMAIL,
                 ClientId=cid, Username="notanemail", Password=strong_password())


# --------------------------------------------------------------------------- AdminConfirmSignUp


def test_admin_confirm_sign_up(cognito):
    pool = create_pool(cognito)
    cid = create_client(cognito, pool)["ClientId"]
    cognito.sign_up(ClientId=cid, Username="conf", Password=strong_password())
    resp = cognito.admin_confirm_sign_up(UserPoolId=pool, Username="conf")
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert status(cognito, pool, "conf") == "CONFIRMED"
    expect_error(cognito.admin_confirm_sign_up, "NotAuthorizedException",
                 M.CANNOT_CONFIRM_CONFIRMED, UserPoolId=pool, Username="conf")


def test_admin_confirm_sign_up_unknown_user(cognito):
    pool = create_pool(cognito)
    expect_error(cognito.admin_confirm_sign_up, "UserNotFoundException", M.USER_NOT_FOUND,
                 UserPoolId=pool, Username="ghost")


# --------------------------------------------------------------------------- AdminCreateUser


def test_admin_create_user_with_temporary_password(cognito):
    pool = create_pool(cognito)
    user = cognito.admin_create_user(
        UserPoolId=pool, Username="ann", TemporaryPassword=strong_password(),
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": "ann@example.com"},
                        {"Name": "name", "Value": "Ann"}],
    )["User"]
    assert user["Username"] == "ann"
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert user["Enabled"] is True
    assert isinstance(user["UserCreateDate"], datetime.datetime)
    assert isinstance(user["UserLastModifiedDate"], datetime.datetime)
    a = attrs_of(user)
    assert UUID_RE.fullmatch(a["sub"])
    assert a["email"] == "ann@example.com"
    assert a["name"] == "Ann"
    got = get_user(cognito, pool, "ann")
    assert got["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert attrs_of(got)["sub"] == a["sub"]


def test_admin_create_user_generated_password(cognito):
    pool = create_pool(cognito, policy={"MinimumLength": 20, "RequireUppercase": True,
                                        "RequireLowercase": True, "RequireNumbers": True,
                                        "RequireSymbols": True})
    user = create_user(cognito, pool, "gen")
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert status(cognito, pool, "gen") == "FORCE_CHANGE_PASSWORD"


def test_admin_create_user_subs_are_unique(cognito):
    pool = create_pool(cognito)
    subs = {attrs_of(create_user(cognito, pool, f"s{i}"))["sub"] for i in range(4)}
    assert len(subs) == 4


def test_admin_create_user_duplicate(cognito):
    pool = create_pool(cognito)
    create_user(cognito, pool, "twice")
    expect_error(cognito.admin_create_user, "UsernameExistsException", M.ADMIN_CREATE_DUPLICATE,
                 UserPoolId=pool, Username="twice", MessageAction="SUPPRESS")


def test_admin_create_user_duplicate_case_insensitive(cognito):
    pool = create_pool(cognito, UsernameConfiguration={"CaseSensitive": False})
    create_user(cognito, pool, "Twice")
    expect_error(cognito.admin_create_user, "UsernameExistsException", M.ADMIN_CREATE_DUPLICATE,
                 UserPoolId=pool, Username="tWICE", MessageAction="SUPPRESS")


def test_admin_create_user_case_sensitive_allows_case_variants(cognito):
    pool = create_pool(cognito)
    create_user(cognito, pool, "Case")
    create_user(cognito, pool, "case")
    assert attrs_of(get_user(cognito, pool, "Case"))["sub"] != attrs_of(
        get_user(cognito, pool, "case"))["sub"]


@pytest.mark.parametrize("password, rule", [
    ("Ab1!", M.RULE_LENGTH), ("abcdefg1!", M.RULE_UPPER), ("ABCDEFG1!", M.RULE_LOWER),
    ("Abcdefgh!", M.RULE_NUMBER), ("Abcdefgh1", M.RULE_SYMBOL),
])
def test_admin_create_user_weak_temporary_password(cognito, password, rule):
    pool = create_pool(cognito)
    expect_error(cognito.admin_create_user, "InvalidPasswordException", M.policy_admin(rule),
                 UserPoolId=pool, Username="weakling", TemporaryPassword=password,
                 MessageAction="SUPPRESS")
    expect_error(cognito.admin_get_user, "UserNotFoundException", M.USER_NOT_FOUND,
                 UserPoolId=pool, Username="weakling")


def test_admin_create_user_temporary_password_whitespace(lax, cognito):
    pool = create_pool(cognito)
    expect_error(lax.admin_create_user, "InvalidParameterException",
                 M.validation(M.v_pattern(M.TEMPORARY_PASSWORD_MEMBER,
                                          M.WHITESPACE_PASSWORD_PATTERN)),
                 UserPoolId=pool, Username="spacey", TemporaryPassword=" Abcdefg1!",
                 MessageAction="SUPPRESS")


def test_admin_create_user_unknown_pool(cognito):
    expect_error(cognito.admin_create_user, "ResourceNotFoundException",
                 M.pool_not_found(MISSING_POOL), UserPoolId=MISSING_POOL, Username="x",
                 MessageAction="SUPPRESS")


def test_admin_create_user_bad_message_action(lax, cognito):
    pool = create_pool(cognito)
    expect_error(lax.admin_create_user, "InvalidParameterException",
                 M.validation(M.v_enum("messageAction", "LOUD", ["RESEND", "SUPPRESS"])),
                 UserPoolId=pool, Username="x", MessageAction="LOUD")


def test_admin_create_user_resend(cognito):
    pool = create_pool(cognito)
    create_user(cognito, pool, "again", temp=strong_password())
    user = cognito.admin_create_user(UserPoolId=pool, Username="again",
                                     MessageAction="RESEND")["User"]
    assert user["Username"] == "again"
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    expect_error(cognito.admin_create_user, "UserNotFoundException", M.RESEND_NOT_FOUND,
                 UserPoolId=pool, Username="never", MessageAction="RESEND")


def test_admin_create_user_email_username_pool(cognito):
    pool = create_pool(cognito, UsernameAttributes=["email"])
    expect_error(cognito.admin_create_user, "InvalidParameterException",
                 M.USERNAME_SHOULD_BE_EMAIL,
                 UserPoolId=pool, Username="plainname", MessageAction="SUPPRESS")
    user = create_user(cognito, pool, "real@example.com")
    assert UUID_RE.fullmatch(user["Username"])
    assert attrs_of(user)["email"] == "real@example.com"
    expect_error(cognito.admin_create_user, "UsernameExistsException", M.EMAIL_USERNAME_EXISTS,
                 UserPoolId=pool, Username="real@example.com", MessageAction="SUPPRESS")


def test_admin_create_user_email_alias_pool_rejects_email_username(cognito):
    pool = create_pool(cognito, AliasAttributes=["email"])
    expect_error(cognito.admin_create_user, "InvalidParameterException",
                 M.USERNAME_EMAIL_FORMAT_WITH_EMAIL_ALIAS,
                 UserPoolId=pool, Username="who@example.com", MessageAction="SUPPRESS")


def test_admin_create_user_duplicate_verified_alias(cognito):
    pool = create_pool(cognito, AliasAttributes=["email"])
    create_user(cognito, pool, "first", attrs={"email": "same@example.com",
                                                "email_verified": "true"})
    expect_error(cognito.admin_create_user, "AliasExistsException", M.ALIAS_EMAIL_EXISTS,
                 UserPoolId=pool, Username="second", MessageAction="SUPPRESS",
                 UserAttributes=[{"Name": "email", "Value": "same@example.com"},
                                 {"Name": "email_verified", "Value": "true"}])
    expect_error(cognito.admin_get_user, "UserNotFoundException", M.USER_NOT_FOUND,
                 UserPoolId=pool, Username="second")


def test_admin_create_user_unknown_attribute(cognito):
    pool = create_pool(cognito)
    expect_error(cognito.admin_create_user, "InvalidParameterException",
                 M.attribute_not_in_schema("custom:nope"),
                 UserPoolId=pool, Username="attr", MessageAction="SUPPRESS",
                 UserAttributes=[{"Name": "custom:nope", "Value": "x"}])
    expect_error(cognito.admin_get_user, "UserNotFoundException", M.USER_NOT_FOUND,
                 UserPoolId=pool, Username="attr")


# --------------------------------------------------------------------------- AdminGetUser / AdminDeleteUser


def test_admin_get_user_unknown(cognito):
    pool = create_pool(cognito)
    expect_error(cognito.admin_get_user, "UserNotFoundException", M.USER_NOT_FOUND,
                 UserPoolId=pool, Username="nobody")
    expect_error(cognito.admin_get_user, "ResourceNotFoundException",
                 M.pool_not_found(MISSING_POOL), UserPoolId=MISSING_POOL, Username="nobody")


def test_admin_get_user_user_in_other_pool(cognito):
    a, b = create_pool(cognito), create_pool(cognito)
    create_user(cognito, a, "only-a")
    expect_error(cognito.admin_get_user, "UserNotFoundException", M.USER_NOT_FOUND,
                 UserPoolId=b, Username="only-a")


def test_admin_delete_user(cognito):
    pool = create_pool(cognito)
    create_user(cognito, pool, "del")
    resp = cognito.admin_delete_user(UserPoolId=pool, Username="del")
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    expect_error(cognito.admin_get_user, "UserNotFoundException", M.USER_NOT_FOUND,
                 UserPoolId=pool, Username="del")
    expect_error(cognito.admin_delete_user, "UserNotFoundException", M.USER_NOT_FOUND,
                 UserPoolId=pool, Username="del")
    # the name is free again
    assert create_user(cognito, pool, "del")["UserStatus"] == "FORCE_CHANGE_PASSWORD"


def test_admin_delete_user_by_sub(cognito):
    pool = create_pool(cognito)
    sub = attrs_of(create_user(cognito, pool, "bysub"))["sub"]
    cognito.admin_delete_user(UserPoolId=pool, Username=sub)
    expect_error(cognito.admin_get_user, "UserNotFoundException", M.USER_NOT_FOUND,
                 UserPoolId=pool, Username="bysub")


# --------------------------------------------------------------------------- attributes


def test_admin_update_user_attributes(cognito):
    pool = create_pool(cognito)
    create_user(cognito, pool, "upd", attrs={"name": "Old"})
    resp = cognito.admin_update_user_attributes(
        UserPoolId=pool, Username="upd",
        UserAttributes=[{"Name": "name", "Value": "New"},
                        {"Name": "email", "Value": "upd@example.com"},
                        {"Name": "email_verified", "Value": "true"}])
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    a = attrs_of(get_user(cognito, pool, "upd"))
    assert a["name"] == "New"
    assert a["email"] == "upd@example.com"
    assert a["email_verified"] == "true"


def test_admin_update_user_attributes_custom(cognito):
    pool = create_pool(cognito, Schema=[{"Name": "team", "AttributeDataType": "String",
                                         "Mutable": True}])
    create_user(cognito, pool, "cus")
    cognito.admin_update_user_attributes(UserPoolId=pool, Username="cus",
                                         UserAttributes=[{"Name": "custom:team", "Value": "red"}])
    assert attrs_of(get_user(cognito, pool, "cus"))["custom:team"] == "red"
    expect_error(cognito.admin_update_user_attributes, "InvalidParameterException",
                 M.attribute_not_in_schema("custom:undeclared"), UserPoolId=pool, Username="cus",
                 UserAttributes=[{"Name": "custom:undeclared", "Value": "x"}])
    assert "custom:undeclared" not in attrs_of(get_user(cognito, pool, "cus"))


def test_admin_update_user_attributes_unknown_user(cognito):
    pool = create_pool(cognito)
    expect_error(cognito.admin_update_user_attributes, "UserNotFoundException", M.USER_NOT_FOUND,
                 UserPoolId=pool, Username="nobody",
                 UserAttributes=[{"Name": "name", "Value": "x"}])


def test_admin_delete_user_attributes(cognito):
    pool = create_pool(cognito)
    create_user(cognito, pool, "dat", attrs={"name": "N", "given_name": "G"})
    cognito.admin_delete_user_attributes(UserPoolId=pool, Username="dat",
                                         UserAttributeNames=["name"])
    a = attrs_of(get_user(cognito, pool, "dat"))
    assert "name" not in a
    assert a["given_name"] == "G"
    expect_error(cognito.admin_delete_user_attributes, "UserNotFoundException", M.USER_NOT_FOUND,
                 UserPoolId=pool, Username="nobody", UserAttributeNames=["name"])


# --------------------------------------------------------------------------- enable / disable


def test_disable_and_enable(cognito):
    pool = create_pool(cognito)
    create_user(cognito, pool, "toggle")
    assert get_user(cognito, pool, "toggle")["Enabled"] is True
    cognito.admin_disable_user(UserPoolId=pool, Username="toggle")
    u = get_user(cognito, pool, "toggle")
    assert u["Enabled"] is False
    assert u["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    cognito.admin_enable_user(UserPoolId=pool, Username="toggle")
    assert get_user(cognito, pool, "toggle")["Enabled"] is True


def test_disable_enable_unknown_user(cognito):
    pool = create_pool(cognito)
    for fn in (cognito.admin_disable_user, cognito.admin_enable_user):
        expect_error(fn, "UserNotFoundException", M.USER_NOT_FOUND,
                     UserPoolId=pool, Username="nobody")


# --------------------------------------------------------------------------- ListUsers


@pytest.fixture
def populated(cognito):
    pool = create_pool(cognito)
    cid = create_client(cognito, pool)["ClientId"]
    users = {
        "alice": {"email": "alice@example.com", "name": "Alice"},
        "albert": {"email": "albert@example.org", "name": "Albert"},
        "bob": {"email": "bob@example.com", "name": "Bob"},
        "carol": {"email": "carol@example.com", "name": "Carol"},
    }
    for name, attrs in users.items():
        create_user(cognito, pool, name, attrs=attrs)
    cognito.admin_set_user_password(UserPoolId=pool, Username="bob",
                                    Password=strong_password(), Permanent=True)
    cognito.sign_up(ClientId=cid, Username="dave", Password=strong_password(),
                    UserAttributes=[{"Name": "email", "Value": "dave@example.net"}])
    cognito.admin_disable_user(UserPoolId=pool, Username="carol")
    return pool


def usernames(resp):
    return sorted(u["Username"] for u in resp["Users"])


def test_list_users_all(cognito, populated):
    resp = cognito.list_users(UserPoolId=populated)
    assert usernames(resp) == ["albert", "alice", "bob", "carol", "dave"]
    by_name = {u["Username"]: u for u in resp["Users"]}
    assert by_name["bob"]["UserStatus"] == "CONFIRMED"
    assert by_name["dave"]["UserStatus"] == "UNCONFIRMED"
    assert by_name["alice"]["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert by_name["carol"]["Enabled"] is False
    assert attrs_of(by_name["alice"])["email"] == "alice@example.com"


@pytest.mark.parametrize("flt, expected", [
    ('email = "alice@example.com"', ["alice"]),
    ('email = "nobody@example.com"', []),
    ('email ^= "al"', ["albert", "alice"]),
    ('email ^= "alice@"', ["alice"]),
    ('username = "bob"', ["bob"]),
    ('username ^= "a"', ["albert", "alice"]),
    ('name = "Carol"', ["carol"]),
    ('cognito:user_status = "CONFIRMED"', ["bob"]),
    ('cognito:user_status = "UNCONFIRMED"', ["dave"]),
    ('cognito:user_status = "FORCE_CHANGE_PASSWORD"', ["albert", "alice", "carol"]),
    ('cognito:user_status = "confirmed"', ["bob"]),  # case-insensitive
    ('status = "Disabled"', ["carol"]),  # `status` is the Enabled flag
    ('status = "Enabled"', ["albert", "alice", "bob", "dave"]),
])
def test_list_users_filter(cognito, populated, flt, expected):
    assert usernames(cognito.list_users(UserPoolId=populated, Filter=flt)) == expected


def test_list_users_filter_by_sub(cognito, populated):
    sub = attrs_of(get_user(cognito, populated, "carol"))["sub"]
    assert usernames(cognito.list_users(UserPoolId=populated,
                                        Filter=f'sub = "{sub}"')) == ["carol"]


@pytest.mark.parametrize("flt, message", [
    ('email == "x"', M.FILTER_PARSE_ERROR),
    ("email = x", M.FILTER_PARSE_ERROR),
    ("garbage", M.FILTER_PARSE_ERROR),
    ('nosuchattr = "x"', M.invalid_search_attribute("nosuchattr")),
])
def test_list_users_bad_filter(cognito, populated, flt, message):
    expect_error(cognito.list_users, "InvalidParameterException", message,
                 UserPoolId=populated, Filter=flt)


def test_list_users_pagination(cognito, populated):
    seen, token = [], None
    for _ in range(10):
        kwargs = {"UserPoolId": populated, "Limit": 2}
        if token:
            kwargs["PaginationToken"] = token
        resp = cognito.list_users(**kwargs)
        assert len(resp["Users"]) <= 2
        seen += [u["Username"] for u in resp["Users"]]
        token = resp.get("PaginationToken")
        if not token:
            break
    assert sorted(seen) == ["albert", "alice", "bob", "carol", "dave"]


def test_list_users_pagination_with_filter(cognito, populated):
    seen, token = [], None
    for _ in range(10):
        kwargs = {"UserPoolId": populated, "Limit": 1, "Filter": 'email ^= "al"'}
        if token:
            kwargs["PaginationToken"] = token
        resp = cognito.list_users(**kwargs)
        assert len(resp["Users"]) <= 1
        seen += [u["Username"] for u in resp["Users"]]
        token = resp.get("PaginationToken")
        if not token:
            break
    assert sorted(seen) == ["albert", "alice"]


def test_list_users_attributes_to_get(cognito, populated):
    resp = cognito.list_users(UserPoolId=populated, AttributesToGet=["email"])
    assert len(resp["Users"]) == 5
    for u in resp["Users"]:
        assert [a["Name"] for a in u["Attributes"]] == ["email"]


def test_list_users_limit_range(lax, populated):
    expect_error(lax.list_users, "InvalidParameterException",
                 M.validation(M.v_max_value("limit", 60, 61)), UserPoolId=populated, Limit=61)


def test_list_users_unknown_pool(cognito):
    expect_error(cognito.list_users, "ResourceNotFoundException", M.pool_not_found(MISSING_POOL),
                 UserPoolId=MISSING_POOL)


def test_list_users_empty_pool(cognito):
    resp = cognito.list_users(UserPoolId=create_pool(cognito))
    assert resp["Users"] == []
    assert "PaginationToken" not in resp


def test_list_users_sees_deleted_and_created(cognito):
    pool = create_pool(cognito)
    name = unique("u")
    create_user(cognito, pool, name)
    assert usernames(cognito.list_users(UserPoolId=pool)) == [name]
    cognito.admin_delete_user(UserPoolId=pool, Username=name)
    assert usernames(cognito.list_users(UserPoolId=pool)) == []
