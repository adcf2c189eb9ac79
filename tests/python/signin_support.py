"""Helpers for the sign-in tests (issue 3): an independent SRP client, pools and clients
set up for sign-in, the sign-in flows driven step by step with boto3, JWT/JWKS helpers.

The SRP client here is written from the spec (§2), not taken from pycognito, and is
checked against ``shared/spec/srp-vectors.json`` by ``test_signin_flows.py`` so that a
bug in it cannot hide (or fake) a bug in the server.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import requests

from helpers import (
    create_client,
    create_pool,
    create_user,
    secret_hash,
    set_password,
    strong_password,
    unique,
)

# --------------------------------------------------------------------------- SRP (§2)

N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
)
N = int(N_HEX, 16)
G = 2
# shared/ lies beside the repository (a clone of main with shared/ next to it)
SPEC_DIR = Path(__file__).resolve().parents[3] / "shared" / "spec"
SRP_VECTORS = SPEC_DIR / "srp-vectors.json"


def pad_hex(n: int) -> str:
    """Java BigInteger.toByteArray() as hex (§2.1)."""
    h = f"{n:x}"
    if len(h) % 2:
        h = "0" + h
    if h[0] in "89abcdef":
        h = "00" + h
    return h


def hex_hash(h: str) -> str:
    return hashlib.sha256(bytes.fromhex(h)).hexdigest()


K = int(hex_hash("00" + N_HEX + "02"), 16)


def compute_x(pool_id: str, user_id: str, password: str, salt: int) -> int:
    pool_name = pool_id.split("_", 1)[1]
    inner = hashlib.sha256(f"{pool_name}{user_id}:{password}".encode()).hexdigest()
    return int(hex_hash(pad_hex(salt) + inner), 16)


def compute_u(big_a: int, big_b: int) -> int:
    return int(hex_hash(pad_hex(big_a) + pad_hex(big_b)), 16)


def hkdf_key(u: int, s: int) -> bytes:
    prk = hmac.new(bytes.fromhex(pad_hex(u)), bytes.fromhex(pad_hex(s)), hashlib.sha256).digest()
    return hmac.new(prk, b"Caldera Derived Key\x01", hashlib.sha256).digest()[:16]


def claim_signature(key: bytes, pool_id: str, user_id: str, secret_block: str,
                    timestamp: str) -> str:
    pool_name = pool_id.split("_", 1)[1]
    msg = (pool_name.encode() + user_id.encode() + base64.b64decode(secret_block)
           + timestamp.encode())
    return base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest()).decode()


_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
TIMESTAMP_RE = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"([1-9]|[12]\d|3[01]) \d\d:\d\d:\d\d UTC \d{4}$"
)


def srp_timestamp(when: datetime.datetime | None = None) -> str:
    """`EEE MMM d HH:mm:ss 'UTC' yyyy` (day without a leading zero), UTC."""
    when = when or datetime.datetime.now(datetime.timezone.utc)
    return (f"{_DAYS[when.weekday()]} {_MONTHS[when.month - 1]} {when.day} "
            f"{when:%H:%M:%S} UTC {when.year}")


class SrpClient:
    """The client side of Cognito's SRP for one sign-in attempt."""

    def __init__(self, pool_id: str, a: int | None = None):
        self.pool_id = pool_id
        while True:
            self.a = a if a is not None else int.from_bytes(secrets.token_bytes(128), "big") % N
            self.big_a = pow(G, self.a, N)
            if self.big_a % N:
                break
            a = None

    @property
    def srp_a(self) -> str:
        return f"{self.big_a:x}"

    def session_key(self, user_id: str, password: str, salt_hex: str, srp_b_hex: str) -> bytes:
        big_b = int(srp_b_hex, 16)
        assert big_b % N, "server sent B = 0 mod N"
        u = compute_u(self.big_a, big_b)
        assert u, "u = 0"
        x = compute_x(self.pool_id, user_id, password, int(salt_hex, 16))
        s = pow((big_b - K * pow(G, x, N)) % N, self.a + u * x, N)
        return hkdf_key(u, s)

    def responses(self, params: dict, password: str, *, timestamp: str | None = None,
                  username: str | None = None, client_secret: str | None = None,
                  client_id: str | None = None, user_id: str | None = None) -> dict:
        """ChallengeResponses answering a PASSWORD_VERIFIER challenge."""
        user_id = user_id or params["USER_ID_FOR_SRP"]
        timestamp = timestamp or srp_timestamp()
        key = self.session_key(user_id, password, params["SALT"], params["SRP_B"])
        out = {
            "USERNAME": username or params["USERNAME"],
            "PASSWORD_CLAIM_SECRET_BLOCK": params["SECRET_BLOCK"],
            "TIMESTAMP": timestamp,
            "PASSWORD_CLAIM_SIGNATURE": claim_signature(
                key, self.pool_id, user_id, params["SECRET_BLOCK"], timestamp),
        }
        if client_secret is not None:
            out["SECRET_HASH"] = secret_hash(out["USERNAME"], client_id, client_secret)
        return out


