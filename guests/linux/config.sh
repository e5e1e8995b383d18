#!/usr/bin/env bash
# The small RV64 kernel bench/linux.sh boots: tinyconfig plus what QEMU virt's (and lockstep's) devices need,
# SMP for up to 8 harts (--smp N; it boots on one as well).
# Run in a Linux source tree (Debian's linux-source-6.1).
set -euo pipefail
M=(make ARCH=riscv CROSS_COMPILE=riscv64-linux-gnu-)
"${M[@]}" tinyconfig >/dev/null
scripts/config \
 -e 64BIT -e ARCH_RV64I -e MMU -e SMP --set-val NR_CPUS 8 -e NONPORTABLE -e SOC_VIRT -e RISCV_SBI -e RISCV_SBI_V01 \
 -e FPU -e RISCV_ISA_C -e TTY -e PRINTK -e EARLY_PRINTK -e SERIAL_EARLYCON \
 -e SERIAL_8250 -e SERIAL_8250_CONSOLE -e SERIAL_OF_PLATFORM -e SERIAL_EARLYCON_RISCV_SBI \
 -e BLK_DEV_INITRD -d RD_GZIP -d RD_BZIP2 -d RD_LZMA -d RD_XZ -d RD_LZO -d RD_LZ4 -d RD_ZSTD \
 -e BINFMT_ELF -e DEVTMPFS -e DEVTMPFS_MOUNT -e PROC_FS -e SYSFS \
 -e VIRTIO_MENU -e VIRTIO -e VIRTIO_MMIO -e BLOCK -e BLK_DEV -e VIRTIO_BLK \
 -e NET -e INET -e NETDEVICES -e NET_CORE -e VIRTIO_NET \
 -e HW_RANDOM -e HW_RANDOM_VIRTIO -e RTC_CLASS -e RTC_DRV_GOLDFISH \
 -e POWER_RESET -e POWER_RESET_SYSCON -e POWER_RESET_SYSCON_POWEROFF -e MFD_SYSCON -e REGMAP -e REGMAP_MMIO \
 -e OF -e PRINTK_TIME -e SIFIVE_PLIC -e HVC_RISCV_SBI -e UNIX98_PTYS -e FUTEX -e POSIX_TIMERS -e HIGH_RES_TIMERS
"${M[@]}" olddefconfig >/dev/null
