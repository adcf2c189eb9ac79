"""Sign-in flows with boto3 (issue 3): USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH,
ADMIN_NO_SRP_AUTH, USER_SRP_AUTH (InitiateAuth and AdminInitiateAuth), REFRESH_TOKEN(_AUTH),
NEW_PASSWORD_REQUIRED, temporary-password expiry and the challenge session (spec §2, §3.3,
§4.2, §4.3, §4.6).  Every user gets its password from AdminCreateUser/AdminSetUserPassword.
"""

from __future__ import annotations

import json
import re

import pytest
from botocore.exceptions import ClientError

import messages as M
from helpers import (
    attrs_of,
    create_client,
    expect_error,
    get_user,
    set_password,
    status,
    strong_password,
    unique,
)
from signin_support import (
    PASSWORD_FLOWS,
    SRP_VECTORS,
    assert_tokens,
    is_admin,
    UUID_RE,
    SrpClient,
    claim_signature,
    compute_u,
    compute_x,
    hkdf_key,
    jwt_parts,
    make_app,
    srp_timestamp,
    TIMESTAMP_RE,
    K,
    N,
    G,
)

SESSION_EXPIRED = "Invalid session for the user, session is expired."

def assert_new_password_required(resp: dict, username: str, attrs: dict,
                                 required: list | None = None) -> str:
    assert resp["ChallengeName"] == "NEW_PASSWORD_REQUIRED", resp
    assert "AuthenticationResult" not in resp
    params = resp["ChallengeParameters"]
    assert set(params) == {"USER_ID_FOR_SRP", "requiredAttributes", "userAttributes"}, params
    assert params["USER_ID_FOR_SRP"] == username
    # both are JSON *strings* (amazon-cognito-identity-js JSON.parse()s them)
    assert isinstance(params["requiredAttributes"], str)
    assert isinstance(params["userAttributes"], str)
    assert json.loads(params["requiredAttributes"]) == (required or [])
    user_attrs = json.loads(params["userAttributes"])
    assert "sub" not in user_attrs
    assert user_attrs == attrs
    session = resp["Session"]
    assert isinstance(session, str) and 20 <= len(session) <= 4096
    assert re.fullmatch(r"[A-Za-z0-9\-_=.+/]+", session), session
    return session


# --------------------------------------------------------------------------- the SRP helper itself


def test_srp_helper_reproduces_the_spec_vectors():
    """The test-side SRP client must match the spec's vectors, else every SRP test is void."""
    if not SRP_VECTORS.is_file():
        pytest.skip(f"{SRP_VECTORS} not found")
    data = json.loads(SRP_VECTORS.read_text())
    assert int(data["N"], 16) == N and int(data["g"], 16) == G and int(data["k"], 16) == K
    assert data["vectors"]
    for v in data["vectors"]:
        x = compute_x(v["pool_id"], v["user_id_for_srp"], v["password"], int(v["salt"], 16))
        assert x == int(v["x"], 16)
        assert pow(G, x, N) == int(v["v"], 16)
        srp = SrpClient(v["pool_id"], a=int(v["a"], 16))
        assert srp.big_a == int(v["A"], 16)
        key = srp.session_key(v["user_id_for_srp"], v["password"], v["salt"], v["B"])
        assert compute_u(int(v["A"], 16), int(v["B"], 16)) == int(v["u"], 16)
        assert key.hex() == v["hkdf_key"]
        assert hkdf_key(int(v["u"], 16), int(v["S"], 16)).hex() == v["hkdf_key"]
        sig = claim_signature(key, v["pool_id"], v["user_id_for_srp"], v["secret_block"],
                              v["timestamp"])
        assert sig == v["password_claim_signature"]


def test_srp_timestamp_format():
    import datetime as dt

    assert srp_timestamp(dt.datetime(2024, 11, 5, 9, 3, 4)) == "Tue Nov 5 09:03:04 UTC 2024"
    assert srp_timestamp(dt.datetime(2026, 11, 22, 10, 59, 27)) == "Sun Nov 22 10:59:27 UTC 2026"
    assert TIMESTAMP_RE.match(srp_timestamp())


# --------------------------------------------------------------------------- temporary -> new password


@pytest.mark.parametrize("flow", PASSWORD_FLOWS)
def test_temporary_password_new_password_required_then_tokens(cognito, flow):
    app = make_app(cognito)
    temp, new = strong_password(), strong_password()
    user = app.user("alice", temp=temp, attrs={"email": "alice@example.com", "name": "Alice"})

    resp = app.sign_in(user, temp, flow)
    session = assert_new_password_required(
        resp, user, {"email": "alice@example.com", "name": "Alice"})
    assert status(cognito, app.pool, user) == "FORCE_CHANGE_PASSWORD"

    done = app.new_password(user, session, new, admin=is_admin(flow))
    tokens = assert_tokens(done)
    assert status(cognito, app.pool, user) == "CONFIRMED"
    _, id_claims = jwt_parts(tokens["IdToken"])
    assert id_claims["cognito:username"] == user

    # the new (permanent) password now signs in at once, in every flow
    for other in PASSWORD_FLOWS:
        assert_tokens(app.sign_in(user, new, other))
    # and the temporary one no longer works
    expect_error(app.sign_in, "NotAuthorizedException", M.INCORRECT_CREDENTIALS,
                 username=user, password=temp, flow="ADMIN_USER_PASSWORD_AUTH")


