#!/usr/bin/env bash
# Bounded backup lag (issue 6): a primary running the CPU-bound bench guest alone, with a backup at full
# speed, and with a slow backup (its JVM told to interpret every block: -Dlockstep.jit=false). A primary
# whose backup falls more than --max-lag-instructions behind waits at quantum boundaries until the backup
# is within half of that, so it runs at the backup's pace; the table shows its wall time and total stall.
# Usage: bench/ft-lag.sh [RUNS]   (default 3; medians)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LS="$ROOT/lockstep"
RUNS="${1:-3}"
TMP="$(mktemp -d)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$TMP"; }
trap cleanup EXIT
"$LS" --version >/dev/null   # build first, outside the timings

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# one_run NAME BACKUP_JAVA_OPTS EXTRA_PRIMARY_ARGS... ; BACKUP_JAVA_OPTS "none" = no backup
one_run() {
  local name="$1" bopts="$2"; shift 2
  local d="$TMP/$name"; rm -rf "$d"; mkdir -p "$d"
  local ap bp; ap=$(port); bp=$(port)
  "$LS" arbiter --listen "127.0.0.1:$ap" --state "$d/arb.state" >"$d/arb.log" 2>&1 & PIDS+=($!)
  local a=$!
  until grep -q serving "$d/arb.log" 2>/dev/null; do sleep 0.05; done
  local backup=() b=
  if [ "$bopts" != none ]; then
    LOCKSTEP_JAVA_OPTS="$bopts" "$LS" backup --listen "127.0.0.1:$bp" --arbiter "tas://127.0.0.1:$ap" --trace "$d/b.trace" >"$d/b.log" 2>&1 & PIDS+=($!)
    b=$!
    until grep -q "waiting for the primary" "$d/b.log" 2>/dev/null; do sleep 0.05; done
    backup=(--backup "127.0.0.1:$bp")
  fi
  local t0 t1; t0=$(date +%s.%N)
  "$LS" primary "${backup[@]}" --arbiter "tas://127.0.0.1:$ap" --console "127.0.0.1:$(port)" "$@" bench >"$d/p.log" 2>&1
  t1=$(date +%s.%N)
  [ -n "$b" ] && { wait "$b" 2>/dev/null || true; }
  kill "$a" 2>/dev/null || true
  wait "$a" 2>/dev/null || true
  echo "$(echo "$t1 - $t0" | bc -l) $(grep -o '[0-9,]* ms stalled' "$d/p.log" | tr -dc 0-9)" >> "$TMP/$name.runs"
  if [ "$bopts" != none ] && ! grep -q "the guest ended at instruction" "$d/b.log"; then
    echo "backup of run $name did not end with the guest:"; cat "$d/b.log"; exit 1
  fi
}

for i in $(seq "$RUNS"); do
  one_run alone none
  one_run pair ""
  one_run slow "-Dlockstep.jit=false"
  one_run slow50M "-Dlockstep.jit=false" --max-lag-instructions 50000000
done

echo "bounded lag: primary runs bench (1,404,630,935 instructions), $RUNS runs each, medians"
echo "(machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
printf "%-60s %10s %8s %14s\n" "configuration" "wall (s)" "MIPS" "stalled (ms)"
for c in alone pair slow slow50M; do
  W=$(awk '{print $1}' "$TMP/$c.runs" | median); S=$(awk '{print ($2==""?0:$2)}' "$TMP/$c.runs" | median)
  case $c in
    alone) label="primary alone (no backup)";;
    pair) label="primary + backup (default --max-lag-instructions 500M)";;
    slow) label="primary + interpreting backup (500M)";;
    slow50M) label="primary + interpreting backup, --max-lag-instructions 50M";;
  esac
  printf "%-60s %10.2f %8.1f %14s\n" "$label" "$W" "$(echo "1404.630935 / $W" | bc -l)" "$S"
done
echo "(wall = whole primary process incl. JVM start; MIPS = bench's instructions / wall)"
