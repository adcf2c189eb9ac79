"""AdminSetUserPassword with boto3: statuses, lookups, policy, history, validation, expiry."""

from __future__ import annotations

import string

import pytest
import requests

import messages as M
from helpers import (
    assert_raw_error,
    attrs_of,
    create_client,
    create_pool,
    create_user,
    expect_error,
    get_user,
    set_password,
    status,
    strip_meta,
    strong_password,
    unique,
)

# --------------------------------------------------------------------------- statuses


def signup_user(c, pool_id, username=None, password=None, **kwargs):
    client_id = create_client(c, pool_id)["ClientId"]
    username = username or unique("su")
    resp = c.sign_up(ClientId=client_id, Username=username,
                     Password=password or strong_password(), **kwargs)
    return username, resp


@pytest.mark.parametrize(
    "origin, permanent, expected",
    [
        ("UNCONFIRMED", True, "CONFIRMED"),
        ("UNCONFIRMED", False, "FORCE_CHANGE_PASSWORD"),
        ("UNCONFIRMED", None, "FORCE_CHANGE_PASSWORD"),
        ("FORCE_CHANGE_PASSWORD", True, "CONFIRMED"),
        ("FORCE_CHANGE_PASSWORD", False, "FORCE_CHANGE_PASSWORD"),
        ("FORCE_CHANGE_PASSWORD", None, "FORCE_CHANGE_PASSWORD"),
        ("CONFIRMED", True, "CONFIRMED"),
        ("CONFIRMED", False, "FORCE_CHANGE_PASSWORD"),
        ("CONFIRMED", None, "FORCE_CHANGE_PASSWORD"),
        ("EXTERNAL_PROVIDER", True, "CONFIRMED"),
        ("EXTERNAL_PROVIDER", False, "FORCE_CHANGE_PASSWORD"),
    ],
)
def test_status_transitions(server, cognito, origin, permanent, expected):
    pool = create_pool(cognito)
    if origin == "UNCONFIRMED":
        user, _ = signup_user(cognito, pool)
    elif origin == "EXTERNAL_PROVIDER":
        # test hook of --test-clock servers: the user a federated sign-in creates
        r = requests.post(f"{server.url}/_userpools/federated-users", timeout=10, json={
            "UserPoolId": pool, "ProviderName": "Google", "ProviderUserId": unique("sub"),
            "UserAttributes": [{"Name": "email", "Value": "fed@example.com"}]})
        assert r.status_code == 200, r.text
        user = r.json()["Username"]
        assert user.startswith("Google_")
    else:
        user = unique("u")
        create_user(cognito, pool, user, temp=strong_password())
        if origin == "CONFIRMED":
            set_password(cognito, pool, user, strong_password(), permanent=True)
    assert status(cognito, pool, user) == origin

    resp = set_password(cognito, pool, user, strong_password(), permanent=permanent)

    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert strip_meta(resp) == {}
    assert status(cognito, pool, user) == expected


def test_response_is_empty_json_object(cognito, raw):
    pool = create_pool(cognito)
    create_user(cognito, pool, "alice", temp=strong_password())
    r = raw.call("AdminSetUserPassword", {"UserPoolId": pool, "Username": "alice",
                                          "Password": strong_password(), "Permanent": True})
    assert r.status_code == 200, r.text
    assert r.json() == {}
    assert r.headers.get("x-amzn-RequestId")


def test_success_updates_last_modified_date(clocked):
    c, clock = clocked.cognito, clocked.clock
    pool = create_pool(c)
    create_user(c, pool, "bob", temp=strong_password())
    before = get_user(c, pool, "bob")
    clock.advance(60)
    set_password(c, pool, "bob", strong_password(), permanent=True)
    after = get_user(c, pool, "bob")
    assert after["UserCreateDate"] == before["UserCreateDate"]
    delta = (after["UserLastModifiedDate"] - before["UserLastModifiedDate"]).total_seconds()
    assert delta >= 59, (before["UserLastModifiedDate"], after["UserLastModifiedDate"])


def test_attributes_and_enabled_flag_untouched(cognito):
    pool = create_pool(cognito)
    user = create_user(cognito, pool, "carl", temp=strong_password(),
                       attrs={"email": "carl@example.com", "name": "Carl"})
    before = attrs_of(get_user(cognito, pool, "carl"))
    set_password(cognito, pool, "carl", strong_password(), permanent=True)
    after_user = get_user(cognito, pool, "carl")
    assert attrs_of(after_user) == before
    assert after_user["Enabled"] is True
    assert after_user["Username"] == user["Username"] == "carl"


