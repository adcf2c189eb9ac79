"""Groups with boto3 (issue 15 part 1, breadth spec §6): CreateGroup, GetGroup, UpdateGroup,
DeleteGroup, ListGroups, AdminAddUserToGroup, AdminRemoveUserFromGroup, AdminListGroupsForUser,
ListUsersInGroup, their errors, and the group claims of ID and access tokens."""

from __future__ import annotations

import pytest

import messages as M
from helpers import create_pool, create_user, expect_error, strip_meta, strong_password, unique
from signin_support import jwt_parts, make_app

MISSING_POOL = "us-east-1_Zz9Zz9Zz9"
GROUP_NOT_FOUND = "Group not found."
GROUP_EXISTS = "A group with the name already exists."
BAD_TOKEN = "Invalid pagination token."
TOO_MANY_GROUPS = "The user is already a member of the maximum number of groups (100)."
ROLE_A = "arn:aws:iam::000000000000:role/RoleA"
ROLE_B = "arn:aws:iam::000000000000:role/RoleB"


def names(groups: list[dict]) -> list[str]:
    return [g["GroupName"] for g in groups]


def all_pages(call, key: str, **kwargs) -> list[list[dict]]:
    pages, token = [], None
    for _ in range(100):
        args = dict(kwargs)
        if token:
            args["NextToken"] = token
        r = call(**args)
        pages.append(r[key])
        token = r.get("NextToken")
        if not token:
            return pages
    raise AssertionError("paging never ended")


def member_names(c, pool: str, group: str) -> list[str]:
    return [u["Username"] for u in c.list_users_in_group(UserPoolId=pool, GroupName=group)["Users"]]


def groups_of(c, pool: str, user: str) -> list[str]:
    return names(c.admin_list_groups_for_user(UserPoolId=pool, Username=user)["Groups"])


# --------------------------------------------------------------------------- the group itself


def test_create_get_update_delete(cognito):
    pool = create_pool(cognito)
    created = cognito.create_group(UserPoolId=pool, GroupName="admins",
                                   Description="Admins.", RoleArn=ROLE_A, Precedence=2)["Group"]
    assert set(created) == {"GroupName", "UserPoolId", "Description", "RoleArn", "Precedence",
                            "LastModifiedDate", "CreationDate"}
    assert (created["GroupName"], created["UserPoolId"], created["Description"],
            created["RoleArn"], created["Precedence"]) == ("admins", pool, "Admins.", ROLE_A, 2)
    assert cognito.get_group(UserPoolId=pool, GroupName="admins")["Group"] == created

    # Absent members are omitted, not null.
    bare = cognito.create_group(UserPoolId=pool, GroupName="bare")["Group"]
    assert set(bare) == {"GroupName", "UserPoolId", "LastModifiedDate", "CreationDate"}

    # UpdateGroup changes only what it is given.
    updated = cognito.update_group(UserPoolId=pool, GroupName="admins", Precedence=0)["Group"]
    assert (updated["Description"], updated["RoleArn"], updated["Precedence"]) == \
        ("Admins.", ROLE_A, 0)
    assert updated["CreationDate"] == created["CreationDate"]
    assert updated["LastModifiedDate"] >= created["LastModifiedDate"]
    updated = cognito.update_group(UserPoolId=pool, GroupName="admins", Description="New.",
                                   RoleArn=ROLE_B)["Group"]
    assert (updated["Description"], updated["RoleArn"], updated["Precedence"]) == \
        ("New.", ROLE_B, 0)
    assert cognito.get_group(UserPoolId=pool, GroupName="admins")["Group"] == updated

    assert strip_meta(cognito.delete_group(UserPoolId=pool, GroupName="admins")) == {}
    expect_error(cognito.get_group, "ResourceNotFoundException", GROUP_NOT_FOUND,
                 UserPoolId=pool, GroupName="admins")
    assert names(cognito.list_groups(UserPoolId=pool)["Groups"]) == ["bare"]


def test_duplicate_names_are_refused_and_names_are_case_sensitive(cognito):
    pool = create_pool(cognito)
    cognito.create_group(UserPoolId=pool, GroupName="team", Description="first")
    expect_error(cognito.create_group, "GroupExistsException", GROUP_EXISTS,
                 UserPoolId=pool, GroupName="team", Description="second")
    assert cognito.get_group(UserPoolId=pool, GroupName="team")["Group"]["Description"] == "first"
    cognito.create_group(UserPoolId=pool, GroupName="Team")
    # The same name in another pool is another group.
    other = create_pool(cognito)
    cognito.create_group(UserPoolId=other, GroupName="team")
    assert names(cognito.list_groups(UserPoolId=pool)["Groups"]) == ["Team", "team"]


