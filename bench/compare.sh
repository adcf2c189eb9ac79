#!/usr/bin/env bash
# Side-by-side load benchmark: userpools, moto_server, cognito-local and ministack on loopback,
# the same scenarios against each in one run; writes docs/benchmarks.md and docs/benchmarks.png.
#
#   bench/compare.sh                 # pools of 1,000 / 10,000 / 100,000 users, 8 s per cell (~15 min)
#   bench/compare.sh --full          # also 1,000,000 users (userpools only; bulk seeding)
#   bench/compare.sh --quick         # 1,000 users only, 3 s per cell (a smoke run)
# Options: --duration S  --warmup S  --concurrency N  --sizes "1000 10000"  --peers "moto ministack"
#          --seed-budget S (longest a peer may take to seed one pool size; default 150)
#          --fixed-rate R (AdminSetUserPassword open loop at R req/s on every userpools pool size,
#          to compare latency across pool sizes at the same load; default 1000, 0 skips it)
#          --no-build (reuse target/release binaries and the last microbenchmark summary)
#
# Everything it installs goes under target/bench-compare/ (venvs, node_modules, data, results):
# moto[server] and ministack from PyPI (ministack pins an exact botocore, so each gets its own
# virtualenv), cognito-local from npm, matplotlib in a third venv for the plot.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
WORK="$ROOT/target/bench-compare"
RESULTS="$WORK/results"

MOTO_VERSION="5.2.5"
MINISTACK_VERSION="1.5.33"
COGNITO_LOCAL_VERSION="5.3.0"

ARGS="$*"
SIZES="1000 10000 100000"
DURATION=8
WARMUP=1
CONCURRENCY=64
PEERS="moto cognito-local ministack"
SEED_BUDGET=150
FIXED_RATE=1000
FULL=0
NO_BUILD=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --full) FULL=1 ;;
    --quick) SIZES="1000"; DURATION=3; WARMUP=1 ;;
    --duration) DURATION="$2"; shift ;;
    --warmup) WARMUP="$2"; shift ;;
    --concurrency) CONCURRENCY="$2"; shift ;;
    --sizes) SIZES="$2"; shift ;;
    --peers) PEERS="$2"; shift ;;
    --seed-budget) SEED_BUDGET="$2"; shift ;;
    --fixed-rate) FIXED_RATE="$2"; shift ;;
    --no-build) NO_BUILD=1 ;;  # use the built binaries and the last microbenchmark summary
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[[ $FULL == 1 ]] && SIZES="$SIZES 1000000"

step() { printf '\n==> %s\n' "$*"; }

if [[ $NO_BUILD == 0 ]]; then
  step "build (release)"
  cargo build --release -q -p userpools -p userpools-bench
fi
# The commit the binaries are built from (and whether the tree had changes), for the report.
REV="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
[[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]] && REV="$REV + uncommitted changes"
USERPOOLS="$ROOT/target/release/userpools"
BENCH="$ROOT/target/release/userpools-bench"