def test_disabled_user_stays_disabled(cognito):
    pool = create_pool(cognito)
    create_user(cognito, pool, "dora", temp=strong_password())
    cognito.admin_disable_user(UserPoolId=pool, Username="dora")
    set_password(cognito, pool, "dora", strong_password(), permanent=True)
    u = get_user(cognito, pool, "dora")
    assert u["UserStatus"] == "CONFIRMED"
    assert u["Enabled"] is False


# --------------------------------------------------------------------------- lookups


def test_unknown_pool(cognito):
    missing = "us-east-1_Zz9Zz9Zz9"
    expect_error(cognito.admin_set_user_password, "ResourceNotFoundException",
                 M.pool_not_found(missing),
                 UserPoolId=missing, Username="x", Password=strong_password(), Permanent=True)


def test_unknown_user(cognito):
    pool = create_pool(cognito)
    expect_error(cognito.admin_set_user_password, "UserNotFoundException", M.USER_NOT_FOUND,
                 UserPoolId=pool, Username="nobody", Password=strong_password(), Permanent=True)


def test_deleted_user_not_found(cognito):
    pool = create_pool(cognito)
    create_user(cognito, pool, "gone", temp=strong_password())
    cognito.admin_delete_user(UserPoolId=pool, Username="gone")
    expect_error(cognito.admin_set_user_password, "UserNotFoundException", M.USER_NOT_FOUND,
                 UserPoolId=pool, Username="gone", Password=strong_password(), Permanent=True)


def test_lookup_by_sub(cognito):
    pool = create_pool(cognito)
    create_user(cognito, pool, "subby", temp=strong_password())
    sub = attrs_of(get_user(cognito, pool, "subby"))["sub"]
    set_password(cognito, pool, sub, strong_password(), permanent=True)
    assert status(cognito, pool, "subby") == "CONFIRMED"


def test_unknown_sub_is_user_not_found(cognito):
    pool = create_pool(cognito)
    create_user(cognito, pool, "someone", temp=strong_password())
    expect_error(cognito.admin_set_user_password, "UserNotFoundException", M.USER_NOT_FOUND,
                 UserPoolId=pool, Username="0b7d2c6e-1111-4222-8333-944455556666",
                 Password=strong_password(), Permanent=True)


@pytest.mark.parametrize(
    "alias, attrs, key",
    [
        ("email", {"email": "eve@example.com", "email_verified": "true"}, "eve@example.com"),
        ("phone_number", {"phone_number": "+15555550123", "phone_number_verified": "true"},
         "+15555550123"),
    ],
)
def test_lookup_by_verified_alias(cognito, alias, attrs, key):
    pool = create_pool(cognito, AliasAttributes=[alias])
    create_user(cognito, pool, "eve", temp=strong_password(), attrs=attrs)
    set_password(cognito, pool, key, strong_password(), permanent=True)
    assert status(cognito, pool, "eve") == "CONFIRMED"
    # AdminGetUser by the alias answers with the real username.
    assert get_user(cognito, pool, key)["Username"] == "eve"


def test_lookup_by_preferred_username_alias(cognito):
    pool = create_pool(cognito, AliasAttributes=["preferred_username"])
    create_user(cognito, pool, "frank", temp=strong_password())
    set_password(cognito, pool, "frank", strong_password(), permanent=True)
    cognito.admin_update_user_attributes(
        UserPoolId=pool, Username="frank",
        UserAttributes=[{"Name": "preferred_username", "Value": "franky"}])
    set_password(cognito, pool, "franky", strong_password(), permanent=False)
    assert status(cognito, pool, "frank") == "FORCE_CHANGE_PASSWORD"


@pytest.mark.parametrize(
    "alias, attrs, key",
    [
        ("email", {"email": "gus@example.com", "email_verified": "false"}, "gus@example.com"),
        ("email", {"email": "gus@example.com"}, "gus@example.com"),
        ("phone_number", {"phone_number": "+15555550124"}, "+15555550124"),
    ],
)
def test_unverified_alias_is_not_a_lookup_key(cognito, alias, attrs, key):
    pool = create_pool(cognito, AliasAttributes=[alias])
    create_user(cognito, pool, "gus", temp=strong_password(), attrs=attrs)
    expect_error(cognito.admin_set_user_password, "UserNotFoundException", M.USER_NOT_FOUND,
                 UserPoolId=pool, Username=key, Password=strong_password(), Permanent=True)
    assert status(cognito, pool, "gus") == "FORCE_CHANGE_PASSWORD"


def test_email_is_not_a_lookup_key_without_alias_config(cognito):
    pool = create_pool(cognito)
    create_user(cognito, pool, "hal", temp=strong_password(),
                attrs={"email": "hal@example.com", "email_verified": "true"})
    expect_error(cognito.admin_set_user_password, "UserNotFoundException", M.USER_NOT_FOUND,
                 UserPoolId=pool, Username="hal@example.com", Password=strong_password(),
                 Permanent=True)


