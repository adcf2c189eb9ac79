"""Request-rate quotas (spec §6.1): TooManyRequestsException `Rate exceeded`, nothing changes.

Bursts are sent concurrently so that they outrun the refill of small configured quotas.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from botocore.exceptions import ClientError

from configs import client_for, write_config
from helpers import create_client, create_pool, create_user, status, strong_password

RATE_EXCEEDED = "Rate exceeded"


def configured(make_server, tmp_path, text: str, *, switch_on=True):
    """A server with the quota settings `text`, switched on with --aws-quotas."""
    path = write_config(tmp_path / "userpools.toml", text)
    return make_server(test_clock=False, quotas=switch_on, extra_args=["--config", str(path)])


def outcome(fn, **kwargs):
    """'ok', or the (code, message, HTTP status) of a ClientError."""
    try:
        fn(**kwargs)
        return "ok"
    except ClientError as e:
        return (e.response["Error"]["Code"], e.response["Error"].get("Message"),
                e.response["ResponseMetadata"]["HTTPStatusCode"])


def burst(calls, workers=12):
    """Runs the zero-argument callables concurrently; returns their outcomes in order."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda call: call(), calls))


THROTTLED = ("TooManyRequestsException", RATE_EXCEEDED, 400)


def test_burst_is_throttled_and_changes_nothing_then_retries_succeed(make_server, tmp_path):
    s = configured(make_server, tmp_path, "[quotas.categories]\nUserAccountRecovery = 2\n")
    admin = s.client()
    pool = create_pool(admin)
    names = [f"burst{i}" for i in range(12)]
    for name in names:
        create_user(admin, pool, name, temp=strong_password())

    results = burst([
        (lambda n=name: outcome(admin.admin_set_user_password, UserPoolId=pool, Username=n,
                                Password=strong_password(), Permanent=True))
        for name in names
    ])
    assert set(results) <= {"ok", THROTTLED}, results
    throttled = [n for n, r in zip(names, results) if r == THROTTLED]
    admitted = [n for n, r in zip(names, results) if r == "ok"]
    assert throttled, results
    assert 1 <= len(admitted) <= 6, results
    # Throttled calls changed nothing; admitted ones did.
    for name in throttled:
        assert status(admin, pool, name) == "FORCE_CHANGE_PASSWORD", name
    for name in admitted:
        assert status(admin, pool, name) == "CONFIRMED", name

    # boto3's standard retry mode backs off on TooManyRequestsException and gets through.
    akid, secret = s.credentials
    patient = client_for(s, akid, secret, retries={"mode": "standard", "max_attempts": 10})
    burst([
        (lambda n=name: patient.admin_set_user_password(
            UserPoolId=pool, Username=n, Password=strong_password(), Permanent=True))
        for name in throttled
    ], workers=4)
    for name in names:
        assert status(admin, pool, name) == "CONFIRMED", name