@pytest.mark.parametrize("flow", PASSWORD_FLOWS)
def test_permanent_password_signs_in_directly(cognito, flow):
    app = make_app(cognito)
    perm = strong_password()
    user = app.user(permanent=perm)
    assert status(cognito, app.pool, user) == "CONFIRMED"
    tokens = assert_tokens(app.sign_in(user, perm, flow))
    _, access = jwt_parts(tokens["AccessToken"])
    assert access["username"] == user


@pytest.mark.parametrize("flow", PASSWORD_FLOWS)
def test_temporary_again_after_permanent(cognito, flow):
    """AdminSetUserPassword(Permanent=false) on a CONFIRMED user: NEW_PASSWORD_REQUIRED again."""
    app = make_app(cognito)
    perm, temp, new = strong_password(), strong_password(), strong_password()
    user = app.user(permanent=perm)
    set_password(cognito, app.pool, user, temp, permanent=False)
    expect_error(app.sign_in, "NotAuthorizedException", M.INCORRECT_CREDENTIALS,
                 username=user, password=perm, flow=flow)
    session = assert_new_password_required(app.sign_in(user, temp, flow), user, {})
    assert_tokens(app.new_password(user, session, new, admin=is_admin(flow)))
    assert_tokens(app.sign_in(user, new, flow))


@pytest.mark.parametrize("flow", PASSWORD_FLOWS)
def test_wrong_temporary_password_gives_no_challenge(cognito, flow):
    app = make_app(cognito)
    user = app.user(temp=strong_password())
    expect_error(app.sign_in, "NotAuthorizedException", M.INCORRECT_CREDENTIALS,
                 username=user, password=strong_password(), flow=flow)
    assert status(cognito, app.pool, user) == "FORCE_CHANGE_PASSWORD"


def test_user_attributes_in_challenge_are_the_users(cognito):
    app = make_app(cognito, Schema=[
        {"Name": "team", "AttributeDataType": "String", "Mutable": True},
    ])
    temp = strong_password()
    user = app.user(temp=temp, attrs={
        "email": "bob@example.com", "email_verified": "true", "given_name": "Bob",
        "custom:team": "red"})
    session = assert_new_password_required(
        app.sign_in(user, temp, "USER_PASSWORD_AUTH"), user,
        {"email": "bob@example.com", "email_verified": "true", "given_name": "Bob",
         "custom:team": "red"})
    assert session


def test_new_password_answer_writes_attributes(cognito):
    app = make_app(cognito)
    temp, new = strong_password(), strong_password()
    user = app.user(temp=temp, attrs={"email": "carl@example.com"})
    session = app.sign_in(user, temp, "USER_PASSWORD_AUTH")["Session"]
    assert_tokens(app.new_password(user, session, new,
                                   attrs={"given_name": "Carl", "family_name": "Jones"}))
    attrs = attrs_of(get_user(cognito, app.pool, user))
    assert attrs["given_name"] == "Carl"
    assert attrs["family_name"] == "Jones"
    assert attrs["email"] == "carl@example.com"
    # and the ID token of the answer already carries them
    tokens = app.tokens(user, new)
    _, claims = jwt_parts(tokens["IdToken"])
    assert claims["given_name"] == "Carl"


def test_required_attribute_present_in_challenge_and_cannot_be_rewritten(cognito):
    """A pool with a required attribute: the user has it, so requiredAttributes is "[]";
    giving it again in the answer is refused (§4.6)."""
    app = make_app(cognito, Schema=[
        {"Name": "name", "AttributeDataType": "String", "Required": True, "Mutable": True}])
    temp, new = strong_password(), strong_password()
    user = app.user(temp=temp, attrs={"name": "Dora"})
    resp = app.sign_in(user, temp, "ADMIN_USER_PASSWORD_AUTH")
    session = assert_new_password_required(resp, user, {"name": "Dora"}, required=[])
    expect_error(app.new_password, "InvalidParameterException", None,
                 username=user, session=session, new=new, admin=True, attrs={"name": "Other"})
    assert status(cognito, app.pool, user) == "FORCE_CHANGE_PASSWORD"
    assert attrs_of(get_user(cognito, app.pool, user))["name"] == "Dora"


def test_new_password_checked_against_policy(cognito):
    app = make_app(cognito)
    temp = strong_password()
    user = app.user(temp=temp)
    session = app.sign_in(user, temp, "USER_PASSWORD_AUTH")["Session"]
    cases = [
        ("Sh0rt!", M.RULE_LENGTH),
        ("nouppercase1!x", M.RULE_UPPER),
        ("NOLOWERCASE1!X", M.RULE_LOWER),
        ("NoNumbers!!xx", M.RULE_NUMBER),
        ("NoSymbols12xx", M.RULE_SYMBOL),
    ]
    for weak, rule in cases:
        expect_error(app.new_password, "InvalidPasswordException", M.policy_admin(rule),
                     username=user, session=session, new=weak)
    assert status(cognito, app.pool, user) == "FORCE_CHANGE_PASSWORD"
    # the refused answers did not use the session up
    assert_tokens(app.new_password(user, session, strong_password()))


