/* smp: checks a multi-hart machine as QEMU virt's -smp N builds it, for lockstep's harts. The number
 * of harts comes from the device tree (the cpu@ nodes under /cpus), so the same image runs at any N;
 * smp_start.S starts harts 0..7 (more park). Hart 0 runs main and is the only one to print; the others
 * run smp_secondary and follow main through numbered phases: check in with mhartid, an LR/SC spinlock
 * around a plain counter, amoadd.d, an IPI from hart 0 through the CLINT, each hart's own mtimecmp
 * interrupt, and each hart's own minstret. One line per check, then PASS (exit 0) or FAIL (exit 1) at
 * the first failure. No line depends on timing or on how the harts interleave, so QEMU and lockstep
 * print the same bytes for the same N; every wait is bounded, so a broken machine fails, not hangs. */
#include "runtime.h"

#define MAX_HARTS    8            /* smp_start.S's SMP_MAX_HARTS */
#define LOCK_ITERS   20000        /* lock, increment, unlock: per hart */
#define AMO_ITERS    20000        /* amoadd.d: per hart */
#define TIMER_DELAY  2000         /* mtime ticks (200 us) to hart h's timer, times h + 1 */
#define LOOP_ITERS   1000         /* the minstret loop: 12 instructions each */
#define LOOP_INSNS   (12 * LOOP_ITERS)
#define LOOP_TRIES   8            /* QEMU's minstret is the host's clock: retry a loop the host preempted */
#define WAIT_TICKS   (5 * MTIME_HZ)  /* how long hart 0 waits for the others: 5 s of mtime ... */
#define WAIT_SPINS   (1UL << 31)  /* ... or this many looks, should mtime stand still */

#define FDT_MAGIC      0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP        4
#define FDT_END        9

enum phase { CHECKIN = 1, LOCK, AMO, IPI, TIMER, MINSTRET, PHASES };

/* What a hart found wrong in a phase, kept in result[][] for hart 0 to print. */
enum error { OK, IPI_NOT_MINE, IPI_STUCK, MTIP_AT_MAX, MTIP_NEVER, MTIP_EARLY, MTIP_STUCK, INSTRET_FEW,
	     INSTRET_MANY };
static const char *const error_text[] = {
	[IPI_NOT_MINE] = "woke with msip pending before hart 0 sent it its IPI",
	[IPI_STUCK] = "msip still pending after the hart cleared it",
	[MTIP_AT_MAX] = "mip.MTIP pending with its mtimecmp at all-ones",
	[MTIP_NEVER] = "mip.MTIP never came",
	[MTIP_EARLY] = "mip.MTIP came before mtime reached its mtimecmp",
	[MTIP_STUCK] = "mip.MTIP still pending after its mtimecmp went to all-ones",
	[INSTRET_FEW] = "minstret advanced less than the loop's instructions",
	[INSTRET_MANY] = "minstret advanced over 100 times the loop's instructions on every try",
};

extern volatile uint64_t smp_boot_a0[MAX_HARTS], smp_boot_a1[MAX_HARTS]; /* smp_start.S */
void smp_secondary(uint64_t hart);

static uint64_t harts;                   /* harts taking part: min(N, MAX_HARTS) */
static volatile uint64_t phase;          /* set by hart 0; the others follow */
static volatile uint64_t done[PHASES];   /* amoadd'ed by each hart that finished a phase */
static volatile uint64_t reported[MAX_HARTS] = {-1, -1, -1, -1, -1, -1, -1, -1}; /* mhartid, by slot */
static volatile uint64_t result[PHASES][MAX_HARTS]; /* 0 = fine, else what went wrong */
static volatile uint64_t finished[MAX_HARTS];      /* the last phase each hart finished */
static volatile uint64_t trapped[MAX_HARTS];        /* mcause of a secondary's unexpected trap, + 1 */
static volatile uint64_t trap_pc[MAX_HARTS];

static volatile uint32_t lock_word;
static uint64_t locked_counter;          /* plain loads and stores: only the lock protects it */
static volatile uint64_t amo_counter;
static volatile uint64_t ipi_sent[MAX_HARTS], ipi_ack[MAX_HARTS];

static inline uint64_t hartid(void) { return csr_read(mhartid); }
static inline void fence(void) { __asm__ volatile("fence rw, rw" ::: "memory"); }
static inline void wfi(void) { __asm__ volatile("wfi" ::: "memory"); }
static inline volatile uint32_t *msip(uint64_t h) { return (volatile uint32_t *)(CLINT_MSIP + 4 * h); }
static inline volatile uint64_t *mtimecmp(uint64_t h) { return (volatile uint64_t *)(CLINT_MTIMECMP + 8 * h); }

