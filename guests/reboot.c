/* reboot: resets the machine twice through sifive_test (0x7777, where OpenSBI's SRST and so Linux's
 * `reboot` and U-Boot's `reset` end up) and checks on every boot what the privileged spec says a reset
 * sets (M-mode, mstatus.MIE and MPRV clear) and what QEMU virt's reset does with memory: the image's
 * .data is loaded again, the rest of RAM keeps what the guest left there. Exit: the failures. */
#include "runtime.h"

#define TEST_RESET 0x7777
#define MSTATUS_MPRV (1UL << 17)
/* 4 MiB into RAM, well past the image and its stack: memory no loader writes. */
#define KEPT ((volatile uint64_t *)0x80400000UL)
#define MAGIC 0x746f6f626572UL /* "reboot" */
#define BOOTS 3

static volatile uint64_t data_word = 42; /* .data: written again by every reset */
static int failures;

static void check(const char *what, uint64_t got, uint64_t want)
{
	if (got != want) {
		printf("FAIL %s: 0x%lx, expected 0x%lx\n", what, (unsigned long)got, (unsigned long)want);
		failures++;
	}
}

int main(void)
{
	uint64_t boot = KEPT[0] == MAGIC ? KEPT[1] : 0;
	uint64_t mstatus = csr_read(mstatus);
	if (boot > 0)
		failures = (int)KEPT[2];
	printf("boot %lu\n", (unsigned long)boot);
	check("mstatus.MIE", mstatus & MSTATUS_MIE, 0);
	check("mstatus.MPRV", mstatus & MSTATUS_MPRV, 0);
	check(".data", data_word, 42);
	if (boot + 1 == BOOTS) {
		printf("reboot: %d boots, %d failed\n", BOOTS, failures);
		return failures;
	}
	KEPT[0] = MAGIC;
	KEPT[1] = boot + 1;
	KEPT[2] = failures;
	/* State a reset must clear or restore: MIE with no interrupt enabled, MPRV (M-mode accesses
	 * ignore it while MPP is M), and the data word. */
	data_word = 7;
	csr_set(mstatus, MSTATUS_MIE | MSTATUS_MPRV | MSTATUS_MPP_M);
	__asm__ volatile("fence" ::: "memory");
	*(volatile uint32_t *)TEST_BASE = TEST_RESET;
	for (;;)
		__asm__ volatile("wfi");
}
