#!/usr/bin/env bash
# Boots Linux under OpenSBI on lockstep and on QEMU, the same kernel, initramfs and devices: both must reach
# userspace and power off. Prints the boot's instructions, time and MIPS side by side, records the boot on
# lockstep and replays it verified, then does the same with two reboots, and with 1, 2 and 4 harts (-smp).
# The kernel and initramfs are the committed guests/linux/Image and initramfs.cpio (guests/linux/build.sh
# rebuilds them from source and checks they are the same bytes).
# Usage: bench/linux.sh [WORKDIR] [RUNS]   (WORKDIR holds the logs, disks and traces: default
#        /tmp/lockstep-linux-bench; 3 runs each)
# Needs: opensbi qemu-system-misc (apt-get install them; as root this script does).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
W="${1:-/tmp/lockstep-linux-bench}"
RUNS="${2:-3}"
PKGS=(opensbi qemu-system-misc)
missing=()
for p in "${PKGS[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || { echo "linux.sh: install first: apt-get install ${missing[*]}" >&2; exit 2; }
  apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
fi
FW=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin
mkdir -p "$W"
IMAGE="$ROOT/guests/linux/Image" INITRD="$ROOT/guests/linux/initramfs.cpio"
rm -f "$W/disk.img" && truncate -s 8M "$W/disk.img"
BOOT=(--bios "$FW" --kernel "$IMAGE" --initrd "$INITRD" --append "console=ttyS0 earlycon" --ram 256M)
"$ROOT/lockstep" --version >/dev/null   # build first

echo "| run | exit | reached userspace | instructions | seconds (process) | MIPS (process) | MIPS (machine loop) |"
echo "|---|---|---|---|---|---|---|"
for r in $(seq "$RUNS"); do
  s=$(date +%s.%N)
  rc=0
  "$ROOT/lockstep" run --stats --idle skip "${BOOT[@]}" --drive file="$W/disk.img" --rng </dev/null >"$W/lockstep.log" 2>"$W/lockstep.err" || rc=$?
  e=$(date +%s.%N)
  n=$(grep -o '^lockstep: [0-9,]* instructions' "$W/lockstep.err" | tr -dc 0-9)
  u=$(grep -q "hello from userspace" "$W/lockstep.log" && echo yes || echo NO)
  m=$(grep -o '[0-9.]* MIPS' "$W/lockstep.err" | head -1 | cut -d' ' -f1)
  printf "| lockstep run --idle skip | %s | %s | %s | %.2f | %.1f | %s |\n" "$rc" "$u" "${n:-?}" "$(echo "$e - $s" | bc)" \
    "$(echo "${n:-0} / ($e - $s) / 1000000" | bc -l)" "${m:-?}"
done
for r in $(seq "$RUNS"); do
  s=$(date +%s.%N)
  rc=0
  qemu-system-riscv64 -M virt -nographic -monitor none -serial stdio -display none -bios "$FW" -kernel "$IMAGE" \
    -initrd "$INITRD" -append "console=ttyS0 earlycon" -m 256M -drive file="$W/disk.img",format=raw,if=none,id=d0 \
    -device virtio-blk-device,drive=d0 -device virtio-rng-device </dev/null >"$W/qemu.log" 2>&1 || rc=$?
  e=$(date +%s.%N)
  u=$(grep -q "hello from userspace" "$W/qemu.log" && echo yes || echo NO)
  printf "| qemu-system-riscv64 (TCG) | %s | %s | (the same kernel) | %.2f | %.1f at lockstep's count | |\n" "$rc" "$u" "$(echo "$e - $s" | bc)" \
    "$(echo "${n:-0} / ($e - $s) / 1000000" | bc -l)"
done
echo
echo "lockstep's console, last lines:"
tail -6 "$W/lockstep.log"
rm -rf "$W/boot.trace"
"$ROOT/lockstep" record -o "$W/boot.trace" "${BOOT[@]}" --drive file="$W/disk.img" --rng </dev/null >/dev/null 2>"$W/record.err"
"$ROOT/lockstep" replay --verify "$W/boot.trace" </dev/null >/dev/null 2>"$W/replay.err"
echo "record: $(grep -o 'recorded .*' "$W/record.err" | head -1)"
echo "replay: $(grep -o 'verified .*' "$W/replay.err" | head -1)"

