"""User pools and app clients: Create/Describe/List/Update/Delete with boto3."""

from __future__ import annotations

import datetime
import re

import pytest

import messages as M
from helpers import (
    STRONG_POLICY,
    all_pools,
    assert_raw_error,
    create_client,
    create_pool,
    create_user,
    expect_error,
    strong_password,
    unique,
)

POOL_ID_RE = re.compile(r"us-east-1_[0-9A-Za-z]{9}")
CLIENT_ID_RE = re.compile(r"[\w+]{1,128}")
MISSING_POOL = "us-east-1_Zz9Zz9Zz9"


# --------------------------------------------------------------------------- pools


def test_create_user_pool_shape(cognito):
    name = unique("shape")
    policy = {**STRONG_POLICY, "MinimumLength": 10, "PasswordHistorySize": 3,
              "TemporaryPasswordValidityDays": 5}
    pool = cognito.create_user_pool(
        PoolName=name,
        Policies={"PasswordPolicy": policy},
        AliasAttributes=["email", "preferred_username"],
        UsernameConfiguration={"CaseSensitive": False},
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
        DeletionProtection="INACTIVE",
        UserPoolTier="ESSENTIALS",
    )["UserPool"]
    assert POOL_ID_RE.fullmatch(pool["Id"]), pool["Id"]
    assert pool["Name"] == name
    assert pool["Arn"] == f"arn:aws:cognito-idp:us-east-1:{M.ACCOUNT_ID}:userpool/{pool['Id']}"
    assert isinstance(pool["CreationDate"], datetime.datetime)
    assert isinstance(pool["LastModifiedDate"], datetime.datetime)
    pp = pool["Policies"]["PasswordPolicy"]
    for k, v in policy.items():
        assert pp[k] == v, k
    assert sorted(pool["AliasAttributes"]) == ["email", "preferred_username"]
    assert pool["UsernameConfiguration"] == {"CaseSensitive": False}
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["DeletionProtection"] == "INACTIVE"
    assert pool["UserPoolTier"] == "ESSENTIALS"


def test_pool_ids_are_unique(cognito):
    ids = {create_pool(cognito) for _ in range(5)}
    assert len(ids) == 5


def test_describe_user_pool_matches_create(cognito):
    created = cognito.create_user_pool(
        PoolName=unique("desc"),
        Policies={"PasswordPolicy": {**STRONG_POLICY, "PasswordHistorySize": 4}},
        UsernameAttributes=["email"],
    )["UserPool"]
    described = cognito.describe_user_pool(UserPoolId=created["Id"])["UserPool"]
    for key in ("Id", "Name", "Arn", "Policies", "UsernameAttributes", "CreationDate"):
        assert described[key] == created[key], key
    assert described["Policies"]["PasswordPolicy"]["PasswordHistorySize"] == 4


def test_password_history_size_zero_is_hidden(cognito):
    pool = create_pool(cognito, history=0)
    pp = cognito.describe_user_pool(UserPoolId=pool)["UserPool"]["Policies"]["PasswordPolicy"]
    assert "PasswordHistorySize" not in pp


def test_describe_unknown_pool(cognito):
    expect_error(cognito.describe_user_pool, "ResourceNotFoundException",
                 M.pool_not_found(MISSING_POOL), UserPoolId=MISSING_POOL)


