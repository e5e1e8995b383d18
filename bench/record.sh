#!/usr/bin/env bash
# Record/replay benchmarks (issue 4): run vs record vs replay speed on bench, bytes per entry, a scripted
# U-Boot session against QEMU's rr log, an idle guest's trace size and CPU, and random access in a 10^10-
# instruction trace. Prints a table. Usage: bench/record.sh [RUNS] [IDLE_SECONDS]  (defaults 5 and 60)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${1:-5}"
IDLE_SECONDS="${2:-60}"
LS="$ROOT/lockstep"
UBOOT=/usr/lib/u-boot/qemu-riscv64/u-boot.bin
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
"$LS" --version >/dev/null   # build first, outside the timings

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
mips() { grep -o '[0-9.]* MIPS' "$1" | awk '{print $1}'; }
row() { printf "%-58s %16s  %s\n" "$@"; }

echo "lockstep record/replay benchmarks, $RUNS runs each, medians (machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | head -1))"
echo

# ---- speed: run vs record vs replay on bench (1.4 G instructions), interleaved so drift hits all alike ----
CONFIGS=("run" "record" "record-hash10M" "record-ckpt500M")
for c in "${CONFIGS[@]}"; do : > "$TMP/$c"; done
: > "$TMP/replay"
for i in $(seq "$RUNS"); do
  "$LS" run --stats --rtc fixed:0 bench </dev/null >/dev/null 2>"$TMP/err" || true; mips "$TMP/err" >> "$TMP/run"
  rm -rf "$TMP/t"; "$LS" record -o "$TMP/t" --stats --rtc fixed:0 bench </dev/null >/dev/null 2>"$TMP/err" || true
  mips "$TMP/err" >> "$TMP/record"
  "$LS" replay --verify -q "$TMP/t" >/dev/null 2>"$TMP/err"; mips "$TMP/err" >> "$TMP/replay"
  rm -rf "$TMP/t"; "$LS" record -o "$TMP/t" --stats --rtc fixed:0 --hash-interval 10000000 bench </dev/null >/dev/null 2>"$TMP/err" || true
  mips "$TMP/err" >> "$TMP/record-hash10M"
  rm -rf "$TMP/t"; "$LS" record -o "$TMP/t" --stats --rtc fixed:0 --checkpoint-interval 500000000 bench </dev/null >/dev/null 2>"$TMP/err" || true
  mips "$TMP/err" >> "$TMP/record-ckpt500M"
done
RUN=$(median < "$TMP/run"); REC=$(median < "$TMP/record"); REP=$(median < "$TMP/replay")
pct() { printf "%+.1f%%" "$(echo "($RUN - $1) / $RUN * 100" | bc -l)"; }
echo "speed on bench (loop MIPS from --stats / replay --verify; overhead = slowdown vs run)"
row "lockstep run" "$(printf %.1f "$RUN") MIPS" ""
row "lockstep record (hash every 100 M, checkpoint every 2 G)" "$(printf %.1f "$REC") MIPS" "overhead $(pct "$REC")"
R10=$(median < "$TMP/record-hash10M"); row "lockstep record --hash-interval 10M" "$(printf %.1f "$R10") MIPS" "overhead $(pct "$R10")"
RC=$(median < "$TMP/record-ckpt500M"); row "lockstep record --checkpoint-interval 500M" "$(printf %.1f "$RC") MIPS" "overhead $(pct "$RC")"
row "lockstep replay --verify (default trace)" "$(printf %.1f "$REP") MIPS" "replay/record $(printf %.2f "$(echo "$REP / $REC" | bc -l)")"
echo "  all runs (MIPS): run [$(tr '\n' ' ' < "$TMP/run")] record [$(tr '\n' ' ' < "$TMP/record")] replay [$(tr '\n' ' ' < "$TMP/replay")]"
echo

# ---- a scripted interactive session: U-Boot, lockstep's trace vs QEMU's -icount rr log ----
if [ -f "$UBOOT" ]; then
  cat > "$TMP/uboot.script" <<'SCRIPT'
