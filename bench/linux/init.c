/* A tiny init for bench/linux.sh: prints what the kernel found (CPU, interrupts, virtio-rng, disks, uptime), then powers off. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

static void cat(const char *path) {
    char buf[512];
    int fd = open(path, O_RDONLY);
    if (fd < 0) { printf("open %s failed\n", path); return; }
    printf("--- %s\n", path);
    fflush(stdout);
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) write(1, buf, n);
    close(fd);
}

int main(void) {
    printf("\n=== lockstep init: hello from userspace (pid %d) ===\n", getpid());
    mkdir("/proc", 0755); mkdir("/sys", 0755); mkdir("/dev", 0755);
    if (mount("proc", "/proc", "proc", 0, NULL)) perror("mount proc");
    if (mount("sysfs", "/sys", "sysfs", 0, NULL)) perror("mount sys");
    if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL)) perror("mount dev");
    cat("/proc/cpuinfo");
    cat("/proc/interrupts");
    int fd = open("/dev/hwrng", O_RDONLY);
    if (fd < 0) perror("open /dev/hwrng");
    else {
        unsigned char r[8];
        ssize_t n = read(fd, r, sizeof r);
        printf("hwrng: read %zd bytes:", n);
        for (ssize_t i = 0; i < n; i++) printf(" %02x", r[i]);
        printf("\n");
        close(fd);
    }
    DIR *d = opendir("/sys/block");
    if (!d) perror("opendir /sys/block");
    else {
        struct dirent *e;
        printf("/sys/block:");
        while ((e = readdir(d))) if (e->d_name[0] != '.') printf(" %s", e->d_name);
        printf("\n");
        closedir(d);
    }
    cat("/proc/uptime");
    printf("=== lockstep init: powering off ===\n");
    fflush(stdout);
    sync();
    reboot(RB_POWER_OFF);
    perror("reboot");
    for (;;) pause();
}
