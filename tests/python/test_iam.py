"""IAM: access keys and identity-based policies from `serve --config FILE` (boto3, AWS CLI, raw).

One server for the module: started without a config to create two pools (A and B) with the
root credential, then restarted on the same data dir with a config whose policies name them.
"""

from __future__ import annotations

import json
import subprocess

import pytest

import messages as M
from configs import (
    client_for, denied_explicit, denied_missing_allow, key_block, pool_arn, policy_json,
    serve_fails, write_config,
)
from helpers import (
    Server, assert_raw_error, create_client, create_pool, create_user, expect_error,
    new_credentials, status, strong_password,
)
from test_cli import SERVICE_ERROR_RC, Cli

ALICE = ("AKIAALICE0000000TEST", "alice-secret-key-0000000000000000000000")
ALICE_ARN = "arn:aws:iam::000000000000:user/alice"
BOB = ("AKIABOB00000000TEST0", "bob-secret-key-00000000000000000000000000")
BOB_ARN = "arn:aws:iam::000000000000:user/bob"
CAROL = ("AKIACAROL0000000TEST", "carol-secret-key-000000000000000000000000")
CAROL_ARN = "arn:aws:iam::000000000000:user/carol"
EVE = ("AKIAEVE00000000TEST0", "eve-secret-key-00000000000000000000000000")
EVE_ARN = "arn:aws:iam::000000000000:user/eve"
TEMP = ("ASIATEMP000000000TST", "temp-secret-key-0000000000000000000000000")
TEMP_TOKEN = "FwoGZXIvYXdzEXAMPLEsessionTOKEN0123456789abcdefghijklmnopqrstuvwxyz"
TEMP_ARN = "arn:aws:sts::000000000000:assumed-role/Admin/ci-session"

SECRETS = [ALICE[1], BOB[1], CAROL[1], EVE[1], TEMP[1], TEMP_TOKEN]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = new_credentials()
    server = Server(tmp_path_factory.mktemp("iam-data"), tmp_path_factory.getbasetemp() / "logs",
                    test_clock=False, credentials=root)
    server.start()
    try:
        admin = server.client()
        pool_a = create_pool(admin)
        pool_b = create_pool(admin)
        app_client = create_client(admin, pool_a)["ClientId"]
        server.stop()

        arn_a, arn_b = pool_arn(pool_a), pool_arn(pool_b)
        config = "\n".join([
            # alice: a few actions on pool A only (JSON text; action names in any case).
            key_block(*ALICE, ALICE_ARN, [policy_json({
                "Sid": "PoolAOnly",
                "Effect": "Allow",
                "Action": ["cognito-idp:AdminSetUserPassword", "COGNITO-IDP:adminGetUser",
                           "cognito-idp:List*"],
                "Resource": arn_a,
            })]),
            # bob: everything, but AdminSetUserPassword explicitly denied on pool B.
            key_block(*BOB, BOB_ARN, [
                policy_json({"Effect": "Allow", "Action": "cognito-idp:*", "Resource": "*"}),
                policy_json({"Effect": "Deny", "Action": "cognito-idp:AdminSetUserPassword",
                             "Resource": [arn_b]}),
            ]),
            # carol: everything except AdminSetUserPassword (NotAction; TOML table form).
            key_block(*CAROL, CAROL_ARN) + "\n".join([
                "[[access_keys.policies]]",
                'Version = "2012-10-17"',
                "[[access_keys.policies.Statement]]",
                'Effect = "Allow"',
                'NotAction = "cognito-idp:AdminSetUserPassword"',
                'Resource = "*"',
                "",
            ]),
            # eve: no policy at all.
            key_block(*EVE, EVE_ARN),
            # temporary credentials of an assumed role: Admin* on every pool.
            key_block(*TEMP, TEMP_ARN, [policy_json(
                {"Effect": "Allow", "Action": "cognito-idp:Admin?*", "Resource": f"{arn_a[:-len(pool_a)]}*"}
            )], session_token=TEMP_TOKEN),
        ])
        path = write_config(tmp_path_factory.mktemp("iam-config") / "userpools.toml", config)
        server.extra_args = ["--config", str(path)]
        server.start()
        yield type("Env", (), dict(
            server=server, admin=server.client(), pool_a=pool_a, pool_b=pool_b,
            arn_a=arn_a, arn_b=arn_b, app_client=app_client, config=path,
        ))
    finally:
        if server.running():
            server.kill()