def test_new_password_whitespace(cognito):
    """§4.4: a leading/trailing space is refused; an inner space is accepted and counts as
    the symbol.  (The refusal's type is not fixed for a ChallengeResponses value.)"""
    app = make_app(cognito)
    temp = strong_password()
    user = app.user(temp=temp)
    session = app.sign_in(user, temp, "USER_PASSWORD_AUTH")["Session"]
    for bad in (" Lead1ngSpace!", "Trail1ngSpace! "):
        with pytest.raises(ClientError) as ei:
            app.new_password(user, session, bad)
        assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert ei.value.response["Error"]["Code"] in ("InvalidParameterException",
                                                      "InvalidPasswordException"), ei.value
    assert status(cognito, app.pool, user) == "FORCE_CHANGE_PASSWORD"
    inner = "Inner Space9x"  # no symbol but the space
    assert_tokens(app.new_password(user, session, inner))
    assert_tokens(app.sign_in(user, inner, "USER_SRP_AUTH"))


def test_new_password_checked_against_history(cognito):
    app = make_app(cognito, history=2)
    temp = strong_password()
    user = app.user(temp=temp)
    session = app.sign_in(user, temp, "ADMIN_USER_PASSWORD_AUTH")["Session"]
    # the temporary password itself is the current one: in the history
    expect_error(app.new_password, "PasswordHistoryPolicyViolationException", M.PASSWORD_HISTORY,
                 username=user, session=session, new=temp, admin=True)
    assert status(cognito, app.pool, user) == "FORCE_CHANGE_PASSWORD"
    new = strong_password()
    assert_tokens(app.new_password(user, session, new, admin=True))

    # a previous permanent password is refused too
    temp2 = strong_password()
    set_password(cognito, app.pool, user, temp2, permanent=False)
    session = app.sign_in(user, temp2, "ADMIN_USER_PASSWORD_AUTH")["Session"]
    expect_error(app.new_password, "PasswordHistoryPolicyViolationException", M.PASSWORD_HISTORY,
                 username=user, session=session, new=new, admin=True)


def test_no_history_allows_the_temporary_password_again(cognito):
    app = make_app(cognito)
    temp = strong_password()
    user = app.user(temp=temp)
    session = app.sign_in(user, temp, "USER_PASSWORD_AUTH")["Session"]
    assert_tokens(app.new_password(user, session, temp))
    assert status(cognito, app.pool, user) == "CONFIRMED"


# --------------------------------------------------------------------------- the challenge session


def test_session_is_single_use(cognito):
    app = make_app(cognito)
    temp = strong_password()
    user = app.user(temp=temp)
    session = app.sign_in(user, temp, "USER_PASSWORD_AUTH")["Session"]
    assert_tokens(app.new_password(user, session, strong_password()))
    expect_error(app.new_password, "NotAuthorizedException", SESSION_EXPIRED,
                 username=user, session=session, new=strong_password())


def test_replayed_session_changes_nothing(cognito):
    """A used session replayed after the user was given a new temporary password is refused
    and must not change the password or the status."""
    app = make_app(cognito)
    temp1, new1, temp2, evil = (strong_password() for _ in range(4))
    user = app.user(temp=temp1)
    session = app.sign_in(user, temp1, "USER_PASSWORD_AUTH")["Session"]
    assert_tokens(app.new_password(user, session, new1))
    set_password(cognito, app.pool, user, temp2, permanent=False)

    expect_error(app.new_password, "NotAuthorizedException", SESSION_EXPIRED,
                 username=user, session=session, new=evil)
    assert status(cognito, app.pool, user) == "FORCE_CHANGE_PASSWORD"
    expect_error(app.sign_in, "NotAuthorizedException", M.INCORRECT_CREDENTIALS,
                 username=user, password=evil, flow="USER_PASSWORD_AUTH")
    assert app.sign_in(user, temp2, "USER_PASSWORD_AUTH")["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_session_is_bound_to_the_user(cognito):
    app = make_app(cognito)
    t1, t2 = strong_password(), strong_password()
    u1, u2 = app.user(temp=t1), app.user(temp=t2)
    s1 = app.sign_in(u1, t1, "USER_PASSWORD_AUTH")["Session"]
    expect_error(app.new_password, "NotAuthorizedException", SESSION_EXPIRED,
                 username=u2, session=s1, new=strong_password())
    assert status(cognito, app.pool, u2) == "FORCE_CHANGE_PASSWORD"
    assert_tokens(app.new_password(u1, s1, strong_password()))


def test_session_is_bound_to_the_client(cognito):
    app = make_app(cognito)
    other = create_client(cognito, app.pool, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH",
                                                                "ALLOW_REFRESH_TOKEN_AUTH"])
    temp = strong_password()
    user = app.user(temp=temp)
    session = app.sign_in(user, temp, "USER_PASSWORD_AUTH")["Session"]
    expect_error(cognito.respond_to_auth_challenge, "NotAuthorizedException", SESSION_EXPIRED,
                 ClientId=other["ClientId"], ChallengeName="NEW_PASSWORD_REQUIRED", Session=session,
                 ChallengeResponses={"USERNAME": user, "NEW_PASSWORD": strong_password()})
    assert status(cognito, app.pool, user) == "FORCE_CHANGE_PASSWORD"


