/* vmtest: S- and U-mode under Sv39 and Sv48 page tables, driven from M-mode. Checks
 * translation, page faults and their tvals, A/D updates, SUM, MXR, sfence.vma,
 * delegation to S, misaligned superpages, non-canonical addresses and PMP denials.
 * Prints PASS/FAIL per check, a summary, and exits with the failure count. */
#include <string.h>
#include "runtime.h"

/* ---- checks ---------------------------------------------------------------------- */

static int checks, failures;
static const char *scheme = "bare";	/* prefix of every check name */

static void check(const char *name, uint64_t got, uint64_t want)
{
	checks++;
	if (got == want) {
		printf("PASS %s %s\n", scheme, name);
		return;
	}
	failures++;
	printf("FAIL %s %s: got 0x%llx want 0x%llx\n", scheme, name,
	       (unsigned long long)got, (unsigned long long)want);
}

/* ---- probes: one access in S or U mode, reported back to M ---------------------- *
 *
 * M-mode starts a probe with `ecall` (a7 = PROBE_CALL): the trap handler keeps the caller's
 * frame and resumes a fresh frame in S or U mode at one of the tiny routines below. The
 * probe ends with its next trap into M: its own ecall when the access worked, or the fault
 * it raised. Either way the handler records what happened and resumes the M-mode caller.
 * No trap is delegated unless a check sets medeleg; then the S handler `s_trap` reports
 * scause/stval/sepc to M with an ecall that carries S_TRAP_CALL in a7. */

#define PROBE_CALL  0x9e0beUL
#define S_TRAP_CALL 0x5ec5UL
#define NO_TRAP     (~0UL)	/* cause of a probe that ended with its own ecall */

__asm__(
	"	.section .text.probes, \"ax\", @progbits\n"
	"	.align 2\n"
	"	.globl probe_load, probe_store, probe_fetch, probe_sfence_va, probe_sfence_all, s_trap\n"
	"probe_load:	ld a0, 0(a1)\n"		/* a0 = *a1 */
	"	ecall\n"
	"probe_store:	sd a2, 0(a1)\n"		/* *a1 = a2 */
	"	ecall\n"
	"probe_fetch:	jr a1\n"		/* the code at a1 sets a0 and does ecall */
	"probe_sfence_va:	sfence.vma a1, zero\n"
	"	ld a0, 0(a1)\n"
	"	ecall\n"
	"probe_sfence_all:	sfence.vma zero, zero\n"
	"	ld a0, 0(a1)\n"
	"	ecall\n"
	"	.align 2\n"
	"s_trap:	csrr a0, scause\n"
	"	csrr a1, stval\n"
	"	csrr a2, sepc\n"
	"	li a7, 0x5ec5\n"
	"	ecall\n"
	"	.text\n");

extern char probe_load[], probe_store[], probe_fetch[], probe_sfence_va[], probe_sfence_all[], s_trap[];

#define PRIV_U 0
#define PRIV_S 1

/* What a probe did. With delegation, cause/tval/epc are what the S handler saw. */
struct outcome {
	uint64_t cause, tval, epc, value;
	int delegated;
};

static struct trap_frame probe_frame;
static struct trap_frame *probe_caller;
static struct outcome last;
static uint8_t probe_stack[8192] __attribute__((aligned(16)));

/* M-mode's own expected faults (locked PMP entries): recorded and skipped. */
static volatile int m_fault_expected;
static volatile uint64_t m_fault_cause, m_fault_tval;

struct trap_frame *trap_handler(struct trap_frame *f, uint64_t mcause, uint64_t mtval)
{
	uint64_t from = (f->mstatus >> 11) & 3;

	if (from == 3 && mcause == 11 && f->x[17] == PROBE_CALL && !probe_caller) {
		probe_caller = f;
		return &probe_frame;
	}
	if (from != 3 && probe_caller) {
		struct trap_frame *c = probe_caller;
		probe_caller = 0;
		last.delegated = mcause == 9 && f->x[17] == S_TRAP_CALL;
		if (last.delegated) {
			last.cause = f->x[10];
			last.tval = f->x[11];
			last.epc = f->x[12];
			last.value = 0;
		} else {
			last.cause = mcause == 8 || mcause == 9 ? NO_TRAP : mcause;
			last.tval = mcause == 8 || mcause == 9 ? 0 : mtval;
			last.epc = f->mepc;
			last.value = f->x[10];
		}
		c->mepc += 4;
		return c;
	}
	if (from == 3 && m_fault_expected && (mcause == 5 || mcause == 7)) {
		m_fault_expected = 0;
		m_fault_cause = mcause;
		m_fault_tval = mtval;
		f->mepc += 4;	/* the faulting access is a 4-byte instruction (.option norvc) */
		return f;
	}
	printf("vmtest: unexpected trap mcause=0x%llx mepc=0x%llx mtval=0x%llx from %d\n",
	       (unsigned long long)mcause, (unsigned long long)f->mepc,
	       (unsigned long long)mtval, (int)from);
	poweroff(255);
}