def test_other_categories_are_not_affected(make_server, tmp_path):
    s = configured(make_server, tmp_path, "[quotas.categories]\nUserAccountRecovery = 1\n")
    admin = s.client()
    pool = create_pool(admin)
    create_user(admin, pool, "x", temp=strong_password())
    results = burst([
        (lambda: outcome(admin.admin_set_user_password, UserPoolId=pool, Username="x",
                         Password=strong_password(), Permanent=False))
        for _ in range(6)
    ])
    assert THROTTLED in results, results
    # UserRead and UserList still have their own, untouched buckets.
    assert admin.admin_get_user(UserPoolId=pool, Username="x")["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert len(admin.list_users(UserPoolId=pool)["Users"]) == 1


def test_refill_after_a_second(make_server, tmp_path):
    s = configured(make_server, tmp_path, "[quotas.categories]\nUserPoolRead = 1\n")
    admin = s.client()
    pool = create_pool(admin)
    results = burst([(lambda: outcome(admin.describe_user_pool, UserPoolId=pool))
                     for _ in range(6)])
    assert 1 <= results.count("ok") <= 3, results
    assert THROTTLED in results
    time.sleep(1.2)
    admin.describe_user_pool(UserPoolId=pool)


def test_per_user_limit(make_server, tmp_path):
    s = configured(make_server, tmp_path, "[quotas]\nper_user_rps = 2\n")
    admin = s.client()
    pool = create_pool(admin)
    for name in ("hot", "cold"):
        create_user(admin, pool, name)
    results = burst([(lambda: outcome(admin.admin_get_user, UserPoolId=pool, Username="hot"))
                     for _ in range(10)])
    assert THROTTLED in results, results
    assert results.count("ok") <= 5, results
    # Another user of the same pool is not limited by "hot"'s requests (UserRead is 120/s).
    assert admin.admin_get_user(UserPoolId=pool, Username="cold")["Username"] == "cold"


def test_quotas_switched_off(make_server, tmp_path):
    s = configured(make_server, tmp_path,
                   "[quotas]\nenabled = false\nper_user_rps = 1\n"
                   "[quotas.categories]\nUserAccountRecovery = 1\nUserRead = 1\n",
                   switch_on=False)
    admin = s.client()
    pool = create_pool(admin)
    create_user(admin, pool, "free", temp=strong_password())
    results = burst([
        (lambda: outcome(admin.admin_set_user_password, UserPoolId=pool, Username="free",
                         Password=strong_password(), Permanent=False))
        for _ in range(8)
    ] + [(lambda: outcome(admin.admin_get_user, UserPoolId=pool, Username="free"))
         for _ in range(8)])
    assert results == ["ok"] * 16, results


def test_default_user_pool_read_quota(make_server):
    """Without a config file the service defaults hold: DescribeUserPool is UserPoolRead, 15/s."""
    s = make_server(test_clock=False, quotas=True)
    admin = s.client()
    pool = create_pool(admin)
    started = time.monotonic()
    results = burst([(lambda: outcome(admin.describe_user_pool, UserPoolId=pool))
                     for _ in range(100)], workers=16)
    elapsed = time.monotonic() - started
    assert set(results) <= {"ok", THROTTLED}, results
    assert THROTTLED in results, f"no throttling in {elapsed:.2f}s"
    # At most the bucket (15) plus what refilled while the burst lasted.
    assert 15 <= results.count("ok") <= 15 + int(15 * elapsed) + 1, (results.count("ok"), elapsed)


@pytest.mark.parametrize("text, message", [
    ("[quotas.categories]\nUserRaed = 5\n",
     "line 2, column 12: quotas.categories.UserRaed: unknown category (expected one of "
     "UserAuthentication, UserCreation, UserFederation, UserAccountRecovery, UserRead, UserUpdate, "
     "UserToken, UserResourceRead, UserResourceUpdate, UserList, UserPoolRead, UserPoolUpdate, "
     "UserPoolResourceRead, UserPoolResourceUpdate, UserPoolClientRead, UserPoolClientUpdate, "
     "ClientAuthentication)"),
    ("[quotas.categories]\nUserRead = 0\n",
     "line 2, column 12: quotas.categories.UserRead: must be a whole number of requests per "
     "second, at least 1 (set [quotas] enabled = false to switch quotas off)"),
    ("[quotas]\nper_user_rps = -3\n",
     "line 2, column 16: quotas.per_user_rps: must be a whole number of requests per second, "
     "at least 1"),
    ("[quotas]\nper_client_percent = 101\n",
     "line 2, column 22: quotas.per_client_percent: must be a whole percentage from 1 to 100"),
    ("[quotas]\nenabled = \"no\"\n",
     "line 2, column 11: invalid type: string \"no\", expected a boolean"),
])
def test_invalid_quota_config_fails_start_up(tmp_path, text, message):
    from configs import serve_fails
    from helpers import new_credentials
    path = write_config(tmp_path / "q.toml", text)
    p = serve_fails(tmp_path, path, new_credentials())
    assert f"Error: invalid configuration file {path}, {message}\n" in p.stderr, p.stderr


# --------------------------------------------------------------------------- issue 18 item 2


def serving_line(server) -> str:
    """The start-up line, without colour codes."""
    plain = re.sub(r"\x1b\[[0-9;]*m", "", server.stderr())
    lines = [line for line in plain.splitlines() if " serving " in line]
    assert len(lines) == 1, server.stderr()
    return lines[0]


def test_quotas_are_off_by_default_and_the_start_up_line_says_so(make_server):
    s = make_server(test_clock=False)
    assert 'quotas="off"' in serving_line(s)
    admin = s.client()
    pool = create_pool(admin)
    # UserPoolRead is 15/s when quotas are on: 60 at once all pass when they are off.
    results = burst([(lambda: outcome(admin.describe_user_pool, UserPoolId=pool))
                     for _ in range(60)], workers=16)
    assert results == ["ok"] * 60, results

    on = make_server(test_clock=False, quotas=True)
    assert 'quotas="on"' in serving_line(on)


def test_enabled_in_the_config_file_switches_quotas_on(make_server, tmp_path):
    s = configured(make_server, tmp_path,
                   "[quotas]\nenabled = true\n[quotas.categories]\nUserPoolRead = 1\n",
                   switch_on=False)
    assert 'quotas="on"' in serving_line(s)
    admin = s.client()
    pool = create_pool(admin)
    results = burst([(lambda: outcome(admin.describe_user_pool, UserPoolId=pool))
                     for _ in range(6)])
    assert THROTTLED in results, results


def test_rates_alone_do_not_switch_quotas_on(make_server, tmp_path):
    s = configured(make_server, tmp_path, "[quotas.categories]\nUserPoolRead = 1\n",
                   switch_on=False)
    assert 'quotas="off"' in serving_line(s)
    admin = s.client()
    pool = create_pool(admin)
    results = burst([(lambda: outcome(admin.describe_user_pool, UserPoolId=pool))
                     for _ in range(6)])
    assert results == ["ok"] * 6, results


# --------------------------------------------------------------------------- issue 12 item 6

PASSWORD_FLOW = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def sign_in_app(admin, pool, name):
    """An app client of `pool` allowing USER_PASSWORD_AUTH, and a user of it."""
    client = create_client(admin, pool, ExplicitAuthFlows=PASSWORD_FLOW)["ClientId"]
    password = strong_password()
    create_user(admin, pool, name, temp=strong_password())
    admin.admin_set_user_password(UserPoolId=pool, Username=name, Password=password,
                                  Permanent=True)
    return client, password


def flood_until(done: threading.Event, send, workers=8, most=2000):
    """Calls send() from `workers` threads until `done` is set (at most `most` calls);
    returns the outcomes."""
    outcomes, lock = [], threading.Lock()

    def worker():
        while not done.is_set():
            with lock:
                if len(outcomes) >= most:
                    return
            result = send()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    return threads, outcomes


def signed_in(c, client, name, password):
    return outcome(c.initiate_auth, ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                   AuthParameters={"USERNAME": name, "PASSWORD": password})


def test_junk_takes_no_quota_tokens(make_server, tmp_path):
    """A flood of unsigned junk InitiateAuth (not JSON, missing members, bad enum values,
    app clients that do not exist) is refused before the quotas: real sign-ins meanwhile are
    never throttled."""
    s = configured(make_server, tmp_path, "[quotas.categories]\nUserAuthentication = 20\n")
    admin = s.client()
    pool = create_pool(admin)
    client, password = sign_in_app(admin, pool, "real")
    junk = [b"garbage", b"{}", b'{"AuthFlow": "NO_SUCH_FLOW", "ClientId": "abc"}',
            b'{"ClientId": "' + client.encode() + b'"}',
            # well-formed, but for app clients that do not exist
            lambda i: json.dumps({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": f"nosuchclient{i}",
                                  "AuthParameters": {"USERNAME": "u", "PASSWORD": "p"}})]
    session = requests.Session()
    session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=16))
    counter = itertools.count()

    def send_junk():
        i = next(counter)
        body = junk[i % len(junk)]
        p = s.raw().prepare("InitiateAuth", body(i) if callable(body) else body, sign=False)
        r = session.post(p.url, data=p.body, headers=p.headers, timeout=60)
        return r.status_code, r.json()["__type"]

    done = threading.Event()
    threads, junk_outcomes = flood_until(done, send_junk)
    try:
        real = [signed_in(s.client(), client, "real", password) for _ in range(6)]
    finally:
        done.set()
        for t in threads:
            t.join()
    assert real == ["ok"] * 6, real
    assert len(junk_outcomes) >= 20, len(junk_outcomes)
    assert set(junk_outcomes) == {(400, "SerializationException"),
                                  (400, "InvalidParameterException"),
                                  (400, "ResourceNotFoundException")}, set(junk_outcomes)


def test_one_client_flooding_does_not_starve_another(make_server, tmp_path):
    """Unauthenticated operations also count against their app client's share (50%): a
    client flooding InitiateAuth is throttled, another client of the account still signs in."""
    s = configured(make_server, tmp_path, "[quotas.categories]\nUserAuthentication = 20\n")
    admin = s.client()
    pool = create_pool(admin)
    noisy, _ = sign_in_app(admin, pool, "noisy")
    quiet, password = sign_in_app(admin, pool, "quiet")
    flooder = s.client()
    counter = itertools.count()

    def send_flood():
        return signed_in(flooder, noisy, f"nobody{next(counter)}", "Wrong-Passw0rd!")

    done = threading.Event()
    threads, flood = flood_until(done, send_flood)
    try:
        time.sleep(0.2)  # let the flood drain the noisy client's share first
        real = [signed_in(s.client(), quiet, "quiet", password) for _ in range(6)]
    finally:
        done.set()
        for t in threads:
            t.join()
    assert THROTTLED in flood, flood[:20]
    assert real == ["ok"] * 6, real
