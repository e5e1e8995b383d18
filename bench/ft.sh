#!/usr/bin/env bash
# FT benchmarks (docs/live-ft.md): kvcons alone vs under FT, logging bandwidth, failover time, --join pause.
# Usage: bench/ft.sh [SECONDS_PER_LOAD_RUN] [FAILOVERS]   (default 10 s, 10 failovers)
#        bench/ft.sh kv [--pin] [SECONDS] [CLIENTS,...] [ROUNDS] [WARMUP]
#                                                          kvserver: `lockstep run` vs primary + backup, for each
#                                                          number of closed-loop clients (default 10 s, 1,8, 1, 5 s);
#                                                          --pin: two hosts on two CPUs (client and run/primary on
#                                                          CPU 0, backup on CPU 1), else all share every CPU
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/lockstep" --version >/dev/null   # build first
CP="$ROOT/shell/target/lockstep.jar:$(ls "$ROOT"/shell/target/lib/*.jar | tr '\n' ':')"
if [ "${1:-}" = kv ]; then
  shift
  if [ "${1:-}" = --pin ]; then
    shift
    export LOCKSTEP_BENCH_PIN=1
    exec taskset -c 0 java -cp "$CP" "$ROOT/bench/FtKvBench.java" "$ROOT/lockstep" "$@"
  fi
  exec java -cp "$CP" "$ROOT/bench/FtKvBench.java" "$ROOT/lockstep" "$@"
fi
exec java -cp "$CP" "$ROOT/bench/FtBench.java" "$ROOT/lockstep" "${1:-10}" "${2:-10}"
