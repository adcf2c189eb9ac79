"""SignUp's confirmation code, ConfirmSignUp, ResendConfirmationCode and AdminConfirmSignUp
with boto3; codes read from the outbox (GET /_userpools/outbox and `userpools outbox`)."""

from __future__ import annotations

import json

from helpers import (attrs_of, create_client, create_pool, create_user, expect_error,
                     get_user, secret_hash, status, strong_password, unique)
from mailbox import latest_code, outbox, outbox_cli

MISMATCH = "Invalid verification code provided, please try again."
EXPIRED = "Invalid code provided, please request a code again."
LIMIT = "Attempt limit exceeded, please try after some time."
TOO_MANY = "Too many failed attempts with this code, please request a code again."
NOT_FOUND = "Username/client id combination not found."


def setup(c, *, auto=("email",), client_kwargs=None, **pool_kwargs):
    pool_id = create_pool(c, AutoVerifiedAttributes=list(auto), **pool_kwargs)
    client = create_client(c, pool_id, **(client_kwargs or {}))
    return pool_id, client["ClientId"]


def sign_up(c, client_id, username, **attrs):
    return c.sign_up(ClientId=client_id, Username=username, Password=strong_password(),
                     UserAttributes=[{"Name": k, "Value": v} for k, v in attrs.items()])


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_sign_up_sends_a_code_that_confirms_and_verifies_the_email(server, cognito):
    pool_id, client_id = setup(cognito)
    name, address = unique("u"), f"{unique('jane')}@example.com"
    resp = sign_up(cognito, client_id, name, email=address)
    assert resp["UserConfirmed"] is False
    assert resp["CodeDeliveryDetails"] == {
        "Destination": f"{address[0]}***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    [held] = outbox(server, pool_id, address)
    assert held["channel"] == "EMAIL" and held["purpose"] == "SIGN_UP"
    assert held["subject"] == "Your verification code"
    assert held["body"] == f"Your verification code is {held['code']}. "
    assert len(held["code"]) == 6 and held["code"].isdigit()
    assert status(cognito, pool_id, name) == "UNCONFIRMED"

    cognito.confirm_sign_up(ClientId=client_id, Username=name, ConfirmationCode=held["code"])
    user = get_user(cognito, pool_id, name)
    assert user["UserStatus"] == "CONFIRMED"
    assert attrs_of(user)["email_verified"] == "true"
    # A code is single use; the user is confirmed now.
    expect_error(cognito.confirm_sign_up, "NotAuthorizedException",
                 "User cannot be confirmed. Current status is CONFIRMED",
                 ClientId=client_id, Username=name, ConfirmationCode=held["code"])


def test_no_code_without_auto_verification_and_then_confirm_says_expired(server, cognito):
    pool_id, client_id = setup(cognito, auto=())
    name, address = unique("u"), f"{unique('a')}@example.com"
    resp = sign_up(cognito, client_id, name, email=address)
    assert "CodeDeliveryDetails" not in resp
    assert outbox(server, pool_id) == []
    expect_error(cognito.confirm_sign_up, "ExpiredCodeException", EXPIRED,
                 ClientId=client_id, Username=name, ConfirmationCode="123456")
    expect_error(cognito.resend_confirmation_code, "InvalidParameterException",
                 "Cannot resend codes. Auto verification not turned on.",
                 ClientId=client_id, Username=name)


def test_the_phone_gets_the_code_when_both_are_auto_verified(server, cognito):
    pool_id, client_id = setup(cognito, auto=("email", "phone_number"))
    name = unique("u")
    resp = sign_up(cognito, client_id, name, email=f"{name}@example.com", phone_number="+12065550123")
    assert resp["CodeDeliveryDetails"] == {
        "Destination": "+*******0123", "DeliveryMedium": "SMS", "AttributeName": "phone_number"}
    [held] = outbox(server, pool_id, "+12065550123")
    assert held["channel"] == "SMS" and held["subject"] is None
    cognito.confirm_sign_up(ClientId=client_id, Username=name, ConfirmationCode=held["code"])
    attrs = attrs_of(get_user(cognito, pool_id, name))
    assert attrs["phone_number_verified"] == "true"
    assert "email_verified" not in attrs


def test_wrong_and_unknown(server, cognito):
    pool_id, client_id = setup(cognito)
    name, address = unique("u"), f"{unique('a')}@example.com"
    sign_up(cognito, client_id, name, email=address)
    code = latest_code(server, pool_id, address)
    expect_error(cognito.confirm_sign_up, "CodeMismatchException", MISMATCH,
                 ClientId=client_id, Username=name, ConfirmationCode=wrong(code))
    expect_error(cognito.confirm_sign_up, "UserNotFoundException", NOT_FOUND,
                 ClientId=client_id, Username=unique("ghost"), ConfirmationCode=code)
    expect_error(cognito.resend_confirmation_code, "UserNotFoundException", NOT_FOUND,
                 ClientId=client_id, Username=unique("ghost"))
    expect_error(cognito.confirm_sign_up, "ResourceNotFoundException",
                 ClientId="nosuchclient0000000000000", Username=name, ConfirmationCode=code)
    assert status(cognito, pool_id, name) == "UNCONFIRMED"
    # The right code still works after a wrong one.
    cognito.confirm_sign_up(ClientId=client_id, Username=name, ConfirmationCode=code)


def test_prevent_user_existence_errors_enabled(server, cognito):
    pool_id, client_id = setup(
        cognito, client_kwargs={"PreventUserExistenceErrors": "ENABLED"})
    expect_error(cognito.confirm_sign_up, "CodeMismatchException", MISMATCH,
                 ClientId=client_id, Username=unique("ghost"), ConfirmationCode="123456")
    resp = cognito.resend_confirmation_code(ClientId=client_id, Username="ghost@example.org")
    assert resp["CodeDeliveryDetails"] == {
        "Destination": "g***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    assert outbox(server, pool_id) == []


def test_resend_replaces_the_previous_code(server, cognito):
    pool_id, client_id = setup(cognito)
    name, address = unique("u"), f"{unique('a')}@example.com"
    sign_up(cognito, client_id, name, email=address)
    first = latest_code(server, pool_id, address)
    resp = cognito.resend_confirmation_code(ClientId=client_id, Username=name)
    assert resp["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    held = outbox(server, pool_id, address)
    assert [m["purpose"] for m in held] == ["RESEND_CODE", "SIGN_UP"]  # newest first
    second = held[0]["code"]
    if first != second:
        expect_error(cognito.confirm_sign_up, "CodeMismatchException", MISMATCH,
                     ClientId=client_id, Username=name, ConfirmationCode=first)
    cognito.confirm_sign_up(ClientId=client_id, Username=name, ConfirmationCode=second)
    expect_error(cognito.resend_confirmation_code, "InvalidParameterException",
                 "User is already confirmed.", ClientId=client_id, Username=name)


def test_a_disabled_user_cannot_confirm(server, cognito):
    pool_id, client_id = setup(cognito)
    name, address = unique("u"), f"{unique('a')}@example.com"
    sign_up(cognito, client_id, name, email=address)
    code = latest_code(server, pool_id, address)
    cognito.admin_disable_user(UserPoolId=pool_id, Username=name)
    expect_error(cognito.confirm_sign_up, "NotAuthorizedException", "User is disabled.",
                 ClientId=client_id, Username=name, ConfirmationCode=code)
    expect_error(cognito.resend_confirmation_code, "NotAuthorizedException", "User is disabled.",
                 ClientId=client_id, Username=name)


def test_codes_expire_after_24_hours(clocked):
    c = clocked.cognito
    pool_id, client_id = setup(c)
    name, address = unique("u"), f"{unique('a')}@example.com"
    sign_up(c, client_id, name, email=address)
    code = latest_code(clocked.server, pool_id, address)
    clocked.clock.advance(24 * 3600 + 1)
    expect_error(c.confirm_sign_up, "ExpiredCodeException", EXPIRED,
                 ClientId=client_id, Username=name, ConfirmationCode=code)
    # An expired code is gone: asking again says so the same way.
    expect_error(c.confirm_sign_up, "ExpiredCodeException", EXPIRED,
                 ClientId=client_id, Username=name, ConfirmationCode=code)
    c.resend_confirmation_code(ClientId=client_id, Username=name)
    c.confirm_sign_up(ClientId=client_id, Username=name,
                      ConfirmationCode=latest_code(clocked.server, pool_id, address))


def test_wrong_tries_are_limited_per_code_and_per_hour(clocked):
    c = clocked.cognito
    pool_id, client_id = setup(c)
    name, address = unique("u"), f"{unique('a')}@example.com"
    sign_up(c, client_id, name, email=address)
    code = latest_code(clocked.server, pool_id, address)
    for _ in range(5):
        expect_error(c.confirm_sign_up, "CodeMismatchException", MISMATCH,
                     ClientId=client_id, Username=name, ConfirmationCode=wrong(code))
    # The code is spent by the wrong guesses: even the right one is refused now.
    expect_error(c.confirm_sign_up, "TooManyFailedAttemptsException", TOO_MANY,
                 ClientId=client_id, Username=name, ConfirmationCode=code)
    c.resend_confirmation_code(ClientId=client_id, Username=name)
    code = latest_code(clocked.server, pool_id, address)
    for _ in range(5):
        expect_error(c.confirm_sign_up, "CodeMismatchException", MISMATCH,
                     ClientId=client_id, Username=name, ConfirmationCode=wrong(code))
    # Ten misses within the hour: every check is refused for a while.
    c.resend_confirmation_code(ClientId=client_id, Username=name)
    code = latest_code(clocked.server, pool_id, address)
    expect_error(c.confirm_sign_up, "LimitExceededException", LIMIT,
                 ClientId=client_id, Username=name, ConfirmationCode=code)
    clocked.clock.advance(3601)
    c.confirm_sign_up(ClientId=client_id, Username=name, ConfirmationCode=code)
    assert status(c, pool_id, name) == "CONFIRMED"


def test_alias_exists_and_force_alias_creation(server, cognito):
    pool_id, client_id = setup(cognito, AliasAttributes=["email"])
    address = f"{unique('shared')}@example.com"
    holder = unique("holder")
    create_user(cognito, pool_id, holder, attrs={"email": address, "email_verified": "true"})
    name = unique("u")
    sign_up(cognito, client_id, name, email=address)
    code = latest_code(server, pool_id, address)
    expect_error(cognito.confirm_sign_up, "AliasExistsException",
                 "An account with the email already exists.",
                 ClientId=client_id, Username=name, ConfirmationCode=code)
    assert status(cognito, pool_id, name) == "UNCONFIRMED"
    cognito.confirm_sign_up(ClientId=client_id, Username=name, ConfirmationCode=code,
                            ForceAliasCreation=True)
    assert attrs_of(get_user(cognito, pool_id, name))["email_verified"] == "true"
    assert attrs_of(get_user(cognito, pool_id, holder))["email_verified"] == "false"
    # The alias now names the new user.
    assert get_user(cognito, pool_id, address)["Username"] == name


def test_secret_hash_is_required_for_a_client_with_a_secret(server, cognito):
    pool_id = create_pool(cognito, AutoVerifiedAttributes=["email"])
    client = create_client(cognito, pool_id, GenerateSecret=True)
    cid, secret = client["ClientId"], client["ClientSecret"]
    name, address = unique("u"), f"{unique('a')}@example.com"
    cognito.sign_up(ClientId=cid, Username=name, Password=strong_password(),
                    SecretHash=secret_hash(name, cid, secret),
                    UserAttributes=[{"Name": "email", "Value": address}])
    code = latest_code(server, pool_id, address)
    expect_error(cognito.confirm_sign_up, "NotAuthorizedException",
                 f"Client {cid} is configured for secret but secret was not received",
                 ClientId=cid, Username=name, ConfirmationCode=code)
    cognito.confirm_sign_up(ClientId=cid, Username=name, ConfirmationCode=code,
                            SecretHash=secret_hash(name, cid, secret))
    assert status(cognito, pool_id, name) == "CONFIRMED"


def test_admin_confirm_sign_up_does_not_verify(server, cognito):
    pool_id, client_id = setup(cognito)
    name = unique("u")
    sign_up(cognito, client_id, name, email=f"{name}@example.com")
    cognito.admin_confirm_sign_up(UserPoolId=pool_id, Username=name)
    user = get_user(cognito, pool_id, name)
    assert user["UserStatus"] == "CONFIRMED"
    assert attrs_of(user).get("email_verified") != "true"
    expect_error(cognito.admin_confirm_sign_up, "NotAuthorizedException",
                 "User cannot be confirmed. Current status is CONFIRMED",
                 UserPoolId=pool_id, Username=name)


def test_userpools_outbox_command_prints_the_held_messages(server, cognito):
    pool_id, client_id = setup(cognito)
    name, address = unique("u"), f"{unique('a')}@example.com"
    sign_up(cognito, client_id, name, email=address)
    code = latest_code(server, pool_id, address)
    run = outbox_cli(server, "--pool", pool_id, "--to", address, "--json")
    assert run.returncode == 0, run.stderr
    [line] = run.stdout.splitlines()
    held = json.loads(line)
    assert (held["code"], held["destination"], held["purpose"]) == (code, address, "SIGN_UP")
    text = outbox_cli(server, "--pool", pool_id)
    assert text.returncode == 0, text.stderr
    assert f"code: {code}" in text.stdout and address in text.stdout
    assert outbox_cli(server, "--pool", pool_id, "--to", "nobody@example.com").stdout == ""
