"""Composed and decomposed spellings are one user (issue 12 item 11), with boto3.

Usernames and alias values are normalised to Unicode NFC when a user is created and when a
name is looked up, so "josé" written with U+00E9 or with "e" + U+0301 names the same user.
"""

from __future__ import annotations

import unicodedata

import pytest

import messages as M
from helpers import create_user, expect_error, get_user, strong_password, unique
from signin_support import assert_tokens, make_app

SPELLINGS = [("composed first", "NFC", "NFD"), ("decomposed first", "NFD", "NFC")]


def spelled(form: str, text: str) -> str:
    return unicodedata.normalize(form, text)


@pytest.mark.parametrize("_, first, second", SPELLINGS)
def test_one_user_whatever_the_spelling(cognito, _, first, second):
    app = make_app(cognito)
    base = f"jos\u00e9-{unique()}"
    created, other = spelled(first, base), spelled(second, base)
    assert created != other
    pw = strong_password()
    user = create_user(cognito, app.pool, created, temp=strong_password())
    assert user["Username"] == spelled("NFC", base)
    cognito.admin_set_user_password(UserPoolId=app.pool, Username=other, Password=pw,
                                    Permanent=True)
    got = get_user(cognito, app.pool, other)
    assert got["Username"] == spelled("NFC", base)
    assert_tokens(app.sign_in(other, pw, "USER_PASSWORD_AUTH"))
    assert_tokens(app.sign_in(other, pw, "USER_SRP_AUTH"))
    expect_error(cognito.admin_create_user, "UsernameExistsException", M.ADMIN_CREATE_DUPLICATE,
                 UserPoolId=app.pool, Username=other, MessageAction="SUPPRESS")
    expect_error(cognito.sign_up, "UsernameExistsException", M.SIGNUP_DUPLICATE,
                 ClientId=app.client_id, Username=other, Password=strong_password())


def test_email_alias_whatever_the_spelling(cognito):
    app = make_app(cognito, AliasAttributes=["email"])
    local = f"ren\u00e9e.{unique()}"
    email_nfd = spelled("NFD", f"{local}@example.com")
    email_nfc = spelled("NFC", f"{local}@example.com")
    pw = strong_password()
    user = app.user(permanent=pw, attrs={"email": email_nfd, "email_verified": "true"})
    assert get_user(cognito, app.pool, email_nfc)["Username"] == user
    assert_tokens(app.sign_in(email_nfc, pw, "USER_PASSWORD_AUTH"))
    expect_error(cognito.admin_create_user, "AliasExistsException", M.ALIAS_EMAIL_EXISTS,
                 UserPoolId=app.pool, Username=unique("u"), MessageAction="SUPPRESS",
                 UserAttributes=[{"Name": "email", "Value": email_nfc},
                                 {"Name": "email_verified", "Value": "true"}])


def test_email_sign_in_name_whatever_the_spelling(cognito):
    app = make_app(cognito, UsernameAttributes=["email"])
    email = f"jos\u00e9.{unique()}@example.com"
    pw = strong_password()
    create_user(cognito, app.pool, spelled("NFD", email), temp=strong_password())
    cognito.admin_set_user_password(UserPoolId=app.pool, Username=spelled("NFC", email),
                                    Password=pw, Permanent=True)
    assert_tokens(app.sign_in(spelled("NFC", email), pw, "USER_PASSWORD_AUTH"))
    expect_error(cognito.sign_up, "UsernameExistsException", M.EMAIL_USERNAME_EXISTS,
                 ClientId=app.client_id, Username=spelled("NFC", email),
                 Password=strong_password())