def user_in(env, pool: str) -> str:
    name = f"u{strong_password()[-6:]}"
    create_user(env.admin, pool, name, temp=strong_password())
    return name


# --------------------------------------------------------------------------- allowed / denied


def test_allowed_key_sets_password_on_its_pool(env):
    alice = client_for(env.server, *ALICE)
    name = user_in(env, env.pool_a)
    resp = alice.admin_set_user_password(UserPoolId=env.pool_a, Username=name,
                                         Password=strong_password(), Permanent=True)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert status(env.admin, env.pool_a, name) == "CONFIRMED"
    # Action names match case-insensitively: the policy says "COGNITO-IDP:adminGetUser".
    assert alice.admin_get_user(UserPoolId=env.pool_a, Username=name)["UserStatus"] == "CONFIRMED"
    assert alice.list_users(UserPoolId=env.pool_a)["Users"]


def test_missing_allow_on_another_pool(env):
    alice = client_for(env.server, *ALICE)
    name = user_in(env, env.pool_b)
    expect_error(alice.admin_set_user_password, "AccessDeniedException",
                 denied_missing_allow(ALICE_ARN, "AdminSetUserPassword", env.arn_b),
                 UserPoolId=env.pool_b, Username=name, Password=strong_password(), Permanent=True)
    assert status(env.admin, env.pool_b, name) == "FORCE_CHANGE_PASSWORD"
    expect_error(alice.admin_get_user, "AccessDeniedException",
                 denied_missing_allow(ALICE_ARN, "AdminGetUser", env.arn_b),
                 UserPoolId=env.pool_b, Username=name)
    # An action the policy does not name, on the allowed pool.
    expect_error(alice.admin_delete_user, "AccessDeniedException",
                 denied_missing_allow(ALICE_ARN, "AdminDeleteUser", env.arn_a),
                 UserPoolId=env.pool_a, Username="whoever")


def test_explicit_deny_beats_allow(env):
    bob = client_for(env.server, *BOB)
    name_b = user_in(env, env.pool_b)
    expect_error(bob.admin_set_user_password, "AccessDeniedException",
                 denied_explicit(BOB_ARN, "AdminSetUserPassword", env.arn_b),
                 UserPoolId=env.pool_b, Username=name_b, Password=strong_password(),
                 Permanent=True)
    assert status(env.admin, env.pool_b, name_b) == "FORCE_CHANGE_PASSWORD"
    # Allowed elsewhere, and other actions on pool B are allowed.
    name_a = user_in(env, env.pool_a)
    bob.admin_set_user_password(UserPoolId=env.pool_a, Username=name_a,
                                Password=strong_password(), Permanent=True)
    assert status(env.admin, env.pool_a, name_a) == "CONFIRMED"
    assert bob.admin_get_user(UserPoolId=env.pool_b, Username=name_b)["Username"] == name_b
    assert bob.create_user_pool(PoolName="bobs")["UserPool"]["Id"]


def test_pool_less_operations_are_evaluated_on_star(env):
    alice = client_for(env.server, *ALICE)
    expect_error(alice.create_user_pool, "AccessDeniedException",
                 denied_missing_allow(ALICE_ARN, "CreateUserPool", "*"), PoolName="nope")
    # "cognito-idp:List*" on pool A does not cover ListUserPools, whose resource is "*".
    expect_error(alice.list_user_pools, "AccessDeniedException",
                 denied_missing_allow(ALICE_ARN, "ListUserPools", "*"), MaxResults=10)


def test_key_without_policies_is_denied_everything(env):
    eve = client_for(env.server, *EVE)
    expect_error(eve.describe_user_pool, "AccessDeniedException",
                 denied_missing_allow(EVE_ARN, "DescribeUserPool", env.arn_a),
                 UserPoolId=env.pool_a)
    expect_error(eve.list_user_pools, "AccessDeniedException",
                 denied_missing_allow(EVE_ARN, "ListUserPools", "*"), MaxResults=5)


def test_not_action_from_toml_table(env):
    carol = client_for(env.server, *CAROL)
    name = user_in(env, env.pool_b)
    assert carol.admin_get_user(UserPoolId=env.pool_b, Username=name)["Username"] == name
    expect_error(carol.admin_set_user_password, "AccessDeniedException",
                 denied_missing_allow(CAROL_ARN, "AdminSetUserPassword", env.arn_b),
                 UserPoolId=env.pool_b, Username=name, Password=strong_password())


