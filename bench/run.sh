#!/usr/bin/env bash
# Whole-program benchmarks: lockstep run vs QEMU (plain TCG and record mode) on the bench guest, and start-up.
# Prints a table. Usage: bench/run.sh [RUNS]   (default 5 runs each; medians reported)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${1:-5}"
GUEST="$ROOT/guests/prebuilt/bench.elf"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
"$ROOT/lockstep" --version >/dev/null   # build first, outside the timings

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s.%N; }

echo "lockstep benchmarks: bench guest, $RUNS runs each, median (machine: $(nproc) cores, $(java -version 2>&1 | head -1))"
echo

# lockstep: instruction count is exact; MIPS from its own --stats line (wall time of the run loop).
: > "$TMP/ls_mips"; : > "$TMP/ls_wall"
for _ in $(seq "$RUNS"); do
  t0=$(now)
  "$ROOT/lockstep" run --stats --rtc fixed:0 "$GUEST" </dev/null >/dev/null 2>"$TMP/err" || true
  t1=$(now)
  grep -o '[0-9.]* MIPS' "$TMP/err" | awk '{print $1}' >> "$TMP/ls_mips"
  echo "$t1 - $t0" | bc -l >> "$TMP/ls_wall"
  INSNS=$(grep -o '^lockstep: [0-9,]* instructions' "$TMP/err" | tr -dc 0-9)
done
LS_MIPS=$(median < "$TMP/ls_mips")
LS_WALL=$(median < "$TMP/ls_wall")
LS_WALL_MIPS=$(echo "$INSNS / $LS_WALL / 1000000" | bc -l)

row() { printf "%-46s %14s %12s %10s\n" "$@"; }
row "configuration" "wall (s)" "MIPS" "vs lockstep"
row "lockstep run (loop only, --stats)" "-" "$(printf %.1f "$LS_MIPS")" "1.00"
row "lockstep run (whole process, JVM start incl.)" "$(printf %.3f "$LS_WALL")" "$(printf %.1f "$LS_WALL_MIPS")" "$(printf %.2f "$(echo "$LS_WALL_MIPS / $LS_MIPS" | bc -l)")"

if command -v qemu-system-riscv64 >/dev/null; then
  for mode in plain record; do
    : > "$TMP/q_$mode"
    for _ in $(seq "$RUNS"); do
      extra=()
      [ "$mode" = record ] && extra=(-icount shift=auto,rr=record,rrfile="$TMP/bench.rr")
      t0=$(now)
      timeout 600 qemu-system-riscv64 -M virt -m 128M -nographic -bios none -kernel "$GUEST" "${extra[@]}" </dev/null >/dev/null 2>&1 || true
      t1=$(now)
      echo "$t1 - $t0" | bc -l >> "$TMP/q_$mode"
    done
    W=$(median < "$TMP/q_$mode")
    M=$(echo "$INSNS / $W / 1000000" | bc -l)
    label="qemu-system-riscv64 (TCG)"; [ "$mode" = record ] && label="qemu-system-riscv64 -icount rr=record"
    row "$label" "$(printf %.3f "$W")" "$(printf %.1f "$M")" "$(printf %.2f "$(echo "$M / $LS_MIPS" | bc -l)")"
  done
  echo "(QEMU MIPS = lockstep's exact count of $INSNS instructions / QEMU's wall time, process start included)"
else
  echo "(qemu-system-riscv64 not installed: apt-get install qemu-system-misc for the side-by-side rows)"
fi

echo
: > "$TMP/hello"
for _ in $(seq "$RUNS"); do
  t0=$(now); "$ROOT/lockstep" run "$ROOT/guests/prebuilt/hello.elf" </dev/null >/dev/null; t1=$(now)
  echo "$t1 - $t0" | bc -l >> "$TMP/hello"
done
row "start-up: lockstep run hello (wall)" "$(printf %.3f "$(median < "$TMP/hello")")" "" ""

# Boot to U-Boot's prompt: wall time from process start until "=> " appears on the console.
UBOOT=/usr/lib/u-boot/qemu-riscv64/u-boot.bin
to_prompt() {   # command... ; prints seconds until the first "=> " on its stdout
  local t0 t1 pid
  : > "$TMP/console"
  t0=$(now)
  timeout 120 "$@" </dev/null >"$TMP/console" 2>/dev/null &
  pid=$!
  # U-Boot polls the UART at its prompt and never exits by itself: watch its output, then stop it.
  while ! grep -q '=> ' "$TMP/console" && kill -0 "$pid" 2>/dev/null; do sleep 0.02; done
  t1=$(now)
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "$t1 - $t0" | bc -l
}
if [ -f "$UBOOT" ]; then
  : > "$TMP/ub_ls"; : > "$TMP/ub_q"
  for _ in $(seq "$RUNS"); do
    to_prompt java -jar "$ROOT/shell/target/lockstep.jar" run --bios "$UBOOT" >> "$TMP/ub_ls"
    command -v qemu-system-riscv64 >/dev/null && to_prompt qemu-system-riscv64 -M virt -m 128M -nographic -bios "$UBOOT" >> "$TMP/ub_q"
  done
  row "U-Boot to '=> ': lockstep run --bios (wall)" "$(printf %.3f "$(median < "$TMP/ub_ls")")" "" ""
  [ -s "$TMP/ub_q" ] && row "U-Boot to '=> ': qemu-system-riscv64 (wall)" "$(printf %.3f "$(median < "$TMP/ub_q")")" "" ""
else
  echo "(u-boot-qemu not installed: apt-get install u-boot-qemu for the boot-to-prompt rows)"
fi