def test_session_is_bound_to_the_pool(cognito):
    app = make_app(cognito)
    other = make_app(cognito)
    temp = strong_password()
    user = app.user("same", temp=temp)
    other.user("same", temp=strong_password())
    session = app.sign_in(user, temp, "ADMIN_USER_PASSWORD_AUTH")["Session"]
    expect_error(other.new_password, "NotAuthorizedException", SESSION_EXPIRED,
                 username=user, session=session, new=strong_password(), admin=True)
    assert status(cognito, other.pool, user) == "FORCE_CHANGE_PASSWORD"


@pytest.mark.parametrize("session", ["x" * 40, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "not-a-session-at-all.."])
def test_garbage_session(cognito, session):
    app = make_app(cognito)
    user = app.user(temp=strong_password())
    expect_error(app.new_password, "NotAuthorizedException", SESSION_EXPIRED,
                 username=user, session=session, new=strong_password())


def test_tampered_session(cognito):
    app = make_app(cognito)
    temp = strong_password()
    user = app.user(temp=temp)
    session = app.sign_in(user, temp, "USER_PASSWORD_AUTH")["Session"]
    i = len(session) // 2
    flipped = session[:i] + ("A" if session[i] != "A" else "B") + session[i + 1:]
    expect_error(app.new_password, "NotAuthorizedException", SESSION_EXPIRED,
                 username=user, session=flipped, new=strong_password())
    assert_tokens(app.new_password(user, session, strong_password()))


@pytest.mark.parametrize("validity, ok_after, expired_after", [
    (None, 170, 185),  # default 3 minutes
    (5, 290, 305),
    (15, 890, 905),
])
def test_session_validity(clocked, validity, ok_after, expired_after):
    kwargs = {} if validity is None else {"AuthSessionValidity": validity}
    app = make_app(clocked.cognito, client_kwargs=kwargs)
    t1, t2 = strong_password(), strong_password()
    u1, u2 = app.user(temp=t1), app.user(temp=t2)
    s1 = app.sign_in(u1, t1, "USER_PASSWORD_AUTH")["Session"]
    s2 = app.sign_in(u2, t2, "USER_PASSWORD_AUTH")["Session"]
    clocked.clock.advance(ok_after)
    assert_tokens(app.new_password(u1, s1, strong_password()))
    clocked.clock.advance(expired_after - ok_after)
    expect_error(app.new_password, "NotAuthorizedException", SESSION_EXPIRED,
                 username=u2, session=s2, new=strong_password())
    assert status(clocked.cognito, app.pool, u2) == "FORCE_CHANGE_PASSWORD"


# --------------------------------------------------------------------------- SRP specifics


@pytest.mark.parametrize("admin", [False, True])
def test_srp_round_one_parameters(cognito, admin):
    app = make_app(cognito)
    perm = strong_password()
    user = app.user("srpuser", permanent=perm)
    srp, r1 = app.srp_start(user, admin=admin)
    assert r1["ChallengeName"] == "PASSWORD_VERIFIER"
    p = r1["ChallengeParameters"]
    assert set(p) == {"SALT", "SRP_B", "SECRET_BLOCK", "USER_ID_FOR_SRP", "USERNAME"}, p
    assert p["USER_ID_FOR_SRP"] == user and p["USERNAME"] == user
    for name in ("SALT", "SRP_B"):
        assert re.fullmatch(r"[0-9a-f]+", p[name]), (name, p[name])
        assert not p[name].startswith("00"), f"{name} is not minimal hex: {p[name][:8]}"
    b = int(p["SRP_B"], 16)
    assert 0 < b < N and b % N
    assert re.fullmatch(r"[A-Za-z0-9+/=]+", p["SECRET_BLOCK"])
    # SALT and verifier are fixed by the password: a second round 1 gets the same salt
    _, again = app.srp_start(user, admin=admin)
    assert again["ChallengeParameters"]["SALT"] == p["SALT"]
    assert again["ChallengeParameters"]["SRP_B"] != p["SRP_B"]
    assert_tokens(app.srp_finish(srp, r1, perm, admin=admin))


def test_srp_salt_changes_with_the_password(cognito):
    app = make_app(cognito)
    user = app.user(permanent=strong_password())
    _, r1 = app.srp_start(user)
    set_password(cognito, app.pool, user, strong_password(), permanent=True)
    _, r2 = app.srp_start(user)
    assert r1["ChallengeParameters"]["SALT"] != r2["ChallengeParameters"]["SALT"]