def test_invalid_input_is_refused_and_changes_nothing(lax):
    pool = create_pool(lax)
    e = expect_error(lax.create_group, "InvalidParameterException",
                     UserPoolId=pool, GroupName="neg", Precedence=-1)
    assert "precedence" in e.response["Error"]["Message"]
    e = expect_error(lax.create_group, "InvalidParameterException",
                     UserPoolId=pool, GroupName="long", Description="x" * 2049)
    assert "description" in e.response["Error"]["Message"]
    e = expect_error(lax.create_group, "InvalidParameterException",
                     UserPoolId=pool, GroupName="g" * 129)
    assert "groupName" in e.response["Error"]["Message"]
    e = expect_error(lax.list_groups, "InvalidParameterException", UserPoolId=pool, Limit=61)
    assert "limit" in e.response["Error"]["Message"]
    assert lax.list_groups(UserPoolId=pool)["Groups"] == []
    lax.create_group(UserPoolId=pool, GroupName="g", Precedence=1)
    expect_error(lax.update_group, "InvalidParameterException",
                 UserPoolId=pool, GroupName="g", Precedence=-5)
    assert lax.get_group(UserPoolId=pool, GroupName="g")["Group"]["Precedence"] == 1


def test_unknown_pool(cognito):
    calls = [
        (cognito.create_group, {"GroupName": "g"}),
        (cognito.get_group, {"GroupName": "g"}),
        (cognito.update_group, {"GroupName": "g", "Precedence": 1}),
        (cognito.delete_group, {"GroupName": "g"}),
        (cognito.list_groups, {}),
        (cognito.admin_add_user_to_group, {"GroupName": "g", "Username": "u"}),
        (cognito.admin_remove_user_from_group, {"GroupName": "g", "Username": "u"}),
        (cognito.admin_list_groups_for_user, {"Username": "u"}),
        (cognito.list_users_in_group, {"GroupName": "g"}),
    ]
    for call, args in calls:
        expect_error(call, "ResourceNotFoundException", M.pool_not_found(MISSING_POOL),
                     UserPoolId=MISSING_POOL, **args)


def test_unknown_group(cognito):
    pool = create_pool(cognito)
    user = unique("u")
    create_user(cognito, pool, user)
    calls = [
        (cognito.get_group, {}),
        (cognito.update_group, {"Description": "x"}),
        (cognito.delete_group, {}),
        (cognito.admin_add_user_to_group, {"Username": user}),
        (cognito.admin_remove_user_from_group, {"Username": user}),
        (cognito.list_users_in_group, {}),
    ]
    for call, args in calls:
        expect_error(call, "ResourceNotFoundException", GROUP_NOT_FOUND,
                     UserPoolId=pool, GroupName="nope", **args)
    assert groups_of(cognito, pool, user) == []


def test_unknown_user(cognito):
    pool = create_pool(cognito)
    cognito.create_group(UserPoolId=pool, GroupName="g")
    for call in (cognito.admin_add_user_to_group, cognito.admin_remove_user_from_group):
        expect_error(call, "UserNotFoundException", M.USER_NOT_FOUND,
                     UserPoolId=pool, GroupName="g", Username="ghost")
    expect_error(cognito.admin_list_groups_for_user, "UserNotFoundException", M.USER_NOT_FOUND,
                 UserPoolId=pool, Username="ghost")
    assert cognito.list_users_in_group(UserPoolId=pool, GroupName="g")["Users"] == []


# --------------------------------------------------------------------------- paging


def test_list_groups_pages_by_name(cognito):
    pool = create_pool(cognito)
    for name in ["delta", "alpha", "echo", "charlie", "bravo"]:
        cognito.create_group(UserPoolId=pool, GroupName=name)
    pages = all_pages(cognito.list_groups, "Groups", UserPoolId=pool, Limit=2)
    assert [names(p) for p in pages] == [["alpha", "bravo"], ["charlie", "delta"], ["echo"]]
    assert names(cognito.list_groups(UserPoolId=pool)["Groups"]) == \
        ["alpha", "bravo", "charlie", "delta", "echo"]
    expect_error(cognito.list_groups, "InvalidParameterException", BAD_TOKEN,
                 UserPoolId=pool, NextToken="!!not-a-token!!")