# --------------------------------------------------------------------------- setup

ALL_CLIENT_FLOWS = [
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
]


@dataclass
class App:
    """A pool with one app client, as seen by the tests."""

    c: object  # boto3 cognito-idp client
    pool: str
    client_id: str
    secret: str | None = None
    extra: dict = field(default_factory=dict)

    # ----------------------------------------------------------------- users
    def user(self, username: str | None = None, *, temp: str | None = None,
             permanent: str | None = None, attrs: dict | None = None) -> str:
        """AdminCreateUser (temporary password), then optionally a permanent one."""
        username = username or unique("u")
        create_user(self.c, self.pool, username, temp=temp or strong_password(), attrs=attrs)
        if permanent is not None:
            set_password(self.c, self.pool, username, permanent, permanent=True)
        return username

    def hash_for(self, username: str) -> dict:
        if self.secret is None:
            return {}
        return {"SECRET_HASH": secret_hash(username, self.client_id, self.secret)}

    # ----------------------------------------------------------------- flows
    def initiate(self, flow: str, params: dict, *, admin: bool = False, c=None):
        c = c or self.c
        if admin:
            return c.admin_initiate_auth(UserPoolId=self.pool, ClientId=self.client_id,
                                         AuthFlow=flow, AuthParameters=params)
        return c.initiate_auth(ClientId=self.client_id, AuthFlow=flow, AuthParameters=params)

    def respond(self, challenge: str, responses: dict, *, session: str | None = None,
                admin: bool = False, c=None):
        c = c or self.c
        kwargs = dict(ClientId=self.client_id, ChallengeName=challenge,
                      ChallengeResponses=responses)
        if session is not None:
            kwargs["Session"] = session
        if admin:
            return c.admin_respond_to_auth_challenge(UserPoolId=self.pool, **kwargs)
        return c.respond_to_auth_challenge(**kwargs)

    def password_auth(self, username: str, password: str, *, flow: str = "USER_PASSWORD_AUTH",
                      with_hash: bool = True):
        admin = flow.startswith("ADMIN_")
        params = {"USERNAME": username, "PASSWORD": password}
        if with_hash:
            params.update(self.hash_for(username))
        return self.initiate(flow, params, admin=admin)

    def srp_start(self, username: str, *, admin: bool = False):
        """Round 1: (SrpClient, response)."""
        srp = SrpClient(self.pool)
        params = {"USERNAME": username, "SRP_A": srp.srp_a, **self.hash_for(username)}
        return srp, self.initiate("USER_SRP_AUTH", params, admin=admin)

    def srp_finish(self, srp: SrpClient, round1: dict, password: str, *, admin: bool = False,
                   **kwargs):
        """Round 2 (no Session sent, like pycognito)."""
        assert round1["ChallengeName"] == "PASSWORD_VERIFIER", round1
        responses = srp.responses(
            round1["ChallengeParameters"], password,
            client_secret=self.secret, client_id=self.client_id, **kwargs)
        return self.respond("PASSWORD_VERIFIER", responses, admin=admin)

    def srp_auth(self, username: str, password: str, *, admin: bool = False):
        srp, r1 = self.srp_start(username, admin=admin)
        return self.srp_finish(srp, r1, password, admin=admin)

    def sign_in(self, username: str, password: str, flow: str = "USER_PASSWORD_AUTH"):
        """Any flow by name: USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, ADMIN_NO_SRP_AUTH,
        USER_SRP_AUTH (InitiateAuth) or ADMIN_USER_SRP_AUTH (SRP through the Admin calls)."""
        if flow == "USER_SRP_AUTH":
            return self.srp_auth(username, password)
        if flow == "ADMIN_USER_SRP_AUTH":
            return self.srp_auth(username, password, admin=True)
        return self.password_auth(username, password, flow=flow)

    def new_password(self, username: str, session: str, new: str, *, admin: bool = False,
                     attrs: dict | None = None, with_hash: bool = True):
        responses = {"USERNAME": username, "NEW_PASSWORD": new}
        if with_hash:
            responses.update(self.hash_for(username))
        for k, v in (attrs or {}).items():
            responses[f"userAttributes.{k}"] = v
        return self.respond("NEW_PASSWORD_REQUIRED", responses, session=session, admin=admin)

    def tokens(self, username: str, password: str, flow: str = "ADMIN_USER_PASSWORD_AUTH"):
        r = self.sign_in(username, password, flow)
        assert "AuthenticationResult" in r, r
        return r["AuthenticationResult"]

    def refresh(self, refresh_token: str, *, flow: str = "REFRESH_TOKEN_AUTH", admin=False,
                username: str | None = None, extra: dict | None = None):
        params = {"REFRESH_TOKEN": refresh_token}
        if username is not None:
            params.update(self.hash_for(username))
        params.update(extra or {})
        return self.initiate(flow, params, admin=admin)