mkdir -p "$WORK" "$RESULTS"
rm -f "$RESULTS"/*.json  # one report, one run

venv() { # venv DIR PACKAGE...
  local dir="$1"; shift
  [[ -x "$dir/bin/python" ]] || python3 -m venv "$dir"
  "$dir/bin/python" -m pip install -q --disable-pip-version-check "$@"
}

step "install peers"
for peer in $PEERS; do
  case "$peer" in
    moto) venv "$WORK/venv-moto" "moto[server]==$MOTO_VERSION" ;;
    ministack) venv "$WORK/venv-ministack" "ministack==$MINISTACK_VERSION" ;;
    cognito-local)
      mkdir -p "$WORK/node"
      [[ -f "$WORK/node/package.json" ]] || (cd "$WORK/node" && npm init -y >/dev/null)
      (cd "$WORK/node" && npm install -q --no-audit --no-fund "cognito-local@$COGNITO_LOCAL_VERSION" >/dev/null) ;;
    *) echo "unknown peer $peer" >&2; exit 2 ;;
  esac
done
venv "$WORK/venv-plot" matplotlib

export USERPOOLS_ACCESS_KEY_ID="AKIABENCHMARK0000000"
export USERPOOLS_SECRET_ACCESS_KEY="bench-secret-key-0123456789abcdefghijklm"
# moto/ministack/cognito-local accept any credentials; they get the same signed requests.
export AWS_ACCESS_KEY_ID="$USERPOOLS_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$USERPOOLS_SECRET_ACCESS_KEY"

PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [[ -n "$p" ]] && kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

wait_port() { # wait_port PORT PID
  for _ in $(seq 1 300); do
    kill -0 "$2" 2>/dev/null || { echo "server on port $1 exited" >&2; return 1; }
    (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.2
  done
  echo "server on port $1 did not start" >&2; return 1
}

# start NAME -> sets PORT and PID
start() {
  local name="$1" data="$WORK/data-$1"
  rm -rf "$data"; mkdir -p "$data"
  case "$name" in
    userpools)
      PORT=19229
      # Quotas off: Cognito's defaults (30 AdminSetUserPassword/s) would measure
      # throttling, and the peers enforce none.
      printf '[quotas]\nenabled = false\n' >"$WORK/userpools-bench.toml"
      USERPOOLS_LOG=warn "$USERPOOLS" serve --listen "127.0.0.1:$PORT" --data-dir "$data" \
        --config "$WORK/userpools-bench.toml" >"$WORK/$name.log" 2>&1 &
      PID=$! ;;
    moto)
      PORT=15000
      "$WORK/venv-moto/bin/moto_server" -H 127.0.0.1 -p "$PORT" >"$WORK/$name.log" 2>&1 &
      PID=$! ;;
    ministack)
      PORT=14566
      (cd "$data" && exec env GATEWAY_PORT="$PORT" BIND_HOST=127.0.0.1 \
        "$WORK/venv-ministack/bin/ministack") >"$WORK/$name.log" 2>&1 &
      PID=$! ;;
    cognito-local)
      PORT=19230
      # Without this, cognito-local makes every new pool use email sign-in names.
      mkdir -p "$data/.cognito"
      echo '{"UserPoolDefaults": {"UsernameAttributes": []}}' >"$data/.cognito/config.json"
      (cd "$data" && exec env PORT="$PORT" HOST=127.0.0.1 \
        "$WORK/node/node_modules/.bin/cognito-local") >"$WORK/$name.log" 2>&1 &
      PID=$! ;;
  esac
  PIDS+=("$PID")
  wait_port "$PORT" "$PID"
}

run_size() { # run_size NAME SIZE
  local name="$1" size="$2" seed=(--seed api --seed-timeout "$SEED_BUDGET")
  if [[ $name == userpools ]]; then
    # userpools seeds through its Store (verifiers computed on every core).
    seed=(--seed bulk --userpools-bin "$USERPOOLS" --data-dir "$WORK/data-userpools")
  fi
  echo "--- $name, $size users"
  "$BENCH" --endpoint "http://127.0.0.1:$PORT" --server-pid "$PID" --label "$name" \
    --scenario all --users "$size" --concurrency "$CONCURRENCY" \
    --duration "$DURATION" --warmup "$WARMUP" --seed-concurrency 32 "${seed[@]}" \
    --state "$WORK/state-$name.json" --json-out "$RESULTS/$name-$size.json" \
    || echo "  (run failed: see above)"
  if [[ $name == userpools && $FIXED_RATE != 0 ]]; then
    # Closed-loop p99 is queueing (Little's law: 64 in flight ÷ throughput); the same
    # offered load at every pool size shows what a request costs as the pool grows.
    echo "--- $name, $size users, AdminSetUserPassword at a fixed $FIXED_RATE req/s"
    "$BENCH" --endpoint "http://127.0.0.1:$PORT" --server-pid "$PID" --label "$name-fixed-rate" \
      --scenario admin-set-user-password --users "$size" --rate "$FIXED_RATE" --concurrency 512 \
      --duration "$DURATION" --warmup "$WARMUP" "${seed[@]}" \
      --state "$WORK/state-$name.json" --json-out "$RESULTS/$name-fixed-rate-$size.json" \
      || echo "  (run failed: see above)"
  fi
}

if [[ $NO_BUILD == 0 ]]; then
  step "microbenchmarks (criterion)"
  : > "$WORK/micro.txt"
  for b in "userpools-domain password" "userpools-server sigv4"; do
    set -- $b
    cargo bench -q -p "$1" --bench "$2" -- --warm-up-time 1 --measurement-time 3 2>/dev/null \
      | awk '/^[a-z0-9]+\// {name=$0} /time:/ {printf "%-58s %s %s\n", name, $4, $5}' >> "$WORK/micro.txt" || true
  done
  cat "$WORK/micro.txt"
fi

START_TIME=$(date +%s)
for name in userpools $PEERS; do
  step "$name"
  rm -f "$WORK/state-$name.json"
  start "$name"
  for size in $SIZES; do
    if [[ $size -ge 1000000 && $name != userpools ]]; then continue; fi
    run_size "$name" "$size"
  done
  kill "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
done
ELAPSED=$(( $(date +%s) - START_TIME ))

step "report"
"$WORK/venv-plot/bin/python" "$ROOT/bench/report.py" --results "$RESULTS" \
  --out "$ROOT/docs/benchmarks.md" --plot "$ROOT/docs/benchmarks.png" \
  --elapsed "$ELAPSED" --command "bench/compare.sh $ARGS" --concurrency "$CONCURRENCY" --duration "$DURATION" \
  --fixed-rate "$FIXED_RATE" --rev "$REV" \
  --versions "moto $MOTO_VERSION, cognito-local $COGNITO_LOCAL_VERSION, ministack $MINISTACK_VERSION" \
  --micro "$WORK/micro.txt"
echo "wrote docs/benchmarks.md and docs/benchmarks.png (run took ${ELAPSED}s)"
