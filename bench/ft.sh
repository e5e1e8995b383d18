#!/usr/bin/env bash
# FT benchmarks (docs/live-ft.md): kvcons alone vs under FT, logging bandwidth, failover time, --join pause.
# Usage: bench/ft.sh [SECONDS_PER_LOAD_RUN] [FAILOVERS]   (default 10 s, 10 failovers)
#        bench/ft.sh kv [SECONDS] [CLIENTS,...] [ROUNDS] [WARMUP] [DISK_DIR]
#                                                          kvserver: `lockstep run` vs primary + backup, for each
#                                                          number of closed-loop clients (default 10 s, 1,8, 1, 15 s;
#                                                          disk images in a temporary directory, or DISK_DIR, e.g.
#                                                          /dev/shm to leave the host disk's latency out)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/lockstep" --version >/dev/null   # build first
CP="$ROOT/shell/target/lockstep.jar:$(ls "$ROOT"/shell/target/lib/*.jar | tr '\n' ':')"
if [ "${1:-}" = kv ]; then
  shift
  exec java -cp "$CP" "$ROOT/bench/FtKvBench.java" "$ROOT/lockstep" "$@"
fi
exec java -cp "$CP" "$ROOT/bench/FtBench.java" "$ROOT/lockstep" "${1:-10}" "${2:-10}"