#define U_ALIAS   0x40000000UL	/* a U-mode alias of the image (which is at 0x80000000) */
#define RAM_BASE  0x80000000UL

static int paging;	/* satp is on: U runs the probes through U_ALIAS */

static uint64_t u_alias(const void *p) { return paging ? (uint64_t)p - RAM_BASE + U_ALIAS : (uint64_t)p; }

/* Runs `code` in mode `priv` with a1, a2 and extra mstatus bits (SUM, MXR, TVM). */
static struct outcome probe(int priv, const char *code, uint64_t a1, uint64_t a2, uint64_t status)
{
	memset(&probe_frame, 0, sizeof probe_frame);
	probe_frame.mepc = priv == PRIV_U ? u_alias(code) : (uint64_t)code;
	probe_frame.x[2] = (uint64_t)(probe_stack + sizeof probe_stack);
	probe_frame.x[11] = a1;
	probe_frame.x[12] = a2;
	uint64_t s = csr_read(mstatus);
	s &= ~(MSTATUS_MPP | MSTATUS_MIE | MSTATUS_MPIE | (1UL << 17) | (7UL << 18));
	probe_frame.mstatus = s | (uint64_t)priv << 11 | status;

	last.cause = last.tval = last.epc = last.value = 0xdead;
	register uint64_t a7 __asm__("a7") = PROBE_CALL;
	__asm__ volatile("ecall" : : "r"(a7) : "memory");
	return last;
}

#define MSTATUS_SUM (1UL << 18)
#define MSTATUS_MXR (1UL << 19)
#define MSTATUS_TVM (1UL << 20)

static struct outcome load(int priv, uint64_t va, uint64_t status) { return probe(priv, probe_load, va, 0, status); }
static struct outcome store(int priv, uint64_t va, uint64_t v, uint64_t status) { return probe(priv, probe_store, va, v, status); }
static struct outcome fetch(int priv, uint64_t va, uint64_t status) { return probe(priv, probe_fetch, va, 0, status); }

static const char *mode_name(int priv) { return priv == PRIV_U ? "U" : "S"; }

/* Check helpers: "<U|S> <what>: <field>" names, one PASS/FAIL line per field. */
static char name_buf[128];

static const char *nm(int priv, const char *what, const char *field)
{
	snprintf(name_buf, sizeof name_buf, "%s %s: %s", mode_name(priv), what, field);
	return name_buf;
}

static void expect_value(int priv, const char *what, struct outcome o, uint64_t value)
{
	check(nm(priv, what, "no trap"), o.cause, NO_TRAP);
	check(nm(priv, what, "value"), o.value, value);
}

static void expect_fault(int priv, const char *what, struct outcome o, uint64_t cause, uint64_t tval)
{
	check(nm(priv, what, "cause"), o.cause, cause);
	check(nm(priv, what, "tval"), o.tval, tval);
}

#define FETCH_PF 12
#define LOAD_PF  13
#define STORE_PF 15
#define FETCH_AF 1
#define LOAD_AF  5
#define STORE_AF 7
#define ILLEGAL  2

/* ---- page tables ----------------------------------------------------------------- */

#define PTE_V (1UL << 0)
#define PTE_R (1UL << 1)
#define PTE_W (1UL << 2)
#define PTE_X (1UL << 3)
#define PTE_U (1UL << 4)
#define PTE_A (1UL << 6)
#define PTE_D (1UL << 7)
#define RW    (PTE_R | PTE_W)
#define AD    (PTE_A | PTE_D)

#define POOL_TABLES 48
#define DATA_PAGES  40
static uint64_t pt_pool[POOL_TABLES][512] __attribute__((aligned(4096)));
static uint8_t data[DATA_PAGES][4096] __attribute__((aligned(4096)));
static int pool_used;
static int levels;		/* 3 = Sv39, 4 = Sv48 */
static uint64_t *root;

static uint64_t *new_table(void)
{
	if (pool_used == POOL_TABLES) {
		printf("vmtest: page table pool exhausted\n");
		poweroff(255);
	}
	uint64_t *t = pt_pool[pool_used++];
	memset(t, 0, 4096);
	return t;
}

static unsigned vpn(uint64_t va, int level) { return (va >> (12 + 9 * level)) & 511; }

static uint64_t pte_for(uint64_t pa, uint64_t flags) { return (pa >> 12) << 10 | flags; }

/* The PTE slot for `va` at `level` (0 = 4 KiB leaf), creating pointer PTEs above it. */
static uint64_t *slot(uint64_t va, int level)
{
	uint64_t *t = root;
	for (int l = levels - 1; l > level; l--) {
		uint64_t *e = &t[vpn(va, l)];
		if (!(*e & PTE_V))
			*e = pte_for((uint64_t)new_table(), PTE_V);
		t = (uint64_t *)((*e >> 10) << 12);
	}
	return &t[vpn(va, level)];
}

