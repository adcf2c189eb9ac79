"""Several stateless nodes on one PostgreSQL database (USERPOOLS_TEST_ENGINE=postgres only).

Two `userpools serve` processes share a database and USERPOOLS_MASTER_KEY: a sign-in starts
on one node and finishes on the other, concurrent AdminSetUserPassword calls through both
nodes are serialised without a lost write, and a node killed with kill -9 mid-load loses no
acknowledged write.
"""

from __future__ import annotations

import json
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP

import messages as M
import pgdb
from helpers import (
    create_client,
    create_pool,
    create_user,
    expect_error,
    set_password,
    status,
    strong_password,
)

pytestmark = pytest.mark.postgres_only

FLOWS = ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH",
         "ALLOW_REFRESH_TOKEN_AUTH"]


# Behind a load balancer every node issues tokens for the same public URL.
ISSUER = ["--issuer-base-url", "http://userpools.test:9229"]


@pytest.fixture
def nodes(make_server):
    a = make_server(extra_args=ISSUER)
    b = make_server(share=a, extra_args=ISSUER)
    return a, b


def admin_auth(c, pool, client_id, username, password):
    return c.admin_initiate_auth(
        UserPoolId=pool, ClientId=client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password})


def user_row(server, pool, username):
    rows = pgdb.query(server.database,
                      "SELECT version, document FROM users WHERE pool_id = :p AND username = :u",
                      p=pool, u=username)
    assert len(rows) == 1, rows
    version, document = rows[0]
    return version, json.loads(document)


def test_nodes_share_one_database_and_key(nodes):
    a, b = nodes
    assert a.extra_env["USERPOOLS_DATABASE_URL"] == b.extra_env["USERPOOLS_DATABASE_URL"]
    ca, cb = a.client(), b.client()
    pool = create_pool(ca)
    assert cb.describe_user_pool(UserPoolId=pool)["UserPool"]["Id"] == pool
    secret = create_client(ca, pool, GenerateSecret=True)
    described = cb.describe_user_pool_client(UserPoolId=pool, ClientId=secret["ClientId"])
    # The client secret is sealed under the master key: node B opens it.
    assert described["UserPoolClient"]["ClientSecret"] == secret["ClientSecret"]
    # Signing keys are shared: both nodes publish the same JWKS.
    ja = requests.get(f"{a.url}/{pool}/.well-known/jwks.json", timeout=10).json()
    jb = requests.get(f"{b.url}/{pool}/.well-known/jwks.json", timeout=10).json()
    assert ja == jb and len(ja["keys"]) >= 1


def test_node_with_another_master_key_refuses_to_start(nodes, make_server):
    a, _b = nodes
    c = make_server(share=a, start=False, extra_args=ISSUER,
                    extra_env={"USERPOOLS_MASTER_KEY": pgdb.new_master_key()})
    with pytest.raises(pytest.fail.Exception):
        c.start()
    assert "same USERPOOLS_MASTER_KEY" in c.stderr()


def test_postgres_without_master_key_refuses_to_start(nodes, make_server):
    a, _b = nodes
    c = make_server(share=a, start=False, extra_args=ISSUER)
    del c.extra_env["USERPOOLS_MASTER_KEY"]
    with pytest.raises(pytest.fail.Exception):
        c.start()
    assert "needs USERPOOLS_MASTER_KEY" in c.stderr()