def test_root_stays_all_powerful(env):
    name = user_in(env, env.pool_b)
    env.admin.admin_set_user_password(UserPoolId=env.pool_b, Username=name,
                                      Password=strong_password(), Permanent=True)
    assert status(env.admin, env.pool_b, name) == "CONFIRMED"


def test_authorization_comes_before_validation(env):
    alice = client_for(env.server, *ALICE)
    raw = env.server.raw()
    # A password the policy would reject, an unknown user: still AccessDenied first.
    expect_error(alice.admin_set_user_password, "AccessDeniedException",
                 denied_missing_allow(ALICE_ARN, "AdminSetUserPassword", env.arn_b),
                 UserPoolId=env.pool_b, Username="nobody", Password="short")
    # Invalid input (no Username, bad Permanent type): AccessDenied, not a validation error.
    r = raw.call("AdminSetUserPassword", {"UserPoolId": env.pool_b, "Password": "x",
                                          "Permanent": "yes"}, credentials=ALICE)
    assert_raw_error(r, "AccessDeniedException",
                     denied_missing_allow(ALICE_ARN, "AdminSetUserPassword", env.arn_b))
    # Without a UserPoolId the resource is the pool ARN with an empty id.
    r = raw.call("AdminSetUserPassword", {}, credentials=ALICE)
    assert_raw_error(r, "AccessDeniedException",
                     denied_missing_allow(ALICE_ARN, "AdminSetUserPassword", pool_arn("")))
    # The same invalid input from an allowed principal reaches validation.
    r = raw.call("AdminSetUserPassword", {"UserPoolId": env.pool_a, "Password": "Xx1!xxxx"},
                 credentials=ALICE)
    assert_raw_error(r, "InvalidParameterException",
                     M.validation(M.v_null("username")))


def test_no_auth_operations_are_not_evaluated(env):
    raw = env.server.raw()
    # SignUp is noAuth: even signed by a key without any policy, IAM is not consulted.
    r = raw.call("SignUp", {"ClientId": env.app_client, "Username": "signup-eve",
                            "Password": strong_password()}, credentials=EVE)
    assert r.status_code == 200, r.text
    assert r.json()["UserConfirmed"] is False


# --------------------------------------------------------------------------- temporary credentials


def test_temporary_credentials_with_session_token(env):
    temp = client_for(env.server, *TEMP, session_token=TEMP_TOKEN)
    name = user_in(env, env.pool_b)
    temp.admin_set_user_password(UserPoolId=env.pool_b, Username=name,
                                 Password=strong_password(), Permanent=True)
    assert status(env.admin, env.pool_b, name) == "CONFIRMED"
    # The assumed role's policy allows only Admin* actions.
    expect_error(temp.list_users, "AccessDeniedException",
                 denied_missing_allow(TEMP_ARN, "ListUsers", env.arn_b), UserPoolId=env.pool_b)


@pytest.mark.parametrize("token", [None, TEMP_TOKEN + "x", TEMP_TOKEN[:-1], "other-token"])
def test_wrong_or_missing_session_token(env, token):
    temp = client_for(env.server, *TEMP, session_token=token)
    name = user_in(env, env.pool_a)
    expect_error(temp.admin_set_user_password, "UnrecognizedClientException",
                 M.UNRECOGNIZED_CLIENT,
                 UserPoolId=env.pool_a, Username=name, Password=strong_password(),
                 Permanent=True)
    assert status(env.admin, env.pool_a, name) == "FORCE_CHANGE_PASSWORD"


def test_session_token_on_a_long_term_key_is_rejected(env):
    alice = client_for(env.server, *ALICE, session_token=TEMP_TOKEN)
    expect_error(alice.admin_get_user, "UnrecognizedClientException", M.UNRECOGNIZED_CLIENT,
                 UserPoolId=env.pool_a, Username="x")


def test_wrong_secret_for_configured_key(env):
    alice = client_for(env.server, ALICE[0], "wrong" * 8)
    expect_error(alice.admin_get_user, "InvalidSignatureException", M.SIGNATURE_MISMATCH,
                 UserPoolId=env.pool_a, Username="x")