def make_app(c, *, flows=None, secret: bool = False, prevent: str | None = None,
             client_kwargs: dict | None = None, **pool_kwargs) -> App:
    """A pool (strong policy unless ``policy=`` says otherwise; ``history=``, ``temp_days=``
    and CreateUserPool arguments pass through) and one app client with the given
    ExplicitAuthFlows: default all four ALLOW_ flows, ``flows="default"`` sends none (the
    service's default set).  ``secret`` generates a client secret; ``prevent`` sets
    PreventUserExistenceErrors; ``client_kwargs`` go to CreateUserPoolClient."""
    pool = create_pool(c, **pool_kwargs)
    kwargs = dict(client_kwargs or {})
    if flows != "default":
        kwargs["ExplicitAuthFlows"] = list(flows or ALL_CLIENT_FLOWS)
    if secret:
        kwargs["GenerateSecret"] = True
    if prevent is not None:
        kwargs["PreventUserExistenceErrors"] = prevent
    client = create_client(c, pool, **kwargs)
    return App(c=c, pool=pool, client_id=client["ClientId"], secret=client.get("ClientSecret"),
               extra=client)


# Every way to prove a password: (flow name for App.sign_in, admin API?)
PASSWORD_FLOWS = [
    "USER_PASSWORD_AUTH",
    "ADMIN_USER_PASSWORD_AUTH",
    "ADMIN_NO_SRP_AUTH",
    "USER_SRP_AUTH",
    "ADMIN_USER_SRP_AUTH",  # USER_SRP_AUTH through AdminInitiateAuth/AdminRespondToAuthChallenge
]


def is_admin(flow: str) -> bool:
    return flow.startswith("ADMIN_")


def assert_tokens(resp: dict, *, refresh: bool = True, expires_in: int = 3600) -> dict:
    assert "ChallengeName" not in resp or resp["ChallengeName"] in (None, ""), resp
    assert "Session" not in resp, "a Session next to tokens"
    result = resp["AuthenticationResult"]
    keys = {"AccessToken", "ExpiresIn", "TokenType", "IdToken"} | ({"RefreshToken"} if refresh else set())
    assert set(result) == keys, result.keys()
    assert result["TokenType"] == "Bearer"
    assert result["ExpiresIn"] == expires_in
    return result


def federated_user(server, pool: str, provider: str, subject: str,
                   attrs: dict | None = None) -> str:
    """An EXTERNAL_PROVIDER user, as a federated sign-in creates it (test hook of
    --test-clock servers: POST /_userpools/federated-users).  Returns its username."""
    body = {"UserPoolId": pool, "ProviderName": provider, "ProviderUserId": subject,
            "UserAttributes": [{"Name": k, "Value": v} for k, v in (attrs or {}).items()]}
    r = requests.post(f"{server.url}/_userpools/federated-users", json=body, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["Username"]


# --------------------------------------------------------------------------- JWT / JWKS

def b64url_json(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def jwt_parts(token: str) -> tuple[dict, dict]:
    """(header, payload) without verification."""
    parts = token.split(".")
    assert len(parts) == 3, f"not a JWS compact token: {token[:40]}…"
    return b64url_json(parts[0]), b64url_json(parts[1])


def jwks(server, pool: str) -> dict:
    r = requests.get(f"{server.url}/{pool}/.well-known/jwks.json", timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def verify_jwt(token: str, keyset: dict, *, issuer: str, audience: str | None = None) -> dict:
    """Verify an RS256 token against a JWKS with PyJWT (signature, iss, exp, aud)."""
    import jwt

    header = jwt.get_unverified_header(token)
    matches = [k for k in keyset["keys"] if k["kid"] == header["kid"]]
    assert len(matches) == 1, f"kid {header['kid']} not (uniquely) in the JWKS"
    key = jwt.PyJWK(matches[0]).key
    options = {"require": ["exp", "iat", "iss"], "verify_aud": audience is not None}
    # the test clock may be ahead of the real one: check exp against the claims ourselves
    options["verify_exp"] = False
    options["verify_iat"] = False
    return jwt.decode(token, key, algorithms=["RS256"], issuer=issuer, audience=audience,
                      options=options)


UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
