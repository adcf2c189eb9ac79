"""Message delivery: email through a real SMTP server (aiosmtpd), SMS through a webhook,
delivery failures, the outbox endpoint, and no code in any log line."""

from __future__ import annotations

import re

import pytest
import requests

from helpers import (create_client, create_pool, create_user, expect_error, free_port,
                     set_password, strong_password, unique)
from mailbox import CODE, SmsHook, SmtpSink, outbox

FAILED = "Unable to deliver code to user"


@pytest.fixture
def smtp():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def sms_hook():
    hook = SmsHook().start()
    yield hook
    hook.stop()


def setup(c, auto=("email",), **pool_kwargs):
    pool_id = create_pool(c, AutoVerifiedAttributes=list(auto), **pool_kwargs)
    return pool_id, create_client(c, pool_id)["ClientId"]


def sign_up(c, client_id, name, **attrs):
    return c.sign_up(ClientId=client_id, Username=name, Password=strong_password(),
                     UserAttributes=[{"Name": k, "Value": v} for k, v in attrs.items()])


def test_codes_arrive_by_smtp_and_confirm(make_server, smtp):
    s = make_server(extra_args=["--smtp-url", smtp.url, "--email-from", "Pools <pools@example.org>"])
    c = s.client()
    pool_id, client_id = setup(c)
    name, address = unique("u"), f"{unique('mail')}@example.com"
    sign_up(c, client_id, name, email=address)
    [mail] = smtp.to(address)
    assert mail["Subject"] == "Your verification code"
    assert mail["From"] == "Pools <pools@example.org>"
    assert mail.get_content_type() == "text/plain"
    code = smtp.latest_code(address)
    assert mail.get_content().strip() == f"Your verification code is {code}."
    assert outbox(s, pool_id) == []  # sent, not held
    c.confirm_sign_up(ClientId=client_id, Username=name, ConfirmationCode=code)

    # Forgotten password, code from the mail.
    c.forgot_password(ClientId=client_id, Username=name)
    new = strong_password()
    c.confirm_forgot_password(ClientId=client_id, Username=name,
                              ConfirmationCode=smtp.latest_code(address), Password=new)


def test_pool_sender_and_html_template(make_server, smtp):
    s = make_server(extra_args=["--smtp-url", smtp.url])
    c = s.client()
    pool_id, client_id = setup(
        c, EmailConfiguration={"EmailSendingAccount": "DEVELOPER",
                               "SourceArn": "arn:aws:ses:us-east-1:123456789012:identity/x",
                               "From": "Shop <shop@example.com>"},
        VerificationMessageTemplate={"EmailSubject": "Welcome to the shop",
                                     "EmailMessage": "<p>Your code: <b>{####}</b></p>",
                                     "DefaultEmailOption": "CONFIRM_WITH_CODE"})
    address = f"{unique('h')}@example.com"
    sign_up(c, client_id, unique("u"), email=address)
    [mail] = smtp.to(address)
    assert mail["From"] == "Shop <shop@example.com>"
    assert mail["Subject"] == "Welcome to the shop"
    assert mail.get_content_type() == "text/html"
    assert re.fullmatch(r"<p>Your code: <b>\d{6}</b></p>\s*", mail.get_content())


def test_smtp_failure_is_code_delivery_failure_and_creates_nothing(make_server):
    dead = free_port()  # nothing listens there
    s = make_server(extra_args=["--smtp-url", f"smtp://127.0.0.1:{dead}"])
    c = s.client()
    pool_id, client_id = setup(c)
    name = unique("u")
    expect_error(sign_up, "CodeDeliveryFailureException", FAILED,
                 c=c, client_id=client_id, name=name, email=f"{name}@example.com")
    expect_error(c.admin_get_user, "UserNotFoundException", "User does not exist.",
                 UserPoolId=pool_id, Username=name)
    # A user without a deliverable code is not affected.
    create_user(c, pool_id, name, attrs={"email": f"{name}@example.com", "email_verified": "true"})
    set_password(c, pool_id, name, strong_password(), permanent=True)
    expect_error(c.forgot_password, "CodeDeliveryFailureException", FAILED,
                 ClientId=client_id, Username=name)
    expect_error(c.confirm_forgot_password, "ExpiredCodeException",
                 "Invalid code provided, please request a code again.",
                 ClientId=client_id, Username=name, ConfirmationCode="123456",
                 Password=strong_password())
    assert "message delivery failed" in s.stderr()


