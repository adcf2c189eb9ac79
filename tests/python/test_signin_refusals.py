"""Every refusal of the sign-in calls with boto3, type AND message (spec §2.6, §4.1, §4.8–§4.10):
flows not enabled on the client, flows on the wrong API, missing parameters, SECRET_HASH,
wrong password, unknown user (LEGACY and PreventUserExistenceErrors=ENABLED, SRP included),
unconfirmed and disabled users, the lockout.
"""

from __future__ import annotations

import re

import pytest

import messages as M
from helpers import (
    create_client,
    expect_error,
    secret_hash,
    set_password,
    status,
    strong_password,
    unique,
)
from signin_support import (
    PASSWORD_FLOWS,
    SrpClient,
    assert_tokens,
    federated_user,
    jwt_parts,
    make_app,
)

FLOW_NOT_ENABLED = "Auth flow not enabled for this client"
USER_PASSWORD_NOT_ENABLED = "USER_PASSWORD_AUTH flow not enabled for this client"
NOT_SUPPORTED = "Initiate Auth method not supported."
LOCKED = "Password attempts exceeded"
DISABLED = "User is disabled."
NOT_CONFIRMED = "User is not confirmed."


def missing(name: str) -> str:
    return f"Missing required parameter {name}"


def srp_hash_mismatch(client_id):
    return f"SecretHash does not match for the client: {client_id}"


# --------------------------------------------------------------------------- flows and the client