def test_lookup_by_email_in_username_attributes_pool(cognito):
    pool = create_pool(cognito, UsernameAttributes=["email"])
    user = create_user(cognito, pool, "ivy@example.com", temp=strong_password(),
                       attrs={"email": "ivy@example.com", "email_verified": "true"})
    internal = user["Username"]
    sub = attrs_of(user)["sub"]
    assert internal == sub
    assert internal != "ivy@example.com"
    set_password(cognito, pool, "ivy@example.com", strong_password(), permanent=True)
    got = get_user(cognito, pool, "ivy@example.com")
    assert got["Username"] == internal
    assert got["UserStatus"] == "CONFIRMED"
    # ... and by the internal username (= sub) too.
    set_password(cognito, pool, internal, strong_password(), permanent=False)
    assert status(cognito, pool, "ivy@example.com") == "FORCE_CHANGE_PASSWORD"


def test_lookup_by_email_of_signed_up_user_in_username_attributes_pool(cognito):
    pool = create_pool(cognito, UsernameAttributes=["email"])
    _, resp = signup_user(cognito, pool, username="jay@example.com",
                          UserAttributes=[{"Name": "email", "Value": "jay@example.com"}])
    assert status(cognito, pool, "jay@example.com") == "UNCONFIRMED"
    set_password(cognito, pool, "jay@example.com", strong_password(), permanent=True)
    got = get_user(cognito, pool, "jay@example.com")
    assert got["UserStatus"] == "CONFIRMED"
    assert got["Username"] == resp["UserSub"]


def test_case_insensitive_pool(cognito):
    pool = create_pool(cognito, UsernameConfiguration={"CaseSensitive": False})
    create_user(cognito, pool, "Kim", temp=strong_password())
    set_password(cognito, pool, "kim", strong_password(), permanent=True)
    assert status(cognito, pool, "KIM") == "CONFIRMED"
    set_password(cognito, pool, "kIM", strong_password(), permanent=False)
    assert status(cognito, pool, "Kim") == "FORCE_CHANGE_PASSWORD"


def test_case_insensitive_preferred_username_alias(cognito):
    pool = create_pool(cognito, UsernameConfiguration={"CaseSensitive": False},
                       AliasAttributes=["preferred_username"])
    create_user(cognito, pool, "pat")
    set_password(cognito, pool, "pat", strong_password(), permanent=True)
    cognito.admin_update_user_attributes(
        UserPoolId=pool, Username="pat",
        UserAttributes=[{"Name": "preferred_username", "Value": "PattyCake"}])
    set_password(cognito, pool, "pattycake", strong_password(), permanent=False)
    assert status(cognito, pool, "pat") == "FORCE_CHANGE_PASSWORD"


def test_email_username_pool_case_insensitive(cognito):
    pool = create_pool(cognito, UsernameAttributes=["email"],
                       UsernameConfiguration={"CaseSensitive": False})
    create_user(cognito, pool, "Quinn@Example.com",
                attrs={"email": "Quinn@Example.com", "email_verified": "true"})
    set_password(cognito, pool, "quinn@example.com", strong_password(), permanent=True)
    assert status(cognito, pool, "QUINN@EXAMPLE.COM") == "CONFIRMED"


def test_email_username_pool_case_sensitive(cognito):
    pool = create_pool(cognito, UsernameAttributes=["email"],
                       UsernameConfiguration={"CaseSensitive": True})
    create_user(cognito, pool, "Rae@Example.com",
                attrs={"email": "Rae@Example.com", "email_verified": "true"})
    expect_error(cognito.admin_set_user_password, "UserNotFoundException", M.USER_NOT_FOUND,
                 UserPoolId=pool, Username="rae@example.com", Password=strong_password(),
                 Permanent=True)
    set_password(cognito, pool, "Rae@Example.com", strong_password(), permanent=True)
    assert status(cognito, pool, "Rae@Example.com") == "CONFIRMED"


def test_case_insensitive_email_alias(cognito):
    pool = create_pool(cognito, UsernameConfiguration={"CaseSensitive": False},
                       AliasAttributes=["email"])
    create_user(cognito, pool, "lea", temp=strong_password(),
                attrs={"email": "Lea@Example.com", "email_verified": "true"})
    set_password(cognito, pool, "lea@example.COM", strong_password(), permanent=True)
    assert status(cognito, pool, "lea") == "CONFIRMED"


@pytest.mark.parametrize("config", [{"UsernameConfiguration": {"CaseSensitive": True}}, {}],
                         ids=["explicit", "default"])