def test_temporary_password_on_a_gives_new_password_required_on_b(nodes):
    a, b = nodes
    ca, cb = a.client(), b.client()
    pool = create_pool(ca, history=2)
    cid = create_client(ca, pool, ExplicitAuthFlows=FLOWS)["ClientId"]
    create_user(ca, pool, "alice", attrs={"email": "alice@example.com"})
    temp = strong_password()
    set_password(ca, pool, "alice", temp, permanent=False)
    assert status(cb, pool, "alice") == "FORCE_CHANGE_PASSWORD"

    r = admin_auth(cb, pool, cid, "alice", temp)
    assert r["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert r["ChallengeParameters"]["USER_ID_FOR_SRP"] == "alice"
    # the same through the public flow on B
    r2 = cb.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                          AuthParameters={"USERNAME": "alice", "PASSWORD": temp})
    assert r2["ChallengeName"] == "NEW_PASSWORD_REQUIRED"

    # The session B issued is answered on A; the history check sees A's write.
    expect_error(ca.admin_respond_to_auth_challenge,
                 "PasswordHistoryPolicyViolationException", M.PASSWORD_HISTORY,
                 UserPoolId=pool, ClientId=cid, ChallengeName="NEW_PASSWORD_REQUIRED",
                 Session=r["Session"],
                 ChallengeResponses={"USERNAME": "alice", "NEW_PASSWORD": temp})
    final = strong_password()
    done = ca.admin_respond_to_auth_challenge(
        UserPoolId=pool, ClientId=cid, ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=r2["Session"], ChallengeResponses={"USERNAME": "alice", "NEW_PASSWORD": final})
    tokens = done["AuthenticationResult"]
    assert status(cb, pool, "alice") == "CONFIRMED"

    # Tokens from A work on B: the access token, and a refresh.
    me = cb.get_user(AccessToken=tokens["AccessToken"])
    assert me["Username"] == "alice"
    refreshed = cb.initiate_auth(ClientId=cid, AuthFlow="REFRESH_TOKEN_AUTH",
                                 AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})
    assert refreshed["AuthenticationResult"]["AccessToken"]
    # A sign-out on B revokes what A issued.
    cb.global_sign_out(AccessToken=tokens["AccessToken"])
    expect_error(ca.get_user, "NotAuthorizedException", None, AccessToken=tokens["AccessToken"])
    # and the permanent password signs in on either node
    assert "AuthenticationResult" in admin_auth(ca, pool, cid, "alice", final)


def test_srp_round_one_on_a_completes_on_b(nodes):
    a, b = nodes
    ca, cb = a.client(), b.client()
    pool = create_pool(ca)
    cid = create_client(ca, pool, ExplicitAuthFlows=FLOWS)["ClientId"]
    create_user(ca, pool, "srp-user")
    password = strong_password()
    set_password(ca, pool, "srp-user", password, permanent=True)

    srp = AWSSRP(username="srp-user", password=password, pool_id=pool, client_id=cid, client=ca)
    params = srp.get_auth_params()
    r1 = ca.initiate_auth(ClientId=cid, AuthFlow="USER_SRP_AUTH", AuthParameters=params)
    assert r1["ChallengeName"] == "PASSWORD_VERIFIER"
    answer = srp.process_challenge(r1["ChallengeParameters"], params)
    r2 = cb.respond_to_auth_challenge(ClientId=cid, ChallengeName="PASSWORD_VERIFIER",
                                      ChallengeResponses=answer)
    assert r2["AuthenticationResult"]["TokenType"] == "Bearer"
    assert cb.get_user(AccessToken=r2["AuthenticationResult"]["AccessToken"])["Username"] \
        == "srp-user"

    # With a temporary password, round 2 on B yields NEW_PASSWORD_REQUIRED, answered on A.
    temp = strong_password()
    set_password(cb, pool, "srp-user", temp, permanent=False)
    srp = AWSSRP(username="srp-user", password=temp, pool_id=pool, client_id=cid, client=ca)
    params = srp.get_auth_params()
    r1 = ca.initiate_auth(ClientId=cid, AuthFlow="USER_SRP_AUTH", AuthParameters=params)
    r2 = cb.respond_to_auth_challenge(ClientId=cid, ChallengeName="PASSWORD_VERIFIER",
                                      ChallengeResponses=srp.process_challenge(
                                          r1["ChallengeParameters"], params))
    assert r2["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    r3 = ca.respond_to_auth_challenge(
        ClientId=cid, ChallengeName="NEW_PASSWORD_REQUIRED", Session=r2["Session"],
        ChallengeResponses={"USERNAME": "srp-user", "NEW_PASSWORD": strong_password()})
    assert "AuthenticationResult" in r3
    assert status(ca, pool, "srp-user") == "CONFIRMED"