def test_members_and_groups_of_a_user_page(cognito):
    pool = create_pool(cognito)
    cognito.create_group(UserPoolId=pool, GroupName="crew")
    users = sorted(unique("m") for _ in range(5))
    for u in users:
        create_user(cognito, pool, u)
        cognito.admin_add_user_to_group(UserPoolId=pool, Username=u, GroupName="crew")
    pages = all_pages(cognito.list_users_in_group, "Users", UserPoolId=pool, GroupName="crew",
                      Limit=2)
    assert [len(p) for p in pages] == [2, 2, 1]
    listed = [u["Username"] for p in pages for u in p]
    assert listed == users
    first = pages[0][0]
    assert {"Username", "Attributes", "UserCreateDate", "UserLastModifiedDate", "Enabled",
            "UserStatus"} <= set(first)
    assert first["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    expect_error(cognito.list_users_in_group, "InvalidParameterException", BAD_TOKEN,
                 UserPoolId=pool, GroupName="crew", NextToken="%%%")

    for name in ["g3", "g1", "g2"]:
        cognito.create_group(UserPoolId=pool, GroupName=name)
        cognito.admin_add_user_to_group(UserPoolId=pool, Username=users[0], GroupName=name)
    pages = all_pages(cognito.admin_list_groups_for_user, "Groups", UserPoolId=pool,
                      Username=users[0], Limit=3)
    assert [names(p) for p in pages] == [["crew", "g1", "g2"], ["g3"]]
    expect_error(cognito.admin_list_groups_for_user, "InvalidParameterException", BAD_TOKEN,
                 UserPoolId=pool, Username=users[0], NextToken="%%%")


# --------------------------------------------------------------------------- membership


def test_add_is_idempotent_and_removing_a_non_member_succeeds(cognito):
    pool = create_pool(cognito, AliasAttributes=["email"])
    user = unique("u")
    create_user(cognito, pool, user, attrs={"email": f"{user}@example.com", "email_verified": "true"})
    cognito.create_group(UserPoolId=pool, GroupName="g")
    for _ in range(2):
        r = cognito.admin_add_user_to_group(UserPoolId=pool, Username=user, GroupName="g")
        assert strip_meta(r) == {}
    assert member_names(cognito, pool, "g") == [user]
    # An alias names the same user.
    assert groups_of(cognito, pool, f"{user}@example.com") == ["g"]
    cognito.admin_remove_user_from_group(UserPoolId=pool, Username=f"{user}@example.com",
                                         GroupName="g")
    assert member_names(cognito, pool, "g") == []
    r = cognito.admin_remove_user_from_group(UserPoolId=pool, Username=user, GroupName="g")
    assert strip_meta(r) == {}


def test_deleting_a_group_or_a_user_removes_the_memberships(cognito):
    pool = create_pool(cognito)
    alice, bob = unique("alice"), unique("bob")
    for u in (alice, bob):
        create_user(cognito, pool, u)
    for g in ("keep", "drop"):
        cognito.create_group(UserPoolId=pool, GroupName=g)
        for u in (alice, bob):
            cognito.admin_add_user_to_group(UserPoolId=pool, Username=u, GroupName=g)
    cognito.delete_group(UserPoolId=pool, GroupName="drop")
    assert groups_of(cognito, pool, alice) == ["keep"]
    # A new group of the old name starts empty.
    cognito.create_group(UserPoolId=pool, GroupName="drop")
    assert member_names(cognito, pool, "drop") == []

    cognito.admin_delete_user(UserPoolId=pool, Username=bob)
    assert member_names(cognito, pool, "keep") == [alice]
    # A new user of the old name is in no group.
    create_user(cognito, pool, bob)
    assert groups_of(cognito, pool, bob) == []
    cognito.delete_user_pool(UserPoolId=pool)
    expect_error(cognito.list_groups, "ResourceNotFoundException", M.pool_not_found(pool),
                 UserPoolId=pool)


def test_a_user_is_in_at_most_100_groups(cognito):
    pool = create_pool(cognito)
    user, other = unique("u"), unique("o")
    create_user(cognito, pool, user)
    create_user(cognito, pool, other)
    for i in range(101):
        cognito.create_group(UserPoolId=pool, GroupName=f"g{i:03}")
    for i in range(100):
        cognito.admin_add_user_to_group(UserPoolId=pool, Username=user, GroupName=f"g{i:03}")
    expect_error(cognito.admin_add_user_to_group, "InvalidParameterException", TOO_MANY_GROUPS,
                 UserPoolId=pool, Username=user, GroupName="g100")
    assert member_names(cognito, pool, "g100") == []
    # Adding again to a group it is in is still fine; another user is not limited.
    cognito.admin_add_user_to_group(UserPoolId=pool, Username=user, GroupName="g000")
    cognito.admin_add_user_to_group(UserPoolId=pool, Username=other, GroupName="g100")
    pages = all_pages(cognito.admin_list_groups_for_user, "Groups", UserPoolId=pool,
                      Username=user, Limit=60)
    assert sum(len(p) for p in pages) == 100