static void map(uint64_t va, uint64_t pa, int level, uint64_t flags) { *slot(va, level) = pte_for(pa, flags); }

static void sfence_all(void) { __asm__ volatile("sfence.vma zero, zero" ::: "memory"); }

static void fence_i(void) { __asm__ volatile("fence.i" ::: "memory"); }

static uint64_t pa_of(int page) { return (uint64_t)data[page]; }

static void poke(int page, uint64_t v) { *(volatile uint64_t *)data[page] = v; }

static uint64_t peek(int page) { return *(volatile uint64_t *)data[page]; }

/* `li a0, 0x5a; ecall` at `off` in a data page: what the fetch checks run. */
#define FETCH_MAGIC 0x5a

static void put_code(int page, unsigned off)
{
	*(volatile uint32_t *)(data[page] + off) = 0x05a00513;	/* addi a0, zero, 0x5a */
	*(volatile uint32_t *)(data[page] + off + 4) = 0x00000073;	/* ecall */
	fence_i();
}

/* The data pages each check uses, mapped at TEST_VA + page * 4 KiB. */
enum {
	P_RW, P_RW_U, P_RO, P_WO, P_X, P_X_U, P_XO, P_XO_U, P_AD_LOAD, P_AD_STORE, P_AD_FETCH,
	P_SFENCE_OLD, P_SFENCE_NEW, P_HIGH, P_UNMAPPED, P_LEAF_AT_0, P_STRADDLE, P_STRADDLE_NEXT,
	P_PMP, P_PMP_TABLE, P_PMP_CODE, P_MISC, P_LOCKED, P_RSVD, P_NONLEAF_A, N_PAGES
};
_Static_assert(N_PAGES <= DATA_PAGES, "data pages");

#define TEST_VA   0x100000000UL	/* vpn[2] = 4 */
#define GIGA_VA   0x140000000UL	/* a 1 GiB leaf */
#define MEGA_VA   0x180000000UL	/* a 2 MiB leaf, and a misaligned one after it */
#define BADGIGA_VA 0x1c0000000UL	/* a misaligned 1 GiB leaf */
#define PMP_VA    0x200000000UL	/* pages whose leaf table PMP denies */
#define NONLEAF_A_VA 0x240000000UL	/* reached through a pointer PTE with A set */
#define TERA_VA   0x8000000000UL	/* Sv48: a 512 GiB leaf; Sv39: not canonical */

static uint64_t tva(int page) { return TEST_VA + (uint64_t)page * 4096; }

/* The high half: the lowest canonical address with the top bit set. */
static uint64_t high_va(void) { return levels == 3 ? 0xffffffc000000000UL : 0xffff800000000000UL; }