def test_schema_custom_attribute(cognito):
    pool = create_pool(cognito, Schema=[
        {"Name": "tier", "AttributeDataType": "String", "Mutable": True,
         "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "20"}},
    ])
    schema = cognito.describe_user_pool(UserPoolId=pool)["UserPool"]["SchemaAttributes"]
    names = {a["Name"] for a in schema}
    assert "custom:tier" in names
    assert {"sub", "email"} <= names
    create_user(cognito, pool, "cu", attrs={"custom:tier": "gold"})
    got = cognito.admin_get_user(UserPoolId=pool, Username="cu")
    assert {"Name": "custom:tier", "Value": "gold"} in got["UserAttributes"]


def test_list_user_pools_pagination(make_server):
    c = make_server().client()
    prefix = unique("list")
    created = [c.create_user_pool(PoolName=f"{prefix}-{i}")["UserPool"]["Id"] for i in range(5)]
    seen, token, pages = [], None, 0
    while True:
        kwargs = {"MaxResults": 2}
        if token:
            kwargs["NextToken"] = token
        resp = c.list_user_pools(**kwargs)
        pages += 1
        assert len(resp["UserPools"]) <= 2
        for p in resp["UserPools"]:
            assert p["Name"].startswith(prefix)
            assert set(p) >= {"Id", "Name"}
        seen += [p["Id"] for p in resp["UserPools"]]
        token = resp.get("NextToken")
        if not token:
            break
        assert pages < 10
    assert sorted(seen) == sorted(created)
    assert set(all_pools(c)) == set(created)


def test_list_user_pools_requires_max_results(lax):
    expect_error(lax.list_user_pools, "InvalidParameterException",
                 M.validation(M.v_null("maxResults")))


@pytest.mark.parametrize("value, message", [
    (0, M.v_min_value("maxResults", 1, 0)),
    (61, M.v_max_value("maxResults", 60, 61)),
])
def test_list_user_pools_max_results_range(lax, value, message):
    expect_error(lax.list_user_pools, "InvalidParameterException", M.validation(message),
                 MaxResults=value)


def test_update_user_pool(cognito):
    pool = create_pool(cognito)
    cognito.update_user_pool(
        UserPoolId=pool,
        Policies={"PasswordPolicy": {**STRONG_POLICY, "MinimumLength": 12,
                                     "TemporaryPasswordValidityDays": 2}},
        DeletionProtection="ACTIVE",
    )
    desc = cognito.describe_user_pool(UserPoolId=pool)["UserPool"]
    assert desc["Policies"]["PasswordPolicy"]["MinimumLength"] == 12
    assert desc["Policies"]["PasswordPolicy"]["TemporaryPasswordValidityDays"] == 2
    assert desc["DeletionProtection"] == "ACTIVE"
    assert desc["LastModifiedDate"] >= desc["CreationDate"]


def test_update_unknown_pool(cognito):
    expect_error(cognito.update_user_pool, "ResourceNotFoundException",
                 M.pool_not_found(MISSING_POOL), UserPoolId=MISSING_POOL)


def test_delete_user_pool(cognito):
    pool = create_pool(cognito)
    create_user(cognito, pool, "x")
    cognito.delete_user_pool(UserPoolId=pool)
    expect_error(cognito.describe_user_pool, "ResourceNotFoundException",
                 M.pool_not_found(pool), UserPoolId=pool)
    expect_error(cognito.admin_get_user, "ResourceNotFoundException",
                 M.pool_not_found(pool), UserPoolId=pool, Username="x")
    expect_error(cognito.delete_user_pool, "ResourceNotFoundException",
                 M.pool_not_found(pool), UserPoolId=pool)
    assert pool not in all_pools(cognito)


def test_deletion_protection(cognito):
    pool = create_pool(cognito, DeletionProtection="ACTIVE")
    expect_error(cognito.delete_user_pool, "InvalidParameterException", M.DELETION_PROTECTED,
                 UserPoolId=pool)
    assert cognito.describe_user_pool(UserPoolId=pool)["UserPool"]["Id"] == pool
    cognito.update_user_pool(UserPoolId=pool, DeletionProtection="INACTIVE")
    cognito.delete_user_pool(UserPoolId=pool)
    expect_error(cognito.describe_user_pool, "ResourceNotFoundException",
                 M.pool_not_found(pool), UserPoolId=pool)


def test_alias_and_username_attributes_are_exclusive(cognito):
    name = unique("both")
    expect_error(cognito.create_user_pool, "InvalidParameterException",
                 M.ALIAS_AND_USERNAME_ATTRIBUTES,
                 PoolName=name, AliasAttributes=["email"], UsernameAttributes=["email"])
    assert name not in {p["Name"] for p in all_pools(cognito).values()}


def test_minimum_length_below_six_is_a_validation_error(lax):
    expect_error(lax.create_user_pool, "InvalidParameterException",
                 M.validation(M.v_min_value(M.MIN_LENGTH_PATH, 6, 5)),
                 PoolName=unique("short"),
                 Policies={"PasswordPolicy": {**STRONG_POLICY, "MinimumLength": 5}})


def test_enum_validation(lax):
    expect_error(lax.create_user_pool, "InvalidParameterException",
                 M.validation(M.v_enum("deletionProtection", "SOMETIMES", ["ACTIVE", "INACTIVE"])),
                 PoolName=unique("enum"), DeletionProtection="SOMETIMES")


def test_pool_name_pattern(lax):
    expect_error(lax.create_user_pool, "InvalidParameterException",
                 M.validation(M.v_pattern("poolName", r"[\w\s+=,.@-]+", "!!!")),
                 PoolName="!!!")


def test_history_needs_essentials_tier(cognito):
    expect_error(cognito.create_user_pool, "FeatureUnavailableInTierException",
                 M.HISTORY_NOT_IN_LITE, PoolName=unique("lite"), UserPoolTier="LITE",
                 Policies={"PasswordPolicy": {**STRONG_POLICY, "PasswordHistorySize": 2}})


# --------------------------------------------------------------------------- clients


def test_create_client_without_secret(cognito):
    pool = create_pool(cognito)
    flows = ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="web app", ExplicitAuthFlows=flows,
        AccessTokenValidity=2, IdTokenValidity=3, RefreshTokenValidity=10,
        TokenValidityUnits={"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"},
    )["UserPoolClient"]
    assert CLIENT_ID_RE.fullmatch(client["ClientId"])
    assert client["UserPoolId"] == pool
    assert client["ClientName"] == "web app"
    assert "ClientSecret" not in client
    assert sorted(client["ExplicitAuthFlows"]) == sorted(flows)
    assert client["AccessTokenValidity"] == 2
    assert client["IdTokenValidity"] == 3
    assert client["RefreshTokenValidity"] == 10
    assert client["TokenValidityUnits"] == {"AccessToken": "hours", "IdToken": "hours",
                                            "RefreshToken": "days"}
    assert isinstance(client["CreationDate"], datetime.datetime)


