/* bench: a CPU-bound benchmark (CRC32, quicksort, integer matrix multiply) with
 * deterministic results checked against built-in values. -DBENCH_SMALL: a short run. */
#include "runtime.h"

#ifdef BENCH_SMALL
#define CRC_BYTES   (256 * 1024)
#define CRC_ROUNDS  4
#define SORT_N      (32 * 1024)
#define SORT_ROUNDS 2
#define MAT_N       64
#define MAT_ROUNDS  2
#define WANT_CRC    0xa1231e0eu
#define WANT_SORT   0x200c1243e00b5a33ull
#define WANT_MAT    0x93db169c252b5a69ull
#else
#define CRC_BYTES   (1024 * 1024)
#define CRC_ROUNDS  40
#define SORT_N      (256 * 1024)
#define SORT_ROUNDS 10
#define MAT_N       192
#define MAT_ROUNDS  10
#define WANT_CRC    0xd2ba4d73u
#define WANT_SORT   0xb27b3f69903dc775ull
#define WANT_MAT    0x79704502b745f599ull
#endif

/* 64-bit LCG (Knuth's MMIX constants); the high half is the output. */
static uint64_t lcg_state;

static void lcg_seed(uint64_t seed) { lcg_state = seed; }

static uint32_t lcg_next(void)
{
	lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(lcg_state >> 32);
}

/* ---- CRC32 (IEEE 802.3, reflected, table-driven) ------------------------------------ */

static uint8_t crc_buf[CRC_BYTES];
static uint32_t crc_table[256];

static uint32_t bench_crc32(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & -(c & 1));
		crc_table[i] = c;
	}
	lcg_seed(1);
	for (uint32_t i = 0; i < CRC_BYTES; i++)
		crc_buf[i] = (uint8_t)(lcg_next() >> 24);

	/* the CRC of the buffer repeated CRC_ROUNDS times */
	uint32_t crc = 0xffffffffu;
	for (int r = 0; r < CRC_ROUNDS; r++)
		for (uint32_t i = 0; i < CRC_BYTES; i++)
			crc = (crc >> 8) ^ crc_table[(crc ^ crc_buf[i]) & 0xff];
	return ~crc;
}

/* ---- quicksort ------------------------------------------------------------------------ */

static int32_t sort_buf[SORT_N];

static void insertion_sort(int32_t *a, long n)
{
	for (long i = 1; i < n; i++) {
		int32_t v = a[i];
		long j = i - 1;
		while (j >= 0 && a[j] > v) {
			a[j + 1] = a[j];
			j--;
		}
		a[j + 1] = v;
	}
}

static void quicksort(int32_t *a, long n)
{
	while (n > 16) {
		/* median of three as the pivot */
		int32_t x = a[0], y = a[n / 2], z = a[n - 1];
		int32_t pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
		long i = 0, j = n - 1;
		for (;;) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i >= j)
				break;
			int32_t t = a[i];
			a[i] = a[j];
			a[j] = t;
			i++;
			j--;
		}
		/* recurse into the smaller part, loop on the larger */
		long left = j + 1;
		if (left < n - left) {
			quicksort(a, left);
			a += left;
			n -= left;
		} else {
			quicksort(a + left, n - left);
			n = left;
		}
	}
	insertion_sort(a, n);
}

static uint64_t bench_sort(void)
{
	uint64_t sum = 0;
	for (int r = 0; r < SORT_ROUNDS; r++) {
		lcg_seed(1000 + r);
		for (long i = 0; i < SORT_N; i++)
			sort_buf[i] = (int32_t)lcg_next();
		quicksort(sort_buf, SORT_N);
		for (long i = 1; i < SORT_N; i++)
			if (sort_buf[i - 1] > sort_buf[i])
				return 0;   /* not sorted: never matches the expected value */
		for (long i = 0; i < SORT_N; i++)
			sum = sum * 31 + (uint32_t)sort_buf[i];
	}
	return sum;
}

/* ---- integer matrix multiply ---------------------------------------------------------- */

static uint32_t mat_a[MAT_N][MAT_N], mat_b[MAT_N][MAT_N], mat_c[MAT_N][MAT_N];

static uint64_t bench_matmul(void)
{
	uint64_t sum = 0;
	for (int r = 0; r < MAT_ROUNDS; r++) {
		lcg_seed(2000 + r);
		for (int i = 0; i < MAT_N; i++)
			for (int j = 0; j < MAT_N; j++) {
				mat_a[i][j] = lcg_next();
				mat_b[i][j] = lcg_next();
			}
		for (int i = 0; i < MAT_N; i++)
			for (int j = 0; j < MAT_N; j++) {
				uint32_t acc = 0;
				for (int k = 0; k < MAT_N; k++)
					acc += mat_a[i][k] * mat_b[k][j];
				mat_c[i][j] = acc;
			}
		for (int i = 0; i < MAT_N; i++)
			for (int j = 0; j < MAT_N; j++)
				sum = sum * 33 + mat_c[i][j];
	}
	return sum;
}

/* ---- driver ---------------------------------------------------------------------------- */

static int mismatches;

static void report(const char *what, uint64_t got, uint64_t want, uint64_t instret)
{
	printf("bench: %s = 0x%016llx %s @instret=%llu\n", what, (unsigned long long)got,
	       got == want ? "ok" : "MISMATCH", (unsigned long long)instret);
	if (got != want) {
		printf("bench: %s expected 0x%016llx\n", what, (unsigned long long)want);
		mismatches++;
	}
}

int main(void)
{
	printf("bench: crc32 %d KiB x %d, sort %d ints x %d, matmul %dx%d x %d\n",
	       CRC_BYTES / 1024, CRC_ROUNDS, SORT_N, SORT_ROUNDS, MAT_N, MAT_N, MAT_ROUNDS);
	uint64_t t0 = rdinstret(), c0 = rdcycle();
	uint64_t crc = bench_crc32();
	uint64_t t1 = rdinstret();
	report("crc32", crc, WANT_CRC, t1 - t0);
	uint64_t sorted = bench_sort();
	uint64_t t2 = rdinstret();
	report("sort", sorted, WANT_SORT, t2 - t1);
	uint64_t mat = bench_matmul();
	uint64_t t3 = rdinstret(), c3 = rdcycle();
	report("matmul", mat, WANT_MAT, t3 - t2);
	printf("bench: total @instret=%llu @cycle=%llu\n", (unsigned long long)(t3 - t0),
	       (unsigned long long)(c3 - c0));
	printf("bench: %s\n", mismatches ? "FAILED" : "all results match");
	return mismatches;
}
