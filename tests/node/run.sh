#!/usr/bin/env bash
# The Node client tests (amazon-cognito-identity-js, aws-jwt-verify) against the built binary.
#   1. npm ci when node_modules is missing or package-lock.json changed;
#   2. starts two `userpools serve --test-clock` servers on free loopback ports, with fresh
#      data dirs and fresh root credentials: the main one (default issuer = its listen URL)
#      and one with --issuer-base-url https://cognito-idp.<region>.amazonaws.com (for
#      aws-jwt-verify's CognitoJwtVerifier);
#   3. runs `node --test` on tests/node/test/*.test.mjs with the servers' URLs and
#      credentials in the environment;
#   4. stops the servers; exits non-zero when anything failed.
# Works from any directory.  Environment:
#   USERPOOLS_BIN        the binary (default: <repo>/target/debug/userpools, built if missing)
#   NODE_TEST_ARGS       extra arguments for `node --test` (e.g. "--test-name-pattern=SRP")
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$HERE"

fail() { printf 'tests/node/run.sh: %s\n' "$*" >&2; exit 1; }

command -v node >/dev/null || fail "node not found (Node.js >= 20 is needed)"
command -v npm >/dev/null || fail "npm not found"
major="$(node -p 'process.versions.node.split(".")[0]')"
(( major >= 20 )) || fail "Node.js >= 20 is needed (found $(node --version))"

# ------------------------------------------------------------------ dependencies
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
stamp="node_modules/.package-lock.sha256"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  echo "==> npm ci"
  npm ci --no-audit --no-fund --loglevel=error || fail "npm ci failed"
  echo "$want" > "$stamp"
fi

# ------------------------------------------------------------------ the binary
BIN="${USERPOOLS_BIN:-$ROOT/target/debug/userpools}"
if [[ ! -x "$BIN" ]]; then
  [[ -z "${USERPOOLS_BIN:-}" ]] || fail "USERPOOLS_BIN=$BIN is not executable"
  echo "==> cargo build -p userpools"
  (cd "$ROOT" && cargo build -p userpools) || fail "cargo build failed"
fi

# ------------------------------------------------------------------ servers
REGION="${USERPOOLS_REGION:-us-east-1}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/userpools-node.XXXXXX")"
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

AKID="AKIA$(node -p 'require("crypto").randomBytes(10).toString("hex").toUpperCase().slice(0,16)')"
SECRET="$(node -p 'require("crypto").randomBytes(30).toString("base64url").slice(0,40)')"

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

wait_healthy() { # url pid log
  node -e '
    const [url, pid] = process.argv.slice(1);
    const deadline = Date.now() + 60000;
    (async () => {
      while (Date.now() < deadline) {
        try { process.kill(Number(pid), 0); } catch { process.exit(2); }
        try { const r = await fetch(url + "/health"); if (r.status === 200) process.exit(0); } catch {}
        await new Promise((r) => setTimeout(r, 100));
      }
      process.exit(1);
    })();' "$1" "$2"
}

# The service's request-rate quotas are on by default; the tests outrun any real client.
printf '[quotas]\nenabled = false\n' >"$WORK/no-quotas.toml"

# start_server NAME [extra args...]: sets STARTED_URL
start_server() {
  local name="$1"; shift
  local attempt port pid log="$WORK/$name.log"
  for attempt in 1 2 3; do
    port="$(free_port)"
    USERPOOLS_ACCESS_KEY_ID="$AKID" USERPOOLS_SECRET_ACCESS_KEY="$SECRET" \
      "$BIN" serve --listen "127.0.0.1:$port" --data-dir "$WORK/$name-data" \
      --region "$REGION" --test-clock --config "$WORK/no-quotas.toml" "$@" >"$log" 2>&1 &
    pid=$!
    if wait_healthy "http://127.0.0.1:$port" "$pid"; then
      PIDS+=("$pid")
      STARTED_URL="http://127.0.0.1:$port"
      return 0
    fi
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    grep -qi "in use" "$log" || break
  done
  cat "$log" >&2
  fail "server $name did not become healthy"
}

echo "==> starting userpools ($BIN)"
start_server main
MAIN_URL="$STARTED_URL"
start_server cognito-issuer --issuer-base-url "https://cognito-idp.$REGION.amazonaws.com"
COGNITO_URL="$STARTED_URL"
echo "    main: $MAIN_URL   cognito-issuer: $COGNITO_URL"

# ------------------------------------------------------------------ tests
echo "==> node --test"
set +e
# shellcheck disable=SC2086
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
  USERPOOLS_URL="$MAIN_URL" USERPOOLS_COGNITO_ISSUER_URL="$COGNITO_URL" \
  USERPOOLS_ACCESS_KEY_ID="$AKID" USERPOOLS_SECRET_ACCESS_KEY="$SECRET" \
  USERPOOLS_REGION="$REGION" \
  node --test ${NODE_TEST_ARGS:-} test/*.test.mjs
rc=$?
set -e
if (( rc != 0 )); then
  echo "==> node tests FAILED (exit $rc); server logs:" >&2
  for f in "$WORK"/*.log; do echo "--- $f" >&2; tail -n 40 "$f" >&2; done
fi
exit "$rc"