def test_create_client_with_generated_secret(cognito):
    pool = create_pool(cognito)
    client = create_client(cognito, pool, GenerateSecret=True)
    secret = client["ClientSecret"]
    assert re.fullmatch(r"[\w+]{24,64}", secret), secret
    described = cognito.describe_user_pool_client(
        UserPoolId=pool, ClientId=client["ClientId"])["UserPoolClient"]
    assert described["ClientSecret"] == secret
    other = create_client(cognito, pool, GenerateSecret=True)
    assert other["ClientSecret"] != secret
    assert other["ClientId"] != client["ClientId"]


def test_client_default_auth_flows(cognito):
    pool = create_pool(cognito)
    client = create_client(cognito, pool)
    described = cognito.describe_user_pool_client(
        UserPoolId=pool, ClientId=client["ClientId"])["UserPoolClient"]
    assert sorted(described.get("ExplicitAuthFlows", [])) == sorted(
        ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"])


def test_client_mixing_legacy_and_allow_flows(cognito):
    pool = create_pool(cognito)
    expect_error(cognito.create_user_pool_client, "InvalidParameterException",
                 M.LEGACY_AND_ALLOW_FLOWS, UserPoolId=pool, ClientName="mixed",
                 ExplicitAuthFlows=["ADMIN_NO_SRP_AUTH", "ALLOW_USER_SRP_AUTH"])
    assert cognito.list_user_pool_clients(UserPoolId=pool, MaxResults=10)["UserPoolClients"] == []


def test_client_in_unknown_pool(cognito):
    expect_error(cognito.create_user_pool_client, "ResourceNotFoundException",
                 M.pool_not_found(MISSING_POOL), UserPoolId=MISSING_POOL, ClientName="c")


def test_list_user_pool_clients_pagination(cognito):
    pool = create_pool(cognito)
    ids = {create_client(cognito, pool, ClientName=f"c{i}")["ClientId"] for i in range(3)}
    seen, token = [], None
    for _ in range(10):
        kwargs = {"UserPoolId": pool, "MaxResults": 2}
        if token:
            kwargs["NextToken"] = token
        resp = cognito.list_user_pool_clients(**kwargs)
        assert len(resp["UserPoolClients"]) <= 2
        for c in resp["UserPoolClients"]:
            assert c["UserPoolId"] == pool
            assert c["ClientName"] in {"c0", "c1", "c2"}
            assert "ClientSecret" not in c
        seen += [c["ClientId"] for c in resp["UserPoolClients"]]
        token = resp.get("NextToken")
        if not token:
            break
    assert sorted(seen) == sorted(ids)


def test_update_user_pool_client(cognito):
    pool = create_pool(cognito)
    cid = create_client(cognito, pool, ClientName="before")["ClientId"]
    updated = cognito.update_user_pool_client(
        UserPoolId=pool, ClientId=cid, ClientName="after",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    assert updated["ClientName"] == "after"
    described = cognito.describe_user_pool_client(UserPoolId=pool, ClientId=cid)["UserPoolClient"]
    assert described["ClientName"] == "after"
    assert sorted(described["ExplicitAuthFlows"]) == ["ALLOW_REFRESH_TOKEN_AUTH",
                                                      "ALLOW_USER_PASSWORD_AUTH"]


def test_delete_user_pool_client(cognito):
    pool = create_pool(cognito)
    cid = create_client(cognito, pool)["ClientId"]
    cognito.delete_user_pool_client(UserPoolId=pool, ClientId=cid)
    expect_error(cognito.describe_user_pool_client, "ResourceNotFoundException",
                 M.client_not_found(cid), UserPoolId=pool, ClientId=cid)
    expect_error(cognito.delete_user_pool_client, "ResourceNotFoundException",
                 M.client_not_found(cid), UserPoolId=pool, ClientId=cid)


def test_client_of_another_pool_is_not_found(cognito):
    pool_a, pool_b = create_pool(cognito), create_pool(cognito)
    cid = create_client(cognito, pool_a)["ClientId"]
    expect_error(cognito.describe_user_pool_client, "ResourceNotFoundException",
                 M.client_not_found(cid), UserPoolId=pool_b, ClientId=cid)


# --------------------------------------------------------------------------- not implemented


def test_unimplemented_operation(cognito):
    pool = create_pool(cognito)
    op = M.UNIMPLEMENTED_OPERATION
    method = getattr(cognito, re.sub(r"(?<!^)(?=[A-Z])", "_", op).lower())
    expect_error(method, "UnsupportedOperationException", M.not_implemented(op), UserPoolId=pool)


def test_unimplemented_operation_still_needs_a_signature(raw):
    r = raw.call(M.UNIMPLEMENTED_OPERATION, {"UserPoolId": MISSING_POOL}, sign=False)
    assert_raw_error(r, "MissingAuthenticationTokenException", M.MISSING_AUTH_TOKEN)


def test_pool_survives_failed_create_with_same_name(cognito):
    name = unique("dup")
    a = cognito.create_user_pool(PoolName=name)["UserPool"]["Id"]
    b = cognito.create_user_pool(PoolName=name)["UserPool"]["Id"]  # names need not be unique
    assert a != b
    create_user(cognito, a, "p", temp=strong_password())
    assert cognito.admin_get_user(UserPoolId=a, Username="p")["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    expect_error(cognito.admin_get_user, "UserNotFoundException", M.USER_NOT_FOUND,
                 UserPoolId=b, Username="p")
