#!/usr/bin/env bash
# Time-travel debugger benchmarks: seek, rstep and rcontinue on a recording of 1e10 instructions of
# bench/loop.S, the memory its resume points hold, and `lockstep diff` on two 1e9-instruction traces
# that diverge near the end. Prints a table. Usage: bench/debugger.sh [INSTRUCTIONS]  (default 1e10)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${1:-10000000000}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
"$ROOT/lockstep" --version >/dev/null   # build first, outside the timings
command -v riscv64-unknown-elf-gcc >/dev/null || { echo "needs riscv64-unknown-elf-gcc (apt-get install gcc-riscv64-unknown-elf)" >&2; exit 2; }
riscv64-unknown-elf-gcc -march=rv64imac -mabi=lp64 -nostdlib -nostartfiles -Wl,-n,-Ttext=0x80000000,-Tdata=0x80001000,--build-id=none \
  -o "$TMP/loop.elf" "$ROOT/bench/loop.S"
now() { date +%s.%N; }

echo "lockstep debugger benchmarks ($(nproc) cores, $(java -version 2>&1 | head -1))"
t0=$(now)
# A checkpoint every 2e8 instructions: a random seek then replays at most that far.
"$ROOT/lockstep" record -o "$TMP/long" --rtc fixed:0 --max-instructions "$N" --checkpoint-interval 200000000 \
  "$TMP/loop.elf" </dev/null >/dev/null 2>&1 || true
printf "%-52s %.1f s, %s on disk\n" "record $N instructions" "$(echo "$(now) - $t0" | bc -l)" "$(du -sh "$TMP/long" | cut -f1)"
"$ROOT/lockstep" bench-debugger "$TMP/long"

# Two 1e9-instruction recordings whose only input (a console byte) arrives at different times.
printf 'sleep 9000\nsend x\n' > "$TMP/in1"
printf 'sleep 9500\nsend x\n' > "$TMP/in2"
for i in 1 2; do
  "$ROOT/lockstep" record -o "$TMP/d$i" --rtc fixed:0 --max-instructions 1000000000 --input "$TMP/in$i" \
    "$TMP/loop.elf" </dev/null >/dev/null 2>&1 || true
done
t0=$(now)
"$ROOT/lockstep" diff "$TMP/d1" "$TMP/d2" > "$TMP/diff.out" || true
printf "%-52s %.1f s (%s)\n" "lockstep diff, two 1e9 traces" "$(echo "$(now) - $t0" | bc -l)" \
  "$(grep -o 'first divergence at instruction [0-9,]*' "$TMP/diff.out" || head -1 "$TMP/diff.out")"
