/* racy: a preemptive round-robin scheduler on the CLINT timer whose threads race on a
 * shared counter with non-atomic increments. The quanta come from the RTC (and console
 * input), so different seeds interleave differently and some runs lose updates. */
#include "runtime.h"

#define THREADS     4
#define ITERS       10000        /* increments per thread */
#define STACK_WORDS 1024         /* 8 KiB per thread */
#define WORK_MIN    40           /* private LCG steps between increments ... */
#define WORK_SPREAD 32           /* ... plus a seed-derived 0..31 per thread */
#define QUANTUM_MIN    15000     /* mtime ticks (1.5 ms at 10 MHz) ... */
#define QUANTUM_SPREAD 16384     /* ... plus a pseudo-random 0..16383 per quantum */

struct thread {
	struct trap_frame *frame;    /* saved context while not running */
	volatile int done;
};

static struct thread threads[THREADS];
static uint64_t stacks[THREADS][STACK_WORDS] __attribute__((aligned(16)));
static struct trap_frame *main_frame;
static int current = -1;                    /* -1: main, which waits for the threads */
static volatile int finished;
static uint64_t switches, console_bytes;

static volatile uint64_t shared;            /* incremented by every thread, racily */
static volatile uint64_t private_count[THREADS];
static volatile uint64_t private_sink[THREADS];
static unsigned work_len[THREADS];

/* splitmix64: turns the RTC value into a well-mixed seed */
static uint64_t mix(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rng;                        /* xorshift64 state of the scheduler */

static uint64_t next_quantum(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return QUANTUM_MIN + rng % QUANTUM_SPREAD;
}

/* ---- threads --------------------------------------------------------------------------- */

static void worker(int id)
{
	uint64_t x = (uint64_t)id + 1;
	for (int i = 0; i < ITERS; i++) {
		for (unsigned k = 0; k < work_len[id]; k++)
			x = x * 6364136223846793005ull + 1442695040888963407ull;
		private_sink[id] = x;
		/* The race: read the shared counter, do a little work, write it back plus
		 * one. A preemption between the ld and the sd loses every increment that
		 * the other threads make before this thread runs again. */
		uint64_t tmp;
		__asm__ volatile("ld   %0, 0(%2)\n\t"
				 "xor  %1, %1, %0\n\t"
				 "srli %1, %1, 1\n\t"
				 "addi %0, %0, 1\n\t"
				 "sd   %0, 0(%2)"
				 : "=&r"(tmp), "+r"(x) : "r"(&shared) : "memory");
		private_count[id]++;
	}
}

static void thread_main(int id)
{
	worker(id);
	threads[id].done = 1;
	__asm__ volatile("ecall");    /* yield for good: the scheduler never picks it again */
	for (;;)
		;
}

static void thread_create(int id)
{
	struct trap_frame *f = (struct trap_frame *)&stacks[id][STACK_WORDS] - 1;
	uint64_t gp, tp;
	__asm__("mv %0, gp\n\tmv %1, tp" : "=r"(gp), "=r"(tp));
	f->x[2] = (uint64_t)f;             /* the thread's stack starts below its first frame */
	f->x[3] = gp;
	f->x[4] = tp;
	f->x[10] = (uint64_t)id;
	f->mepc = (uint64_t)thread_main;
	f->mstatus = (csr_read(mstatus) & ~MSTATUS_MIE) | MSTATUS_MPP_M | MSTATUS_MPIE;
	threads[id].frame = f;
}

/* ---- scheduler -------------------------------------------------------------------------- */

static int pick_next(void)
{
	int start = current < 0 ? 0 : current + 1;
	for (int i = 0; i < THREADS; i++) {
		int t = (start + i) % THREADS;
		if (!threads[t].done)
			return t;
	}
	return -1;
}

struct trap_frame *trap_handler(struct trap_frame *f, uint64_t mcause, uint64_t mtval)
{
	if (mcause == (MCAUSE_INTERRUPT | 7)) {
		/* console input perturbs the next quanta */
		int c;
		while ((c = uart_getc()) >= 0) {
			console_bytes++;
			rng ^= mix((uint64_t)c + console_bytes);
			if (rng == 0)
				rng = 1;
		}
	} else if (mcause == 11) {
		f->mepc += 4;                  /* ecall: a finished thread yields */
	} else {
		printf("racy: unexpected trap mcause=0x%llx mepc=0x%llx mtval=0x%llx\n",
		       (unsigned long long)mcause, (unsigned long long)f->mepc,
		       (unsigned long long)mtval);
		poweroff(255);
	}

	if (current < 0)
		main_frame = f;
	else
		threads[current].frame = f;

	int next = pick_next();
	if (next < 0) {                        /* all done: back to main for good */
		timer_disarm();
		csr_clear(mie, MIE_MTIE);
		current = -1;
		finished = 1;
		return main_frame;
	}
	if (next != current)
		switches++;
	current = next;
	timer_arm_in(next_quantum());
	return threads[next].frame;
}

/* ---- main ------------------------------------------------------------------------------- */

int main(void)
{
	uint64_t seed = mix(rtc_ns());
	printf("racy: %d threads x %d increments, seed from the RTC @seed=%016llx\n",
	       THREADS, ITERS, (unsigned long long)seed);

	rng = seed | 1;
	for (int i = 0; i < THREADS; i++) {
		work_len[i] = WORK_MIN + (unsigned)(seed >> (8 * i)) % WORK_SPREAD;
		thread_create(i);
	}

	/* the first interrupt comes at once and starts thread 0 */
	csr_write(mie, MIE_MTIE);
	mtimecmp_set(0);
	csr_set(mstatus, MSTATUS_MIE);
	while (!finished)
		;
	csr_clear(mstatus, MSTATUS_MIE);

	uint64_t sum = 0;
	for (int i = 0; i < THREADS; i++) {
		printf("racy: thread %d private=%llu\n", i, (unsigned long long)private_count[i]);
		sum += private_count[i];
	}
	printf("racy: shared=%llu sum of private=%llu\n", (unsigned long long)shared,
	       (unsigned long long)sum);
	printf("racy: context switches=%llu console bytes=%llu @instret=%llu\n",
	       (unsigned long long)switches, (unsigned long long)console_bytes,
	       (unsigned long long)rdinstret());
	if (shared == sum) {
		printf("racy: invariant held\n");
		return 0;
	}
	printf("racy: invariant BROKEN (lost %llu updates)\n", (unsigned long long)(sum - shared));
	return 1;
}
