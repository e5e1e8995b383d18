#!/usr/bin/env bash
# FT benchmarks (docs/live-ft.md): kvcons alone vs under FT, logging bandwidth, failover time, --join pause.
# Usage: bench/ft.sh [SECONDS_PER_LOAD_RUN] [FAILOVERS]   (default 10 s, 10 failovers; the run's directory is deleted
#                                                          unless it fails)
#        bench/ft.sh kv [SECONDS] [CLIENTS,...] [ROUNDS] [WARMUP] [DISK_DIR] [--pin] [--durability disk,replica] [--failovers N] [--keep]
#                                                          kvserver: `lockstep run` vs primary + backup (one pair per
#                                                          --durability, default both), all up side
#                                                          by side and loaded in turn, ROUNDS slices of SECONDS each,
#                                                          for each number of closed-loop clients (default 10 s, 1,8,
#                                                          5 rounds, 15 s warm-up; disk images in a temporary directory,
#                                                          or DISK_DIR, e.g. /dev/shm to leave the disk's latency out;
#                                                          --pin: primary and backup on separate halves of the CPUs,
#                                                          as on two hosts; --failovers N: then N SIGKILLs of a kvserver
#                                                          primary per --durability, timed to the first answer from
#                                                          the new primary, each followed by a --join; --keep: the
#                                                          logs, images and traces stay in their temporary directory,
#                                                          as they do after a failure, else they are deleted)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/lockstep" --version >/dev/null   # build first
CP="$ROOT/shell/target/lockstep.jar:$(ls "$ROOT"/shell/target/lib/*.jar | tr '\n' ':')"
if [ "${1:-}" = kv ]; then
  shift
  exec java -cp "$CP" "$ROOT/bench/FtKvBench.java" "$ROOT/lockstep" "$@"
fi
exec java -cp "$CP" "$ROOT/bench/FtBench.java" "$ROOT/lockstep" "${1:-10}" "${2:-10}"
