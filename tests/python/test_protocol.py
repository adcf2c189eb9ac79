"""The awsJson1_1 wire protocol, with raw (signed) HTTP requests."""

from __future__ import annotations

import json

import pytest
import requests

import messages as M
from helpers import (
    REPO_ROOT,
    all_pools,
    assert_raw_error,
    create_pool,
    create_user,
    error_of,
    get_user,
    strong_password,
    unique,
)


@pytest.fixture
def pool_user(cognito):
    pool = create_pool(cognito)
    create_user(cognito, pool, "wire", temp=strong_password())
    return pool


# --------------------------------------------------------------------------- content types


@pytest.mark.parametrize("content_type", [
    "application/x-amz-json-1.1",
    "application/x-amz-json-1.0",
    "application/json",
    "application/x-amz-json-1.1; charset=utf-8",
])
def test_content_types_accepted(raw, pool_user, content_type):
    r = raw.call("AdminGetUser", {"UserPoolId": pool_user, "Username": "wire"},
                 content_type=content_type)
    assert r.status_code == 200, r.text
    assert r.json()["Username"] == "wire"
    assert r.headers["Content-Type"].startswith("application/x-amz-json-1.1")
    assert r.headers.get("x-amzn-RequestId")


def test_request_ids_are_unique(raw):
    ids = {raw.call("ListUserPools", {"MaxResults": 1}).headers["x-amzn-RequestId"]
           for _ in range(5)}
    assert len(ids) == 5


def test_error_response_format(raw):
    missing = "us-east-1_Zz9Zz9Zz9"
    r = raw.call("DescribeUserPool", {"UserPoolId": missing})
    assert r.status_code == 400
    assert r.headers["Content-Type"].startswith("application/x-amz-json-1.1")
    body = r.json()
    assert body == {"__type": "ResourceNotFoundException", "message": M.pool_not_found(missing)}
    assert r.headers["x-amzn-ErrorType"].split(":")[0] == "ResourceNotFoundException"
    assert r.headers.get("x-amzn-RequestId")


# --------------------------------------------------------------------------- bad bodies


@pytest.mark.parametrize("body", [
    b'{"UserPoolId": ',
    b"{not json}",
    b'{"UserPoolId": "us-east-1_abc",}',
    b"\xff\xfe\x00garbage",
    b"[]",
    b'"a string"',
    b"42",
    b"null",
])
def test_malformed_json(raw, body):
    r = raw.call("ListUsers", body)
    etype, message = error_of(r)
    assert etype == "SerializationException", (etype, message)
    assert message