# Two reboots (init's lockstep.reboots=2: Linux's reboot, OpenSBI's SRST, the sifive_test reset), each boot counted on a
# fresh disk: both machines must boot three times and power off, and lockstep's recording must replay verified.
echo
echo "| reboots (lockstep.reboots=2) | exit | boots counted on the disk | seconds (process) |"
echo "|---|---|---|---|"
REBOOT=(--bios "$FW" --kernel "$IMAGE" --initrd "$INITRD" --append "console=ttyS0 lockstep.reboots=2" --ram 256M)
rm -rf "$W/reboot.trace" "$W/reboot.img" && truncate -s 8M "$W/reboot.img"
s=$(date +%s.%N); rc=0
"$ROOT/lockstep" record -o "$W/reboot.trace" --idle skip "${REBOOT[@]}" --drive file="$W/reboot.img" </dev/null \
  >"$W/reboot.log" 2>"$W/reboot.err" || rc=$?
e=$(date +%s.%N)
printf "| lockstep record | %s | %s | %.2f |\n" "$rc" "$(grep -ac 'lockstep init: boot ' "$W/reboot.log")" "$(echo "$e - $s" | bc)"
rm -f "$W/reboot-qemu.img" && truncate -s 8M "$W/reboot-qemu.img"
s=$(date +%s.%N); rc=0
qemu-system-riscv64 -M virt -nographic -monitor none -serial stdio -display none -bios "$FW" -kernel "$IMAGE" \
  -initrd "$INITRD" -append "console=ttyS0 lockstep.reboots=2" -m 256M \
  -drive file="$W/reboot-qemu.img",format=raw,if=none,id=d0 -device virtio-blk-device,drive=d0 </dev/null >"$W/reboot-qemu.log" 2>&1 || rc=$?
e=$(date +%s.%N)
printf "| qemu-system-riscv64 (TCG) | %s | %s | %.2f |\n" "$rc" "$(grep -ac 'lockstep init: boot ' "$W/reboot-qemu.log")" "$(echo "$e - $s" | bc)"
"$ROOT/lockstep" replay --verify "$W/reboot.trace" </dev/null >/dev/null 2>"$W/reboot-replay.err"
echo "reboot record: $(grep -o 'recorded .*' "$W/reboot.err" | head -1)"
echo "reboot replay: $(grep -o 'verified .*' "$W/reboot-replay.err" | head -1)"

# SMP: the same kernel on 1, 2 and 4 harts, lockstep (recorded, then replayed verified) against QEMU's -smp N (TCG; QEMU
# runs its harts on host threads, lockstep in turns on one). Both must bring up every CPU and power off.
echo
echo "| harts | run | exit | CPUs brought up | instructions | seconds (process) | replay |"
echo "|---|---|---|---|---|---|---|"
for n in 1 2 4; do
  rm -rf "$W/smp$n.trace"
  s=$(date +%s.%N); rc=0
  "$ROOT/lockstep" record -o "$W/smp$n.trace" --idle skip --smp "$n" "${BOOT[@]}" </dev/null >"$W/smp$n.log" 2>"$W/smp$n.err" || rc=$?
  e=$(date +%s.%N)
  up=$(grep -ao 'Brought up 1 node, [0-9]* CPU' "$W/smp$n.log" | grep -o '[0-9]* CPU' | cut -d' ' -f1)
  "$ROOT/lockstep" replay --verify -q "$W/smp$n.trace" </dev/null >/dev/null 2>"$W/smp$n-replay.err" || true
  printf "| %s | lockstep record | %s | %s | %s | %.2f | %s |\n" "$n" "$rc" "${up:-?}" \
    "$(grep -o 'recorded [0-9,]*' "$W/smp$n.err" | grep -o '[0-9,]*$')" "$(echo "$e - $s" | bc)" \
    "$(grep -o 'verified [0-9,]* instructions' "$W/smp$n-replay.err" | head -1 || echo FAILED)"
  s=$(date +%s.%N); rc=0
  qemu-system-riscv64 -M virt -smp "$n" -nographic -monitor none -serial stdio -display none -bios "$FW" -kernel "$IMAGE" \
    -initrd "$INITRD" -append "console=ttyS0 earlycon" -m 256M </dev/null >"$W/smp$n-qemu.log" 2>&1 || rc=$?
  e=$(date +%s.%N)
  up=$(grep -ao 'Brought up 1 node, [0-9]* CPU' "$W/smp$n-qemu.log" | grep -o '[0-9]* CPU' | cut -d' ' -f1)
  printf "| %s | qemu-system-riscv64 (TCG) | %s | %s | | %.2f | |\n" "$n" "$rc" "${up:-?}" "$(echo "$e - $s" | bc)"
done
