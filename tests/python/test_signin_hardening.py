"""Sign-in hardening (issue 12 items 2, 3, 4) with boto3 and pycognito, on both engines.

* PreventUserExistenceErrors=ENABLED: an unknown name gets the answer a real user gets
  (SRP round 1 of the same shape, USER_ID_FOR_SRP the normalised name, a stable salt, a
  fresh SRP_B), and status refusals (disabled, unconfirmed) come only after the password
  is proven.
* An SRP round-2 SECRET_BLOCK is single-use: a replayed PASSWORD_VERIFIER answer and a
  second guess on one round 1 are refused, across nodes.
* Concurrent wrong guesses are checked no more often than the lockout allows, on one
  node and on two nodes sharing PostgreSQL.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP

import messages as M
from helpers import expect_error, strong_password, unique
from signin_support import (
    PASSWORD_FLOWS,
    SrpClient,
    assert_tokens,
    make_app,
)

pytestmark = pytest.mark.signin

SESSION_EXPIRED = "Invalid session for the user, session is expired."
LOCKED = "Password attempts exceeded"
MIN_HEX = re.compile(r"[1-9a-f][0-9a-f]*")


def error_of(fn, *args, **kwargs) -> tuple[str, str]:
    """(code, message) of a call that must fail with a client error."""
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, e.response
        return e.response["Error"]["Code"], e.response["Error"]["Message"]
    raise AssertionError("the call succeeded")


def hiding_app(cognito, **kwargs):
    return make_app(cognito, prevent="ENABLED",
                    UsernameConfiguration={"CaseSensitive": False}, **kwargs)


# --------------------------------------------------------------------------- item 2


@pytest.mark.parametrize("admin", [False, True])
def test_unknown_user_round_one_looks_like_a_real_users(cognito, admin):
    app = hiding_app(cognito)
    real = app.user(unique("real"), permanent=strong_password())
    ghost = unique("Ghost")
    answers = {}
    for name in (real, ghost):
        rounds = [app.srp_start(name, admin=admin)[1] for _ in range(2)]
        for r in rounds:
            assert r["ChallengeName"] == "PASSWORD_VERIFIER"
            p = r["ChallengeParameters"]
            assert set(p) == {"SALT", "SRP_B", "SECRET_BLOCK", "USER_ID_FOR_SRP", "USERNAME"}
            assert MIN_HEX.fullmatch(p["SALT"]) and 20 < len(p["SALT"]) <= 32, p["SALT"]
            assert MIN_HEX.fullmatch(p["SRP_B"]) and len(p["SRP_B"]) > 700
            assert p["USERNAME"] == p["USER_ID_FOR_SRP"]
        first, second = (r["ChallengeParameters"] for r in rounds)
        assert first["SALT"] == second["SALT"], "the salt is stable"
        assert first["USER_ID_FOR_SRP"] == second["USER_ID_FOR_SRP"]
        assert first["SRP_B"] != second["SRP_B"], "B is fresh on every round 1"
        answers[name] = first
    assert answers[real]["USER_ID_FOR_SRP"] == real
    # The normalised name (the pool is case-insensitive), as for a real user; not a UUID.
    assert answers[ghost]["USER_ID_FOR_SRP"] == ghost.lower()
    assert abs(len(answers[real]["SECRET_BLOCK"]) - len(answers[ghost]["SECRET_BLOCK"])) < 16
    other = app.srp_start(unique("ghost"), admin=admin)[1]["ChallengeParameters"]
    assert other["SALT"] != answers[ghost]["SALT"]


def test_email_pool_gives_an_unknown_email_a_stable_uuid(cognito):
    app = make_app(cognito, prevent="ENABLED", UsernameAttributes=["email"])
    email = f"{unique('nobody')}@example.com"
    first, second = (app.srp_start(email)[1]["ChallengeParameters"] for _ in range(2))
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                        first["USER_ID_FOR_SRP"]), first["USER_ID_FOR_SRP"]
    assert first["USER_ID_FOR_SRP"] == second["USER_ID_FOR_SRP"]
    assert first["SALT"] == second["SALT"]


def test_pycognito_unknown_user_and_wrong_password_fail_alike(cognito):
    app = hiding_app(cognito)
    real = app.user(unique("real"), permanent=strong_password())
    answers = set()
    for name in (real, unique("ghost")):
        srp = AWSSRP(username=name, password=strong_password(), pool_id=app.pool,
                     client_id=app.client_id, client=cognito)
        answers.add(error_of(srp.authenticate_user))
    assert answers == {("NotAuthorizedException", M.INCORRECT_CREDENTIALS)}


@pytest.mark.parametrize("flow", PASSWORD_FLOWS)
def test_unknown_user_and_wrong_password_fail_alike(cognito, flow):
    app = hiding_app(cognito)
    real = app.user(unique("real"), permanent=strong_password())
    for name in (real, unique("ghost")):
        expect_error(app.sign_in, "NotAuthorizedException", M.INCORRECT_CREDENTIALS,
                     username=name, password=strong_password(), flow=flow)


@pytest.mark.parametrize("flow", PASSWORD_FLOWS)
def test_disabled_user_is_told_only_after_the_password(cognito, flow):
    app = hiding_app(cognito)
    pw = strong_password()
    user = app.user(unique("off"), permanent=pw)
    cognito.admin_disable_user(UserPoolId=app.pool, Username=user)
    expect_error(app.sign_in, "NotAuthorizedException", M.INCORRECT_CREDENTIALS,
                 username=user, password=strong_password(), flow=flow)
    expect_error(app.sign_in, "NotAuthorizedException", "User is disabled.",
                 username=user, password=pw, flow=flow)


@pytest.mark.parametrize("flow", PASSWORD_FLOWS)
def test_unconfirmed_user_is_told_only_after_the_password(cognito, flow):
    app = hiding_app(cognito)
    pw = strong_password()
    user = unique("su")
    cognito.sign_up(ClientId=app.client_id, Username=user, Password=pw)
    expect_error(app.sign_in, "NotAuthorizedException", M.INCORRECT_CREDENTIALS,
                 username=user, password=strong_password(), flow=flow)
    expect_error(app.sign_in, "UserNotConfirmedException", "User is not confirmed.",
                 username=user, password=pw, flow=flow)


# --------------------------------------------------------------------------- item 3


@pytest.mark.parametrize("admin", [False, True])
def test_an_srp_answer_cannot_be_replayed(cognito, admin):
    app = make_app(cognito)
    pw = strong_password()
    user = app.user(unique("u"), permanent=pw)
    srp, r1 = app.srp_start(user, admin=admin)
    answer = srp.responses(r1["ChallengeParameters"], pw)
    tokens = assert_tokens(app.respond("PASSWORD_VERIFIER", answer, admin=admin))
    expect_error(app.respond, "NotAuthorizedException", SESSION_EXPIRED,
                 challenge="PASSWORD_VERIFIER", responses=answer, admin=admin)
    # ... nor after a global sign-out
    cognito.global_sign_out(AccessToken=tokens["AccessToken"])
    expect_error(app.respond, "NotAuthorizedException", SESSION_EXPIRED,
                 challenge="PASSWORD_VERIFIER", responses=answer, admin=admin)


def test_pycognito_answer_cannot_be_replayed(cognito):
    app = make_app(cognito)
    pw = strong_password()
    user = app.user(unique("u"), permanent=pw)
    srp = AWSSRP(username=user, password=pw, pool_id=app.pool, client_id=app.client_id,
                 client=cognito)
    params = srp.get_auth_params()
    r1 = cognito.initiate_auth(ClientId=app.client_id, AuthFlow="USER_SRP_AUTH",
                               AuthParameters=params)
    answer = srp.process_challenge(r1["ChallengeParameters"], params)
    respond = lambda: cognito.respond_to_auth_challenge(  # noqa: E731
        ClientId=app.client_id, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answer)
    assert_tokens(respond())
    for _ in range(3):
        assert error_of(respond) == ("NotAuthorizedException", SESSION_EXPIRED)
    # a fresh round 1 still signs in
    assert "AuthenticationResult" in srp.authenticate_user()


def test_one_round_one_allows_one_guess(cognito):
    app = make_app(cognito)
    pw = strong_password()
    user = app.user(unique("u"), permanent=pw)
    srp, r1 = app.srp_start(user)
    expect_error(app.srp_finish, "NotAuthorizedException", M.INCORRECT_CREDENTIALS,
                 srp=srp, round1=r1, password=strong_password())
    expect_error(app.srp_finish, "NotAuthorizedException", SESSION_EXPIRED,
                 srp=srp, round1=r1, password=pw)
    assert_tokens(app.srp_auth(user, pw))


def test_a_simulated_block_is_single_use(cognito):
    app = hiding_app(cognito)
    srp, r1 = app.srp_start(unique("ghost"))
    answer = srp.responses(r1["ChallengeParameters"], strong_password())
    expect_error(app.respond, "NotAuthorizedException", M.INCORRECT_CREDENTIALS,
                 challenge="PASSWORD_VERIFIER", responses=answer)
    expect_error(app.respond, "NotAuthorizedException", SESSION_EXPIRED,
                 challenge="PASSWORD_VERIFIER", responses=answer)


# --------------------------------------------------------------------------- item 4

GUESSES = 60


def lock_for_a_long_time_next(app, user, clocks):
    """Fails 14 sign-ins one after the other, moving the clock(s) past each lock: the
    user then has no lock, and its next failure locks it for 15 minutes, far longer than
    any burst takes. So exactly one of a burst of wrong guesses may be checked."""
    for n in range(1, 15):
        expect_error(app.password_auth, "NotAuthorizedException", M.INCORRECT_CREDENTIALS,
                     username=user, password=strong_password())
        if n >= 5:
            for clock in clocks:
                clock.advance(2 ** (n - 5))


def burst(calls):
    """Runs the calls at once (threads released together); their (code, message)s."""
    start = threading.Barrier(len(calls))

    def run(call):
        start.wait()
        return error_of(call)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def wrong_guesses(app, user, clients):
    """Half password sign-ins, half SRP round 2s (round 1s prepared beforehand), spread
    over the clients (nodes)."""
    calls = []
    for i in range(GUESSES):
        c = clients[i % len(clients)]
        wrong = strong_password()
        if i % 2:
            calls.append(lambda c=c, wrong=wrong: app.initiate(
                "USER_PASSWORD_AUTH", {"USERNAME": user, "PASSWORD": wrong}, c=c))
        else:
            srp, r1 = app.srp_start(user)
            answer = srp.responses(r1["ChallengeParameters"], wrong)
            calls.append(lambda c=c, answer=answer: app.respond(
                "PASSWORD_VERIFIER", answer, c=c))
    return calls


def assert_one_checked(answers, rest):
    incorrect = answers.count(("NotAuthorizedException", M.INCORRECT_CREDENTIALS))
    others = answers.count(("NotAuthorizedException", rest))
    assert (incorrect, others) == (1, len(answers) - 1), answers


def test_concurrent_wrong_guesses_respect_the_lockout(clocked):
    c = clocked.cognito
    app = make_app(c)
    pw = strong_password()
    user = app.user(unique("hot"), permanent=pw)
    lock_for_a_long_time_next(app, user, [clocked.clock])
    assert_one_checked(burst(wrong_guesses(app, user, [c])), LOCKED)
    expect_error(app.password_auth, "NotAuthorizedException", LOCKED, username=user, password=pw)


def test_concurrent_guesses_on_one_block_check_one(cognito):
    app = make_app(cognito)
    user = app.user(unique("hot"), permanent=strong_password())
    srp, r1 = app.srp_start(user)
    answers = [srp.responses(r1["ChallengeParameters"], strong_password()) for _ in range(GUESSES)]
    calls = [lambda a=a: app.respond("PASSWORD_VERIFIER", a) for a in answers]
    assert_one_checked(burst(calls), SESSION_EXPIRED)


@pytest.mark.postgres_only
def test_concurrent_wrong_guesses_through_two_nodes(make_server):
    a = make_server(test_clock=True)
    b = make_server(share=a, test_clock=True)
    ca, cb = a.client(), b.client()
    app = make_app(ca)
    pw = strong_password()
    user = app.user(unique("hot"), permanent=pw)
    lock_for_a_long_time_next(app, user, [a.clock, b.clock])
    assert_one_checked(burst(wrong_guesses(app, user, [ca, cb])), LOCKED)
    # One SRP block, guessed through both nodes at once: one check.
    other = app.user(unique("hot"), permanent=strong_password())
    srp, r1 = app.srp_start(other)
    answers = [srp.responses(r1["ChallengeParameters"], strong_password()) for _ in range(GUESSES)]
    calls = [lambda a=ans, c=(ca, cb)[i % 2]: app.respond("PASSWORD_VERIFIER", a, c=c)
             for i, ans in enumerate(answers)]
    assert_one_checked(burst(calls), SESSION_EXPIRED)