def call_set_password(client, pool, username, password, permanent):
    """One AdminSetUserPassword: (outcome, error type); outcome 'ok', 'client-error' or
    'server-error'."""
    try:
        set_password(client, pool, username, password, permanent=permanent)
        return "ok", None
    except ClientError as e:
        code = e.response["ResponseMetadata"]["HTTPStatusCode"]
        kind = e.response["Error"]["Code"]
        return ("client-error" if code == 400 else "server-error"), f"{code} {kind}"


def test_concurrent_admin_set_user_password_through_two_nodes(nodes):
    a, b = nodes
    history = 4
    pool = create_pool(a.client(), history=history)
    cid = create_client(a.client(), pool, ExplicitAuthFlows=FLOWS)["ClientId"]
    create_user(a.client(), pool, "hot")
    version_before, _ = user_row(a, pool, "hot")

    per_node = 50
    rng = random.Random(4)
    calls = []
    for i in range(2 * per_node):
        node = a if i % 2 == 0 else b
        calls.append({"node": node, "password": f"Hot!{i:03d}x{rng.randrange(10**6):06d}",
                      "permanent": rng.random() < 0.5})
    local = threading.local()
    barrier = threading.Barrier(len(calls))

    def run(call):
        if getattr(local, "clients", None) is None:
            local.clients = {}
        client = local.clients.get(call["node"].name)
        if client is None:
            client = local.clients[call["node"].name] = call["node"].client()
        barrier.wait(timeout=60)
        call["start"] = time.monotonic()
        call["outcome"], call["error"] = call_set_password(
            client, pool, "hot", call["password"], call["permanent"])
        call["end"] = time.monotonic()

    with ThreadPoolExecutor(max_workers=len(calls)) as ex:
        list(ex.map(run, calls))

    server_errors = [c["error"] for c in calls if c["outcome"] == "server-error"]
    assert not server_errors, server_errors
    # Every password is new, so no call may be refused (history only looks back).
    refused = [c["error"] for c in calls if c["outcome"] != "ok"]
    assert not refused, refused
    ok = [c for c in calls if c["outcome"] == "ok"]

    # Each acknowledged call wrote exactly once, and the history is whole.
    version_after, doc = user_row(a, pool, "hot")
    assert version_after == version_before + len(ok)
    assert doc["credential"]
    assert len(doc.get("previous_credentials", [])) == history - 1

    # Find the final password: try the latest acknowledged calls first (at most 4 wrong
    # attempts, below the lockout), then check it is a legal last write (linearizable:
    # no acknowledged call started after it ended) and that the status matches it.
    by_end = sorted(ok, key=lambda c: c["end"], reverse=True)
    final = None
    for call in by_end[:4]:
        try:
            r = admin_auth(b.client(), pool, cid, "hot", call["password"])
        except ClientError as e:
            assert e.response["Error"]["Code"] == "NotAuthorizedException", e.response
            continue
        final = (call, r)
        break
    assert final is not None, "none of the 4 last acknowledged passwords signs in"
    call, r = final
    assert not any(other["start"] > call["end"] for other in ok), \
        "the final password is not from a call that could have been applied last"
    expected = "CONFIRMED" if call["permanent"] else "FORCE_CHANGE_PASSWORD"
    assert status(a.client(), pool, "hot") == expected
    if call["permanent"]:
        assert "AuthenticationResult" in r
    else:
        assert r["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    # The final password is in the history, seen from both nodes.
    for node in (a, b):
        expect_error(node.client().admin_set_user_password,
                     "PasswordHistoryPolicyViolationException", M.PASSWORD_HISTORY,
                     UserPoolId=pool, Username="hot", Password=call["password"], Permanent=True)

    # A last call after the storm is the last acknowledged one: it decides the status.
    last = strong_password()
    version_before_last = user_row(a, pool, "hot")[0]  # sign-ins above count attempts
    set_password(b.client(), pool, "hot", last, permanent=False)
    assert user_row(a, pool, "hot")[0] == version_before_last + 1
    assert status(a.client(), pool, "hot") == "FORCE_CHANGE_PASSWORD"
    assert admin_auth(a.client(), pool, cid, "hot", last)["ChallengeName"] \
        == "NEW_PASSWORD_REQUIRED"


def test_kill_9_mid_load_loses_no_acknowledged_write(nodes):
    a, b = nodes
    pool = create_pool(a.client(), history=3)
    writers = 6
    for w in range(writers):
        create_user(a.client(), pool, f"w{w}")
    stop = threading.Event()
    a_dead = threading.Event()
    acked_users: list[str] = []
    acked_passwords: dict[str, list[str]] = {f"w{w}": [] for w in range(writers)}
    failures: list[str] = []
    lock = threading.Lock()

    def writer(w):
        node = a if w % 2 == 0 else b
        client = node.client()
        n = 0
        deadline = time.monotonic() + 60
        while not stop.is_set() and time.monotonic() < deadline:
            n += 1
            name = f"new-{w}-{n}"
            password = f"Kill!{w}x{n:04d}"
            try:
                if n % 2:
                    create_user(client, pool, name)
                    with lock:
                        acked_users.append(name)
                else:
                    set_password(client, pool, f"w{w}", password, permanent=True)
                    with lock:
                        acked_passwords[f"w{w}"].append(password)
            except ClientError as e:
                with lock:
                    failures.append(str(e.response["Error"]))
            except Exception:  # the connection to the killed node
                if node is a and a_dead.is_set():
                    return
                raise

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    time.sleep(3)
    a_dead.set()  # from now on, a failed request to A is expected
    a.kill()  # kill -9 while requests are in flight on A
    time.sleep(1.5)
    stop.set()
    for t in threads:
        t.join(90)
    assert not failures, failures[:5]
    assert len(acked_users) > 5, "too little load before the kill"
    a_acked = [u for u in acked_users if int(u.split("-")[1]) % 2 == 0]
    assert a_acked, "node A acknowledged nothing before the kill"

    def check(client):
        for name in acked_users:
            assert client.admin_get_user(UserPoolId=pool, Username=name)["Username"] == name
        for user, passwords in acked_passwords.items():
            if not passwords:
                continue
            # The last acknowledged password is current or (if a later call was in flight
            # when A died and committed) the previous one: both are in the history.
            expect_error(client.admin_set_user_password,
                         "PasswordHistoryPolicyViolationException", M.PASSWORD_HISTORY,
                         UserPoolId=pool, Username=user, Password=passwords[-1], Permanent=True)
            assert status(client, pool, user) == "CONFIRMED"

    check(b.client())  # through the surviving node
    a.start()  # the killed node comes back on the same database
    check(a.client())


def test_quotas_hold_for_the_whole_deployment(make_server, tmp_path):
    """Request-rate buckets live in the database: two nodes together admit one
    deployment's quota, not one per node (issue 5: shared state, within 10%)."""
    rate = 4
    config = tmp_path / "quotas.toml"
    config.write_text(f"[quotas]\nenabled = true\n[quotas.categories]\nUserPoolRead = {rate}\n")
    a = make_server(test_clock=False, extra_args=ISSUER + ["--config", str(config)])
    b = make_server(share=a, test_clock=False, extra_args=ISSUER + ["--config", str(config)])
    ca, cb = a.client(), b.client()
    pool = create_pool(ca)
    time.sleep(1.2)  # let the bucket refill after CreateUserPool's own reads, if any

    def describe(i):
        try:
            (ca if i % 2 else cb).describe_user_pool(UserPoolId=pool)
            return "ok"
        except ClientError as e:
            err = e.response["Error"]
            assert (err["Code"], err["Message"]) == ("TooManyRequestsException", "Rate exceeded")
            return "throttled"

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool_executor:
        outcomes = list(pool_executor.map(describe, range(24)))
    elapsed = time.monotonic() - started
    admitted = outcomes.count("ok")
    # One shared bucket admits its burst plus what refills meanwhile; per-node
    # buckets would admit about twice that.
    allowance = rate + rate * elapsed
    assert outcomes.count("throttled") > 0, (outcomes, elapsed)
    assert admitted <= allowance * 1.1 + 1, (admitted, elapsed)
    if elapsed < 1.0:
        assert admitted < 2 * rate, (admitted, elapsed)
