"""AddCustomAttributes with boto3: the schema grows, users can then carry the attribute."""

from __future__ import annotations

import pytest

import messages as M
from helpers import create_pool, create_user, expect_error, get_user, unique

MISSING_POOL = "us-east-1_Zz9Zz9Zz9"


def schema_names(cognito, pool_id: str) -> list[str]:
    pool = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    return [a["Name"] for a in pool["SchemaAttributes"]]


def test_added_attributes_appear_in_the_schema(cognito):
    pool = create_pool(cognito)
    before = cognito.describe_user_pool(UserPoolId=pool)["UserPool"]
    assert "custom:tenant" not in schema_names(cognito, pool)
    r = cognito.add_custom_attributes(
        UserPoolId=pool,
        CustomAttributes=[
            {"Name": "tenant", "AttributeDataType": "String", "Mutable": True,
             "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "64"}},
            {"Name": "level", "AttributeDataType": "Number",
             "NumberAttributeConstraints": {"MinValue": "0", "MaxValue": "9"}},
        ],
    )
    assert {k: v for k, v in r.items() if k != "ResponseMetadata"} == {}
    after = cognito.describe_user_pool(UserPoolId=pool)["UserPool"]
    by_name = {a["Name"]: a for a in after["SchemaAttributes"]}
    assert by_name["custom:tenant"]["AttributeDataType"] == "String"
    assert by_name["custom:tenant"]["StringAttributeConstraints"] == {"MinLength": "1", "MaxLength": "64"}
    assert by_name["custom:level"]["AttributeDataType"] == "Number"
    assert by_name["custom:level"]["NumberAttributeConstraints"] == {"MinValue": "0", "MaxValue": "9"}
    assert after["LastModifiedDate"] >= before["LastModifiedDate"]


def test_users_can_carry_an_added_attribute(cognito):
    pool = create_pool(cognito)
    name = unique("u")
    expect_error(create_user, "InvalidParameterException",
                 M.attribute_not_in_schema("custom:tenant"),
                 c=cognito, pool_id=pool, username=name, attrs={"custom:tenant": "acme"})
    cognito.add_custom_attributes(UserPoolId=pool,
                                  CustomAttributes=[{"Name": "tenant", "AttributeDataType": "String"}])
    create_user(cognito, pool, name, attrs={"custom:tenant": "acme"})
    attrs = {a["Name"]: a["Value"] for a in get_user(cognito, pool, name)["UserAttributes"]}
    assert attrs["custom:tenant"] == "acme"


def test_an_existing_name_is_refused_and_nothing_changes(cognito):
    pool = create_pool(cognito)
    cognito.add_custom_attributes(UserPoolId=pool,
                                  CustomAttributes=[{"Name": "tenant", "AttributeDataType": "String"}])
    before = schema_names(cognito, pool)
    expect_error(cognito.add_custom_attributes, "InvalidParameterException",
                 "Existing attribute already has name tenant.",
                 UserPoolId=pool,
                 CustomAttributes=[{"Name": "other", "AttributeDataType": "String"},
                                   {"Name": "tenant", "AttributeDataType": "Number"}])
    assert schema_names(cognito, pool) == before


def test_a_name_twice_in_one_call_is_refused(cognito):
    pool = create_pool(cognito)
    expect_error(cognito.add_custom_attributes, "InvalidParameterException",
                 "Existing attribute already has name twice.",
                 UserPoolId=pool,
                 CustomAttributes=[{"Name": "twice"}, {"Name": "twice"}])
    assert "custom:twice" not in schema_names(cognito, pool)


def test_a_required_custom_attribute_is_refused(cognito):
    pool = create_pool(cognito)
    expect_error(cognito.add_custom_attributes, "InvalidParameterException",
                 "Required custom attributes are not supported currently. Attribute: custom:must",
                 UserPoolId=pool, CustomAttributes=[{"Name": "must", "Required": True}])
    assert "custom:must" not in schema_names(cognito, pool)


def test_at_most_fifty_custom_attributes(cognito):
    pool = create_pool(cognito)
    for start in (0, 25):
        cognito.add_custom_attributes(
            UserPoolId=pool,
            CustomAttributes=[{"Name": f"a{i}"} for i in range(start, start + 25)])
    expect_error(cognito.add_custom_attributes, "InvalidParameterException",
                 "A user pool can have at most 50 custom attributes.",
                 UserPoolId=pool, CustomAttributes=[{"Name": "a50"}])
    assert sum(n.startswith("custom:") for n in schema_names(cognito, pool)) == 50


def test_unknown_pool(cognito):
    expect_error(cognito.add_custom_attributes, "ResourceNotFoundException",
                 M.pool_not_found(MISSING_POOL),
                 UserPoolId=MISSING_POOL, CustomAttributes=[{"Name": "x"}])


@pytest.mark.parametrize("attributes, member", [
    ([], "customAttributes"),
    ([{"Name": "n" * 21}], "customAttributes.1.member.name"),
])
def test_model_limits(lax, attributes, member):
    pool = create_pool(lax)
    err = expect_error(lax.add_custom_attributes, "InvalidParameterException",
                       UserPoolId=pool, CustomAttributes=attributes)
    assert member in err.response["Error"]["Message"]
