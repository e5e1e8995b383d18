#!/usr/bin/env bash
# Builds the Linux guest from source, reproducibly: guests/linux/Image (Debian's linux-source-6.1, configured by
# config.sh) and guests/linux/initramfs.cpio (init.c, static), then compares both with the committed ones.
#
# Usage: guests/linux/build.sh [WORKDIR] [--update]
#   WORKDIR   where the source is unpacked and built (default /tmp/lockstep-linux; ~1.5 GB, ~10 min on 2 cores
#             the first time, reused after)
#   --update  copy the images built into guests/linux/ (after a change to config.sh or init.c)
#
# Needs linux-source-6.1 gcc-riscv64-linux-gnu libc6-dev-riscv64-cross bc flex bison libssl-dev (as root it
# installs them). The images are the same bytes wherever they are built, given the same Debian packages: the
# build's user, host, time and version are fixed below, and the cpio's timestamps are 0. A newer linux-source-6.1
# (a Debian security update) makes a different kernel; the SOURCE file says which one the committed Image is.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
W=/tmp/lockstep-linux UPDATE=0
for a in "$@"; do
  case "$a" in
    --update) UPDATE=1 ;;
    -h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "build.sh: unknown option $a (see --help)" >&2; exit 2 ;;
    *) W="$a" ;;
  esac
done

PKGS=(linux-source-6.1 gcc-riscv64-linux-gnu libc6-dev-riscv64-cross bc flex bison libssl-dev)
missing=()
for p in "${PKGS[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || { echo "build.sh: install first: apt-get install ${missing[*]}" >&2; exit 2; }
  apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
fi

export KBUILD_BUILD_USER=lockstep KBUILD_BUILD_HOST=lockstep KBUILD_BUILD_VERSION=1
export KBUILD_BUILD_TIMESTAMP="Sat Dec  5 00:00:00 UTC 2026"
mkdir -p "$W"
SRC="$W/linux-source-6.1"
[ -d "$SRC" ] || { echo "build.sh: unpacking the kernel source into $SRC" >&2; tar xf /usr/src/linux-source-6.1.tar.xz -C "$W"; }
echo "build.sh: building the kernel in $SRC (~10 min on 2 cores the first time; log in $W/build.log)" >&2
# gen_init_cpio is a host program of usr/, which only a directory target builds by itself (a fresh tree has no rule for
# usr/gen_init_cpio as a goal); the Image builds it too, for the built-in initramfs.
(cd "$SRC" && bash "$HERE/config.sh" && nice make ARCH=riscv CROSS_COMPILE=riscv64-linux-gnu- -j"$(nproc)" Image \
   && nice make ARCH=riscv CROSS_COMPILE=riscv64-linux-gnu- usr/) \
  >"$W/build.log" 2>&1 || { tail -20 "$W/build.log" >&2; exit 1; }
cp "$SRC/arch/riscv/boot/Image" "$W/Image"

riscv64-linux-gnu-gcc -static -O2 -Wall -o "$W/init" "$HERE/init.c"
touch -d @0 "$W/init" # gen_init_cpio gives a file its own mtime, -t only the rest
cat >"$W/initramfs.list" <<EOF
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /proc 0755 0 0
dir /sys 0755 0 0
file /init $W/init 0755 0 0
EOF
"$SRC/usr/gen_init_cpio" -t 0 "$W/initramfs.list" >"$W/initramfs.cpio"

status=0
for f in Image initramfs.cpio; do
  if [ "$UPDATE" -eq 1 ]; then
    cp "$W/$f" "$HERE/$f"
    echo "build.sh: $f updated ($(sha256sum <"$HERE/$f" | cut -c1-16)...)"
  elif cmp -s "$W/$f" "$HERE/$f"; then
    echo "build.sh: $f is byte for byte the committed one"
  else
    echo "build.sh: $f DIFFERS from the committed one (built $(sha256sum <"$W/$f" | cut -c1-16)..., committed $(sha256sum <"$HERE/$f" 2>/dev/null | cut -c1-16)...)"
    status=1
  fi
done
[ "$UPDATE" -eq 1 ] && dpkg-query -W -f='${Package} ${Version}\n' linux-source-6.1 gcc-riscv64-linux-gnu libc6-dev-riscv64-cross >"$HERE/SOURCE"
exit "$status"
