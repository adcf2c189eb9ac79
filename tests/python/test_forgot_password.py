"""ForgotPassword, ConfirmForgotPassword and AdminResetUserPassword with boto3; codes read
from the outbox (GET /_userpools/outbox)."""

from __future__ import annotations

import pytest

from helpers import (create_client, create_pool, create_user, expect_error, get_user,
                     set_password, status, strong_password, unique)
from mailbox import latest_code, outbox

MISMATCH = "Invalid verification code provided, please try again."
EXPIRED = "Invalid code provided, please request a code again."
NOT_FOUND = "Username/client id combination not found."
NO_CONTACT = ("Cannot reset password for the user as there is no registered/verified email "
              "or phone_number")
CANNOT_RESET = "User password cannot be reset in the current state."
FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

pytestmark = pytest.mark.signin


def setup(c, *, client_kwargs=None, **pool_kwargs):
    pool_id = create_pool(c, **pool_kwargs)
    client = create_client(c, pool_id, ExplicitAuthFlows=FLOWS, **(client_kwargs or {}))
    return pool_id, client["ClientId"]


def confirmed_user(c, pool_id, *, email=True, phone=None, verified=True):
    """A CONFIRMED user with a permanent password and a (verified) email: (name, password, email)."""
    name = unique("u")
    address = f"{name}@example.com"
    attrs = {}
    if email:
        attrs["email"] = address
        attrs["email_verified"] = "true" if verified else "false"
    if phone:
        attrs["phone_number"] = phone
        attrs["phone_number_verified"] = "true" if verified else "false"
    create_user(c, pool_id, name, attrs=attrs)
    password = strong_password()
    set_password(c, pool_id, name, password, permanent=True)
    return name, password, address