static void build_tables(void)
{
	pool_used = 0;
	root = new_table();
	/* the image, for S (code, stack, these tables), and its U-mode alias for U's code */
	map(RAM_BASE, RAM_BASE, 2, PTE_V | RW | PTE_X | AD);
	map(U_ALIAS, RAM_BASE, 2, PTE_V | PTE_R | PTE_X | PTE_U | PTE_A);

	memset(data, 0, sizeof data);
	map(tva(P_RW), pa_of(P_RW), 0, PTE_V | RW | AD);
	map(tva(P_RW_U), pa_of(P_RW_U), 0, PTE_V | RW | PTE_U | AD);
	map(tva(P_RO), pa_of(P_RO), 0, PTE_V | PTE_R);			/* A clear: a failed store must not set it */
	map(tva(P_WO), pa_of(P_WO), 0, PTE_V | PTE_W | AD);		/* W without R is reserved */
	map(tva(P_X), pa_of(P_X), 0, PTE_V | PTE_R | PTE_X | AD);
	map(tva(P_X_U), pa_of(P_X_U), 0, PTE_V | PTE_R | PTE_X | PTE_U | AD);
	map(tva(P_XO), pa_of(P_XO), 0, PTE_V | PTE_X | AD);
	map(tva(P_XO_U), pa_of(P_XO_U), 0, PTE_V | PTE_X | PTE_U | AD);
	map(tva(P_AD_LOAD), pa_of(P_AD_LOAD), 0, PTE_V | RW);
	map(tva(P_AD_STORE), pa_of(P_AD_STORE), 0, PTE_V | RW);
	map(tva(P_AD_FETCH), pa_of(P_AD_FETCH), 0, PTE_V | PTE_X);
	map(tva(P_SFENCE_OLD), pa_of(P_SFENCE_OLD), 0, PTE_V | RW | AD);
	map(tva(P_STRADDLE), pa_of(P_STRADDLE), 0, PTE_V | PTE_X | PTE_A);
	/* P_STRADDLE_NEXT and P_UNMAPPED stay unmapped */
	/* a pointer PTE where a leaf must be: level 0 pointing further down */
	map(tva(P_LEAF_AT_0), pa_of(P_MISC), 0, PTE_V);
	map(high_va(), pa_of(P_HIGH), 0, PTE_V | RW | AD);
	/* reserved bits: PTE bit 54 (no Svpbmt/Svnapot), and A on a pointer PTE */
	map(tva(P_RSVD), pa_of(P_RSVD), 0, PTE_V | RW | AD | 1UL << 54);
	map(NONLEAF_A_VA, pa_of(P_NONLEAF_A), 0, PTE_V | RW | AD);
	*slot(NONLEAF_A_VA, 1) |= PTE_A;

	map(GIGA_VA, RAM_BASE, 2, PTE_V | RW | AD);
	map(MEGA_VA, pa_of(P_MISC) & ~0x1fffffUL, 1, PTE_V | RW | AD);
	map(MEGA_VA + 0x200000, (pa_of(P_MISC) & ~0x1fffffUL) + 0x1000, 1, PTE_V | RW | AD);
	map(BADGIGA_VA, RAM_BASE + 0x200000, 2, PTE_V | RW | PTE_X | AD);
	if (levels == 4)
		map(TERA_VA, 0, 3, PTE_V | RW | AD);

	/* PMP_VA's leaf table is a data page that the PMP checks deny */
	uint64_t *l1 = slot(PMP_VA, 1);
	*l1 = pte_for(pa_of(P_PMP_TABLE), PTE_V);
	uint64_t *leaf = (uint64_t *)data[P_PMP_TABLE];
	leaf[0] = pte_for(pa_of(P_RW), PTE_V | RW | AD);
	leaf[1] = pte_for(pa_of(P_X), PTE_V | PTE_R | PTE_X | AD);

	map(tva(P_PMP), pa_of(P_PMP), 0, PTE_V | RW | AD);
	map(tva(P_PMP_CODE), pa_of(P_PMP_CODE), 0, PTE_V | PTE_R | PTE_X | AD);

	put_code(P_X, 0);
	put_code(P_X_U, 0);
	put_code(P_XO, 0);
	put_code(P_XO_U, 0);
	put_code(P_AD_FETCH, 0);
	put_code(P_PMP_CODE, 0);

	csr_write(satp, (levels == 3 ? 8UL : 9UL) << 60 | (uint64_t)root >> 12);
	paging = 1;
	sfence_all();
}

static uint64_t *leaf_pte(uint64_t va) { return slot(va, 0); }

/* ---- PMP ------------------------------------------------------------------------- */

#define PMP_R     0x01
#define PMP_W     0x02
#define PMP_X     0x04
#define PMP_TOR   0x08
#define PMP_NAPOT 0x18
#define PMP_L     0x80

/* Entry 15 lets S and U reach everything (TOR from 0, as entry 14 is off with pmpaddr14 = 0);
 * entry 0 is the one the checks change. */
static void pmp_init(void)
{
	csr_write(pmpaddr14, 0);
	csr_write(pmpaddr15, ~0UL >> 10);
	csr_write(pmpcfg2, (uint64_t)(PMP_TOR | PMP_R | PMP_W | PMP_X) << 56);
	csr_write(pmpcfg0, 0);
	sfence_all();
}

/* Entry 0 covers one 4 KiB page with permissions `perm` (0 = no access). */
static void pmp_page(uint64_t pa, unsigned perm)
{
	csr_write(pmpaddr0, pa >> 2 | 0x1ff);
	csr_write(pmpcfg0, PMP_NAPOT | perm);
	sfence_all();
}

static void pmp_off(void)
{
	csr_write(pmpcfg0, 0);
	sfence_all();
}

/* ---- the checks ------------------------------------------------------------------ */