# --------------------------------------------------------------------------- tokens


def claims(tokens: dict) -> tuple[dict, dict]:
    return jwt_parts(tokens["IdToken"])[1], jwt_parts(tokens["AccessToken"])[1]


@pytest.mark.signin
def test_tokens_carry_groups_roles_and_the_preferred_role(cognito):
    app = make_app(cognito)
    password = strong_password()
    user = app.user(permanent=password)
    c = cognito
    c.create_group(UserPoolId=app.pool, GroupName="readers", Precedence=10, RoleArn=ROLE_B)
    c.create_group(UserPoolId=app.pool, GroupName="admins", Precedence=1, RoleArn=ROLE_A)
    c.create_group(UserPoolId=app.pool, GroupName="everyone")
    c.create_group(UserPoolId=app.pool, GroupName="staff", Precedence=0)

    first = app.tokens(user, password)
    id_claims, access_claims = claims(first)
    for key in ("cognito:groups", "cognito:roles", "cognito:preferred_role"):
        assert key not in id_claims and key not in access_claims

    for g in ("readers", "admins", "everyone", "staff"):
        c.admin_add_user_to_group(UserPoolId=app.pool, Username=user, GroupName=g)
    second = app.tokens(user, password)
    id_claims, access_claims = claims(second)
    order = ["staff", "admins", "readers", "everyone"]
    assert id_claims["cognito:groups"] == order
    assert access_claims["cognito:groups"] == order
    assert id_claims["cognito:roles"] == [ROLE_A, ROLE_B]
    assert id_claims["cognito:preferred_role"] == ROLE_A
    assert "cognito:roles" not in access_claims and "cognito:preferred_role" not in access_claims

    # Earlier tokens are unchanged; a refresh reads the memberships anew.
    assert "cognito:groups" not in claims(first)[0]
    c.admin_remove_user_from_group(UserPoolId=app.pool, Username=user, GroupName="admins")
    c.update_group(UserPoolId=app.pool, GroupName="everyone", Precedence=10, RoleArn=ROLE_A)
    refreshed = app.refresh(second["RefreshToken"])["AuthenticationResult"]
    id_claims, access_claims = claims(refreshed)
    assert access_claims["cognito:groups"] == ["staff", "everyone", "readers"]
    assert id_claims["cognito:groups"] == ["staff", "everyone", "readers"]
    assert id_claims["cognito:roles"] == [ROLE_A, ROLE_B]
    # Two groups at precedence 10 with different roles: no preferred role.
    assert "cognito:preferred_role" not in id_claims
    assert claims(second)[0]["cognito:preferred_role"] == ROLE_A

    # Same precedence, same role: that role.
    c.update_group(UserPoolId=app.pool, GroupName="readers", RoleArn=ROLE_A)
    id_claims, _ = claims(app.refresh(second["RefreshToken"])["AuthenticationResult"])
    assert id_claims["cognito:preferred_role"] == ROLE_A
    assert id_claims["cognito:roles"] == [ROLE_A]

    for g in ("staff", "everyone", "readers"):
        c.delete_group(UserPoolId=app.pool, GroupName=g)
    id_claims, access_claims = claims(app.refresh(second["RefreshToken"])["AuthenticationResult"])
    assert "cognito:groups" not in id_claims and "cognito:groups" not in access_claims
    assert "cognito:roles" not in id_claims and "cognito:preferred_role" not in id_claims


@pytest.mark.signin
@pytest.mark.parametrize("flow", ["USER_PASSWORD_AUTH", "USER_SRP_AUTH"])
def test_every_sign_in_flow_carries_the_groups(cognito, flow):
    app = make_app(cognito)
    password = strong_password()
    user = app.user(permanent=password)
    cognito.create_group(UserPoolId=app.pool, GroupName="team")
    cognito.admin_add_user_to_group(UserPoolId=app.pool, Username=user, GroupName="team")
    result = app.sign_in(user, password, flow)["AuthenticationResult"]
    id_claims, access_claims = claims(result)
    assert id_claims["cognito:groups"] == ["team"] == access_claims["cognito:groups"]
