/* A tiny init for bench/linux.sh: prints what the kernel found (CPU, interrupts, virtio-rng, disks, uptime), then powers off.
 * With lockstep.reboots=N on the kernel command line it reboots instead, N times, counting its boots in the first
 * sector of /dev/vda (which must start zeroed), and powers off on the boot after the last reboot. With lockstep.echo
 * it serves the console instead until told to stop: each line read is written back as "echo: LINE", and the line
 * "poweroff" powers off (a long-running guest, for FT's --join). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The kernel command line, or "". */
static const char *cmdline(void) {
    static char line[1024];
    int fd = open("/proc/cmdline", O_RDONLY);
    if (fd < 0) return "";
    ssize_t n = read(fd, line, sizeof line - 1);
    close(fd);
    line[n > 0 ? n : 0] = 0;
    return line;
}

/* The N of lockstep.reboots=N, or -1. */
static int reboots_wanted(void) {
    const char *p = strstr(cmdline(), "lockstep.reboots=");
    return p ? atoi(p + strlen("lockstep.reboots=")) : -1;
}

/* Echoes console lines until "poweroff". */
static void echo_console(void) {
    char line[256];
    printf("=== lockstep init: echoing console lines; 'poweroff' stops ===\n");
    fflush(stdout);
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = 0;
        if (strcmp(line, "poweroff") == 0) return;
        printf("echo: %s\n", line);
        fflush(stdout);
    }
}

/* Counts this boot in the disk's first sector and reboots if more reboots are wanted; returns if not. */
static void count_boot(int wanted) {
    char sector[512];
    int fd = open("/dev/vda", O_RDWR);
    if (fd < 0) { perror("open /dev/vda"); return; }
    int boots = 0;
    if (pread(fd, sector, sizeof sector, 0) != (ssize_t) sizeof sector) perror("read /dev/vda");
    else if (strncmp(sector, "boots ", 6) == 0) boots = atoi(sector + 6);
    boots++;
    memset(sector, 0, sizeof sector);
    snprintf(sector, sizeof sector, "boots %d\n", boots);
    if (pwrite(fd, sector, sizeof sector, 0) != (ssize_t) sizeof sector || fsync(fd)) perror("write /dev/vda");
    close(fd);
    printf("=== lockstep init: boot %d, %d reboots wanted ===\n", boots, wanted);
    if (boots > wanted) return;
    printf("=== lockstep init: rebooting ===\n");
    fflush(stdout);
    sync();
    reboot(RB_AUTOBOOT);
    perror("reboot");
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
    int wanted = reboots_wanted();
    if (wanted >= 0) count_boot(wanted);
    if (strstr(cmdline(), "lockstep.echo")) echo_console();
    printf("=== lockstep init: powering off ===\n");
    fflush(stdout);
    sync();
    reboot(RB_POWER_OFF);
    perror("reboot");
    for (;;) pause();
}