static inline void amoadd_d(volatile uint64_t *p, uint64_t v)
{
	__asm__ volatile("amoadd.d zero, %1, (%0)" :: "r"(p), "r"(v) : "memory");
}

/* Acquire: LR.aq until the word reads 0, then SC 1; a failed SC (another hart's store) starts over. */
static void lock(volatile uint32_t *l)
{
	uint32_t busy;
	__asm__ volatile(
		"1:	lr.w.aq	%0, (%1)\n"
		"	bnez	%0, 1b\n"
		"	sc.w	%0, %2, (%1)\n"
		"	bnez	%0, 1b\n"
		: "=&r"(busy) : "r"(l), "r"(1) : "memory");
}

/* Release: everything done under the lock is visible before the word reads 0. */
static void unlock(volatile uint32_t *l)
{
	__asm__ volatile("amoswap.w.rl zero, zero, (%0)" :: "r"(l) : "memory");
}

static _Noreturn void fail(const char *what);

/* A secondary's unexpected trap is kept for hart 0 to report (the UART is hart 0's); it parks. */
struct trap_frame *trap_handler(struct trap_frame *f, uint64_t mcause, uint64_t mtval)
{
	uint64_t h = hartid();
	if (h == 0) {
		printf("unexpected trap on hart 0: mcause=0x%lx mepc=0x%lx mtval=0x%lx\n",
		       (unsigned long)mcause, (unsigned long)f->mepc, (unsigned long)mtval);
		fail("trap");
	}
	trap_pc[h] = f->mepc;
	fence();
	trapped[h] = mcause + 1;
	for (;;)
		wfi();
}

/* ---- the device tree -------------------------------------------------------------------------- */