def test_srp_salts_of_every_shape(server, cognito):
    """§2.5: salts whose first byte has the high bit set (padHex prepends 00) and salts whose
    minimal hex has an odd length must both work, with this helper and with pycognito."""
    from pycognito.aws_srp import AWSSRP

    app = make_app(cognito)
    user = app.user(permanent=strong_password())
    seen = set()
    # An odd-length salt starting 1-7 turns up about once in 37 tries; 1,500 tries miss it with
    # a probability near e^-40, so the test cannot flake.
    for _ in range(1500):
        pw = strong_password()
        set_password(cognito, app.pool, user, pw, permanent=True)
        srp, r1 = app.srp_start(user)
        salt = r1["ChallengeParameters"]["SALT"]
        shape = ("odd" if len(salt) % 2 else "even", "high" if salt[0] in "89abcdef" else "low")
        if shape in seen:
            continue
        seen.add(shape)
        assert_tokens(app.srp_finish(srp, r1, pw))
        tokens = AWSSRP(username=user, password=pw, pool_id=app.pool, client_id=app.client_id,
                        client=server.client()).authenticate_user()
        assert tokens["AuthenticationResult"]["AccessToken"]
        if len(seen) == 4:
            break
    assert seen == {("even", "high"), ("even", "low"), ("odd", "high"), ("odd", "low")}, seen


@pytest.mark.parametrize("admin", [False, True])
def test_srp_wrong_password(cognito, admin):
    app = make_app(cognito)
    user = app.user(permanent=strong_password())
    srp, r1 = app.srp_start(user, admin=admin)
    expect_error(app.srp_finish, "NotAuthorizedException", M.INCORRECT_CREDENTIALS,
                 srp=srp, round1=r1, password=strong_password(), admin=admin)


def test_srp_secret_block_is_bound_to_the_client(cognito):
    """Round 2 on a different client of the same pool must not accept the SECRET_BLOCK."""
    app = make_app(cognito)
    other = create_client(cognito, app.pool, ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH",
                                                                "ALLOW_REFRESH_TOKEN_AUTH"])
    perm = strong_password()
    user = app.user(permanent=perm)
    srp, r1 = app.srp_start(user)
    responses = srp.responses(r1["ChallengeParameters"], perm)
    expect_error(cognito.respond_to_auth_challenge, "NotAuthorizedException", None,
                 ClientId=other["ClientId"], ChallengeName="PASSWORD_VERIFIER",
                 ChallengeResponses=responses)


def test_srp_tampered_secret_block(cognito):
    app = make_app(cognito)
    perm = strong_password()
    user = app.user(permanent=perm)
    srp, r1 = app.srp_start(user)
    params = dict(r1["ChallengeParameters"])
    import base64
    raw = bytearray(base64.b64decode(params["SECRET_BLOCK"]))
    raw[len(raw) // 2] ^= 1
    params["SECRET_BLOCK"] = base64.b64encode(bytes(raw)).decode()
    responses = srp.responses(params, perm)  # signed over the tampered block
    expect_error(app.respond, "NotAuthorizedException", M.INCORRECT_CREDENTIALS,
                 challenge="PASSWORD_VERIFIER", responses=responses)


def test_srp_signature_for_another_user_is_refused(cognito):
    """Round 1 for alice, round 2 claiming bob (whose password the caller knows)."""
    app = make_app(cognito)
    pa, pb = strong_password(), strong_password()
    alice, bob = app.user("alice", permanent=pa), app.user("bob", permanent=pb)
    srp, r1 = app.srp_start(alice)
    responses = srp.responses(r1["ChallengeParameters"], pa, username=bob)
    expect_error(app.respond, "NotAuthorizedException", M.INCORRECT_CREDENTIALS,
                 challenge="PASSWORD_VERIFIER", responses=responses)


def test_srp_timestamp_format_is_checked(cognito):
    app = make_app(cognito)
    perm = strong_password()
    user = app.user(permanent=perm)
    srp, r1 = app.srp_start(user)
    import datetime as dt
    now = dt.datetime.now(dt.timezone.utc)
    bad = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    responses = srp.responses(r1["ChallengeParameters"], perm, timestamp=bad)
    err = expect_error(app.respond, "InvalidParameterException", None,
                       challenge="PASSWORD_VERIFIER", responses=responses)
    assert "TIMESTAMP" in err.response["Error"]["Message"]


def test_srp_timestamp_far_from_now_is_refused(cognito):
    app = make_app(cognito)
    perm = strong_password()
    user = app.user(permanent=perm)
    srp, r1 = app.srp_start(user)
    import datetime as dt
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=2)
    responses = srp.responses(r1["ChallengeParameters"], perm, timestamp=srp_timestamp(old))
    expect_error(app.respond, "NotAuthorizedException", None,
                 challenge="PASSWORD_VERIFIER", responses=responses)


def test_srp_round_two_after_a_long_pause_is_refused(clocked):
    """The model: the PASSWORD_VERIFIER answer must come within a few seconds/minutes."""
    app = make_app(clocked.cognito)
    perm = strong_password()
    user = app.user(permanent=perm)
    srp, r1 = app.srp_start(user)
    clocked.clock.advance(3600)
    expect_error(app.srp_finish, "NotAuthorizedException", None, srp=srp, round1=r1, password=perm)


def test_srp_round_one_with_a_zero_a_is_refused(cognito):
    app = make_app(cognito)
    user = app.user(permanent=strong_password())
    for bad in ("0", f"{N:x}", f"{2 * N:x}"):
        expect_error(app.initiate, "InvalidParameterException", None,
                     flow="USER_SRP_AUTH", params={"USERNAME": user, "SRP_A": bad})