@pytest.mark.parametrize("enabled, flow, admin, message", [
    # USER_PASSWORD_AUTH has its own message
    (["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"], "USER_PASSWORD_AUTH", False,
     USER_PASSWORD_NOT_ENABLED),
    (["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"], "USER_SRP_AUTH", False,
     FLOW_NOT_ENABLED),
    (["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"], "USER_SRP_AUTH", True,
     FLOW_NOT_ENABLED),
    (["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
     "ADMIN_USER_PASSWORD_AUTH", True, FLOW_NOT_ENABLED),
    (["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
     "ADMIN_NO_SRP_AUTH", True, FLOW_NOT_ENABLED),
])
def test_flow_not_enabled_for_the_client(cognito, enabled, flow, admin, message):
    app = make_app(cognito, flows=enabled)
    perm = strong_password()
    user = app.user(permanent=perm)
    params = {"USERNAME": user, "PASSWORD": perm, "SRP_A": SrpClient(app.pool).srp_a}
    expect_error(app.initiate, "InvalidParameterException", message,
                 flow=flow, params=params, admin=admin)


def test_default_client_refuses_password_flows(cognito):
    app = make_app(cognito, flows="default")
    perm = strong_password()
    user = app.user(permanent=perm)
    expect_error(app.password_auth, "InvalidParameterException", USER_PASSWORD_NOT_ENABLED,
                 username=user, password=perm, flow="USER_PASSWORD_AUTH")
    expect_error(app.password_auth, "InvalidParameterException", FLOW_NOT_ENABLED,
                 username=user, password=perm, flow="ADMIN_USER_PASSWORD_AUTH")


def test_flow_not_enabled_is_checked_before_the_user(cognito):
    """Even for an unknown user or no parameters at all, the client's flows come first."""
    app = make_app(cognito, flows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    expect_error(app.initiate, "InvalidParameterException", USER_PASSWORD_NOT_ENABLED,
                 flow="USER_PASSWORD_AUTH", params={"USERNAME": "nobody", "PASSWORD": "x"})


@pytest.mark.parametrize("flow", ["ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"])
def test_admin_flows_on_initiate_auth(cognito, flow):
    app = make_app(cognito)
    perm = strong_password()
    user = app.user(permanent=perm)
    expect_error(app.initiate, "InvalidParameterException", NOT_SUPPORTED,
                 flow=flow, params={"USERNAME": user, "PASSWORD": perm})


def test_user_password_auth_on_admin_initiate_auth(cognito):
    app = make_app(cognito)
    perm = strong_password()
    user = app.user(permanent=perm)
    expect_error(app.initiate, "InvalidParameterException", NOT_SUPPORTED,
                 flow="USER_PASSWORD_AUTH", params={"USERNAME": user, "PASSWORD": perm},
                 admin=True)


def test_unknown_client(cognito):
    app = make_app(cognito)
    fake = "1" * 26
    expect_error(cognito.initiate_auth, "ResourceNotFoundException", M.client_not_found(fake),
                 ClientId=fake, AuthFlow="USER_PASSWORD_AUTH",
                 AuthParameters={"USERNAME": "x", "PASSWORD": "y"})
    expect_error(cognito.admin_initiate_auth, "ResourceNotFoundException", None,
                 UserPoolId=app.pool, ClientId=fake, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                 AuthParameters={"USERNAME": "x", "PASSWORD": "y"})


def test_admin_initiate_auth_with_a_client_of_another_pool(cognito):
    a, b = make_app(cognito), make_app(cognito)
    perm = strong_password()
    user = b.user(permanent=perm)
    expect_error(cognito.admin_initiate_auth, "ResourceNotFoundException", None,
                 UserPoolId=a.pool, ClientId=b.client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                 AuthParameters={"USERNAME": user, "PASSWORD": perm})


def test_admin_initiate_auth_unknown_pool(cognito):
    app = make_app(cognito)
    pool = "us-east-1_Nope12345"
    expect_error(cognito.admin_initiate_auth, "ResourceNotFoundException", M.pool_not_found(pool),
                 UserPoolId=pool, ClientId=app.client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                 AuthParameters={"USERNAME": "x", "PASSWORD": "y"})


# --------------------------------------------------------------------------- missing parameters


@pytest.mark.parametrize("flow, admin, params, name", [
    ("USER_PASSWORD_AUTH", False, {"PASSWORD": "Pw1!aaaa"}, "USERNAME"),
    ("USER_PASSWORD_AUTH", False, {"USERNAME": "someone"}, "PASSWORD"),
    ("USER_PASSWORD_AUTH", False, {}, "USERNAME"),
    ("ADMIN_USER_PASSWORD_AUTH", True, {"PASSWORD": "Pw1!aaaa"}, "USERNAME"),
    ("ADMIN_USER_PASSWORD_AUTH", True, {"USERNAME": "someone"}, "PASSWORD"),
    ("ADMIN_NO_SRP_AUTH", True, {"USERNAME": "someone"}, "PASSWORD"),
    ("USER_SRP_AUTH", False, {"SRP_A": "abc123"}, "USERNAME"),
    ("USER_SRP_AUTH", False, {"USERNAME": "someone"}, "SRP_A"),
    ("USER_SRP_AUTH", True, {"USERNAME": "someone"}, "SRP_A"),
    ("REFRESH_TOKEN_AUTH", False, {}, "REFRESH_TOKEN"),
    ("REFRESH_TOKEN", False, {}, "REFRESH_TOKEN"),
    ("REFRESH_TOKEN_AUTH", True, {}, "REFRESH_TOKEN"),
])
def test_missing_auth_parameter(cognito, flow, admin, params, name):
    app = make_app(cognito)
    expect_error(app.initiate, "InvalidParameterException", missing(name),
                 flow=flow, params=params, admin=admin)


def test_no_auth_parameters_at_all(cognito):
    app = make_app(cognito)
    expect_error(cognito.initiate_auth, "InvalidParameterException", missing("USERNAME"),
                 ClientId=app.client_id, AuthFlow="USER_PASSWORD_AUTH")


@pytest.mark.parametrize("admin", [False, True])
@pytest.mark.parametrize("drop", ["USERNAME", "NEW_PASSWORD"])
def test_new_password_answer_missing_parameter(cognito, admin, drop):
    app = make_app(cognito)
    temp = strong_password()
    user = app.user(temp=temp)
    session = app.sign_in(user, temp, "USER_PASSWORD_AUTH")["Session"]
    responses = {"USERNAME": user, "NEW_PASSWORD": strong_password()}
    del responses[drop]
    expect_error(app.respond, "InvalidParameterException", missing(drop),
                 challenge="NEW_PASSWORD_REQUIRED", responses=responses, session=session,
                 admin=admin)
    assert status(cognito, app.pool, user) == "FORCE_CHANGE_PASSWORD"


def test_new_password_answer_without_session(cognito):
    app = make_app(cognito)
    temp = strong_password()
    user = app.user(temp=temp)
    app.sign_in(user, temp, "USER_PASSWORD_AUTH")
    expect_error(app.respond, "InvalidParameterException", missing("Session"),
                 challenge="NEW_PASSWORD_REQUIRED",
                 responses={"USERNAME": user, "NEW_PASSWORD": strong_password()})


@pytest.mark.parametrize("drop", ["USERNAME", "PASSWORD_CLAIM_SECRET_BLOCK",
                                  "PASSWORD_CLAIM_SIGNATURE", "TIMESTAMP"])
def test_password_verifier_answer_missing_parameter(cognito, drop):
    app = make_app(cognito)
    perm = strong_password()
    user = app.user(permanent=perm)
    srp, r1 = app.srp_start(user)
    responses = srp.responses(r1["ChallengeParameters"], perm)
    del responses[drop]
    expect_error(app.respond, "InvalidParameterException", missing(drop),
                 challenge="PASSWORD_VERIFIER", responses=responses)


# --------------------------------------------------------------------------- SECRET_HASH (§2.6)


@pytest.fixture
def secret_app(cognito):
    app = make_app(cognito, secret=True)
    assert app.secret, "GenerateSecret=True gave no ClientSecret"
    return app


@pytest.mark.parametrize("flow", ["USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH",
                                  "ADMIN_NO_SRP_AUTH"])
def test_secret_hash_password_flows(cognito, secret_app, flow):
    app = secret_app
    perm = strong_password()
    user = app.user(permanent=perm)
    admin = flow.startswith("ADMIN_")
    base = {"USERNAME": user, "PASSWORD": perm}
    expect_error(app.initiate, "NotAuthorizedException", M.secret_hash_missing(app.client_id),
                 flow=flow, params=base, admin=admin)
    wrong = secret_hash(user, app.client_id, app.secret + "x")
    expect_error(app.initiate, "NotAuthorizedException", M.secret_hash_mismatch(app.client_id),
                 flow=flow, params={**base, "SECRET_HASH": wrong}, admin=admin)
    # a hash over another username does not do either
    other = secret_hash(user + "x", app.client_id, app.secret)
    expect_error(app.initiate, "NotAuthorizedException", M.secret_hash_mismatch(app.client_id),
                 flow=flow, params={**base, "SECRET_HASH": other}, admin=admin)
    assert_tokens(app.initiate(flow, {**base, **app.hash_for(user)}, admin=admin))


@pytest.mark.parametrize("admin", [False, True])
def test_secret_hash_srp(cognito, secret_app, admin):
    app = secret_app
    perm = strong_password()
    user = app.user(permanent=perm)
    srp = SrpClient(app.pool)
    base = {"USERNAME": user, "SRP_A": srp.srp_a}
    expect_error(app.initiate, "NotAuthorizedException", M.secret_hash_missing(app.client_id),
                 flow="USER_SRP_AUTH", params=base, admin=admin)
    expect_error(app.initiate, "NotAuthorizedException", M.secret_hash_mismatch(app.client_id),
                 flow="USER_SRP_AUTH", params={**base, "SECRET_HASH": "d3Jvbmc="}, admin=admin)
    r1 = app.initiate("USER_SRP_AUTH", {**base, **app.hash_for(user)}, admin=admin)
    responses = srp.responses(r1["ChallengeParameters"], perm)  # no SECRET_HASH
    expect_error(app.respond, "NotAuthorizedException", M.secret_hash_missing(app.client_id),
                 challenge="PASSWORD_VERIFIER", responses=responses, admin=admin)
    responses["SECRET_HASH"] = secret_hash(user, app.client_id, "not-the-secret")
    expect_error(app.respond, "NotAuthorizedException", M.secret_hash_mismatch(app.client_id),
                 challenge="PASSWORD_VERIFIER", responses=responses, admin=admin)
    responses["SECRET_HASH"] = secret_hash(user, app.client_id, app.secret)
    assert_tokens(app.respond("PASSWORD_VERIFIER", responses, admin=admin))


@pytest.mark.parametrize("admin", [False, True])
def test_secret_hash_new_password_answer(cognito, secret_app, admin):
    app = secret_app
    temp = strong_password()
    user = app.user(temp=temp)
    flow = "ADMIN_USER_PASSWORD_AUTH" if admin else "USER_PASSWORD_AUTH"
    session = app.sign_in(user, temp, flow)["Session"]
    new = strong_password()
    expect_error(app.new_password, "NotAuthorizedException", M.secret_hash_missing(app.client_id),
                 username=user, session=session, new=new, admin=admin, with_hash=False)
    bad = {"USERNAME": user, "NEW_PASSWORD": new,
           "SECRET_HASH": secret_hash(user, app.client_id, "nope")}
    expect_error(app.respond, "NotAuthorizedException", M.secret_hash_mismatch(app.client_id),
                 challenge="NEW_PASSWORD_REQUIRED", responses=bad, session=session, admin=admin)
    assert status(cognito, app.pool, user) == "FORCE_CHANGE_PASSWORD"
    assert_tokens(app.new_password(user, session, new, admin=admin))


@pytest.mark.parametrize("flow, admin", [
    ("REFRESH_TOKEN_AUTH", False), ("REFRESH_TOKEN", False), ("REFRESH_TOKEN_AUTH", True)])
def test_secret_hash_refresh(cognito, secret_app, flow, admin):
    app = secret_app
    perm = strong_password()
    user = app.user(permanent=perm)
    token = app.tokens(user, perm)["RefreshToken"]
    expect_error(app.refresh, "NotAuthorizedException", M.secret_hash_missing(app.client_id),
                 refresh_token=token, flow=flow, admin=admin)
    expect_error(app.refresh, "NotAuthorizedException", srp_hash_mismatch(app.client_id),
                 refresh_token=token, flow=flow, admin=admin,
                 extra={"SECRET_HASH": secret_hash(user, app.client_id, "wrong-secret")})
    assert_tokens(app.refresh(token, flow=flow, admin=admin, username=user), refresh=False)


def test_client_without_secret_ignores_no_secret_hash(cognito):
    """A client without a secret: no SECRET_HASH needed (and none of the secret errors)."""
    app = make_app(cognito)
    perm = strong_password()
    user = app.user(permanent=perm)
    assert_tokens(app.password_auth(user, perm))


# --------------------------------------------------------------------------- wrong password, unknown user


@pytest.mark.parametrize("flow", PASSWORD_FLOWS)
def test_wrong_password(cognito, flow):
    app = make_app(cognito)
    user = app.user(permanent=strong_password())
    expect_error(app.sign_in, "NotAuthorizedException", M.INCORRECT_CREDENTIALS,
                 username=user, password=strong_password(), flow=flow)


@pytest.mark.parametrize("prevent", [None, "LEGACY"])
@pytest.mark.parametrize("flow", ["USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH",
                                  "ADMIN_NO_SRP_AUTH", "USER_SRP_AUTH", "ADMIN_USER_SRP_AUTH"])
def test_unknown_user_legacy(cognito, prevent, flow):
    app = make_app(cognito, prevent=prevent)
    app.user(permanent=strong_password())
    expect_error(app.sign_in, "UserNotFoundException", M.USER_NOT_FOUND,
                 username=unique("ghost"), password=strong_password(), flow=flow)


@pytest.mark.parametrize("flow", ["USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH",
                                  "ADMIN_NO_SRP_AUTH"])
def test_unknown_user_prevent_existence_errors(cognito, flow):
    app = make_app(cognito, prevent="ENABLED")
    expect_error(app.sign_in, "NotAuthorizedException", M.INCORRECT_CREDENTIALS,
                 username=unique("ghost"), password=strong_password(), flow=flow)


@pytest.mark.parametrize("admin", [False, True])
def test_unknown_user_prevent_existence_errors_srp(cognito, admin):
    """Round 1 answers like for a real user (stable fake SALT per username and pool, and the
    name as USER_ID_FOR_SRP, issue 12 item 2); round 2 fails with the generic message."""
    app = make_app(cognito, prevent="ENABLED")
    real_pw = strong_password()
    real = app.user("realuser", permanent=real_pw)
    _, real_r1 = app.srp_start(real, admin=admin)

    ghost = unique("ghost")
    srp, r1 = app.srp_start(ghost, admin=admin)
    assert r1["ChallengeName"] == "PASSWORD_VERIFIER"
    p = r1["ChallengeParameters"]
    assert set(p) == set(real_r1["ChallengeParameters"])
    assert p["USER_ID_FOR_SRP"] == ghost, p["USER_ID_FOR_SRP"]
    assert p["USERNAME"] == p["USER_ID_FOR_SRP"]
    assert re.fullmatch(r"[0-9a-f]+", p["SALT"]) and not p["SALT"].startswith("00")
    assert len(p["SALT"]) >= 16
    # stable for the same username ...
    _, again = app.srp_start(ghost, admin=not admin)
    assert again["ChallengeParameters"]["SALT"] == p["SALT"]
    assert again["ChallengeParameters"]["USER_ID_FOR_SRP"] == p["USER_ID_FOR_SRP"]
    # ... different for another one
    _, other = app.srp_start(unique("ghost"), admin=admin)
    assert other["ChallengeParameters"]["SALT"] != p["SALT"]
    assert other["ChallengeParameters"]["USER_ID_FOR_SRP"] != p["USER_ID_FOR_SRP"]
    # round 2 fails whatever the password
    expect_error(app.srp_finish, "NotAuthorizedException", M.INCORRECT_CREDENTIALS,
                 srp=srp, round1=r1, password=strong_password(), admin=admin)


def test_fake_srp_identity_is_per_pool(cognito):
    a = make_app(cognito, prevent="ENABLED")
    b = make_app(cognito, prevent="ENABLED")
    _, ra = a.srp_start("ghost-same")
    _, rb = b.srp_start("ghost-same")
    assert ra["ChallengeParameters"]["SALT"] != rb["ChallengeParameters"]["SALT"]


def test_prevent_existence_errors_wrong_password_same_answer(cognito):
    app = make_app(cognito, prevent="ENABLED")
    user = app.user(permanent=strong_password())
    for flow in PASSWORD_FLOWS:
        expect_error(app.sign_in, "NotAuthorizedException", M.INCORRECT_CREDENTIALS,
                     username=user, password=strong_password(), flow=flow)


def test_user_with_a_generated_password_cannot_guess_in(cognito):
    """AdminCreateUser without TemporaryPassword: the generated one is unknown to us."""
    app = make_app(cognito)
    user = unique("gen")
    cognito.admin_create_user(UserPoolId=app.pool, Username=user, MessageAction="SUPPRESS")
    assert status(cognito, app.pool, user) == "FORCE_CHANGE_PASSWORD"
    for flow in PASSWORD_FLOWS:
        expect_error(app.sign_in, "NotAuthorizedException", M.INCORRECT_CREDENTIALS,
                     username=user, password=strong_password(), flow=flow)


# --------------------------------------------------------------------------- user states


def signed_up_user(app, password):
    user = unique("su")
    app.c.sign_up(ClientId=app.client_id, Username=user, Password=password,
                  **({"SecretHash": secret_hash(user, app.client_id, app.secret)} if app.secret else {}))
    assert status(app.c, app.pool, user) == "UNCONFIRMED"
    return user


@pytest.mark.parametrize("flow", PASSWORD_FLOWS)
def test_unconfirmed_user(cognito, flow):
    app = make_app(cognito)
    pw = strong_password()
    user = signed_up_user(app, pw)
    expect_error(app.sign_in, "UserNotConfirmedException", NOT_CONFIRMED,
                 username=user, password=pw, flow=flow)


def test_unconfirmed_user_with_a_wrong_password(cognito):
    """[observed] the real service says UserNotConfirmedException even for a wrong password."""
    app = make_app(cognito)
    user = signed_up_user(app, strong_password())
    expect_error(app.sign_in, "UserNotConfirmedException", NOT_CONFIRMED,
                 username=user, password=strong_password(), flow="USER_PASSWORD_AUTH")


def test_unconfirmed_then_confirmed(cognito):
    app = make_app(cognito)
    pw = strong_password()
    user = signed_up_user(app, pw)
    cognito.admin_confirm_sign_up(UserPoolId=app.pool, Username=user)
    for flow in PASSWORD_FLOWS:
        assert_tokens(app.sign_in(user, pw, flow))


def test_unconfirmed_user_given_a_permanent_password_signs_in(cognito):
    app = make_app(cognito)
    user = signed_up_user(app, strong_password())
    perm = strong_password()
    set_password(cognito, app.pool, user, perm, permanent=True)
    assert_tokens(app.sign_in(user, perm, "USER_SRP_AUTH"))


@pytest.mark.parametrize("flow", PASSWORD_FLOWS)
def test_disabled_user(cognito, flow):
    app = make_app(cognito)
    perm = strong_password()
    user = app.user(permanent=perm)
    cognito.admin_disable_user(UserPoolId=app.pool, Username=user)
    expect_error(app.sign_in, "NotAuthorizedException", DISABLED,
                 username=user, password=perm, flow=flow)
    cognito.admin_enable_user(UserPoolId=app.pool, Username=user)
    assert_tokens(app.sign_in(user, perm, flow))


def test_disabled_user_with_temporary_password(cognito):
    app = make_app(cognito)
    temp = strong_password()
    user = app.user(temp=temp)
    cognito.admin_disable_user(UserPoolId=app.pool, Username=user)
    expect_error(app.sign_in, "NotAuthorizedException", DISABLED,
                 username=user, password=temp, flow="USER_PASSWORD_AUTH")


def test_disabled_between_challenge_and_answer(cognito):
    app = make_app(cognito)
    temp = strong_password()
    user = app.user(temp=temp)
    session = app.sign_in(user, temp, "USER_PASSWORD_AUTH")["Session"]
    cognito.admin_disable_user(UserPoolId=app.pool, Username=user)
    # a disabled user gets no tokens, whatever the step (§4.1)
    expect_error(app.new_password, "NotAuthorizedException", DISABLED,
                 username=user, session=session, new=strong_password())
    assert status(cognito, app.pool, user) == "FORCE_CHANGE_PASSWORD"


def test_deleted_between_srp_rounds(cognito):
    app = make_app(cognito)
    perm = strong_password()
    user = app.user(permanent=perm)
    srp, r1 = app.srp_start(user)
    cognito.admin_delete_user(UserPoolId=app.pool, Username=user)
    expect_error(app.srp_finish, "UserNotFoundException", M.USER_NOT_FOUND,
                 srp=srp, round1=r1, password=perm)


# --------------------------------------------------------------------------- federated users (§4.12)


@pytest.mark.parametrize("prevent", ["LEGACY", "ENABLED"])
def test_federated_user_cannot_sign_in_with_a_password(server, cognito, prevent):
    """EXTERNAL_PROVIDER users have no password: every password flow fails (the message is
    not fixed by the spec; the generic one is asserted, which leaks nothing)."""
    app = make_app(cognito, prevent=prevent)
    user = federated_user(server, app.pool, "Google", unique("sub"), {"email": "g@example.com"})
    assert user.startswith("Google_")
    assert status(cognito, app.pool, user) == "EXTERNAL_PROVIDER"
    for flow in PASSWORD_FLOWS:
        expect_error(app.sign_in, "NotAuthorizedException", M.INCORRECT_CREDENTIALS,
                     username=user, password=strong_password(), flow=flow)
    # SRP round 1 answers (no tell-tale error) with a stable salt, round 2 fails
    _, a = app.srp_start(user)
    _, b = app.srp_start(user)
    assert a["ChallengeParameters"]["SALT"] == b["ChallengeParameters"]["SALT"]
    assert status(cognito, app.pool, user) == "EXTERNAL_PROVIDER"


def test_federated_user_given_a_permanent_password_signs_in(server, cognito):
    app = make_app(cognito)
    user = federated_user(server, app.pool, "Facebook", unique("sub"), {"email": "f@example.com"})
    perm = strong_password()
    set_password(cognito, app.pool, user, perm, permanent=True)
    assert status(cognito, app.pool, user) == "CONFIRMED"
    for flow in PASSWORD_FLOWS:
        tokens = assert_tokens(app.sign_in(user, perm, flow))
        assert jwt_parts(tokens["IdToken"])[1]["cognito:username"] == user


def test_federated_user_given_a_temporary_password(server, cognito):
    app = make_app(cognito)
    user = federated_user(server, app.pool, "SignInWithApple", unique("sub"))
    temp = strong_password()
    set_password(cognito, app.pool, user, temp, permanent=False)
    assert status(cognito, app.pool, user) == "FORCE_CHANGE_PASSWORD"
    resp = app.sign_in(user, temp, "USER_SRP_AUTH")
    assert resp["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert_tokens(app.new_password(user, resp["Session"], strong_password()))
    assert status(cognito, app.pool, user) == "CONFIRMED"


# --------------------------------------------------------------------------- lockout (§4.9)


def fail(app, user, flow="ADMIN_USER_PASSWORD_AUTH", message=M.INCORRECT_CREDENTIALS):
    expect_error(app.sign_in, "NotAuthorizedException", message,
                 username=user, password=strong_password(), flow=flow)


def test_lockout_after_five_failures(clocked):
    app = make_app(clocked.cognito)
    perm = strong_password()
    user = app.user(permanent=perm)
    for _ in range(5):
        fail(app, user)
    # locked (for 1 s): even the right password is refused
    expect_error(app.sign_in, "NotAuthorizedException", LOCKED,
                 username=user, password=perm, flow="USER_PASSWORD_AUTH")
    clocked.clock.advance(2)
    assert_tokens(app.sign_in(user, perm, "USER_PASSWORD_AUTH"))
    # a success resets the count: 4 more failures do not lock
    for _ in range(4):
        fail(app, user)
    assert_tokens(app.sign_in(user, perm, "USER_SRP_AUTH"))


def test_lockout_doubles(clocked):
    app = make_app(clocked.cognito)
    perm = strong_password()
    user = app.user(permanent=perm)
    for _ in range(5):
        fail(app, user)  # n=5: locked 1 s
    clocked.clock.advance(2)
    fail(app, user)  # n=6: locked 2 s
    fail(app, user, message=LOCKED)  # during the lock: refused, not counted
    clocked.clock.advance(3)
    fail(app, user)  # n=7: locked 4 s
    clocked.clock.advance(2)
    expect_error(app.sign_in, "NotAuthorizedException", LOCKED,
                 username=user, password=perm, flow="USER_PASSWORD_AUTH")
    clocked.clock.advance(3)  # 5 s after the 7th failure
    assert_tokens(app.sign_in(user, perm, "USER_PASSWORD_AUTH"))


def test_lockout_grows_to_minutes(clocked):
    app = make_app(clocked.cognito)
    perm = strong_password()
    user = app.user(permanent=perm)
    lock = 0
    for n in range(1, 11):  # 10 failures, waiting out each lock
        clocked.clock.advance(lock + 1)
        fail(app, user)
        lock = 2 ** (n - 5) if n >= 5 else 0
    assert lock == 32
    clocked.clock.advance(lock - 8)
    # locked: the right password is refused in every flow (SRP: at round 2)
    for flow in PASSWORD_FLOWS:
        expect_error(app.sign_in, "NotAuthorizedException", LOCKED,
                     username=user, password=perm, flow=flow)
    clocked.clock.advance(10)
    assert_tokens(app.sign_in(user, perm, "USER_PASSWORD_AUTH"))


def test_srp_failures_count_towards_the_lockout(clocked):
    app = make_app(clocked.cognito)
    perm = strong_password()
    user = app.user(permanent=perm)
    for _ in range(5):
        fail(app, user, flow="USER_SRP_AUTH")
    expect_error(app.sign_in, "NotAuthorizedException", LOCKED,
                 username=user, password=perm, flow="USER_PASSWORD_AUTH")


def test_failures_are_forgotten_after_fifteen_minutes(clocked):
    app = make_app(clocked.cognito)
    perm = strong_password()
    user = app.user(permanent=perm)
    for _ in range(4):
        fail(app, user)
    clocked.clock.advance(16 * 60)
    for _ in range(4):
        fail(app, user)
    assert_tokens(app.sign_in(user, perm, "USER_PASSWORD_AUTH"))


def test_lockout_is_per_user(clocked):
    app = make_app(clocked.cognito)
    pa, pb = strong_password(), strong_password()
    a, b = app.user(permanent=pa), app.user(permanent=pb)
    for _ in range(5):
        fail(app, a)
    assert_tokens(app.sign_in(b, pb, "USER_PASSWORD_AUTH"))


def test_lockout_applies_to_temporary_passwords(clocked):
    app = make_app(clocked.cognito)
    temp = strong_password()
    user = app.user(temp=temp)
    for _ in range(5):
        fail(app, user)
    expect_error(app.sign_in, "NotAuthorizedException", LOCKED,
                 username=user, password=temp, flow="USER_PASSWORD_AUTH")
    clocked.clock.advance(2)
    assert app.sign_in(user, temp, "USER_PASSWORD_AUTH")["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


# --------------------------------------------------------------------------- unsupported challenge names


def test_unknown_challenge_name_is_refused(cognito):
    app = make_app(cognito)
    perm = strong_password()
    user = app.user(permanent=perm)
    expect_error(app.respond, "InvalidParameterException", None,
                 challenge="SMS_MFA", responses={"USERNAME": user, "SMS_MFA_CODE": "123456"},
                 session="x" * 40)


def test_client_of_another_pool_for_admin_respond(cognito):
    a, b = make_app(cognito), make_app(cognito)
    temp = strong_password()
    user = a.user(temp=temp)
    session = a.sign_in(user, temp, "ADMIN_USER_PASSWORD_AUTH")["Session"]
    expect_error(cognito.admin_respond_to_auth_challenge, "ResourceNotFoundException", None,
                 UserPoolId=b.pool, ClientId=a.client_id, ChallengeName="NEW_PASSWORD_REQUIRED",
                 Session=session, ChallengeResponses={"USERNAME": user,
                                                      "NEW_PASSWORD": strong_password()})
    assert status(cognito, a.pool, user) == "FORCE_CHANGE_PASSWORD"


def test_other_client_of_same_pool_cannot_use_a_flow_it_lacks(cognito):
    app = make_app(cognito)
    srp_only = create_client(cognito, app.pool, ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH",
                                                                   "ALLOW_REFRESH_TOKEN_AUTH"])
    perm = strong_password()
    user = app.user(permanent=perm)
    expect_error(cognito.initiate_auth, "InvalidParameterException", USER_PASSWORD_NOT_ENABLED,
                 ClientId=srp_only["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                 AuthParameters={"USERNAME": user, "PASSWORD": perm})