def test_case_sensitive_pool(cognito, config):
    pool = create_pool(cognito, **config)
    create_user(cognito, pool, "Max", temp=strong_password())
    for other in ("max", "MAX"):
        expect_error(cognito.admin_set_user_password, "UserNotFoundException", M.USER_NOT_FOUND,
                     UserPoolId=pool, Username=other, Password=strong_password(), Permanent=True)
    assert status(cognito, pool, "Max") == "FORCE_CHANGE_PASSWORD"


# --------------------------------------------------------------------------- password policy

WEAK = [
    # (password, rule) against the strong policy (8, upper, lower, number, symbol)
    ("Ab1!", M.RULE_LENGTH),
    ("ab", M.RULE_LENGTH),  # length first, though four rules fail
    ("Ab1!xyz", M.RULE_LENGTH),  # 7 < 8
    ("abcdefg1!", M.RULE_UPPER),
    ("abcdefgh", M.RULE_UPPER),  # upper before lower/number/symbol
    ("ABCDEFG1!", M.RULE_LOWER),
    ("ABCDEFGH", M.RULE_LOWER),
    ("Abcdefgh!", M.RULE_NUMBER),
    ("Abcdefgh", M.RULE_NUMBER),  # number before symbol
    ("Abcdefg12", M.RULE_SYMBOL),
    ("\u00c4bcdefg1!", M.RULE_UPPER),  # Ä is not A-Z
    ("Abcdefg1\u20ac", M.RULE_SYMBOL),  # € is not one of the specials
]


@pytest.mark.parametrize("password, rule", WEAK)
@pytest.mark.parametrize("permanent", [True, False])
def test_policy_violations(cognito, password, rule, permanent):
    pool = create_pool(cognito)
    create_user(cognito, pool, "nia", temp=strong_password())
    expect_error(cognito.admin_set_user_password, "InvalidPasswordException",
                 M.policy_admin(rule),
                 UserPoolId=pool, Username="nia", Password=password, Permanent=permanent)
    assert status(cognito, pool, "nia") == "FORCE_CHANGE_PASSWORD"


def test_every_ascii_punctuation_counts_as_symbol(cognito):
    assert len(string.punctuation) == 32
    pool = create_pool(cognito)
    create_user(cognito, pool, "oz", temp=strong_password())
    for ch in string.punctuation:
        set_password(cognito, pool, "oz", f"Abcdefg1{ch}", permanent=True)
    assert status(cognito, pool, "oz") == "CONFIRMED"


def test_inner_space_counts_as_symbol(cognito):
    pool = create_pool(cognito)
    create_user(cognito, pool, "pia", temp=strong_password())
    set_password(cognito, pool, "pia", "Abcd efg1", permanent=True)
    assert status(cognito, pool, "pia") == "CONFIRMED"


def test_minimum_length_boundary(cognito):
    pool = create_pool(cognito, policy={"MinimumLength": 12, "RequireUppercase": False,
                                        "RequireLowercase": False, "RequireNumbers": False,
                                        "RequireSymbols": False})
    create_user(cognito, pool, "quin", temp="a" * 12)
    expect_error(cognito.admin_set_user_password, "InvalidPasswordException",
                 M.policy_admin(M.RULE_LENGTH),
                 UserPoolId=pool, Username="quin", Password="b" * 11, Permanent=True)
    set_password(cognito, pool, "quin", "b" * 12, permanent=True)
    assert status(cognito, pool, "quin") == "CONFIRMED"


def test_lax_policy_accepts_lowercase_only(cognito):
    pool = create_pool(cognito, policy={"MinimumLength": 6, "RequireUppercase": False,
                                        "RequireLowercase": False, "RequireNumbers": False,
                                        "RequireSymbols": False})
    create_user(cognito, pool, "rex", temp="zzzzzz")
    set_password(cognito, pool, "rex", "aaaaaa", permanent=True)
    assert status(cognito, pool, "rex") == "CONFIRMED"
    expect_error(cognito.admin_set_user_password, "InvalidPasswordException",
                 M.policy_admin(M.RULE_LENGTH),
                 UserPoolId=pool, Username="rex", Password="aaaaa", Permanent=True)


def test_each_requirement_alone(cognito):
    base = {"MinimumLength": 6, "RequireUppercase": False, "RequireLowercase": False,
            "RequireNumbers": False, "RequireSymbols": False}
    cases = [("RequireUppercase", "abcdef", M.RULE_UPPER),
             ("RequireLowercase", "ABCDEF", M.RULE_LOWER),
             ("RequireNumbers", "abcdef", M.RULE_NUMBER),
             ("RequireSymbols", "abc123", M.RULE_SYMBOL)]
    for flag, pw, rule in cases:
        pool = create_pool(cognito, policy={**base, flag: True})
        create_user(cognito, pool, "sam")
        expect_error(cognito.admin_set_user_password, "InvalidPasswordException",
                     M.policy_admin(rule),
                     UserPoolId=pool, Username="sam", Password=pw, Permanent=True)


