"""Issue 12 item 7: a username may not take another user's `sub`, so a `sub` always finds its own user."""

from __future__ import annotations

from helpers import create_client, create_pool, create_user, expect_error, get_user, strong_password


def sub_of(user: dict) -> str:
    attrs = user.get("Attributes") or user.get("UserAttributes")
    return next(a["Value"] for a in attrs if a["Name"] == "sub")


def test_admin_create_user_cannot_take_a_sub(cognito):
    pool = create_pool(cognito)
    victim_sub = sub_of(create_user(cognito, pool, "victim"))
    expect_error(create_user, "UsernameExistsException", "User account already exists",
                 c=cognito, pool_id=pool, username=victim_sub)
    assert get_user(cognito, pool, victim_sub)["Username"] == "victim"


def test_sign_up_cannot_take_a_sub(cognito):
    pool = create_pool(cognito)
    client = create_client(cognito, pool)["ClientId"]
    victim_sub = sub_of(create_user(cognito, pool, "victim"))
    expect_error(cognito.sign_up, "UsernameExistsException", "User already exists",
                 ClientId=client, Username=victim_sub, Password=strong_password())
    assert get_user(cognito, pool, victim_sub)["Username"] == "victim"
    users = cognito.list_users(UserPoolId=pool)["Users"]
    assert [u["Username"] for u in users] == ["victim"]