def test_srp_with_email_as_username(cognito):
    """UsernameAttributes=email: the user types the email, USER_ID_FOR_SRP is the internal
    username (= sub), and the signature is computed with that id (§2.2)."""
    app = make_app(cognito, UsernameAttributes=["email"])
    perm = strong_password()
    cognito.admin_create_user(UserPoolId=app.pool, Username="eve@example.com",
                              TemporaryPassword=strong_password(), MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email", "Value": "eve@example.com"}])
    set_password(cognito, app.pool, "eve@example.com", perm, permanent=True)
    user = get_user(cognito, app.pool, "eve@example.com")
    sub = attrs_of(user)["sub"]
    assert user["Username"] == sub
    srp, r1 = app.srp_start("eve@example.com")
    p = r1["ChallengeParameters"]
    assert p["USER_ID_FOR_SRP"] == sub
    assert p["USERNAME"] == sub
    tokens = assert_tokens(app.srp_finish(srp, r1, perm))
    _, claims = jwt_parts(tokens["IdToken"])
    assert claims["cognito:username"] == sub
    assert claims["email"] == "eve@example.com"
    # USER_PASSWORD_AUTH with the email too
    assert_tokens(app.sign_in("eve@example.com", perm, "USER_PASSWORD_AUTH"))


def test_srp_new_password_required_via_email_username(cognito):
    app = make_app(cognito, UsernameAttributes=["email"])
    temp, new = strong_password(), strong_password()
    cognito.admin_create_user(UserPoolId=app.pool, Username="fox@example.com",
                              TemporaryPassword=temp, MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email", "Value": "fox@example.com"}])
    sub = attrs_of(get_user(cognito, app.pool, "fox@example.com"))["sub"]
    resp = app.sign_in("fox@example.com", temp, "USER_SRP_AUTH")
    assert resp["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert resp["ChallengeParameters"]["USER_ID_FOR_SRP"] == sub
    # pycognito/JS answer with USERNAME = the internal username
    assert_tokens(app.new_password(sub, resp["Session"], new))
    assert_tokens(app.sign_in("fox@example.com", new, "USER_SRP_AUTH"))


def test_new_password_answer_with_the_email_as_username(cognito):
    """A boto3 caller may answer with what the user typed (the email), not the sub."""
    app = make_app(cognito, UsernameAttributes=["email"])
    temp = strong_password()
    cognito.admin_create_user(UserPoolId=app.pool, Username="gus@example.com",
                              TemporaryPassword=temp, MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email", "Value": "gus@example.com"}])
    session = app.sign_in("gus@example.com", temp, "USER_PASSWORD_AUTH")["Session"]
    assert_tokens(app.new_password("gus@example.com", session, strong_password()))


def test_sign_in_with_a_verified_email_alias(cognito):
    """AliasAttributes=email: a verified email signs in like the username; USER_ID_FOR_SRP
    is the username (§4.7)."""
    app = make_app(cognito, AliasAttributes=["email"])
    perm = strong_password()
    user = app.user("hal", permanent=perm, attrs={"email": "hal@example.com",
                                                 "email_verified": "true"})
    for flow in PASSWORD_FLOWS:
        tokens = assert_tokens(app.sign_in("hal@example.com", perm, flow))
        assert jwt_parts(tokens["AccessToken"])[1]["username"] == user
    _, r1 = app.srp_start("hal@example.com")
    assert r1["ChallengeParameters"]["USER_ID_FOR_SRP"] == user


def test_unverified_email_is_no_alias(cognito):
    app = make_app(cognito, AliasAttributes=["email"])
    perm = strong_password()
    app.user("ian", permanent=perm, attrs={"email": "ian@example.com", "email_verified": "false"})
    expect_error(app.sign_in, "UserNotFoundException", M.USER_NOT_FOUND,
                 username="ian@example.com", password=perm, flow="USER_PASSWORD_AUTH")
    assert_tokens(app.sign_in("ian", perm, "USER_PASSWORD_AUTH"))


def test_case_insensitive_pool(cognito):
    app = make_app(cognito, UsernameConfiguration={"CaseSensitive": False})
    perm = strong_password()
    user = app.user("MixedCase", permanent=perm)
    for typed in ("mixedcase", "MIXEDCASE"):
        for flow in ("USER_PASSWORD_AUTH", "USER_SRP_AUTH"):
            tokens = assert_tokens(app.sign_in(typed, perm, flow))
            stored = jwt_parts(tokens["AccessToken"])[1]["username"]
            assert stored.lower() == user.lower()


# --------------------------------------------------------------------------- temporary password expiry


@pytest.mark.parametrize("flow", PASSWORD_FLOWS)
def test_expired_temporary_password(clocked, flow):
    app = make_app(clocked.cognito, temp_days=1)
    temp = strong_password()
    user = app.user(temp=temp)
    clocked.clock.advance(86400 - 600)
    assert app.sign_in(user, temp, flow)["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    clocked.clock.advance(1200)
    expect_error(app.sign_in, "NotAuthorizedException", M.TEMP_PASSWORD_EXPIRED,
                 username=user, password=temp, flow=flow)
    # a wrong password still says only that
    expect_error(app.sign_in, "NotAuthorizedException", M.INCORRECT_CREDENTIALS,
                 username=user, password=strong_password(), flow=flow)
    assert status(clocked.cognito, app.pool, user) == "FORCE_CHANGE_PASSWORD"


def test_admin_set_user_password_temporary_restarts_expiry(clocked):
    c, clock = clocked.cognito, clocked.clock
    app = make_app(c, temp_days=2)
    user = app.user(temp=strong_password())
    clock.advance(3 * 86400)
    temp2 = strong_password()
    set_password(c, app.pool, user, temp2, permanent=False)
    clock.advance(2 * 86400 - 600)
    for flow in PASSWORD_FLOWS:
        assert app.sign_in(user, temp2, flow)["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    clock.advance(1200)
    expect_error(app.sign_in, "NotAuthorizedException", M.TEMP_PASSWORD_EXPIRED,
                 username=user, password=temp2, flow="USER_SRP_AUTH")
    # and once more: a fresh temporary password works again
    temp3 = strong_password()
    set_password(c, app.pool, user, temp3, permanent=False)
    session = app.sign_in(user, temp3, "USER_PASSWORD_AUTH")["Session"]
    assert_tokens(app.new_password(user, session, strong_password()))


def test_admin_create_user_resend_restarts_expiry(clocked):
    """Recovery from an expired invitation: AdminCreateUser MessageAction=RESEND (§4.3)."""
    c, clock = clocked.cognito, clocked.clock
    app = make_app(c, temp_days=1)
    temp = strong_password()
    user = app.user(temp=temp)
    clock.advance(2 * 86400)
    expect_error(app.sign_in, "NotAuthorizedException", M.TEMP_PASSWORD_EXPIRED,
                 username=user, password=temp, flow="USER_PASSWORD_AUTH")
    temp2 = strong_password()
    c.admin_create_user(UserPoolId=app.pool, Username=user, MessageAction="RESEND",
                        TemporaryPassword=temp2)
    clock.advance(86400 - 600)
    session = assert_new_password_required(app.sign_in(user, temp2, "USER_SRP_AUTH"), user, {})
    assert_tokens(app.new_password(user, session, strong_password()))


def test_expiry_does_not_apply_to_permanent_passwords(clocked):
    app = make_app(clocked.cognito, temp_days=1)
    perm = strong_password()
    user = app.user(permanent=perm)
    clocked.clock.advance(30 * 86400)
    for flow in PASSWORD_FLOWS:
        assert_tokens(app.sign_in(user, perm, flow))


def test_default_validity_is_seven_days(clocked):
    app = make_app(clocked.cognito)  # no TemporaryPasswordValidityDays
    temp = strong_password()
    user = app.user(temp=temp)
    clocked.clock.advance(7 * 86400 - 3600)
    assert app.sign_in(user, temp, "USER_PASSWORD_AUTH")["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    clocked.clock.advance(7200)
    expect_error(app.sign_in, "NotAuthorizedException", M.TEMP_PASSWORD_EXPIRED,
                 username=user, password=temp, flow="USER_PASSWORD_AUTH")


def test_session_obtained_before_expiry_can_finish(clocked):
    """A NEW_PASSWORD_REQUIRED session got just before the temporary password expires is
    valid for its own lifetime (the password was proven in time)."""
    app = make_app(clocked.cognito, temp_days=1)
    temp = strong_password()
    user = app.user(temp=temp)
    clocked.clock.advance(86400 - 60)
    session = app.sign_in(user, temp, "USER_PASSWORD_AUTH")["Session"]
    clocked.clock.advance(120)
    assert_tokens(app.new_password(user, session, strong_password()))


# --------------------------------------------------------------------------- refresh


@pytest.mark.parametrize("flow, admin", [
    ("REFRESH_TOKEN_AUTH", False), ("REFRESH_TOKEN", False), ("REFRESH_TOKEN_AUTH", True)])
def test_refresh_returns_new_id_and_access_tokens_only(clocked, flow, admin):
    app = make_app(clocked.cognito)
    perm = strong_password()
    user = app.user(permanent=perm)
    first = app.tokens(user, perm)
    clocked.clock.advance(120)
    resp = app.refresh(first["RefreshToken"], flow=flow, admin=admin)
    new = assert_tokens(resp, refresh=False)
    assert new["IdToken"] != first["IdToken"] and new["AccessToken"] != first["AccessToken"]
    _, id1 = jwt_parts(first["IdToken"])
    _, id2 = jwt_parts(new["IdToken"])
    _, ac1 = jwt_parts(first["AccessToken"])
    _, ac2 = jwt_parts(new["AccessToken"])
    assert id2["auth_time"] == id1["auth_time"] == ac2["auth_time"]
    assert id2["iat"] >= id1["iat"] + 120
    assert id2["jti"] != id1["jti"] and ac2["jti"] != ac1["jti"]
    assert id2["origin_jti"] == id1["origin_jti"] == ac2["origin_jti"]
    assert ac2["username"] == user and id2["cognito:username"] == user
    # the new access token works, and the refresh token can be used again
    assert clocked.cognito.get_user(AccessToken=new["AccessToken"])["Username"] == user
    assert_tokens(app.refresh(first["RefreshToken"], flow=flow, admin=admin), refresh=False)


def test_refresh_sees_updated_attributes(cognito):
    app = make_app(cognito)
    perm = strong_password()
    user = app.user(permanent=perm, attrs={"given_name": "Old"})
    first = app.tokens(user, perm)
    cognito.admin_update_user_attributes(UserPoolId=app.pool, Username=user,
                                         UserAttributes=[{"Name": "given_name", "Value": "New"}])
    new = assert_tokens(app.refresh(first["RefreshToken"]), refresh=False)
    assert jwt_parts(new["IdToken"])[1]["given_name"] == "New"


def test_refresh_after_a_password_change_still_works(cognito):
    """AdminSetUserPassword does not revoke tokens (§4.2, §8.3)."""
    app = make_app(cognito)
    perm = strong_password()
    user = app.user(permanent=perm)
    first = app.tokens(user, perm)
    set_password(cognito, app.pool, user, strong_password(), permanent=True)
    assert_tokens(app.refresh(first["RefreshToken"]), refresh=False)
    assert cognito.get_user(AccessToken=first["AccessToken"])["Username"] == user


def test_legacy_explicit_auth_flow_names(cognito):
    """The old names (ADMIN_NO_SRP_AUTH, USER_PASSWORD_AUTH) in ExplicitAuthFlows enable the flows."""
    app = make_app(cognito, flows=["ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH"])
    perm = strong_password()
    user = app.user(permanent=perm)
    for flow in ("ADMIN_NO_SRP_AUTH", "ADMIN_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"):
        assert_tokens(app.sign_in(user, perm, flow))


def test_default_client_allows_srp_and_refresh(cognito):
    """No ExplicitAuthFlows: ALLOW_USER_SRP_AUTH, ALLOW_CUSTOM_AUTH, ALLOW_REFRESH_TOKEN_AUTH."""
    app = make_app(cognito, flows="default")
    perm = strong_password()
    user = app.user(permanent=perm)
    tokens = assert_tokens(app.sign_in(user, perm, "USER_SRP_AUTH"))
    assert_tokens(app.refresh(tokens["RefreshToken"]), refresh=False)
    assert_tokens(app.sign_in(user, perm, "ADMIN_USER_SRP_AUTH"))


# --------------------------------------------------------------------------- misc


def test_sign_in_is_case_sensitive_by_default(cognito):
    app = make_app(cognito)
    perm = strong_password()
    app.user("CaseUser", permanent=perm)
    assert_tokens(app.sign_in("CaseUser", perm, "USER_PASSWORD_AUTH"))
    expect_error(app.sign_in, "UserNotFoundException", M.USER_NOT_FOUND,
                 username="caseuser", password=perm, flow="USER_PASSWORD_AUTH")


def test_sign_in_by_sub(cognito):
    """Admin flows accept the sub of a local user in place of the username (§4.7)."""
    app = make_app(cognito)
    perm = strong_password()
    user = app.user(permanent=perm)
    sub = attrs_of(get_user(cognito, app.pool, user))["sub"]
    assert UUID_RE.match(sub)
    tokens = assert_tokens(app.sign_in(sub, perm, "ADMIN_USER_PASSWORD_AUTH"))
    assert jwt_parts(tokens["AccessToken"])[1]["username"] == user


def test_unique_usernames_do_not_leak_between_pools(cognito):
    a, b = make_app(cognito), make_app(cognito)
    pa, pb = strong_password(), strong_password()
    name = unique("same")
    a.user(name, permanent=pa)
    b.user(name, permanent=pb)
    assert_tokens(a.sign_in(name, pa, "USER_PASSWORD_AUTH"))
    expect_error(a.sign_in, "NotAuthorizedException", M.INCORRECT_CREDENTIALS,
                 username=name, password=pb, flow="USER_PASSWORD_AUTH")


def test_missing_required_attribute_is_collected_by_the_challenge(cognito):
    """AdminCreateUser does not demand required attributes; NEW_PASSWORD_REQUIRED lists the
    missing ones in requiredAttributes and the answer must supply them (§4.6)."""
    app = make_app(cognito, Schema=[
        {"Name": "name", "AttributeDataType": "String", "Required": True, "Mutable": True}])
    temp, new = strong_password(), strong_password()
    user = app.user(temp=temp)
    resp = app.sign_in(user, temp, "ADMIN_USER_PASSWORD_AUTH")
    session = assert_new_password_required(resp, user, {}, required=["userAttributes.name"])
    expect_error(app.new_password, "InvalidParameterException",
                 "Invalid attributes given, name is missing",
                 username=user, session=session, new=new, admin=True)
    assert status(cognito, app.pool, user) == "FORCE_CHANGE_PASSWORD"
    assert_tokens(app.new_password(user, session, new, admin=True, attrs={"name": "Erin"}))
    assert attrs_of(get_user(cognito, app.pool, user))["name"] == "Erin"
    assert status(cognito, app.pool, user) == "CONFIRMED"