def test_sms_goes_to_the_webhook(make_server, sms_hook):
    s = make_server(extra_args=["--sms-webhook-url", sms_hook.url])
    c = s.client()
    pool_id, client_id = setup(c, auto=("phone_number",))
    name = unique("u")
    resp = sign_up(c, client_id, name, phone_number="+12065550142")
    assert resp["CodeDeliveryDetails"]["DeliveryMedium"] == "SMS"
    [sent] = sms_hook.requests
    assert set(sent) == {"to", "message", "userPoolId", "username", "purpose"}
    assert (sent["to"], sent["userPoolId"], sent["username"], sent["purpose"]) == (
        "+12065550142", pool_id, name, "SIGN_UP")
    code = CODE.search(sent["message"]).group(1)
    assert sent["message"] == f"Your verification code is {code}. "
    c.confirm_sign_up(ClientId=client_id, Username=name, ConfirmationCode=code)


def test_a_webhook_error_is_a_delivery_failure(make_server, sms_hook):
    sms_hook.status = 500
    s = make_server(extra_args=["--sms-webhook-url", sms_hook.url])
    c = s.client()
    pool_id, client_id = setup(c, auto=("phone_number",))
    name = unique("u")
    expect_error(sign_up, "CodeDeliveryFailureException", FAILED,
                 c=c, client_id=client_id, name=name, phone_number="+12065550143")
    assert len(sms_hook.requests) == 1
    expect_error(c.admin_get_user, "UserNotFoundException", "User does not exist.",
                 UserPoolId=pool_id, Username=name)


def test_email_goes_to_the_outbox_when_only_sms_is_configured(make_server, sms_hook):
    s = make_server(extra_args=["--sms-webhook-url", sms_hook.url])
    c = s.client()
    pool_id, client_id = setup(c)
    address = f"{unique('o')}@example.com"
    sign_up(c, client_id, unique("u"), email=address)
    assert [m["channel"] for m in outbox(s, pool_id, address)] == ["EMAIL"]
    assert sms_hook.requests == []


def test_outbox_endpoint_filters_and_orders(server, cognito):
    pool_id, client_id = setup(cognito)
    first, second = (f"{unique(p)}@example.com" for p in ("first", "second"))
    sign_up(cognito, client_id, unique("u"), email=first)
    sign_up(cognito, client_id, unique("u"), email=second)
    held = outbox(server, pool_id)
    assert [m["destination"] for m in held] == [second, first]
    assert set(held[0]) == {"userPoolId", "username", "channel", "destination", "subject",
                            "body", "code", "purpose", "sentAt"}
    assert held[0]["sentAt"] >= held[1]["sentAt"]
    assert [m["destination"] for m in outbox(server, pool_id, first)] == [first]
    assert outbox(server, "us-east-1_nosuchpool") == []


def test_outbox_endpoint_is_absent_without_the_test_clock(make_server):
    s = make_server(test_clock=False)
    assert requests.get(s.url + "/_userpools/outbox", timeout=10).status_code == 404


def test_no_code_appears_in_any_log_line(make_server, smtp):
    s = make_server(extra_args=["--smtp-url", smtp.url], extra_env={"USERPOOLS_LOG": "trace"})
    held = make_server(extra_env={"USERPOOLS_LOG": "trace"})
    codes = []
    for server in (s, held):
        c = server.client()
        pool_id, client_id = setup(c)
        name, address = unique("u"), f"{unique('log')}@example.com"
        sign_up(c, client_id, name, email=address)
        c.resend_confirmation_code(ClientId=client_id, Username=name)
        code = smtp.latest_code(address) if server is s else outbox(server, pool_id)[0]["code"]
        c.confirm_sign_up(ClientId=client_id, Username=name, ConfirmationCode=code)
        c.forgot_password(ClientId=client_id, Username=name)
        reset = smtp.latest_code(address) if server is s else outbox(server, pool_id)[0]["code"]
        c.confirm_forgot_password(ClientId=client_id, Username=name, ConfirmationCode=reset,
                                  Password=strong_password())
        codes += [code, reset]
        if server is held:
            codes += [m["code"] for m in outbox(server, pool_id)]
    for server, outcome in ((s, "message sent"), (held, "message held")):
        log = re.sub(r"\x1b\[[0-9;]*m", "", server.stdout() + server.stderr())
        lines = [line for line in log.splitlines() if "userpools::delivery" in line]
        assert len(lines) == 3, lines  # sign-up, resend, reset: one line each
        for line in lines:
            assert outcome in line and re.search(r"destination=l\*\*\*@e\*\*\*", line), line
            assert "@example.com" not in line, line
        for code in codes:
            assert code not in log, f"a code appears in the log of {server.name}"