def test_default_policy_when_pool_has_none(cognito):
    pool = cognito.create_user_pool(PoolName=unique("nopolicy"))["UserPool"]["Id"]
    create_user(cognito, pool, "tia")
    expect_error(cognito.admin_set_user_password, "InvalidPasswordException",
                 M.policy_admin(M.RULE_SYMBOL),
                 UserPoolId=pool, Username="tia", Password="Abcdefg1", Permanent=True)
    expect_error(cognito.admin_set_user_password, "InvalidPasswordException",
                 M.policy_admin(M.RULE_LENGTH),
                 UserPoolId=pool, Username="tia", Password="Abcde1!", Permanent=True)
    set_password(cognito, pool, "tia", "Abcdefg1!", permanent=True)
    assert status(cognito, pool, "tia") == "CONFIRMED"


def test_policy_follows_update_user_pool(cognito):
    pool = create_pool(cognito)
    create_user(cognito, pool, "uma")
    set_password(cognito, pool, "uma", "Abcdefg1!", permanent=True)
    cognito.update_user_pool(UserPoolId=pool, Policies={"PasswordPolicy": {
        "MinimumLength": 14, "RequireUppercase": True, "RequireLowercase": True,
        "RequireNumbers": True, "RequireSymbols": True}})
    expect_error(cognito.admin_set_user_password, "InvalidPasswordException",
                 M.policy_admin(M.RULE_LENGTH),
                 UserPoolId=pool, Username="uma", Password="Abcdefg1!xyz", Permanent=True)
    set_password(cognito, pool, "uma", "Abcdefg1!xyzuv", permanent=True)


def test_maximum_length_256_accepted(cognito):
    pool = create_pool(cognito)
    create_user(cognito, pool, "val")
    password = "Aa1!" + "x" * 252
    assert len(password) == 256
    set_password(cognito, pool, "val", password, permanent=True)
    assert status(cognito, pool, "val") == "CONFIRMED"


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("password", [" Abcdefg1!", "Abcdefg1! ", "\tAbcdefg1!", "Abcdefg1!\n"])
def test_leading_or_trailing_whitespace(lax, cognito, password):
    pool = create_pool(cognito)
    create_user(cognito, pool, "walt", temp=strong_password())
    expect_error(lax.admin_set_user_password, "InvalidParameterException",
                 M.validation(M.v_pattern("password", M.WHITESPACE_PASSWORD_PATTERN)),
                 UserPoolId=pool, Username="walt", Password=password, Permanent=True)
    assert status(cognito, pool, "walt") == "FORCE_CHANGE_PASSWORD"


def test_password_too_long(lax, cognito):
    pool = create_pool(cognito)
    create_user(cognito, pool, "xena", temp=strong_password())
    expect_error(lax.admin_set_user_password, "InvalidParameterException",
                 M.validation(M.v_max_len("password", 256)),
                 UserPoolId=pool, Username="xena", Password="Aa1!" + "x" * 253, Permanent=True)


def test_validation_comes_before_pool_lookup(lax):
    # A missing pool must not be reported: the input is checked first.
    expect_error(lax.admin_set_user_password, "InvalidParameterException",
                 M.validation(M.v_max_len("password", 256)),
                 UserPoolId="us-east-1_Zz9Zz9Zz9", Username="x", Password="Aa1!" + "x" * 253)


def test_missing_pool_id(lax):
    expect_error(lax.admin_set_user_password, "InvalidParameterException",
                 M.validation(M.v_null("userPoolId")),
                 Username="x", Password=strong_password())


def test_bad_pool_id_pattern(lax):
    expect_error(lax.admin_set_user_password, "InvalidParameterException",
                 M.validation(M.v_pattern("userPoolId", M.USER_POOL_ID_PATTERN, "bad")),
                 UserPoolId="bad", Username="x", Password=strong_password())


def test_several_validation_errors(lax):
    err = expect_error(lax.admin_set_user_password, "InvalidParameterException",
                       UserPoolId="bad", Username="x", Password="Aa1!" + "x" * 253)
    parsed = M.split_validation(err.response["Error"]["Message"])
    assert parsed is not None, err.response["Error"]["Message"]
    count, parts = parsed
    assert count == 2
    assert sorted(parts) == sorted([
        M.v_pattern("userPoolId", M.USER_POOL_ID_PATTERN, "bad"),
        M.v_max_len("password", 256),
    ])


def test_sensitive_values_never_echoed(lax):
    secret_pw = "SecretValue1!" + "y" * 250
    err = expect_error(lax.admin_set_user_password, "InvalidParameterException",
                       UserPoolId="bad", Username="x" * 129, Password=secret_pw)
    msg = err.response["Error"]["Message"]
    assert "SecretValue1!" not in msg
    assert "x" * 129 not in msg
    assert M.split_validation(msg)[0] == 3