static void translation(void)
{
	poke(P_RW, 0x1111000000000001UL);
	expect_value(PRIV_S, "load 4K page", load(PRIV_S, tva(P_RW), 0), 0x1111000000000001UL);
	struct outcome o = store(PRIV_S, tva(P_RW) + 8, 0x2222000000000002UL, 0);
	check("S store 4K page: no trap", o.cause, NO_TRAP);
	check("S store 4K page: memory", *(volatile uint64_t *)(data[P_RW] + 8), 0x2222000000000002UL);

	poke(P_RW_U, 0x3333000000000003UL);
	expect_value(PRIV_U, "load U page", load(PRIV_U, tva(P_RW_U), 0), 0x3333000000000003UL);
	o = store(PRIV_U, tva(P_RW_U) + 16, 0x4444000000000004UL, 0);
	check("U store U page: no trap", o.cause, NO_TRAP);
	check("U store U page: memory", *(volatile uint64_t *)(data[P_RW_U] + 16), 0x4444000000000004UL);

	poke(P_HIGH, 0x5555000000000005UL);
	expect_value(PRIV_S, "load high-half address", load(PRIV_S, high_va(), 0), 0x5555000000000005UL);

	poke(P_MISC, 0x6666000000000006UL);
	expect_value(PRIV_S, "load through 1 GiB leaf", load(PRIV_S, GIGA_VA + (pa_of(P_MISC) - RAM_BASE), 0),
		     0x6666000000000006UL);
	expect_value(PRIV_S, "load through 2 MiB leaf", load(PRIV_S, MEGA_VA + (pa_of(P_MISC) & 0x1fffff), 0),
		     0x6666000000000006UL);
	if (levels == 4)
		expect_value(PRIV_S, "load through 512 GiB leaf", load(PRIV_S, TERA_VA + pa_of(P_MISC), 0),
			     0x6666000000000006UL);
	else
		expect_fault(PRIV_S, "load 2^39 (canonical only in Sv48)", load(PRIV_S, TERA_VA + pa_of(P_MISC), 0),
			     LOAD_PF, TERA_VA + pa_of(P_MISC));

	expect_value(PRIV_S, "fetch X page", fetch(PRIV_S, tva(P_X), 0), FETCH_MAGIC);
	expect_value(PRIV_U, "fetch U X page", fetch(PRIV_U, tva(P_X_U), 0), FETCH_MAGIC);
}

static void page_faults(void)
{
	uint64_t va = tva(P_UNMAPPED) + 0x18;
	expect_fault(PRIV_S, "load unmapped", load(PRIV_S, va, 0), LOAD_PF, va);
	expect_fault(PRIV_S, "store unmapped", store(PRIV_S, va, 1, 0), STORE_PF, va);
	struct outcome o = fetch(PRIV_S, va, 0);
	expect_fault(PRIV_S, "fetch unmapped", o, FETCH_PF, va);
	check("S fetch unmapped: epc", o.epc, va);
	expect_fault(PRIV_U, "load unmapped", load(PRIV_U, va, 0), LOAD_PF, va);
	o = fetch(PRIV_U, va, 0);
	expect_fault(PRIV_U, "fetch unmapped", o, FETCH_PF, va);
	check("U fetch unmapped: epc", o.epc, va);

	uint64_t before = *leaf_pte(tva(P_RO));
	expect_fault(PRIV_S, "store read-only page", store(PRIV_S, tva(P_RO) + 8, 1, 0), STORE_PF, tva(P_RO) + 8);
	check("S store read-only page: PTE unchanged (no A)", *leaf_pte(tva(P_RO)), before);
	expect_fault(PRIV_S, "fetch non-X page", fetch(PRIV_S, tva(P_RW), 0), FETCH_PF, tva(P_RW));
	expect_fault(PRIV_S, "load W-only PTE (reserved)", load(PRIV_S, tva(P_WO), 0), LOAD_PF, tva(P_WO));
	expect_fault(PRIV_S, "store W-only PTE (reserved)", store(PRIV_S, tva(P_WO), 1, 0), STORE_PF, tva(P_WO));
	expect_fault(PRIV_S, "load pointer PTE at level 0", load(PRIV_S, tva(P_LEAF_AT_0) + 0x20, 0), LOAD_PF,
		     tva(P_LEAF_AT_0) + 0x20);

	expect_fault(PRIV_S, "load PTE with reserved bit 54", load(PRIV_S, tva(P_RSVD), 0), LOAD_PF, tva(P_RSVD));
	expect_fault(PRIV_S, "load via pointer PTE with A set (reserved)", load(PRIV_S, NONLEAF_A_VA, 0), LOAD_PF,
		     NONLEAF_A_VA);

	/* A 4-byte instruction whose second half is on an unmapped page: the fault names that half. */
	*(volatile uint16_t *)(data[P_STRADDLE] + 4094) = 0x0513;	/* low half of addi a0, zero, 0x5a */
	fence_i();
	o = fetch(PRIV_S, tva(P_STRADDLE) + 4094, 0);
	expect_fault(PRIV_S, "fetch straddling into unmapped page", o, FETCH_PF, tva(P_STRADDLE) + 4096);
	check("S fetch straddling into unmapped page: epc", o.epc, tva(P_STRADDLE) + 4094);
}

