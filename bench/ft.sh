#!/usr/bin/env bash
# FT benchmarks (docs/live-ft.md): kvcons alone vs under FT, logging bandwidth, failover time, --join pause.
# Usage: bench/ft.sh [SECONDS_PER_LOAD_RUN] [FAILOVERS]   (default 10 s, 10 failovers; the run's directory is deleted
#                                                          unless it fails)
#        bench/ft.sh kv [SECONDS] [CLIENTS,...] [ROUNDS] [WARMUP] [DISK_DIR] [--pin] [--netns] [--durability disk,replica] [--failovers N] [--keep]
#                                                          kvserver: `lockstep run` vs primary + backup (one pair per
#                                                          --durability, default both), all up side
#                                                          by side and loaded in turn, ROUNDS slices of SECONDS each,
#                                                          for each number of closed-loop clients (default 10 s, 1,8,
#                                                          5 rounds, 40 s warm-up; disk images in a temporary directory,
#                                                          or DISK_DIR, e.g. /dev/shm to leave the disk's latency out;
#                                                          --pin: primary and backup on separate halves of the CPUs,
#                                                          as on two hosts; --netns: primary, backup and clients
#                                                          in three network namespaces on a bridge (bench/netns.sh,
#                                                          root), each side at its own address, the joining backup
#                                                          on the dead primary's; --failovers N: then N SIGKILLs of a kvserver
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
  for arg in "$@"; do
    if [ "$arg" = --netns ]; then
      [ "$(id -u)" -eq 0 ] || { echo "ft.sh: --netns needs root (it makes network namespaces)" >&2; exit 2; }
      bash "$ROOT/bench/netns.sh" up
      trap 'bash "$ROOT/bench/netns.sh" down' EXIT
    fi
  done
  java -cp "$CP" "$ROOT/bench/FtKvBench.java" "$ROOT/lockstep" "$@"
  exit
fi
exec java -cp "$CP" "$ROOT/bench/FtBench.java" "$ROOT/lockstep" "${1:-10}" "${2:-10}"