def test_empty_password(lax, cognito):
    pool = create_pool(cognito)
    create_user(cognito, pool, "yul", temp=strong_password())
    expect_error(lax.admin_set_user_password, "InvalidParameterException",
                 M.validation(M.v_pattern("password", r"[\S]+")),
                 UserPoolId=pool, Username="yul", Password="", Permanent=True)
    assert status(cognito, pool, "yul") == "FORCE_CHANGE_PASSWORD"


# --------------------------------------------------------------------------- history


def history_pool(c, n):
    pool = create_pool(c, history=n)
    create_user(c, pool, "hist")  # generated temporary password, unknown to the test
    return pool


def test_history_refuses_last_n_accepts_older(cognito):
    pool = history_pool(cognito, 2)
    p1, p2, p3 = strong_password(), strong_password(), strong_password()
    for p in (p1, p2):
        set_password(cognito, pool, "hist", p, permanent=True)
    # history: p2 (current), p1
    for p in (p2, p1):
        expect_error(cognito.admin_set_user_password, "PasswordHistoryPolicyViolationException",
                     M.PASSWORD_HISTORY,
                     UserPoolId=pool, Username="hist", Password=p, Permanent=True)
    set_password(cognito, pool, "hist", p3, permanent=True)
    # history: p3, p2 -> p1 is the (N+1)-th older one: accepted
    set_password(cognito, pool, "hist", p1, permanent=True)
    assert status(cognito, pool, "hist") == "CONFIRMED"
    # and now p3 is still within the last two (p1, p3)
    expect_error(cognito.admin_set_user_password, "PasswordHistoryPolicyViolationException",
                 M.PASSWORD_HISTORY,
                 UserPoolId=pool, Username="hist", Password=p3, Permanent=True)


def test_history_includes_current_password(cognito):
    pool = history_pool(cognito, 1)
    p1, p2 = strong_password(), strong_password()
    set_password(cognito, pool, "hist", p1, permanent=True)
    expect_error(cognito.admin_set_user_password, "PasswordHistoryPolicyViolationException",
                 M.PASSWORD_HISTORY,
                 UserPoolId=pool, Username="hist", Password=p1, Permanent=True)
    set_password(cognito, pool, "hist", p2, permanent=True)
    set_password(cognito, pool, "hist", p1, permanent=True)


def test_history_applies_to_temporary_passwords(cognito):
    pool = history_pool(cognito, 3)
    p1 = strong_password()
    set_password(cognito, pool, "hist", p1, permanent=False)
    expect_error(cognito.admin_set_user_password, "PasswordHistoryPolicyViolationException",
                 M.PASSWORD_HISTORY,
                 UserPoolId=pool, Username="hist", Password=p1, Permanent=True)
    expect_error(cognito.admin_set_user_password, "PasswordHistoryPolicyViolationException",
                 M.PASSWORD_HISTORY,
                 UserPoolId=pool, Username="hist", Password=p1, Permanent=False)
    assert status(cognito, pool, "hist") == "FORCE_CHANGE_PASSWORD"


def test_history_includes_admin_create_user_temporary_password(cognito):
    pool = create_pool(cognito, history=1)
    temp = strong_password()
    create_user(cognito, pool, "tom", temp=temp)
    expect_error(cognito.admin_set_user_password, "PasswordHistoryPolicyViolationException",
                 M.PASSWORD_HISTORY,
                 UserPoolId=pool, Username="tom", Password=temp, Permanent=True)
    assert status(cognito, pool, "tom") == "FORCE_CHANGE_PASSWORD"


def test_history_size_24(cognito):
    pool = history_pool(cognito, 24)
    passwords = [strong_password() for _ in range(25)]
    for p in passwords[:24]:
        set_password(cognito, pool, "hist", p, permanent=True)
    expect_error(cognito.admin_set_user_password, "PasswordHistoryPolicyViolationException",
                 M.PASSWORD_HISTORY,
                 UserPoolId=pool, Username="hist", Password=passwords[0], Permanent=True)
    set_password(cognito, pool, "hist", passwords[24], permanent=True)
    set_password(cognito, pool, "hist", passwords[0], permanent=True)


def test_no_history_allows_reuse(cognito):
    for config in ({}, {"history": 0}):
        pool = create_pool(cognito, **config)
        create_user(cognito, pool, "zed")
        p = strong_password()
        set_password(cognito, pool, "zed", p, permanent=True)
        set_password(cognito, pool, "zed", p, permanent=True)
        set_password(cognito, pool, "zed", p, permanent=False)
        assert status(cognito, pool, "zed") == "FORCE_CHANGE_PASSWORD"