def sign_in(c, client_id, name, password):
    return c.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                           AuthParameters={"USERNAME": name, "PASSWORD": password})


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_forgot_then_confirm_sets_the_password_and_revokes_refresh_tokens(server, cognito):
    pool_id, client_id = setup(cognito)
    name, old, address = confirmed_user(cognito, pool_id)
    refresh = sign_in(cognito, client_id, name, old)["AuthenticationResult"]["RefreshToken"]
    resp = cognito.forgot_password(ClientId=client_id, Username=name)
    assert resp["CodeDeliveryDetails"] == {
        "Destination": f"{name[0]}***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    [held] = outbox(server, pool_id, address)
    assert held["purpose"] == "FORGOT_PASSWORD"
    # The old password works until the reset is confirmed.
    sign_in(cognito, client_id, name, old)
    new = strong_password()
    cognito.confirm_forgot_password(ClientId=client_id, Username=name,
                                    ConfirmationCode=held["code"], Password=new)
    assert sign_in(cognito, client_id, name, new)["AuthenticationResult"]["AccessToken"]
    expect_error(sign_in, "NotAuthorizedException", "Incorrect username or password.",
                 c=cognito, client_id=client_id, name=name, password=old)
    expect_error(cognito.initiate_auth, "NotAuthorizedException",
                 ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                 AuthParameters={"REFRESH_TOKEN": refresh})
    # The code was used up.
    expect_error(cognito.confirm_forgot_password, "ExpiredCodeException", EXPIRED,
                 ClientId=client_id, Username=name, ConfirmationCode=held["code"],
                 Password=strong_password())


def test_forgot_password_refusals(server, cognito):
    pool_id, client_id = setup(cognito)
    expect_error(cognito.forgot_password, "UserNotFoundException", NOT_FOUND,
                 ClientId=client_id, Username=unique("ghost"))
    unverified, _, _ = confirmed_user(cognito, pool_id, verified=False)
    expect_error(cognito.forgot_password, "InvalidParameterException", NO_CONTACT,
                 ClientId=client_id, Username=unverified)
    invited = unique("u")
    create_user(cognito, pool_id, invited,
                attrs={"email": f"{invited}@example.com", "email_verified": "true"})
    expect_error(cognito.forgot_password, "NotAuthorizedException", CANNOT_RESET,
                 ClientId=client_id, Username=invited)
    disabled, _, _ = confirmed_user(cognito, pool_id)
    cognito.admin_disable_user(UserPoolId=pool_id, Username=disabled)
    expect_error(cognito.forgot_password, "NotAuthorizedException", "User is disabled.",
                 ClientId=client_id, Username=disabled)
    assert outbox(server, pool_id) == []


def test_admin_only_recovery_refuses_self_service(server, cognito):
    pool_id, client_id = setup(cognito, AccountRecoverySetting={
        "RecoveryMechanisms": [{"Priority": 1, "Name": "admin_only"}]})
    name, _, _ = confirmed_user(cognito, pool_id)
    expect_error(cognito.forgot_password, "NotAuthorizedException",
                 "Contact administrator to reset password.", ClientId=client_id, Username=name)


def test_recovery_setting_chooses_the_channel(server, cognito):
    phone = "+12065550177"
    legacy_pool, legacy_client = setup(cognito)
    name, _, _ = confirmed_user(cognito, legacy_pool, phone=phone)
    resp = cognito.forgot_password(ClientId=legacy_client, Username=name)
    assert resp["CodeDeliveryDetails"] == {
        "Destination": "+*******0177", "DeliveryMedium": "SMS", "AttributeName": "phone_number"}
    email_first, client_id = setup(cognito, AccountRecoverySetting={"RecoveryMechanisms": [
        {"Priority": 2, "Name": "verified_phone_number"},
        {"Priority": 1, "Name": "verified_email"}]})
    name, _, address = confirmed_user(cognito, email_first, phone=phone)
    resp = cognito.forgot_password(ClientId=client_id, Username=name)
    assert resp["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert outbox(server, email_first, address)[0]["channel"] == "EMAIL"


def test_prevent_user_existence_errors_enabled(server, cognito):
    pool_id, client_id = setup(cognito, client_kwargs={"PreventUserExistenceErrors": "ENABLED"})
    resp = cognito.forgot_password(ClientId=client_id, Username="nobody@example.net")
    assert resp["CodeDeliveryDetails"] == {
        "Destination": "n***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    resp = cognito.forgot_password(ClientId=client_id, Username="+15550001234")
    assert resp["CodeDeliveryDetails"]["Destination"] == "+*******1234"
    unverified, _, _ = confirmed_user(cognito, pool_id, verified=False)
    assert cognito.forgot_password(ClientId=client_id, Username=unverified)["CodeDeliveryDetails"]
    assert outbox(server, pool_id) == []
    expect_error(cognito.confirm_forgot_password, "CodeMismatchException", MISMATCH,
                 ClientId=client_id, Username=unique("ghost"), ConfirmationCode="123456",
                 Password=strong_password())


def test_confirm_forgot_password_refusals(server, cognito):
    pool_id, client_id = setup(cognito, history=2)
    name, old, address = confirmed_user(cognito, pool_id)
    expect_error(cognito.confirm_forgot_password, "ExpiredCodeException", EXPIRED,
                 ClientId=client_id, Username=name, ConfirmationCode="123456",
                 Password=strong_password())
    expect_error(cognito.confirm_forgot_password, "UserNotFoundException", NOT_FOUND,
                 ClientId=client_id, Username=unique("ghost"), ConfirmationCode="123456",
                 Password=strong_password())
    cognito.forgot_password(ClientId=client_id, Username=name)
    code = latest_code(server, pool_id, address)
    expect_error(cognito.confirm_forgot_password, "CodeMismatchException", MISMATCH,
                 ClientId=client_id, Username=name, ConfirmationCode=wrong(code),
                 Password=strong_password())
    expect_error(cognito.confirm_forgot_password, "InvalidPasswordException",
                 "Password does not conform to policy: Password not long enough",
                 ClientId=client_id, Username=name, ConfirmationCode=code, Password="Ab1!")
    expect_error(cognito.confirm_forgot_password, "PasswordHistoryPolicyViolationException",
                 "The password does not meet password history requirements.",
                 ClientId=client_id, Username=name, ConfirmationCode=code, Password=old)
    # Refused passwords leave the code usable.
    new = strong_password()
    cognito.confirm_forgot_password(ClientId=client_id, Username=name,
                                    ConfirmationCode=code, Password=new)
    sign_in(cognito, client_id, name, new)


def test_reset_codes_expire_after_an_hour(clocked):
    c = clocked.cognito
    pool_id, client_id = setup(c)
    name, _, address = confirmed_user(c, pool_id)
    c.forgot_password(ClientId=client_id, Username=name)
    code = latest_code(clocked.server, pool_id, address)
    clocked.clock.advance(3601)
    expect_error(c.confirm_forgot_password, "ExpiredCodeException", EXPIRED,
                 ClientId=client_id, Username=name, ConfirmationCode=code,
                 Password=strong_password())


def test_a_newer_code_replaces_the_older(server, cognito):
    pool_id, client_id = setup(cognito)
    name, _, address = confirmed_user(cognito, pool_id)
    cognito.forgot_password(ClientId=client_id, Username=name)
    first = latest_code(server, pool_id, address)
    cognito.forgot_password(ClientId=client_id, Username=name)
    second = latest_code(server, pool_id, address)
    if first != second:
        expect_error(cognito.confirm_forgot_password, "CodeMismatchException", MISMATCH,
                     ClientId=client_id, Username=name, ConfirmationCode=first,
                     Password=strong_password())
    cognito.confirm_forgot_password(ClientId=client_id, Username=name,
                                    ConfirmationCode=second, Password=strong_password())


def test_admin_reset_user_password(server, cognito):
    pool_id, client_id = setup(cognito)
    name, old, address = confirmed_user(cognito, pool_id)
    cognito.admin_reset_user_password(UserPoolId=pool_id, Username=name)
    assert status(cognito, pool_id, name) == "RESET_REQUIRED"
    [held] = outbox(server, pool_id, address)
    assert held["purpose"] == "FORGOT_PASSWORD"
    expect_error(sign_in, "PasswordResetRequiredException", "Password reset required for the user",
                 c=cognito, client_id=client_id, name=name, password=old)
    new = strong_password()
    cognito.confirm_forgot_password(ClientId=client_id, Username=name,
                                    ConfirmationCode=held["code"], Password=new)
    assert status(cognito, pool_id, name) == "CONFIRMED"
    sign_in(cognito, client_id, name, new)
    # AdminSetUserPassword also ends RESET_REQUIRED.
    cognito.admin_reset_user_password(UserPoolId=pool_id, Username=name)
    set_password(cognito, pool_id, name, strong_password(), permanent=True)
    assert status(cognito, pool_id, name) == "CONFIRMED"


def test_admin_reset_user_password_refusals(server, cognito):
    pool_id, _ = setup(cognito)
    expect_error(cognito.admin_reset_user_password, "UserNotFoundException",
                 "User does not exist.", UserPoolId=pool_id, Username=unique("ghost"))
    unverified, _, _ = confirmed_user(cognito, pool_id, verified=False)
    expect_error(cognito.admin_reset_user_password, "InvalidParameterException", NO_CONTACT,
                 UserPoolId=pool_id, Username=unverified)
    invited = unique("u")
    create_user(cognito, pool_id, invited,
                attrs={"email": f"{invited}@example.com", "email_verified": "true"})
    expect_error(cognito.admin_reset_user_password, "NotAuthorizedException", CANNOT_RESET,
                 UserPoolId=pool_id, Username=invited)
    disabled, _, _ = confirmed_user(cognito, pool_id)
    cognito.admin_disable_user(UserPoolId=pool_id, Username=disabled)
    expect_error(cognito.admin_reset_user_password, "NotAuthorizedException",
                 "User is disabled.", UserPoolId=pool_id, Username=disabled)
    assert status(cognito, pool_id, disabled) == "CONFIRMED"
    expect_error(cognito.admin_reset_user_password, "ResourceNotFoundException",
                 "User pool us-east-1_nosuchpool does not exist.",
                 UserPoolId="us-east-1_nosuchpool", Username=unverified)
    assert get_user(cognito, pool_id, unverified)["UserStatus"] == "CONFIRMED"