static void superpages_and_canonical(void)
{
	uint64_t va = MEGA_VA + 0x200000 + 0x40;
	expect_fault(PRIV_S, "load misaligned 2 MiB leaf", load(PRIV_S, va, 0), LOAD_PF, va);
	expect_fault(PRIV_S, "store misaligned 2 MiB leaf", store(PRIV_S, va, 1, 0), STORE_PF, va);
	va = BADGIGA_VA + 0x1000;
	expect_fault(PRIV_S, "load misaligned 1 GiB leaf", load(PRIV_S, va, 0), LOAD_PF, va);
	expect_fault(PRIV_S, "fetch misaligned 1 GiB leaf", fetch(PRIV_S, va, 0), FETCH_PF, va);

	/* the bit above the top VA bit set, upper bits clear; and the reverse */
	uint64_t top = levels == 3 ? 1UL << 38 : 1UL << 47;
	va = top + 0x1000;
	expect_fault(PRIV_S, "load non-canonical (high bit only)", load(PRIV_S, va, 0), LOAD_PF, va);
	expect_fault(PRIV_S, "store non-canonical (high bit only)", store(PRIV_S, va, 1, 0), STORE_PF, va);
	expect_fault(PRIV_S, "fetch non-canonical (high bit only)", fetch(PRIV_S, va, 0), FETCH_PF, va);
	va = ~(top | 0xfffUL);
	expect_fault(PRIV_S, "load non-canonical (upper bits only)", load(PRIV_S, va, 0), LOAD_PF, va);
	expect_fault(PRIV_U, "load non-canonical (upper bits only)", load(PRIV_U, va, 0), LOAD_PF, va);
	va = high_va() + 0x200000;
	expect_fault(PRIV_S, "load canonical high-half unmapped", load(PRIV_S, va, 0), LOAD_PF, va);
}

static void sum_and_user_pages(void)
{
	poke(P_RW_U, 0x7777000000000007UL);
	expect_fault(PRIV_S, "load U page without SUM", load(PRIV_S, tva(P_RW_U), 0), LOAD_PF, tva(P_RW_U));
	expect_fault(PRIV_S, "store U page without SUM", store(PRIV_S, tva(P_RW_U), 1, 0), STORE_PF, tva(P_RW_U));
	expect_value(PRIV_S, "load U page with SUM", load(PRIV_S, tva(P_RW_U), MSTATUS_SUM), 0x7777000000000007UL);
	struct outcome o = store(PRIV_S, tva(P_RW_U) + 8, 0x8888000000000008UL, MSTATUS_SUM);
	check("S store U page with SUM: no trap", o.cause, NO_TRAP);
	check("S store U page with SUM: memory", *(volatile uint64_t *)(data[P_RW_U] + 8), 0x8888000000000008UL);
	expect_fault(PRIV_S, "fetch U page even with SUM", fetch(PRIV_S, tva(P_X_U), MSTATUS_SUM), FETCH_PF,
		     tva(P_X_U));

	expect_fault(PRIV_U, "load S page", load(PRIV_U, tva(P_RW), 0), LOAD_PF, tva(P_RW));
	expect_fault(PRIV_U, "store S page", store(PRIV_U, tva(P_RW), 1, 0), STORE_PF, tva(P_RW));
	expect_fault(PRIV_U, "fetch S page", fetch(PRIV_U, tva(P_X), 0), FETCH_PF, tva(P_X));
	expect_fault(PRIV_U, "load S page with SUM (SUM is for S)", load(PRIV_U, tva(P_RW), MSTATUS_SUM), LOAD_PF,
		     tva(P_RW));
}

static void mxr(void)
{
	uint64_t word = *(volatile uint64_t *)data[P_XO];
	expect_fault(PRIV_S, "load execute-only page", load(PRIV_S, tva(P_XO), 0), LOAD_PF, tva(P_XO));
	expect_value(PRIV_S, "load execute-only page with MXR", load(PRIV_S, tva(P_XO), MSTATUS_MXR), word);
	expect_fault(PRIV_S, "store execute-only page with MXR", store(PRIV_S, tva(P_XO), 1, MSTATUS_MXR), STORE_PF,
		     tva(P_XO));
	expect_value(PRIV_S, "fetch execute-only page", fetch(PRIV_S, tva(P_XO), 0), FETCH_MAGIC);
	expect_fault(PRIV_U, "load execute-only U page", load(PRIV_U, tva(P_XO_U), 0), LOAD_PF, tva(P_XO_U));
	expect_value(PRIV_U, "load execute-only U page with MXR", load(PRIV_U, tva(P_XO_U), MSTATUS_MXR), word);
}

static void accessed_dirty(void)
{
	uint64_t *pte = leaf_pte(tva(P_AD_LOAD));
	check("A/D clear before any access", *pte & AD, 0);
	load(PRIV_S, tva(P_AD_LOAD), 0);
	check("S load sets A only", *pte & AD, PTE_A);
	store(PRIV_S, tva(P_AD_LOAD), 1, 0);
	check("S store after load sets D", *pte & AD, AD);

	pte = leaf_pte(tva(P_AD_STORE));
	store(PRIV_S, tva(P_AD_STORE), 1, 0);
	check("S store sets A and D", *pte & AD, AD);

	pte = leaf_pte(tva(P_AD_FETCH));
	expect_value(PRIV_S, "fetch page with A clear", fetch(PRIV_S, tva(P_AD_FETCH), 0), FETCH_MAGIC);
	check("S fetch sets A only", *pte & AD, PTE_A);

	/* clear A again: after sfence.vma the next access must set it again */
	pte = leaf_pte(tva(P_AD_LOAD));
	*pte &= ~AD;
	sfence_all();
	load(PRIV_S, tva(P_AD_LOAD), 0);
	check("S load sets A again after clear and sfence", *pte & AD, PTE_A);
}