# --------------------------------------------------------------------------- AWS CLI


def test_cli_key_lacking_admin_set_user_password(env):
    name = user_in(env, env.pool_a)
    cli = Cli(env.server, credentials=CAROL)
    p = cli.run("admin-set-user-password", "--user-pool-id", env.pool_a, "--username", name,
                "--password", strong_password(), "--permanent")
    assert p.returncode == SERVICE_ERROR_RC, p.stderr
    message = denied_missing_allow(CAROL_ARN, "AdminSetUserPassword", env.arn_a)
    assert p.stderr.strip() == (
        "An error occurred (AccessDeniedException) when calling the AdminSetUserPassword "
        f"operation: {message}"), p.stderr
    assert status(env.admin, env.pool_a, name) == "FORCE_CHANGE_PASSWORD"
    # The same key can do what its policy allows.
    got = Cli(env.server, credentials=CAROL).ok("admin-get-user", "--user-pool-id", env.pool_a,
                                                "--username", name)
    assert got["UserStatus"] == "FORCE_CHANGE_PASSWORD"


# --------------------------------------------------------------------------- secrets


def test_secrets_never_logged(env):
    # Some traffic with every key, then look at everything the server printed.
    for creds in (ALICE, BOB, CAROL, EVE):
        try:
            client_for(env.server, *creds).describe_user_pool(UserPoolId=env.pool_a)
        except Exception:
            pass
    output = env.server.stdout() + env.server.stderr()
    for secret in SECRETS:
        assert secret not in output


# --------------------------------------------------------------------------- invalid configs


def test_invalid_effect_fails_start_up(tmp_path):
    path = write_config(tmp_path / "bad.toml", key_block(*ALICE, ALICE_ARN, [
        '{"Statement": [{"Effect": "Permit", "Action": "*", "Resource": "*"}]}']))
    p = serve_fails(tmp_path, path, new_credentials())
    assert (f"Error: invalid configuration file {path}, line 6, column 1: "
            'access_keys[0].policies[0].Statement[0].Effect: must be "Allow" or "Deny", not "Permit"'
            ) in p.stderr, p.stderr


def test_bad_principal_and_unknown_field_fail_start_up(tmp_path):
    path = write_config(tmp_path / "bad.toml", key_block(*ALICE, "alice"))
    p = serve_fails(tmp_path, path, new_credentials())
    assert (f"Error: invalid configuration file {path}, line 4, column 17: "
            'access_keys[0].principal_arn: "alice" is not a principal ARN') in p.stderr, p.stderr
    path = write_config(tmp_path / "bad2.toml", "[quotas]\nenable = false\n")
    p = serve_fails(tmp_path, path, new_credentials())
    assert (f"Error: invalid configuration file {path}, line 2, column 1: unknown field `enable`, "
            "expected one of `enabled`, `per_user_rps`, `per_client_percent`, `categories`") in p.stderr, \
        p.stderr


def test_syntax_error_names_line_and_hides_secret(tmp_path):
    text = key_block(*ALICE, ALICE_ARN).replace(f'"{ALICE[1]}"', f'"{ALICE[1]}\\q"')
    path = write_config(tmp_path / "bad.toml", text)
    p = serve_fails(tmp_path, path, new_credentials())
    assert f"Error: invalid configuration file {path}, line 3, column " in p.stderr, p.stderr
    assert ALICE[1] not in p.stderr + p.stdout


def test_unreadable_config_and_root_key_clash(tmp_path):
    missing = tmp_path / "missing.toml"
    p = serve_fails(tmp_path, missing, new_credentials())
    assert f"Error: invalid configuration file {missing}: cannot be read: " in p.stderr, p.stderr
    root = ("AKIAROOTCLASH0000000", "root-secret-0000000000000000000000000000")
    path = write_config(tmp_path / "clash.toml", key_block(*root, ALICE_ARN))
    p = serve_fails(tmp_path, path, root)
    assert (f"Error: invalid configuration file {path}: access key {root[0]} is the root "
            "credential's; configured keys need their own ids") in p.stderr, p.stderr


def test_help_mentions_config():
    from helpers import server_binary
    out = subprocess.run([str(server_binary()), "serve", "--help"], capture_output=True,
                         text=True, timeout=30).stdout
    assert "--config <FILE>" in out