@pytest.mark.parametrize("body", [
    {"UserPoolId": "POOL", "Username": "wire", "Password": "Abcdefg1!", "Permanent": "false"},
    {"UserPoolId": "POOL", "Username": "wire", "Password": "Abcdefg1!", "Permanent": 1},
    {"UserPoolId": "POOL", "Username": "wire", "Password": 12345678, "Permanent": True},
    {"UserPoolId": "POOL", "Username": ["wire"], "Password": "Abcdefg1!", "Permanent": True},
    {"UserPoolId": {"id": "POOL"}, "Username": "wire", "Password": "Abcdefg1!"},
])
def test_wrong_member_types(raw, cognito, pool_user, body):
    body = {k: (pool_user if v == "POOL" else v) for k, v in body.items()}
    if isinstance(body["UserPoolId"], dict):
        body["UserPoolId"] = {"id": pool_user}
    before = get_user(cognito, pool_user, "wire")
    r = raw.call("AdminSetUserPassword", body)
    etype, message = error_of(r)
    assert etype == "SerializationException", (etype, message)
    assert message
    after = get_user(cognito, pool_user, "wire")
    assert after["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert after["UserLastModifiedDate"] == before["UserLastModifiedDate"]


@pytest.mark.parametrize("body", [
    {"MaxResults": "10"},
    {"MaxResults": 10.5},
    {"MaxResults": True},
    {"MaxResults": 10, "NextToken": 5},
])
def test_wrong_types_list_user_pools(raw, body):
    etype, _ = error_of(raw.call("ListUserPools", body))
    assert etype == "SerializationException"


def test_wrong_nested_types_create_user_pool(raw, cognito):
    name = unique("typed")
    r = raw.call("CreateUserPool", {"PoolName": name,
                                    "Policies": {"PasswordPolicy": {"MinimumLength": "8"}}})
    etype, _ = error_of(r)
    assert etype == "SerializationException"
    r = raw.call("CreateUserPool", {"PoolName": name, "AliasAttributes": "email"})
    etype, _ = error_of(r)
    assert etype == "SerializationException"
    assert name not in {p["Name"] for p in all_pools(cognito).values()}


def test_null_member_means_absent(raw, cognito, pool_user):
    r = raw.call("AdminSetUserPassword", {"UserPoolId": pool_user, "Username": "wire",
                                          "Password": strong_password(), "Permanent": None})
    assert r.status_code == 200, r.text
    assert get_user(cognito, pool_user, "wire")["UserStatus"] == "FORCE_CHANGE_PASSWORD"


def test_empty_body_is_empty_input(raw):
    r = raw.call("ListUserPools", b"")
    assert_raw_error(r, "InvalidParameterException", M.validation(M.v_null("maxResults")))


def test_empty_object(raw):
    r = raw.call("ListUsers", {})
    assert_raw_error(r, "InvalidParameterException", M.validation(M.v_null("userPoolId")))


def test_unknown_members_ignored(raw, cognito, pool_user):
    r = raw.call("AdminSetUserPassword", {
        "UserPoolId": pool_user, "Username": "wire", "Password": strong_password(),
        "Permanent": True, "SomethingNew": {"nested": [1, 2, 3]}, "permanent": "nonsense",
    })
    assert r.status_code == 200, r.text
    assert r.json() == {}
    assert get_user(cognito, pool_user, "wire")["UserStatus"] == "CONFIRMED"


def test_member_names_are_case_sensitive(raw, pool_user):
    r = raw.call("AdminGetUser", {"userPoolId": pool_user, "username": "wire"})
    assert_raw_error(r, "InvalidParameterException")


# --------------------------------------------------------------------------- targets


def test_unknown_operation(raw):
    r = raw.call(f"{M.TARGET_PREFIX}.NoSuchOperation", {})
    etype, message = error_of(r)
    assert etype == "UnknownOperationException"
    assert "NoSuchOperation" in (message or ""), message


def test_unknown_target_prefix(raw):
    r = raw.call("SomeOtherService.AdminGetUser", {"UserPoolId": "us-east-1_abc", "Username": "x"})
    etype, message = error_of(r)
    assert etype == "UnknownOperationException"
    assert "SomeOtherService.AdminGetUser" in (message or ""), message


def test_missing_target(raw):
    r = raw.call(None, {})
    etype, _ = error_of(r)
    assert etype == M.MISSING_TARGET_TYPE


def test_unknown_operation_unsigned_is_400(raw):
    r = raw.call(f"{M.TARGET_PREFIX}.NoSuchOperation", {}, sign=False)
    assert r.status_code == 400
    assert r.json()["__type"] in {"UnknownOperationException",
                                  "MissingAuthenticationTokenException"}


# --------------------------------------------------------------------------- never 500

WEIRD = [
    ("AdminGetUser", {"UserPoolId": "us-east-1_" + "a" * 60, "Username": "x"}),
    ("AdminGetUser", {"UserPoolId": "us-east-1_abc", "Username": "\u0000"}),
    ("AdminGetUser", {"UserPoolId": "us-east-1_abc", "Username": "\U0001f600" * 10}),
    ("AdminGetUser", {"UserPoolId": "us-east-1_abc", "Username": "x" * 10000}),
    ("AdminGetUser", {"UserPoolId": "", "Username": ""}),
    ("AdminGetUser", {"UserPoolId": None, "Username": None}),
    ("AdminSetUserPassword", {"UserPoolId": "us-east-1_abc", "Username": "x",
                              "Password": "\ud800"}),
    ("AdminSetUserPassword", {"UserPoolId": "us-east-1_abc", "Username": "x",
                              "Password": "A" * 100000}),
    ("CreateUserPool", {"PoolName": "x", "Policies": {"PasswordPolicy": {"MinimumLength": 2**40}}}),
    ("CreateUserPool", {"PoolName": "x", "Policies": {"PasswordPolicy": {"MinimumLength": -1}}}),
    ("CreateUserPool", {"PoolName": "x", "Schema": [None]}),
    ("ListUsers", {"UserPoolId": "us-east-1_abc", "Filter": "\"" * 300}),
    ("ListUsers", {"UserPoolId": "us-east-1_abc", "PaginationToken": "not-a-token"}),
    ("ListUserPools", {"MaxResults": 10, "NextToken": "garbage!!"}),
    ("AdminCreateUser", {"UserPoolId": "us-east-1_abc", "Username": "x",
                         "UserAttributes": [{"Value": "no name"}]}),
    ("AdminCreateUser", {"UserPoolId": "us-east-1_abc", "Username": "x",
                         "UserAttributes": {"Name": "email"}}),
]


@pytest.mark.parametrize("op, body", WEIRD, ids=[f"{o}-{i}" for i, (o, _) in enumerate(WEIRD)])
def test_never_500(raw, op, body):
    payload = json.dumps(body, ensure_ascii=True).encode()
    r = raw.call(op, payload)
    assert r.status_code == 400, f"{r.status_code}: {r.text[:300]}"
    etype, message = error_of(r)
    assert etype and etype != "InternalErrorException"


ODD_BUT_MAYBE_VALID = [
    ("CreateUserPool", {"PoolName": unique("odd"), "Policies": None}),
    ("CreateUserPool", {"PoolName": unique("odd"), "Schema": [{}]}),
    ("CreateUserPool", {"PoolName": unique("odd"), "Schema": []}),
    ("ListUsers", {"UserPoolId": "us-east-1_abc", "AttributesToGet": []}),
]


@pytest.mark.parametrize("op, body", ODD_BUT_MAYBE_VALID,
                         ids=[f"{o}-{i}" for i, (o, _) in enumerate(ODD_BUT_MAYBE_VALID)])
def test_odd_inputs_are_answered_properly(raw, op, body):
    r = raw.call(op, body)
    if r.status_code != 200:
        etype, _ = error_of(r)  # asserts a well-formed 400
        assert etype != "InternalErrorException"


def test_pagination_token_of_another_pool(raw, cognito):
    a, b = create_pool(cognito), create_pool(cognito)
    for i in range(3):
        create_user(cognito, a, f"a{i}")
        create_user(cognito, b, f"b{i}")
    token = cognito.list_users(UserPoolId=a, Limit=1)["PaginationToken"]
    r = raw.call("ListUsers", {"UserPoolId": b, "Limit": 1, "PaginationToken": token})
    if r.status_code == 200:
        assert all(u["Username"].startswith("b") for u in r.json()["Users"])
    else:
        etype, _ = error_of(r)
        assert etype == "InvalidParameterException"


def test_get_root_is_not_500(server):
    r = requests.get(server.url + "/", timeout=10)
    assert 400 <= r.status_code < 500


def test_big_body_is_not_500(raw):
    r = raw.call("ListUsers", {"UserPoolId": "us-east-1_abc", "Filter": "x" * (2 * 1024 * 1024)})
    assert 400 <= r.status_code < 500


# --------------------------------------------------------------------------- test clock endpoint


def test_clock_endpoint_absent_without_flag(make_server):
    s = make_server(test_clock=False)
    r = requests.post(s.url + "/_userpools/clock", json={"advance_seconds": 60}, timeout=10)
    assert r.status_code == 404
    assert requests.get(s.url + "/health", timeout=10).status_code == 200


def test_clock_endpoint_with_flag(clocked):
    r = requests.post(clocked.server.url + "/_userpools/clock", json={"advance_seconds": 1},
                      timeout=10)
    assert r.status_code == 200
    before = clocked.cognito.create_user_pool(PoolName=unique("clk"))["UserPool"]
    clocked.clock.advance(3 * 86400)
    after = clocked.cognito.create_user_pool(PoolName=unique("clk"))["UserPool"]
    delta = (after["CreationDate"] - before["CreationDate"]).total_seconds()
    assert 3 * 86400 <= delta < 3 * 86400 + 120, delta


# --------------------------------------------------------------------------- every operation of the model


def _model_operations():
    path = REPO_ROOT / "model" / "cognito-idp-2016-04-18.json"
    model = json.loads(path.read_text())
    ops = []
    for name, op in sorted(model["operations"].items()):
        no_auth = op.get("authtype") == "none" or "smithy.api#noAuth" in op.get("auth", [])
        ops.append((name, no_auth))
    return ops


MODEL_OPERATIONS = _model_operations()


def test_model_has_141_operations():
    assert len(MODEL_OPERATIONS) == 141
    assert sum(1 for _, no_auth in MODEL_OPERATIONS if no_auth) == 34


@pytest.mark.parametrize("op, no_auth", MODEL_OPERATIONS, ids=[o for o, _ in MODEL_OPERATIONS])
def test_every_operation_answers_an_empty_input_cleanly(raw, op, no_auth):
    r = raw.call(op, {}, sign=not no_auth)
    if r.status_code == 200:
        assert isinstance(r.json(), dict)
        return
    etype, message = error_of(r)
    assert etype not in {"InternalErrorException", "UnknownOperationException",
                         "MissingAuthenticationTokenException", "SerializationException"}, (
        etype, message)
    assert message


@pytest.mark.parametrize("op", [o for o, no_auth in MODEL_OPERATIONS if not no_auth])
def test_every_signed_operation_needs_a_signature(raw, op):
    r = raw.call(op, {}, sign=False)
    assert_raw_error(r, "MissingAuthenticationTokenException", M.MISSING_AUTH_TOKEN)