static void sfence(void)
{
	uint64_t va = tva(P_SFENCE_OLD);
	poke(P_SFENCE_OLD, 0xa1d);
	poke(P_SFENCE_NEW, 0x9e3);
	expect_value(PRIV_S, "load before remap", load(PRIV_S, va, 0), 0xa1d);
	*leaf_pte(va) = pte_for(pa_of(P_SFENCE_NEW), PTE_V | RW | AD);
	expect_value(PRIV_S, "sfence.vma va then load sees new page", probe(PRIV_S, probe_sfence_va, va, 0, 0), 0x9e3);

	*leaf_pte(va) = pte_for(pa_of(P_SFENCE_OLD), PTE_V | RW | AD);
	expect_value(PRIV_S, "sfence.vma all then load sees old page again",
		     probe(PRIV_S, probe_sfence_all, va, 0, 0), 0xa1d);

	*leaf_pte(va) = 0;
	expect_fault(PRIV_S, "sfence.vma then load of unmapped page",
		     probe(PRIV_S, probe_sfence_va, va, 0, 0), LOAD_PF, va);
	*leaf_pte(va) = pte_for(pa_of(P_SFENCE_OLD), PTE_V | RW | AD);
	sfence_all();

	struct outcome o = probe(PRIV_U, probe_sfence_va, va, 0, 0);
	check("U sfence.vma: illegal instruction", o.cause, ILLEGAL);
	check("U sfence.vma: epc", o.epc, u_alias(probe_sfence_va));
	o = probe(PRIV_S, probe_sfence_va, va, 0, MSTATUS_TVM);
	check("S sfence.vma with TVM: illegal instruction", o.cause, ILLEGAL);
}

static void delegation(void)
{
	csr_write(stvec, (uint64_t)s_trap);
	csr_write(medeleg, 1UL << FETCH_PF | 1UL << LOAD_PF | 1UL << STORE_PF);
	uint64_t va = tva(P_UNMAPPED) + 0x28;

	struct outcome o = load(PRIV_S, va, 0);
	check("S load page fault delegated: to S", o.delegated, 1);
	check("S load page fault delegated: scause", o.cause, LOAD_PF);
	check("S load page fault delegated: stval", o.tval, va);
	check("S load page fault delegated: sepc", o.epc, (uint64_t)probe_load);

	o = store(PRIV_U, va, 1, 0);
	check("U store page fault delegated: to S", o.delegated, 1);
	check("U store page fault delegated: scause", o.cause, STORE_PF);
	check("U store page fault delegated: stval", o.tval, va);
	check("U store page fault delegated: sepc", o.epc, u_alias(probe_store));

	o = fetch(PRIV_U, va, 0);
	check("U fetch page fault delegated: to S", o.delegated, 1);
	check("U fetch page fault delegated: scause", o.cause, FETCH_PF);
	check("U fetch page fault delegated: stval", o.tval, va);
	check("U fetch page fault delegated: sepc", o.epc, va);

	o = load(PRIV_U, tva(P_RW), 0);
	check("U load S page delegated: scause", o.cause, LOAD_PF);
	check("U load S page delegated: stval", o.tval, tva(P_RW));

	csr_write(medeleg, 0);
	o = load(PRIV_S, va, 0);
	check("S load page fault not delegated: to M", o.delegated, 0);
}