wait => 
send version\r
wait => 
send md.q 0x80000000 4\r
wait => 
send crc32 0x80000000 0x1000\r
wait => 
send setenv greeting hello; echo $greeting; printenv bootcmd\r
wait => 
send poweroff\r
SCRIPT
  rm -rf "$TMP/ub"
  "$LS" record -o "$TMP/ub" --input "$TMP/uboot.script" --bios "$UBOOT" </dev/null >"$TMP/ub.out" 2>/dev/null
  "$LS" info "$TMP/ub" > "$TMP/ub.info"
  echo "scripted U-Boot session ($(grep -c '^send' "$TMP/uboot.script") commands typed; lockstep info):"
  sed -n '/^entries:/,/^instructions:/p' "$TMP/ub.info" | grep -v '^instructions:' | sed 's/^/  /'
  grep '^size:' "$TMP/ub.info" | sed 's/^/  /'
  BLOCKS=$(grep '^size:' "$TMP/ub.info" | grep -o 'entry blocks [0-9,]*' | tr -dc 0-9)
  TOTAL=$(grep '^size:' "$TMP/ub.info" | grep -o '^size: *[0-9,]*' | tr -dc 0-9)
  if command -v qemu-system-riscv64 >/dev/null; then
    python3 "$ROOT/bench/qemu-console.py" "$TMP/uboot.script" -- qemu-system-riscv64 -M virt -m 128M -nographic \
      -bios "$UBOOT" -icount shift=auto,rr=record,rrfile="$TMP/qemu.rr" >"$TMP/q.out" 2>/dev/null || true
    Q=$(stat -c %s "$TMP/qemu.rr")
    row "  lockstep entry blocks (all entries, console output incl.)" "$BLOCKS bytes" "vs QEMU rr log: $(printf %.2f "$(echo "$BLOCKS / $Q" | bc -l)")x"
    row "  lockstep whole trace (header with u-boot.bin zstd incl.)" "$TOTAL bytes" "vs QEMU rr log: $(printf %.2f "$(echo "$TOTAL / $Q" | bc -l)")x"
    row "  QEMU -icount shift=auto,rr=record rrfile (no images)" "$Q bytes" "same script via stdin (bench/qemu-console.py)"
  fi
else
  echo "(u-boot-qemu not installed: no scripted U-Boot session)"
fi
echo

# ---- idle: the idle guest at its prompt for IDLE_SECONDS of wall time ----
printf 'wait idle> \nsleep %d\nsend q\\r\n' "$((IDLE_SECONDS * 1000))" > "$TMP/idle.script"
rm -rf "$TMP/idle"
"$LS" record -o "$TMP/idle" --input "$TMP/idle.script" idle </dev/null >/dev/null 2>&1 &
PID=$!
HZ=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
sleep 8                                      # JVM start-up and boot, excluded
C1=$(cpu); T1=$(date +%s.%N)
sleep $((IDLE_SECONDS - 12))
C2=$(cpu); T2=$(date +%s.%N)
wait "$PID"
CPU=$(echo "($C2 - $C1) / $HZ / ($T2 - $T1) * 100" | bc -l)
"$LS" info "$TMP/idle" > "$TMP/idle.info"
echo "idle guest at its prompt, ${IDLE_SECONDS} s of wall time (1 s timer tick):"
row "  recorder CPU while idle ($(printf %.0f "$(echo "$T2 - $T1" | bc -l)") s window, /proc utime+stime)" "$(printf %.2f "$CPU")% of a core" ""
grep -E '^  CLOCK|^size:' "$TMP/idle.info" | sed 's/^/  /'
row "  du (allocated, dirs incl.) / du --apparent-size" "$(du -s --block-size=1 "$TMP/idle" | cut -f1) bytes" "/ $(du -s --apparent-size --block-size=1 "$TMP/idle" | cut -f1) bytes (sparse)"
row "  sparse-aware tar | zstd (bytes to ship it)" "$(tar -C "$TMP" --sparse -cf - idle | zstd -q -19 -c | wc -c) bytes" ""
echo

# ---- random access: a synthetic 10^10-instruction trace, 10 M entries ----
FLAGS=$(grep -o '<lockstep.jvm.flags>[^<]*' "$ROOT/pom.xml" | sed 's/<lockstep.jvm.flags>//')
echo "random access (bench/SeekBench.java: 10 M entries through TraceWriter over 10^10 instructions):"
java $FLAGS -cp "$ROOT/shell/target/lockstep.jar:$ROOT/shell/target/lib/*" "$ROOT/bench/SeekBench.java" "$TMP/long" \
  10000000000 10000000 | sed 's/^/  /'
T0=$(date +%s.%N); "$LS" events "$TMP/long" --from 7777777777 --to 7777777777 >/dev/null; T1=$(date +%s.%N)
row "  lockstep events DIR --from N --to N (a new process)" "$(printf %.3f "$(echo "$T1 - $T0" | bc -l)") s" "JVM start incl."
row "  trace size: du / apparent" "$(du -s --block-size=1 "$TMP/long" | cut -f1) bytes" "/ $(du -s --apparent-size --block-size=1 "$TMP/long" | cut -f1) bytes"
