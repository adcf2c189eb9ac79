"""Pool settings userpools would store but not honour yet are refused (issue 18: "a setting that
is accepted must be honoured"), and DescribeUserPool counts the pool's users."""

from __future__ import annotations

import pytest

from helpers import all_pools, create_pool, create_user, expect_error, unique

MFA = ("MfaConfiguration ON and OPTIONAL are not supported yet: userpools does not implement "
       "multi-factor authentication. Use OFF.")
LAMBDA = "LambdaConfig is not supported yet: userpools does not invoke Lambda triggers."
ADD_ONS = ("UserPoolAddOns AdvancedSecurityMode AUDIT and ENFORCED are not supported: userpools "
           "has no threat protection. Use OFF.")
DEVICES = "DeviceConfiguration is not supported yet: userpools does not remember devices."
UPDATE = ("UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate is not supported "
          "yet: userpools does not verify an attribute before updating it.")

REFUSED = [
    ({"MfaConfiguration": "ON"}, MFA),
    ({"MfaConfiguration": "OPTIONAL"}, MFA),
    ({"LambdaConfig": {"PreSignUp": "arn:aws:lambda:us-east-1:123456789012:function:f"}}, LAMBDA),
    ({"UserPoolAddOns": {"AdvancedSecurityMode": "ENFORCED"}}, ADD_ONS),
    ({"UserPoolAddOns": {"AdvancedSecurityMode": "AUDIT"}}, ADD_ONS),
    ({"DeviceConfiguration": {"ChallengeRequiredOnNewDevice": True}}, DEVICES),
    ({"DeviceConfiguration": {"DeviceOnlyRememberedOnUserPrompt": False}}, DEVICES),
    ({"UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": ["email"]}},
     UPDATE),
]


@pytest.mark.parametrize("settings,message", REFUSED, ids=lambda v: str(v)[:40])
def test_unhonoured_settings_are_refused_by_create(cognito, settings, message):
    name = unique("refused")
    expect_error(cognito.create_user_pool, "InvalidParameterException", message,
                 PoolName=name, **settings)
    assert name not in {p["Name"] for p in all_pools(cognito).values()}


@pytest.mark.parametrize("settings,message", REFUSED, ids=lambda v: str(v)[:40])
def test_unhonoured_settings_are_refused_by_update(cognito, settings, message):
    pool = create_pool(cognito)
    before = cognito.describe_user_pool(UserPoolId=pool)["UserPool"]
    expect_error(cognito.update_user_pool, "InvalidParameterException", message,
                 UserPoolId=pool, **settings)
    after = cognito.describe_user_pool(UserPoolId=pool)["UserPool"]
    assert after["MfaConfiguration"] == before["MfaConfiguration"] == "OFF"
    assert after["LastModifiedDate"] == before["LastModifiedDate"]


def test_the_honoured_values_are_accepted(cognito):
    pool = cognito.create_user_pool(
        PoolName=unique("ok"), MfaConfiguration="OFF", LambdaConfig={},
        UserPoolAddOns={"AdvancedSecurityMode": "OFF"}, DeviceConfiguration={},
        UserAttributeUpdateSettings={"AttributesRequireVerificationBeforeUpdate": []},
    )["UserPool"]
    assert pool["MfaConfiguration"] == "OFF"
    cognito.update_user_pool(UserPoolId=pool["Id"], MfaConfiguration="OFF")


def test_estimated_number_of_users(cognito):
    created = cognito.create_user_pool(PoolName=unique("count"))["UserPool"]
    assert created["EstimatedNumberOfUsers"] == 0
    pool = created["Id"]
    for name in ("a", "b", "c"):
        create_user(cognito, pool, name)
    assert cognito.describe_user_pool(UserPoolId=pool)["UserPool"]["EstimatedNumberOfUsers"] == 3
    cognito.admin_delete_user(UserPoolId=pool, Username="b")
    assert cognito.describe_user_pool(UserPoolId=pool)["UserPool"]["EstimatedNumberOfUsers"] == 2