static void pmp_denials(void)
{
	poke(P_PMP, 0xbeef);
	pmp_page(pa_of(P_PMP), 0);
	expect_fault(PRIV_S, "load PMP-denied page", load(PRIV_S, tva(P_PMP) + 8, 0), LOAD_AF, tva(P_PMP) + 8);
	expect_fault(PRIV_S, "store PMP-denied page", store(PRIV_S, tva(P_PMP), 1, 0), STORE_AF, tva(P_PMP));
	expect_fault(PRIV_U, "load S page that PMP denies (page fault first)", load(PRIV_U, tva(P_PMP), 0),
		     LOAD_PF, tva(P_PMP));
	check("M load PMP-denied page (entry not locked)", peek(P_PMP), 0xbeef);

	pmp_page(pa_of(P_PMP), PMP_R);
	expect_value(PRIV_S, "load PMP read-only page", load(PRIV_S, tva(P_PMP), 0), 0xbeef);
	expect_fault(PRIV_S, "store PMP read-only page", store(PRIV_S, tva(P_PMP), 1, 0), STORE_AF, tva(P_PMP));

	pmp_page(pa_of(P_PMP_CODE), PMP_R);
	expect_fault(PRIV_S, "fetch PMP non-executable page", fetch(PRIV_S, tva(P_PMP_CODE), 0), FETCH_AF,
		     tva(P_PMP_CODE));
	pmp_page(pa_of(P_PMP_CODE), PMP_X);
	expect_value(PRIV_S, "fetch PMP execute-only page", fetch(PRIV_S, tva(P_PMP_CODE), 0), FETCH_MAGIC);

	/* the walk's own PTE read is checked too; the fault has the original access's type */
	poke(P_RW, 0x1111000000000001UL);
	expect_value(PRIV_S, "load via PMP_VA (table allowed)", load(PRIV_S, PMP_VA, 0), 0x1111000000000001UL);
	pmp_page(pa_of(P_PMP_TABLE), 0);
	expect_fault(PRIV_S, "load, leaf PTE PMP-denied", load(PRIV_S, PMP_VA + 8, 0), LOAD_AF, PMP_VA + 8);
	expect_fault(PRIV_S, "store, leaf PTE PMP-denied", store(PRIV_S, PMP_VA + 8, 1, 0), STORE_AF, PMP_VA + 8);
	expect_fault(PRIV_S, "fetch, leaf PTE PMP-denied", fetch(PRIV_S, PMP_VA + 4096, 0), FETCH_AF, PMP_VA + 4096);
	pmp_off();
	expect_value(PRIV_S, "fetch via PMP_VA after PMP entry off", fetch(PRIV_S, PMP_VA + 4096, 0), FETCH_MAGIC);
}

/* One scheme: build its tables, then every check in S and U. */
static void run_scheme(int lv)
{
	levels = lv;
	scheme = lv == 3 ? "sv39" : "sv48";
	build_tables();
	translation();
	page_faults();
	superpages_and_canonical();
	sum_and_user_pages();
	mxr();
	accessed_dirty();
	sfence();
	delegation();
	pmp_denials();
}

/* Without paging, PMP alone protects: a U access to a denied page faults with the physical address. */
static void bare_pmp(void)
{
	scheme = "bare";
	csr_write(satp, 0);
	paging = 0;
	sfence_all();
	poke(P_MISC, 0x1234);
	struct outcome o = load(PRIV_U, pa_of(P_MISC), 0);
	check("U load RAM (bare): no trap", o.cause, NO_TRAP);
	check("U load RAM (bare): value", o.value, 0x1234);
	pmp_page(pa_of(P_MISC), 0);
	o = load(PRIV_U, pa_of(P_MISC) + 16, 0);
	check("U load PMP-denied page (bare): cause", o.cause, LOAD_AF);
	check("U load PMP-denied page (bare): tval", o.tval, pa_of(P_MISC) + 16);
	o = store(PRIV_S, pa_of(P_MISC), 1, 0);
	check("S store PMP-denied page (bare): cause", o.cause, STORE_AF);
	pmp_off();
}

/* A locked entry binds M-mode too and cannot be rewritten: run last, it stays until reset. */
static void locked_pmp(void)
{
	scheme = "locked";
	uint64_t pa = pa_of(P_LOCKED);
	csr_write(pmpaddr1, pa >> 2 | 0x1ff);
	csr_write(pmpcfg0, (uint64_t)(PMP_L | PMP_NAPOT) << 8);
	sfence_all();
	check("locked entry: cfg reads back", (csr_read(pmpcfg0) >> 8) & 0xff, PMP_L | PMP_NAPOT);
	csr_write(pmpcfg0, (uint64_t)(PMP_NAPOT | PMP_R | PMP_W) << 8);
	csr_write(pmpaddr1, 0);
	check("locked entry: cfg write ignored", (csr_read(pmpcfg0) >> 8) & 0xff, PMP_L | PMP_NAPOT);
	check("locked entry: addr write ignored", csr_read(pmpaddr1), pa >> 2 | 0x1ff);

	uint64_t v;
	m_fault_expected = 1;
	__asm__ volatile(".option push\n.option norvc\nld %0, 0(%1)\n.option pop" : "=r"(v) : "r"(pa + 8) : "memory");
	check("M load under locked entry: cause", m_fault_cause, LOAD_AF);
	check("M load under locked entry: mtval", m_fault_tval, pa + 8);
	m_fault_expected = 1;
	__asm__ volatile(".option push\n.option norvc\nsd %0, 0(%1)\n.option pop" :: "r"(v), "r"(pa) : "memory");
	check("M store under locked entry: cause", m_fault_cause, STORE_AF);
	check("M store under locked entry: mtval", m_fault_tval, pa);
	(void)v;
}

int main(void)
{
	printf("vmtest: Sv39 and Sv48, S and U modes, PMP\n");
	pmp_init();
	run_scheme(3);
	run_scheme(4);
	bare_pmp();
	locked_pmp();
	printf("vmtest: %d checks, %d failed\n", checks, failures);
	return failures > 255 ? 255 : failures;
}