def test_history_enabled_later_counts_from_then(cognito):
    pool = create_pool(cognito)
    create_user(cognito, pool, "amy")
    p1, p2 = strong_password(), strong_password()
    set_password(cognito, pool, "amy", p1, permanent=True)
    cognito.update_user_pool(UserPoolId=pool, Policies={"PasswordPolicy": {
        "MinimumLength": 8, "RequireUppercase": True, "RequireLowercase": True,
        "RequireNumbers": True, "RequireSymbols": True, "PasswordHistorySize": 2}})
    set_password(cognito, pool, "amy", p2, permanent=True)
    expect_error(cognito.admin_set_user_password, "PasswordHistoryPolicyViolationException",
                 M.PASSWORD_HISTORY,
                 UserPoolId=pool, Username="amy", Password=p2, Permanent=True)


def test_history_is_per_user(cognito):
    pool = create_pool(cognito, history=3)
    create_user(cognito, pool, "u1")
    create_user(cognito, pool, "u2")
    p = strong_password()
    set_password(cognito, pool, "u1", p, permanent=True)
    set_password(cognito, pool, "u2", p, permanent=True)
    assert status(cognito, pool, "u2") == "CONFIRMED"


def test_policy_checked_before_history(cognito):
    pool = create_pool(cognito, history=2)
    create_user(cognito, pool, "ben")
    # weak AND (trivially) not in history -> InvalidPasswordException
    expect_error(cognito.admin_set_user_password, "InvalidPasswordException",
                 M.policy_admin(M.RULE_SYMBOL),
                 UserPoolId=pool, Username="ben", Password="Abcdefg1", Permanent=True)


# --------------------------------------------------------------------------- failed calls change nothing


def _fresh_history1_user(c):
    """Pool with PasswordHistorySize=1: the current password is observable through the history."""
    pool = create_pool(c, history=1)
    create_user(c, pool, "cal")
    current = strong_password()
    set_password(c, pool, "cal", current, permanent=False)
    return pool, current


def _assert_password_is(c, pool, user, current, untouched_candidate):
    # `current` is still the current password (refused by history size 1) ...
    expect_error(c.admin_set_user_password, "PasswordHistoryPolicyViolationException",
                 M.PASSWORD_HISTORY,
                 UserPoolId=pool, Username=user, Password=current, Permanent=False)
    # ... and the one of the failed call was never recorded.
    set_password(c, pool, user, untouched_candidate, permanent=False)