static uint32_t be32(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static int starts_with(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return 0;
	return 1;
}

/* The cpu@ nodes directly under /cpus, or 0 if the blob is not a device tree. */
static uint64_t count_cpus(const uint8_t *fdt)
{
	if (fdt == 0 || be32(fdt) != FDT_MAGIC)
		return 0;
	const uint8_t *p = fdt + be32(fdt + 8), *end = fdt + be32(fdt + 4);
	int depth = 0, cpus_depth = -1; /* depth of /cpus while inside it */
	uint64_t n = 0;
	while (p + 4 <= end) {
		uint32_t token = be32(p);
		p += 4;
		if (token == FDT_BEGIN_NODE) {
			const char *name = (const char *)p;
			depth++;
			if (depth == 2 && starts_with(name, "cpus") && name[4] == 0)
				cpus_depth = depth;
			else if (cpus_depth > 0 && depth == cpus_depth + 1 && starts_with(name, "cpu@"))
				n++;
			while (p < end && *p)
				p++;
			p = fdt + ((p + 1 - fdt + 3) & ~3UL);
		} else if (token == FDT_END_NODE) {
			if (depth == cpus_depth)
				cpus_depth = -1;
			depth--;
		} else if (token == FDT_PROP) {
			if (p + 8 > end)
				return 0;
			p += 8 + ((be32(p) + 3) & ~3U);
		} else if (token == FDT_END) {
			return n;
		} else if (token != FDT_NOP) {
			return 0;
		}
	}
	return 0;
}

/* ---- what every hart does in each phase ------------------------------------------------------- */

static void do_checkin(uint64_t h)
{
	reported[h] = hartid();
	fence();
	amoadd_d(&done[CHECKIN], 1);
}

static void do_lock(void)
{
	for (int i = 0; i < LOCK_ITERS; i++) {
		lock(&lock_word);
		locked_counter++;
		unlock(&lock_word);
	}
}

static void do_amo(uint64_t h)
{
	for (int i = 0; i < AMO_ITERS; i++)
		amoadd_d(&amo_counter, h + 1);
}

/* Waits in WFI for hart 0's IPI, which must be the one hart 0 sent to this hart. */
static uint64_t do_ipi(uint64_t h)
{
	uint64_t err = 0;
	csr_set(mie, MIE_MSIE);
	while (!(csr_read(mip) & MIP_MSIP))
		wfi();
	fence();
	if (!ipi_sent[h])
		err = IPI_NOT_MINE;
	*msip(h) = 0;
	for (uint64_t i = 0; csr_read(mip) & MIP_MSIP; i++)
		if (i == 1000000) {
			err = IPI_STUCK;
			break;
		}
	csr_clear(mie, MIE_MSIE);
	fence();
	ipi_ack[h] = 1;
	return err;
}

static int mtip_clears(void)
{
	for (int i = 0; i < 1000000; i++)
		if (!(csr_read(mip) & MIP_MTIP))
			return 1;
	return 0;
}

/* Hart h's own timer, (h + 1) x TIMER_DELAY ticks ahead: it must not fire early and must go away.
 * The other harts sleep in WFI until it is pending; hart 0 polls, with a deadline, since it is the
 * one that watches the others and must not sleep on an interrupt that may never come. */
static uint64_t do_timer(uint64_t h)
{
	*mtimecmp(h) = UINT64_MAX;
	if (!mtip_clears())
		return MTIP_AT_MAX;
	uint64_t when = mtime() + TIMER_DELAY * (h + 1);
	*mtimecmp(h) = when;
	csr_set(mie, MIE_MTIE);
	uint64_t err = 0;
	for (uint64_t i = 0; !(csr_read(mip) & MIP_MTIP); i++) {
		if (i == WAIT_SPINS || (h == 0 && mtime() > when + WAIT_TICKS)) {
			err = MTIP_NEVER;
			break;
		}
		if (h != 0)
			wfi();
	}
	if (!err && mtime() < when)
		err = MTIP_EARLY;
	*mtimecmp(h) = UINT64_MAX;
	if (!err && !mtip_clears())
		err = MTIP_STUCK;
	csr_clear(mie, MIE_MTIE);
	return err;
}

/* This hart's minstret across a loop of LOOP_INSNS instructions: at least that, and not a hundred
 * times more. QEMU's minstret (without -icount) is the host's cycle counter, so there the bounds are
 * about speed: the loop's CSR read is a helper call in QEMU, which keeps a try at 9 to 17 host cycles
 * per instruction (measured on QEMU 7.2, MTTCG and single-threaded), well inside both bounds, and a
 * try the host preempted is tried again. A machine that counts instructions (lockstep, or QEMU with
 * -icount) gives the same count on every try. */
static uint64_t do_minstret(void)
{
	for (int t = 0; t < LOOP_TRIES; t++) {
		uint64_t before, after, n, x;
		__asm__ volatile(
			"	csrr	%0, minstret\n"
			"	li	%2, %4\n"
			"1:	csrr	%3, mscratch\n"
			"	.rept	9\n"
			"	add	%3, %3, %2\n"
			"	.endr\n"
			"	addi	%2, %2, -1\n"
			"	bnez	%2, 1b\n"
			"	csrr	%1, minstret\n"
			: "=&r"(before), "=&r"(after), "=&r"(n), "=&r"(x) : "i"(LOOP_ITERS));
		if (after - before < LOOP_INSNS)
			return INSTRET_FEW;
		if (after - before <= 100UL * LOOP_INSNS)
			return 0;
	}
	return INSTRET_MANY;                      /* other harts' instructions too? */
}

static uint64_t run_phase(enum phase p, uint64_t h)
{
	switch (p) {
	case CHECKIN: do_checkin(h); return 0;
	case LOCK: do_lock(); return 0;
	case AMO: do_amo(h); return 0;
	case IPI: return h == 0 ? 0 : do_ipi(h);
	case TIMER: return do_timer(h);
	case MINSTRET: return do_minstret();
	default: return 0;
	}
}

void smp_secondary(uint64_t h)
{
	for (enum phase p = CHECKIN; p < PHASES; p++) {
		while (phase < p)
			;
		fence();
		result[p][h] = run_phase(p, h);
		finished[h] = p;
		fence();
		if (p != CHECKIN)
			amoadd_d(&done[p], 1);
	}
}

/* ---- hart 0 ----------------------------------------------------------------------------------- */

/* Spins until *v reaches want, for at most WAIT_TICKS of mtime or WAIT_SPINS looks. */
static int wait_for(volatile uint64_t *v, uint64_t want)
{
	uint64_t deadline = mtime() + WAIT_TICKS;
	for (uint64_t i = 0; i < WAIT_SPINS; i++) {
		if (*v >= want) {
			fence();
			return 1;
		}
		if ((i & 1023) == 1023 && mtime() > deadline)
			break;
	}
	return *v >= want;
}

static const char *plural(uint64_t n) { return n == 1 ? "" : "s"; }

static _Noreturn void fail(const char *what)
{
	printf("FAIL %s\n", what);
	for (uint64_t h = 1; h < harts; h++)
		if (trapped[h])
			printf("hart %lu trapped: mcause=0x%lx mepc=0x%lx\n", (unsigned long)h,
			       (unsigned long)(trapped[h] - 1), (unsigned long)trap_pc[h]);
	printf("FAIL\n");
	poweroff(1);
}

/* Starts phase p, runs it on hart 0 and waits until every hart has done it. */
static void phase_all(enum phase p, const char *what)
{
	fence();
	phase = p;
	result[p][0] = run_phase(p, 0);
	finished[0] = p;
	if (p != CHECKIN)
		amoadd_d(&done[p], 1);
	if (!wait_for(&done[p], harts)) {
		printf("%s: only %lu of %lu harts finished; missing:", what,
		       (unsigned long)done[p], (unsigned long)harts);
		for (uint64_t h = 0; h < harts; h++)
			if (finished[h] < p)
				printf(" %lu", (unsigned long)h);
		printf("\n");
		fail(what);
	}
}

/* Fails if a hart found something wrong in phase p, naming each such hart and what it found. */
static void check_results(enum phase p, const char *what)
{
	int bad = 0;
	for (uint64_t h = 0; h < harts; h++)
		if (result[p][h]) {
			printf("%s: hart %lu: %s\n", what, (unsigned long)h, error_text[result[p][h]]);
			bad = 1;
		}
	if (bad)
		fail(what);
}

int main(void)
{
	uint64_t dtb = smp_boot_a1[0];
	uint64_t n = count_cpus((const uint8_t *)dtb);
	if (n == 0) {
		printf("smp: no cpu@ nodes under /cpus in the device tree at a1 = 0x%lx\n", (unsigned long)dtb);
		fail("device tree");
	}
	harts = n < MAX_HARTS ? n : MAX_HARTS;

	/* 1: every hart checks in with its mhartid, in its own slot; each had a0 = mhartid and the
	 * same a1 at reset. */
	phase_all(CHECKIN, "checkin");
	for (uint64_t h = 0; h < MAX_HARTS; h++) {
		uint64_t none = (uint64_t)-1, in = h < harts;
		if (reported[h] != (in ? h : none) || smp_boot_a0[h] != (in ? h : none) ||
		    smp_boot_a1[h] != (in ? dtb : none)) {
			printf("checkin: slot %lu: mhartid 0x%lx, a0 0x%lx, a1 0x%lx at reset\n", (unsigned long)h,
			       (unsigned long)reported[h], (unsigned long)smp_boot_a0[h],
			       (unsigned long)smp_boot_a1[h]);
			fail("checkin");
		}
	}
	if (n > MAX_HARTS)
		printf("smp: %lu harts, the first %d each checked in with its mhartid\n", (unsigned long)n, MAX_HARTS);
	else
		printf("smp: %lu hart%s, %schecked in with its mhartid\n", (unsigned long)n, plural(n),
		       n == 1 ? "" : "each ");

	/* 2: an LR/SC spinlock around a plain counter. */
	phase_all(LOCK, "lr/sc lock");
	if (locked_counter != harts * LOCK_ITERS || lock_word != 0) {
		printf("lr/sc lock: counter %lu, expected %lu; lock word %u\n", (unsigned long)locked_counter,
		       (unsigned long)(harts * LOCK_ITERS), (unsigned)lock_word);
		fail("lr/sc lock");
	}
	printf("lr/sc lock: %d locked increments per hart, total %lu\n", LOCK_ITERS, (unsigned long)locked_counter);

	/* 3: amoadd.d, hart h adding h + 1 each time. */
	phase_all(AMO, "amoadd.d");
	uint64_t want = (uint64_t)AMO_ITERS * harts * (harts + 1) / 2;
	if (amo_counter != want) {
		printf("amoadd.d: counter %lu, expected %lu\n", (unsigned long)amo_counter, (unsigned long)want);
		fail("amoadd.d");
	}
	printf("amoadd.d: %d adds of mhartid + 1 per hart, total %lu\n", AMO_ITERS, (unsigned long)amo_counter);

	/* 4: hart 0 sends an IPI to each other hart in turn and waits for its acknowledgement. */
	fence();
	phase = IPI;
	for (uint64_t h = 1; h < harts; h++) {
		if (ipi_ack[h]) {
			printf("ipi: hart %lu acknowledged before its IPI was sent\n", (unsigned long)h);
			fail("ipi");
		}
		ipi_sent[h] = 1;
		fence();
		*msip(h) = 1;
		if (!wait_for(&ipi_ack[h], 1)) {
			printf("ipi: hart %lu did not acknowledge its IPI\n", (unsigned long)h);
			fail("ipi");
		}
	}
	finished[0] = IPI;
	amoadd_d(&done[IPI], 1);
	if (!wait_for(&done[IPI], harts))
		fail("ipi: not every hart finished");
	if (csr_read(mip) & MIP_MSIP)
		fail("ipi: hart 0's msip is pending");
	check_results(IPI, "ipi");
	if (harts == 1)
		printf("ipi: no other hart to wake\n");
	else
		printf("ipi: hart 0 woke every other hart in turn through its msip\n");

	/* 5: each hart's own timer interrupt. */
	phase_all(TIMER, "timer");
	check_results(TIMER, "timer");
	printf("timer: every hart took its own mtimecmp interrupt\n");

	/* 6: each hart's own minstret. */
	phase_all(MINSTRET, "minstret");
	check_results(MINSTRET, "minstret");
	printf("minstret: every hart counted its own %d-instruction loop\n", LOOP_INSNS);

	printf("PASS\n");
	return 0;
}