@pytest.mark.parametrize("failure", ["policy", "history", "whitespace", "too_long"])
def test_failed_call_changes_nothing(clocked, failure):
    c, lax, clock = clocked.cognito, clocked.server.client(validate=False), clocked.clock
    pool, current = _fresh_history1_user(c)
    before = get_user(c, pool, "cal")
    clock.advance(30)
    candidate = strong_password()
    bad = {
        "policy": ("Abcdefg1", "InvalidPasswordException"),
        "history": (current, "PasswordHistoryPolicyViolationException"),
        "whitespace": (" " + candidate, "InvalidParameterException"),
        "too_long": (candidate + "x" * 256, "InvalidParameterException"),
    }[failure]
    expect_error(lax.admin_set_user_password, bad[1],
                 UserPoolId=pool, Username="cal", Password=bad[0], Permanent=True)
    after = get_user(c, pool, "cal")
    assert after["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert after["UserLastModifiedDate"] == before["UserLastModifiedDate"]
    assert attrs_of(after) == attrs_of(before)
    _assert_password_is(c, pool, "cal", current, candidate)


def test_serialization_error_changes_nothing(clocked):
    c, raw = clocked.cognito, clocked.raw
    pool, current = _fresh_history1_user(c)
    before = get_user(c, pool, "cal")
    candidate = strong_password()
    r = raw.call("AdminSetUserPassword", {"UserPoolId": pool, "Username": "cal",
                                          "Password": candidate, "Permanent": "false"})
    assert_raw_error(r, "SerializationException")
    after = get_user(c, pool, "cal")
    assert after["UserStatus"] == before["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert after["UserLastModifiedDate"] == before["UserLastModifiedDate"]
    _assert_password_is(c, pool, "cal", current, candidate)


# --------------------------------------------------------------------------- temporary password expiry


def test_expired_temporary_password_user_can_be_reset(clocked):
    c, clock = clocked.cognito, clocked.clock
    pool = create_pool(c, temp_days=1)
    create_user(c, pool, "dan", temp=strong_password())
    clock.advance(2 * 86400)
    # expiry does not change what AdminGetUser shows ...
    assert status(c, pool, "dan") == "FORCE_CHANGE_PASSWORD"
    # ... and the admin can set a new temporary or permanent password.
    set_password(c, pool, "dan", strong_password(), permanent=False)
    assert status(c, pool, "dan") == "FORCE_CHANGE_PASSWORD"
    set_password(c, pool, "dan", strong_password(), permanent=True)
    assert status(c, pool, "dan") == "CONFIRMED"


def test_temporary_password_validity_days_in_describe(cognito):
    pool = create_pool(cognito, temp_days=3)
    pp = cognito.describe_user_pool(UserPoolId=pool)["UserPool"]["Policies"]["PasswordPolicy"]
    assert pp["TemporaryPasswordValidityDays"] == 3


def _admin_auth(c, pool, client_id, user, password):
    return c.admin_initiate_auth(UserPoolId=pool, ClientId=client_id,
                                 AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                 AuthParameters={"USERNAME": user, "PASSWORD": password})


def _auth_pool(c, **kwargs):
    pool = create_pool(c, **kwargs)
    client_id = create_client(c, pool, ExplicitAuthFlows=[
        "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["ClientId"]
    return pool, client_id


@pytest.mark.signin
def test_signin_expired_temporary_password(clocked):
    """For the lead: needs AdminInitiateAuth (sign-in issue)."""
    c, clock = clocked.cognito, clocked.clock
    pool, client_id = _auth_pool(c, temp_days=1)
    temp = strong_password()
    create_user(c, pool, "eli", temp=temp)
    assert _admin_auth(c, pool, client_id, "eli", temp)["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    clock.advance(86400 + 60)
    expect_error(_admin_auth, "NotAuthorizedException", M.TEMP_PASSWORD_EXPIRED,
                 c=c, pool=pool, client_id=client_id, user="eli", password=temp)


@pytest.mark.signin
def test_signin_admin_set_temporary_password_restarts_expiry(clocked):
    """For the lead: AdminSetUserPassword(Permanent=false) restarts TemporaryPasswordValidityDays."""
    c, clock = clocked.cognito, clocked.clock
    pool, client_id = _auth_pool(c, temp_days=1)
    create_user(c, pool, "fay", temp=strong_password())
    clock.advance(20 * 3600)
    temp2 = strong_password()
    set_password(c, pool, "fay", temp2, permanent=False)
    clock.advance(20 * 3600)  # 40 h after creation, 20 h after the reset
    assert _admin_auth(c, pool, client_id, "fay", temp2)["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    clock.advance(5 * 3600)  # 25 h after the reset
    expect_error(_admin_auth, "NotAuthorizedException", M.TEMP_PASSWORD_EXPIRED,
                 c=c, pool=pool, client_id=client_id, user="fay", password=temp2)


@pytest.mark.signin
def test_signin_zero_validity_days_means_seven(clocked):
    c, clock = clocked.cognito, clocked.clock
    pool, client_id = _auth_pool(c, temp_days=0)
    temp = strong_password()
    create_user(c, pool, "gil", temp=temp)
    clock.advance(7 * 86400 - 3600)
    assert _admin_auth(c, pool, client_id, "gil", temp)["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    clock.advance(7200)
    expect_error(_admin_auth, "NotAuthorizedException", M.TEMP_PASSWORD_EXPIRED,
                 c=c, pool=pool, client_id=client_id, user="gil", password=temp)


@pytest.mark.signin
def test_signin_permanent_password_works_and_old_one_does_not(cognito):
    pool, client_id = _auth_pool(cognito)
    old, new = strong_password(), strong_password()
    create_user(cognito, pool, "hui", temp=old)
    set_password(cognito, pool, "hui", new, permanent=True)
    result = _admin_auth(cognito, pool, client_id, "hui", new)
    assert "AuthenticationResult" in result
    expect_error(_admin_auth, "NotAuthorizedException", M.INCORRECT_CREDENTIALS,
                 c=cognito, pool=pool, client_id=client_id, user="hui", password=old)


@pytest.mark.signin
def test_signin_srp_with_pycognito(server, cognito):
    from pycognito.aws_srp import AWSSRP, ForceChangePasswordException

    pool = create_pool(cognito)
    client_id = create_client(cognito, pool, ExplicitAuthFlows=[
        "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["ClientId"]
    temp, perm = strong_password(), strong_password()
    create_user(cognito, pool, "ida", temp=temp)
    with pytest.raises(ForceChangePasswordException):
        AWSSRP(username="ida", password=temp, pool_id=pool, client_id=client_id,
               client=server.client()).authenticate_user()
    set_password(cognito, pool, "ida", perm, permanent=True)
    tokens = AWSSRP(username="ida", password=perm, pool_id=pool, client_id=client_id,
                    client=server.client()).authenticate_user()
    assert tokens["AuthenticationResult"]["TokenType"] == "Bearer"
