/* fptest: F and D against values taken from QEMU. Runs add/sub/mul/div/sqrt/fma in all
 * five rounding modes (static in the instruction and dynamic through frm), conversions and
 * their saturation, min/max, compares, fclass, sign injection and NaN-boxing; each result
 * is compared, as raw bits with the accrued fflags, with a table generated on QEMU
 * (expected/fptest.txt). Then fcsr, mstatus.FS and reserved rounding modes, whose
 * expected values come from the spec. Exits with the failure count.
 *
 * Built with -DFPTEST_GENERATE it prints the table instead: `make fptest-expected`. */
#include "runtime.h"

/* ---- operations ------------------------------------------------------------------ */

/* Shapes: which register files the operands and the result are in, and whether the
 * instruction takes a rounding mode. F = FP register (moved as raw 64 bits), X = integer. */
enum shape { F_FF_R, F_F_R, F_FFF_R, F_FF, X_FF, X_F, X_F_R, F_X_R, F_X, F_F, F_LOAD_W, STORE_W };

#define OPS(X) \
	X(FADD_S, "fadd.s", F_FF_R, 'S') X(FSUB_S, "fsub.s", F_FF_R, 'S') \
	X(FMUL_S, "fmul.s", F_FF_R, 'S') X(FDIV_S, "fdiv.s", F_FF_R, 'S') \
	X(FSQRT_S, "fsqrt.s", F_F_R, 'S') \
	X(FMADD_S, "fmadd.s", F_FFF_R, 'S') X(FMSUB_S, "fmsub.s", F_FFF_R, 'S') \
	X(FNMADD_S, "fnmadd.s", F_FFF_R, 'S') X(FNMSUB_S, "fnmsub.s", F_FFF_R, 'S') \
	X(FMIN_S, "fmin.s", F_FF, 'S') X(FMAX_S, "fmax.s", F_FF, 'S') \
	X(FSGNJ_S, "fsgnj.s", F_FF, 'S') X(FSGNJN_S, "fsgnjn.s", F_FF, 'S') X(FSGNJX_S, "fsgnjx.s", F_FF, 'S') \
	X(FEQ_S, "feq.s", X_FF, 'S') X(FLT_S, "flt.s", X_FF, 'S') X(FLE_S, "fle.s", X_FF, 'S') \
	X(FCLASS_S, "fclass.s", X_F, 'S') X(FMV_X_W, "fmv.x.w", X_F, 'S') \
	X(FCVT_W_S, "fcvt.w.s", X_F_R, 'S') X(FCVT_WU_S, "fcvt.wu.s", X_F_R, 'S') \
	X(FCVT_L_S, "fcvt.l.s", X_F_R, 'S') X(FCVT_LU_S, "fcvt.lu.s", X_F_R, 'S') \
	X(FCVT_S_W, "fcvt.s.w", F_X_R, 'X') X(FCVT_S_WU, "fcvt.s.wu", F_X_R, 'X') \
	X(FCVT_S_L, "fcvt.s.l", F_X_R, 'X') X(FCVT_S_LU, "fcvt.s.lu", F_X_R, 'X') \
	X(FMV_W_X, "fmv.w.x", F_X, 'X') \
	X(FCVT_S_D, "fcvt.s.d", F_F_R, 'D') X(FCVT_D_S, "fcvt.d.s", F_F, 'S') \
	X(FLW, "flw", F_LOAD_W, 'X') X(FSW, "fsw", STORE_W, 'S') \
	X(FADD_D, "fadd.d", F_FF_R, 'D') X(FSUB_D, "fsub.d", F_FF_R, 'D') \
	X(FMUL_D, "fmul.d", F_FF_R, 'D') X(FDIV_D, "fdiv.d", F_FF_R, 'D') \
	X(FSQRT_D, "fsqrt.d", F_F_R, 'D') \
	X(FMADD_D, "fmadd.d", F_FFF_R, 'D') X(FMSUB_D, "fmsub.d", F_FFF_R, 'D') \
	X(FNMADD_D, "fnmadd.d", F_FFF_R, 'D') X(FNMSUB_D, "fnmsub.d", F_FFF_R, 'D') \
	X(FMIN_D, "fmin.d", F_FF, 'D') X(FMAX_D, "fmax.d", F_FF, 'D') \
	X(FSGNJ_D, "fsgnj.d", F_FF, 'D') X(FSGNJN_D, "fsgnjn.d", F_FF, 'D') X(FSGNJX_D, "fsgnjx.d", F_FF, 'D') \
	X(FEQ_D, "feq.d", X_FF, 'D') X(FLT_D, "flt.d", X_FF, 'D') X(FLE_D, "fle.d", X_FF, 'D') \
	X(FCLASS_D, "fclass.d", X_F, 'D') \
	X(FCVT_W_D, "fcvt.w.d", X_F_R, 'D') X(FCVT_WU_D, "fcvt.wu.d", X_F_R, 'D') \
	X(FCVT_L_D, "fcvt.l.d", X_F_R, 'D') X(FCVT_LU_D, "fcvt.lu.d", X_F_R, 'D') \
	X(FCVT_D_W, "fcvt.d.w", F_X, 'X') X(FCVT_D_WU, "fcvt.d.wu", F_X, 'X') \
	X(FCVT_D_L, "fcvt.d.l", F_X_R, 'X') X(FCVT_D_LU, "fcvt.d.lu", F_X_R, 'X')

#define ENUM(id, name, shape, fmt) id,
enum op { OPS(ENUM) N_OPS };
#define NAME(id, name, shape, fmt) name,
static const char *const op_name[] = { OPS(NAME) };
#define SHAPE(id, name, shape, fmt) shape,
static const unsigned char op_shape[] = { OPS(SHAPE) };
#define FMT(id, name, shape, fmt) fmt,
static const char op_fmt[] = { OPS(FMT) };

/* Rounding: 0..4 static in the instruction; DYN | m: the instruction says dyn, frm = m. */
enum { RNE, RTZ, RDN, RUP, RMM, NONE = 5, DYN = 8 };
static const char *const rm_name[] = { "rne", "rtz", "rdn", "rup", "rmm" };

/* Each macro runs one instruction between clearing and reading fflags, in one asm statement
 * so that nothing else can touch the flags. Operands go in through fmv.d.x (raw bits: a
 * single that is not NaN-boxed stays unboxed), results come out through fmv.x.d. */
#define CLR "csrw fflags, zero\n\t"
#define GET "\n\tcsrr %1, fflags"

#define A_F_FF(insn, rm) __asm__ volatile("fmv.d.x ft0, %2\n\tfmv.d.x ft1, %3\n\t" CLR insn " ft2, ft0, ft1" rm GET \
	"\n\tfmv.x.d %0, ft2" : "=r"(r), "=r"(fl) : "r"(a), "r"(b) : "ft0", "ft1", "ft2")
#define A_F_F(insn, rm) __asm__ volatile("fmv.d.x ft0, %2\n\t" CLR insn " ft2, ft0" rm GET \
	"\n\tfmv.x.d %0, ft2" : "=r"(r), "=r"(fl) : "r"(a) : "ft0", "ft2")
#define A_F_FFF(insn, rm) __asm__ volatile("fmv.d.x ft0, %2\n\tfmv.d.x ft1, %3\n\tfmv.d.x ft3, %4\n\t" CLR insn \
	" ft2, ft0, ft1, ft3" rm GET "\n\tfmv.x.d %0, ft2" : "=r"(r), "=r"(fl) : "r"(a), "r"(b), "r"(c) \
	: "ft0", "ft1", "ft2", "ft3")
#define A_X_FF(insn, rm) __asm__ volatile("fmv.d.x ft0, %2\n\tfmv.d.x ft1, %3\n\t" CLR insn " %0, ft0, ft1" rm GET \
	: "=&r"(r), "=r"(fl) : "r"(a), "r"(b) : "ft0", "ft1")
#define A_X_F(insn, rm) __asm__ volatile("fmv.d.x ft0, %2\n\t" CLR insn " %0, ft0" rm GET \
	: "=&r"(r), "=r"(fl) : "r"(a) : "ft0")
#define A_F_X(insn, rm) __asm__ volatile(CLR insn " ft2, %2" rm GET "\n\tfmv.x.d %0, ft2" \
	: "=r"(r), "=r"(fl) : "r"(a) : "ft2")

#define WITH_RM(ASM, insn) do { switch (rm & 7) { \
	case RNE: if (rm & DYN) ASM(insn, ", dyn"); else ASM(insn, ", rne"); break; \
	case RTZ: if (rm & DYN) ASM(insn, ", dyn"); else ASM(insn, ", rtz"); break; \
	case RDN: if (rm & DYN) ASM(insn, ", dyn"); else ASM(insn, ", rdn"); break; \
	case RUP: if (rm & DYN) ASM(insn, ", dyn"); else ASM(insn, ", rup"); break; \
	default:  if (rm & DYN) ASM(insn, ", dyn"); else ASM(insn, ", rmm"); break; } } while (0)

static volatile uint64_t mem_word;

/* Runs `op` in rounding mode `rm` on raw operands; returns the result bits, sets *flags. */
static uint64_t run(int op, int rm, uint64_t a, uint64_t b, uint64_t c, unsigned *flags)
{
	uint64_t r = 0, fl = 0;
	if (rm & DYN)
		csr_write(frm, rm & 7);
	switch (op) {
	case FADD_S: WITH_RM(A_F_FF, "fadd.s"); break;
	case FSUB_S: WITH_RM(A_F_FF, "fsub.s"); break;
	case FMUL_S: WITH_RM(A_F_FF, "fmul.s"); break;
	case FDIV_S: WITH_RM(A_F_FF, "fdiv.s"); break;
	case FSQRT_S: WITH_RM(A_F_F, "fsqrt.s"); break;
	case FMADD_S: WITH_RM(A_F_FFF, "fmadd.s"); break;
	case FMSUB_S: WITH_RM(A_F_FFF, "fmsub.s"); break;
	case FNMADD_S: WITH_RM(A_F_FFF, "fnmadd.s"); break;
	case FNMSUB_S: WITH_RM(A_F_FFF, "fnmsub.s"); break;
	case FMIN_S: A_F_FF("fmin.s", ""); break;
	case FMAX_S: A_F_FF("fmax.s", ""); break;
	case FSGNJ_S: A_F_FF("fsgnj.s", ""); break;
	case FSGNJN_S: A_F_FF("fsgnjn.s", ""); break;
	case FSGNJX_S: A_F_FF("fsgnjx.s", ""); break;
	case FEQ_S: A_X_FF("feq.s", ""); break;
	case FLT_S: A_X_FF("flt.s", ""); break;
	case FLE_S: A_X_FF("fle.s", ""); break;
	case FCLASS_S: A_X_F("fclass.s", ""); break;
	case FMV_X_W: A_X_F("fmv.x.w", ""); break;
	case FCVT_W_S: WITH_RM(A_X_F, "fcvt.w.s"); break;
	case FCVT_WU_S: WITH_RM(A_X_F, "fcvt.wu.s"); break;
	case FCVT_L_S: WITH_RM(A_X_F, "fcvt.l.s"); break;
	case FCVT_LU_S: WITH_RM(A_X_F, "fcvt.lu.s"); break;
	case FCVT_S_W: WITH_RM(A_F_X, "fcvt.s.w"); break;
	case FCVT_S_WU: WITH_RM(A_F_X, "fcvt.s.wu"); break;
	case FCVT_S_L: WITH_RM(A_F_X, "fcvt.s.l"); break;
	case FCVT_S_LU: WITH_RM(A_F_X, "fcvt.s.lu"); break;
	case FMV_W_X: A_F_X("fmv.w.x", ""); break;
	case FCVT_S_D: WITH_RM(A_F_F, "fcvt.s.d"); break;
	case FCVT_D_S: A_F_F("fcvt.d.s", ""); break;
	case FLW:
		mem_word = a;
		__asm__ volatile(CLR "flw ft2, 0(%2)" GET "\n\tfmv.x.d %0, ft2"
				 : "=r"(r), "=r"(fl) : "r"(&mem_word) : "ft2", "memory");
		break;
	case FSW:
		mem_word = 0x5555555555555555UL;
		__asm__ volatile("fmv.d.x ft0, %1\n\t" CLR "fsw ft0, 0(%2)\n\tcsrr %0, fflags"
				 : "=r"(fl) : "r"(a), "r"(&mem_word) : "ft0", "memory");
		r = mem_word;
		break;
	case FADD_D: WITH_RM(A_F_FF, "fadd.d"); break;
	case FSUB_D: WITH_RM(A_F_FF, "fsub.d"); break;
	case FMUL_D: WITH_RM(A_F_FF, "fmul.d"); break;
	case FDIV_D: WITH_RM(A_F_FF, "fdiv.d"); break;
	case FSQRT_D: WITH_RM(A_F_F, "fsqrt.d"); break;
	case FMADD_D: WITH_RM(A_F_FFF, "fmadd.d"); break;
	case FMSUB_D: WITH_RM(A_F_FFF, "fmsub.d"); break;
	case FNMADD_D: WITH_RM(A_F_FFF, "fnmadd.d"); break;
	case FNMSUB_D: WITH_RM(A_F_FFF, "fnmsub.d"); break;
	case FMIN_D: A_F_FF("fmin.d", ""); break;
	case FMAX_D: A_F_FF("fmax.d", ""); break;
	case FSGNJ_D: A_F_FF("fsgnj.d", ""); break;
	case FSGNJN_D: A_F_FF("fsgnjn.d", ""); break;
	case FSGNJX_D: A_F_FF("fsgnjx.d", ""); break;
	case FEQ_D: A_X_FF("feq.d", ""); break;
	case FLT_D: A_X_FF("flt.d", ""); break;
	case FLE_D: A_X_FF("fle.d", ""); break;
	case FCLASS_D: A_X_F("fclass.d", ""); break;
	case FCVT_W_D: WITH_RM(A_X_F, "fcvt.w.d"); break;
	case FCVT_WU_D: WITH_RM(A_X_F, "fcvt.wu.d"); break;
	case FCVT_L_D: WITH_RM(A_X_F, "fcvt.l.d"); break;
	case FCVT_LU_D: WITH_RM(A_X_F, "fcvt.lu.d"); break;
	case FCVT_D_W: A_F_X("fcvt.d.w", ""); break;
	case FCVT_D_WU: A_F_X("fcvt.d.wu", ""); break;
	case FCVT_D_L: WITH_RM(A_F_X, "fcvt.d.l"); break;
	case FCVT_D_LU: WITH_RM(A_F_X, "fcvt.d.lu"); break;
	}
	*flags = (unsigned)fl;
	return r;
}

/* ---- the cases ------------------------------------------------------------------- */

/* Named values, with the same meaning in both formats. */
enum {
	Z, NZ, ONE, NONE_, TWO, THREE, HALF, ONEP, ONEM, THIRD, HULP, HULPP, MINSUB, MAXSUB, MINNORM,
	MAX, NMAX, INF, NINF, QNAN, SNAN, NQNAN, TINY, NTINY, BIG, N_VALS
};
static const uint32_t vs[N_VALS] = {
	[Z] = 0, [NZ] = 0x80000000, [ONE] = 0x3f800000, [NONE_] = 0xbf800000, [TWO] = 0x40000000,
	[THREE] = 0x40400000, [HALF] = 0x3f000000,
	[ONEP] = 0x3f800001,	/* 1 + ulp */
	[ONEM] = 0x3f7fffff,	/* 1 - ulp/2 */
	[THIRD] = 0x3eaaaaab,
	[HULP] = 0x33800000,	/* 2^-24: half an ulp of 1 */
	[HULPP] = 0x33800001,	/* a little more */
	[MINSUB] = 0x00000001, [MAXSUB] = 0x007fffff, [MINNORM] = 0x00800000,
	[MAX] = 0x7f7fffff, [NMAX] = 0xff7fffff, [INF] = 0x7f800000, [NINF] = 0xff800000,
	[QNAN] = 0x7fc00000, [SNAN] = 0x7f800001,
	[NQNAN] = 0xffc12345,	/* negative quiet NaN with a payload */
	[TINY] = 0x17800000,	/* 2^-80: its square underflows to zero */
	[NTINY] = 0x97800000,
	[BIG] = 0x4b800000,	/* 2^24: BIG + 1 is a tie */
};
static const uint64_t vd[N_VALS] = {
	[Z] = 0, [NZ] = 0x8000000000000000, [ONE] = 0x3ff0000000000000, [NONE_] = 0xbff0000000000000,
	[TWO] = 0x4000000000000000, [THREE] = 0x4008000000000000, [HALF] = 0x3fe0000000000000,
	[ONEP] = 0x3ff0000000000001, [ONEM] = 0x3fefffffffffffff, [THIRD] = 0x3fd5555555555555,
	[HULP] = 0x3ca0000000000000, [HULPP] = 0x3ca0000000000001,
	[MINSUB] = 0x0000000000000001, [MAXSUB] = 0x000fffffffffffff, [MINNORM] = 0x0010000000000000,
	[MAX] = 0x7fefffffffffffff, [NMAX] = 0xffefffffffffffff, [INF] = 0x7ff0000000000000,
	[NINF] = 0xfff0000000000000, [QNAN] = 0x7ff8000000000000, [SNAN] = 0x7ff0000000000001,
	[NQNAN] = 0xfff8000000012345, [TINY] = 0x1a70000000000000, [NTINY] = 0x9a70000000000000,
	[BIG] = 0x4340000000000000,
};

#define BOX(s) (0xffffffff00000000UL | (uint32_t)(s))

static uint64_t val(int fmt, int v) { return fmt == 'S' ? BOX(vs[v]) : vd[v]; }

struct tcase {
	unsigned char op, rm;
	uint64_t a, b, c;
};

#define MAX_CASES 6000
static struct tcase cases[MAX_CASES];
static int n_cases;

static void add(int op, int rm, uint64_t a, uint64_t b, uint64_t c)
{
	if (n_cases == MAX_CASES) {
		printf("fptest: too many cases\n");
		poweroff(255);
	}
	cases[n_cases++] = (struct tcase){ (unsigned char)op, (unsigned char)rm, a, b, c };
}

static const unsigned char all_rm[] = { RNE, RTZ, RDN, RUP, RMM, DYN | RNE, DYN | RTZ, DYN | RDN, DYN | RUP, DYN | RMM };
static const unsigned char static_rm[] = { RNE, RTZ, RDN, RUP, RMM };

static const unsigned char add_pairs[][2] = {
	{ ONE, ONE }, { ONE, HULP }, { ONE, HULPP }, { ONEP, HULP }, { NONE_, HULP }, { ONE, NONE_ },
	{ Z, NZ }, { NZ, NZ }, { NZ, Z }, { MAX, MAX }, { NMAX, MAX }, { MINSUB, MINSUB },
	{ MAXSUB, MINSUB }, { INF, NINF }, { INF, INF }, { INF, ONE }, { QNAN, ONE }, { SNAN, ONE },
	{ ONE, NQNAN }, { THIRD, ONE }, { BIG, ONE }, { TINY, ONE },
};
static const unsigned char mul_pairs[][2] = {
	{ ONEP, ONEP }, { THIRD, THREE }, { MAX, TWO }, { NMAX, TWO }, { MINNORM, HALF }, { MINSUB, HALF },
	{ MINNORM, ONEM }, { Z, INF }, { INF, NONE_ }, { TINY, TINY }, { NTINY, TINY }, { SNAN, Z },
	{ QNAN, INF }, { NZ, ONE }, { MAXSUB, TWO }, { THIRD, THIRD }, { MAX, ONEP }, { NQNAN, QNAN },
};
static const unsigned char div_pairs[][2] = {
	{ ONE, THREE }, { ONE, Z }, { NONE_, Z }, { ONE, NZ }, { Z, Z }, { INF, INF }, { ONE, INF },
	{ INF, Z }, { MAX, HALF }, { MINNORM, TWO }, { MINSUB, TWO }, { TWO, THREE }, { ONE, MINSUB },
	{ QNAN, Z }, { SNAN, ONE }, { NZ, ONE }, { ONE, NINF }, { THREE, THIRD },
};
static const unsigned char sqrt_vals[] = {
	Z, NZ, ONE, TWO, THREE, NONE_, INF, NINF, QNAN, SNAN, MINSUB, MAX, THIRD, MAXSUB,
};
static const unsigned char fma_triples[][3] = {
	{ ONE, ONE, ONE }, { ONEP, ONEP, NONE_ }, { TWO, THREE, ONE }, { MAX, TWO, NMAX }, { INF, Z, QNAN },
	{ Z, INF, ONE }, { INF, ONE, NINF }, { THIRD, THREE, NONE_ }, { NONE_, ONE, ONE }, { ONE, HULP, ONE },
	{ SNAN, ONE, ONE }, { ONE, ONE, SNAN }, { TINY, TINY, Z }, { ONE, ONE, NONE_ }, { MINNORM, ONEM, Z },
	{ QNAN, ONE, INF },
};
static const unsigned char minmax_pairs[][2] = {
	{ ONE, TWO }, { TWO, ONE }, { NZ, Z }, { Z, NZ }, { QNAN, ONE }, { ONE, QNAN }, { SNAN, ONE },
	{ ONE, SNAN }, { QNAN, QNAN }, { SNAN, QNAN }, { NQNAN, NINF }, { INF, NINF },
};
static const unsigned char cmp_pairs[][2] = {
	{ ONE, ONE }, { ONE, TWO }, { TWO, ONE }, { NZ, Z }, { QNAN, ONE }, { SNAN, ONE }, { ONE, QNAN },
	{ INF, INF }, { NINF, INF }, { QNAN, QNAN },
};
static const unsigned char sgnj_pairs[][2] = {
	{ ONE, NONE_ }, { NONE_, TWO }, { QNAN, NONE_ }, { NQNAN, ONE }, { SNAN, NONE_ }, { NZ, NZ },
};
static const unsigned char class_vals[] = {
	NINF, NONE_, NZ, Z, MINSUB, MAXSUB, ONE, INF, SNAN, QNAN, NQNAN,
};

/* float -> integer: around the limits of each integer type */
static const uint32_t cvt_s[] = {
	0x00000000, 0x80000000, 0x3fc00000, 0xbfc00000, 0x40200000, 0xc0200000, 0x3f000000, 0xbf000000,
	0xbf800000, 0x4effffff, 0x4f000000, 0xcf000000, 0xcf000001, 0x4f800000, 0x5f000000, 0xdf000000,
	0x5f800000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 0xffc00000,
};
static const uint64_t cvt_d[] = {
	0x0000000000000000, 0x8000000000000000, 0x3ff8000000000000, 0xbff8000000000000,
	0x4004000000000000, 0xc004000000000000, 0x3fe0000000000000, 0xbfe0000000000000,
	0xbff0000000000000,
	0x41dfffffffe00000,	/* 2^31 - 0.5 */
	0x41e0000000000000, 0xc1e0000000000000,
	0xc1e0000000100000,	/* -2^31 - 0.5 */
	0x41effffffff00000,	/* 2^32 - 0.5 */
	0x43dfffffffffffff,	/* the largest double below 2^63 */
	0x43e0000000000000, 0xc3e0000000000000, 0x43f0000000000000,
	0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000000, 0x7ff0000000000001, 0xfff8000000000000,
};
/* integer -> float */
static const uint64_t cvt_ints[] = {
	0, 1, 0xffffffffffffffff, 0x7fffffff, 0xffffffff80000000,
	0x0000000080000000,	/* not sign-extended: the W forms read the low 32 bits */
	0xffffffff, 0x1000001, 0x20000001, 0x7fffffffffffffff, 0x8000000000000000,
	0x20000000000001,	/* 2^53 + 1 */
	0xfffffffffffffffe,
};
/* double -> single */
static const uint64_t narrow_d[] = {
	0x3fd5555555555555, 0x7fefffffffffffff, 0x0000000000000001, 0x7ff8000000000000,
	0x7ff0000000000001, 0xfff8000000012345,
	0x36a0000000000000,	/* 2^-149: the smallest single subnormal */
	0x3690000000000000,	/* 2^-150: a tie below it */
	0x3ff0000010000000,	/* 1 + 2^-24: a tie */
	0x3ff0000010000001,
	0x47effffff0000000,	/* the largest single + half an ulp: a tie that overflows */
	0x7ff0000000000000, 0x8000000000000000,
};
static const uint64_t widen_s[] = {
	BOX(0x7fc00000), BOX(0x7f800001), BOX(0xffc12345), BOX(0x00000001), BOX(0x7f800000),
	BOX(0x80000000), BOX(0x3eaaaaab),
	0x000000003f800000,	/* not NaN-boxed: reads as the canonical NaN */
};

#define N(a) (int)(sizeof(a) / sizeof((a)[0]))

static void pairs(int op, int fmt, const unsigned char (*p)[2], int n, const unsigned char *rms, int nrm)
{
	for (int i = 0; i < n; i++)
		for (int k = 0; k < nrm; k++)
			add(op, rms[k], val(fmt, p[i][0]), val(fmt, p[i][1]), 0);
}

static void build_cases(void)
{
	static const int fmts[] = { 'S', 'D' };
	for (int f = 0; f < 2; f++) {
		int s = fmts[f] == 'S';
		int fmt = fmts[f];
		pairs(s ? FADD_S : FADD_D, fmt, add_pairs, N(add_pairs), all_rm, N(all_rm));
		pairs(s ? FSUB_S : FSUB_D, fmt, add_pairs, N(add_pairs), all_rm, N(all_rm));
		pairs(s ? FMUL_S : FMUL_D, fmt, mul_pairs, N(mul_pairs), all_rm, N(all_rm));
		pairs(s ? FDIV_S : FDIV_D, fmt, div_pairs, N(div_pairs), all_rm, N(all_rm));
		for (int i = 0; i < N(sqrt_vals); i++)
			for (int k = 0; k < N(all_rm); k++)
				add(s ? FSQRT_S : FSQRT_D, all_rm[k], val(fmt, sqrt_vals[i]), 0, 0);
		static const int fma_s[] = { FMADD_S, FMSUB_S, FNMADD_S, FNMSUB_S };
		static const int fma_d[] = { FMADD_D, FMSUB_D, FNMADD_D, FNMSUB_D };
		for (int o = 0; o < 4; o++)
			for (int i = 0; i < N(fma_triples); i++)
				for (int k = 0; k < N(all_rm); k++)
					add(s ? fma_s[o] : fma_d[o], all_rm[k], val(fmt, fma_triples[i][0]),
					    val(fmt, fma_triples[i][1]), val(fmt, fma_triples[i][2]));
		static const unsigned char no_rm[] = { NONE };
		pairs(s ? FMIN_S : FMIN_D, fmt, minmax_pairs, N(minmax_pairs), no_rm, 1);
		pairs(s ? FMAX_S : FMAX_D, fmt, minmax_pairs, N(minmax_pairs), no_rm, 1);
		pairs(s ? FEQ_S : FEQ_D, fmt, cmp_pairs, N(cmp_pairs), no_rm, 1);
		pairs(s ? FLT_S : FLT_D, fmt, cmp_pairs, N(cmp_pairs), no_rm, 1);
		pairs(s ? FLE_S : FLE_D, fmt, cmp_pairs, N(cmp_pairs), no_rm, 1);
		pairs(s ? FSGNJ_S : FSGNJ_D, fmt, sgnj_pairs, N(sgnj_pairs), no_rm, 1);
		pairs(s ? FSGNJN_S : FSGNJN_D, fmt, sgnj_pairs, N(sgnj_pairs), no_rm, 1);
		pairs(s ? FSGNJX_S : FSGNJX_D, fmt, sgnj_pairs, N(sgnj_pairs), no_rm, 1);
		for (int i = 0; i < N(class_vals); i++)
			add(s ? FCLASS_S : FCLASS_D, NONE, val(fmt, class_vals[i]), 0, 0);
		add(s ? FCLASS_S : FCLASS_D, NONE, s ? 0x80000001UL | 0xffffffff00000000UL : 0x8000000000000001UL, 0, 0);

		static const int to_int_s[] = { FCVT_W_S, FCVT_WU_S, FCVT_L_S, FCVT_LU_S };
		static const int to_int_d[] = { FCVT_W_D, FCVT_WU_D, FCVT_L_D, FCVT_LU_D };
		for (int o = 0; o < 4; o++) {
			int n = s ? N(cvt_s) : N(cvt_d);
			for (int i = 0; i < n; i++)
				for (int k = 0; k < N(static_rm); k++)
					add(s ? to_int_s[o] : to_int_d[o], static_rm[k], s ? BOX(cvt_s[i]) : cvt_d[i], 0, 0);
		}
		static const int from_int_s[] = { FCVT_S_W, FCVT_S_WU, FCVT_S_L, FCVT_S_LU };
		static const int from_int_d[] = { FCVT_D_L, FCVT_D_LU };
		for (int o = 0; o < (s ? 4 : 2); o++)
			for (int i = 0; i < N(cvt_ints); i++)
				for (int k = 0; k < N(static_rm); k++)
					add(s ? from_int_s[o] : from_int_d[o], static_rm[k], cvt_ints[i], 0, 0);
	}
	for (int i = 0; i < N(cvt_ints); i++) {
		add(FCVT_D_W, NONE, cvt_ints[i], 0, 0);
		add(FCVT_D_WU, NONE, cvt_ints[i], 0, 0);
	}
	for (int i = 0; i < N(narrow_d); i++)
		for (int k = 0; k < N(static_rm); k++)
			add(FCVT_S_D, static_rm[k], narrow_d[i], 0, 0);
	for (int i = 0; i < N(widen_s); i++)
		add(FCVT_D_S, NONE, widen_s[i], 0, 0);

	/* NaN-boxing: a single whose upper 32 bits are not all ones reads as the canonical NaN */
	static const uint64_t unboxed[] = { 0x000000003f800000, 0xfffffffe3f800000, 0x7fffffff40000000 };
	for (int i = 0; i < N(unboxed); i++) {
		add(FADD_S, RNE, unboxed[i], BOX(vs[ONE]), 0);
		add(FMUL_S, RNE, BOX(vs[TWO]), unboxed[i], 0);
		add(FSQRT_S, RNE, unboxed[i], 0, 0);
		add(FMADD_S, RNE, BOX(vs[ONE]), BOX(vs[ONE]), unboxed[i]);
		add(FEQ_S, NONE, unboxed[i], unboxed[i], 0);
		add(FLT_S, NONE, unboxed[i], BOX(vs[ONE]), 0);
		add(FMIN_S, NONE, unboxed[i], BOX(vs[ONE]), 0);
		add(FSGNJ_S, NONE, unboxed[i], BOX(vs[NONE_]), 0);
		add(FSGNJX_S, NONE, BOX(vs[ONE]), unboxed[i], 0);
		add(FCLASS_S, NONE, unboxed[i], 0, 0);
		add(FCVT_W_S, RNE, unboxed[i], 0, 0);
		add(FMV_X_W, NONE, unboxed[i], 0, 0);	/* moves the low 32 bits, boxed or not */
		add(FSW, NONE, unboxed[i], 0, 0);	/* stores the low 32 bits, boxed or not */
	}
	add(FMV_X_W, NONE, BOX(0xbf800000), 0, 0);
	static const uint64_t moves[] = { 0x3f800000, 0xffffffffbf800000, 0x12345678deadbeef, 0x7f800001 };
	for (int i = 0; i < N(moves); i++) {
		add(FMV_W_X, NONE, moves[i], 0, 0);	/* the result is NaN-boxed */
		add(FLW, NONE, moves[i], 0, 0);		/* so is a loaded single */
	}
}

/* ---- output ---------------------------------------------------------------------- */

static void print_operand(int fmt, uint64_t v)
{
	if (fmt == 'S' && (v >> 32) == 0xffffffff)
		printf(" %08llx", (unsigned long long)(v & 0xffffffff));
	else
		printf(" %016llx", (unsigned long long)v);
}

static int operand_count(int op)
{
	switch (op_shape[op]) {
	case F_FF_R: case F_FF: case X_FF: return 2;
	case F_FFF_R: return 3;
	default: return 1;
	}
}

static void describe(const struct tcase *t)
{
	printf("%s", op_name[t->op]);
	if (t->rm == NONE)
		printf(" -");
	else if (t->rm & DYN)
		printf(" dyn=%s", rm_name[t->rm & 7]);
	else
		printf(" %s", rm_name[t->rm]);
	int n = operand_count(t->op);
	print_operand(op_fmt[t->op], t->a);
	if (n > 1)
		print_operand(op_fmt[t->op], t->b);
	if (n > 2)
		print_operand(op_fmt[t->op], t->c);
}

static int checks, failures;

static void check(const char *name, uint64_t got, uint64_t want)
{
	checks++;
	if (got == want) {
		printf("PASS %s\n", name);
		return;
	}
	failures++;
	printf("FAIL %s: got 0x%llx want 0x%llx\n", name, (unsigned long long)got, (unsigned long long)want);
}

#ifndef FPTEST_GENERATE
struct expect {
	uint64_t bits;
	unsigned char flags;
};
static const struct expect expected[] = {
#include "fptest_expected.h"
};
#endif

static void run_cases(void)
{
	for (int i = 0; i < n_cases; i++) {
		const struct tcase *t = &cases[i];
		unsigned fl;
		uint64_t r = run(t->op, t->rm, t->a, t->b, t->c, &fl);
#ifdef FPTEST_GENERATE
		printf("{0x%016llx, 0x%02x}, /* %d ", (unsigned long long)r, fl, i);
		describe(t);
		printf(" */\n");
#else
		checks++;
		int ok = i < N(expected) && expected[i].bits == r && expected[i].flags == fl;
		printf(ok ? "PASS " : "FAIL ");
		describe(t);
		printf(" = %016llx fl=%02x", (unsigned long long)r, fl);
		if (!ok) {
			failures++;
			if (i < N(expected))
				printf(" want %016llx fl=%02x", (unsigned long long)expected[i].bits,
				       expected[i].flags);
			else
				printf(" (no expected value)");
		}
		printf("\n");
#endif
	}
}

/* ---- fcsr, mstatus.FS and reserved rounding modes (expected values from the spec) --- */

#define MSTATUS_FS (3UL << 13)
#define FS_OFF     (0UL << 13)
#define FS_INITIAL (1UL << 13)
#define FS_CLEAN   (2UL << 13)
#define FS_DIRTY   (3UL << 13)
#define MSTATUS_SD (1UL << 63)

static volatile int illegal_expected;
static volatile uint64_t trapped_cause, trapped_tval;

struct trap_frame *trap_handler(struct trap_frame *f, uint64_t mcause, uint64_t mtval)
{
	if (illegal_expected && mcause == 2) {
		illegal_expected = 0;
		trapped_cause = mcause;
		trapped_tval = mtval;
		f->mepc += 4;
		return f;
	}
	printf("fptest: unexpected trap mcause=0x%llx mepc=0x%llx mtval=0x%llx\n", (unsigned long long)mcause,
	       (unsigned long long)f->mepc, (unsigned long long)mtval);
	poweroff(255);
}

static void expect_illegal(void) { illegal_expected = 1; trapped_cause = 0; trapped_tval = 0; }

static void set_fs(uint64_t fs) { csr_clear(mstatus, MSTATUS_FS); csr_set(mstatus, fs); }

static void csr_checks(void)
{
	/* the three views of fcsr */
	csr_write(fcsr, 0xff);
	check("fcsr=0xff: frm", csr_read(frm), 7);
	check("fcsr=0xff: fflags", csr_read(fflags), 0x1f);
	csr_write(frm, 2);
	check("frm=2: fcsr", csr_read(fcsr), 0x5f);
	csr_write(fflags, 0);
	check("fflags=0: fcsr", csr_read(fcsr), 0x40);
	csr_write(fcsr, 0x1234);
	check("fcsr keeps 8 bits", csr_read(fcsr), 0x34);
	csr_write(fcsr, 0);

	/* flags accrue until cleared: DZ from 1/0, then NX from 1 + 2^-53 */
	uint64_t fl;
	__asm__ volatile("fmv.d.x ft0, %1\n\tfmv.d.x ft1, %2\n\tfmv.d.x ft3, %3\n\tcsrw fflags, zero\n\t"
			 "fdiv.d ft2, ft0, ft1\n\tfadd.d ft2, ft0, ft3\n\tcsrr %0, fflags"
			 : "=r"(fl) : "r"(vd[ONE]), "r"(vd[Z]), "r"(vd[HULP]) : "ft0", "ft1", "ft2", "ft3");
	check("fflags accrue: DZ then NX", fl, 0x09);
	__asm__ volatile("fmv.d.x ft0, %1\n\tfmv.d.x ft1, %2\n\tcsrw fflags, zero\n\t"
			 "fdiv.d ft2, ft0, ft1\n\tfsqrt.d ft2, ft1\n\tfmul.d ft2, ft1, ft1\n\tcsrr %0, fflags"
			 : "=r"(fl) : "r"(vd[ONE]), "r"(vd[THREE]) : "ft0", "ft1", "ft2");
	check("fflags accrue: NX, NX, exact", fl, 0x01);

	/* dynamic rounding with a reserved frm, and reserved static rm encodings */
	for (unsigned m = 5; m <= 7; m++) {
		csr_write(frm, m);
		expect_illegal();
		__asm__ volatile(".option push\n.option norvc\nfadd.d ft0, ft0, ft0, dyn\n.option pop" ::: "ft0");
		check(m == 5 ? "frm=5, dyn: illegal" : m == 6 ? "frm=6, dyn: illegal" : "frm=7, dyn: illegal",
		      trapped_cause, 2);
	}
	csr_write(frm, 0);
	expect_illegal();
	__asm__ volatile(".word 0x00005053");	/* fadd.s ft0, ft0, ft0 with rm = 5 */
	check("static rm=5: illegal", trapped_cause, 2);
	check("static rm=5: tval is the instruction", trapped_tval, 0x00005053);
	expect_illegal();
	__asm__ volatile(".word 0x00006053");	/* rm = 6 */
	check("static rm=6: illegal", trapped_cause, 2);
	expect_illegal();
	__asm__ volatile(".word 0x00007053");	/* rm = 7 is dyn: fine with frm = 0 */
	check("static rm=7 (dyn) with frm=0: no trap", trapped_cause, 0);
	illegal_expected = 0;

	/* mstatus.FS: off makes every FP instruction and FP CSR illegal; a write makes it dirty */
	set_fs(FS_OFF);
	expect_illegal();
	__asm__ volatile(".option push\n.option norvc\nfadd.d ft0, ft0, ft0\n.option pop" ::: "ft0");
	check("FS off: fadd.d illegal", trapped_cause, 2);
	expect_illegal();
	__asm__ volatile("csrr t0, fflags" ::: "t0");
	check("FS off: csrr fflags illegal", trapped_cause, 2);
	expect_illegal();
	__asm__ volatile(".option push\n.option norvc\nfmv.x.d t0, ft0\n.option pop" ::: "t0");
	check("FS off: fmv.x.d illegal", trapped_cause, 2);
	illegal_expected = 0;
	check("FS off: SD clear", csr_read(mstatus) & MSTATUS_SD, 0);

	set_fs(FS_INITIAL);
	__asm__ volatile("fmv.d.x ft0, zero" ::: "ft0");
	check("FS initial, fmv.d.x: FS dirty", csr_read(mstatus) & MSTATUS_FS, FS_DIRTY);
	check("FS dirty: SD set", csr_read(mstatus) & MSTATUS_SD, MSTATUS_SD);
	set_fs(FS_CLEAN);
	check("FS clean: SD clear", csr_read(mstatus) & MSTATUS_SD, 0);
	__asm__ volatile("csrw fflags, zero");
	check("FS clean, csrw fflags: FS dirty", csr_read(mstatus) & MSTATUS_FS, FS_DIRTY);
	set_fs(FS_CLEAN);
	__asm__ volatile("fadd.d ft0, ft1, ft1" ::: "ft0");
	check("FS clean, fadd.d: FS dirty", csr_read(mstatus) & MSTATUS_FS, FS_DIRTY);
	set_fs(FS_DIRTY);
}

int main(void)
{
	build_cases();
#ifdef FPTEST_GENERATE
	printf("/* fptest expected values: %d cases, generated on QEMU (make fptest-expected) */\n", n_cases);
	run_cases();
	return 0;
#else
	printf("fptest: %d cases against QEMU's results\n", n_cases);
	if (n_cases != N(expected))
		printf("FAIL expected table has %d entries for %d cases: run make fptest-expected\n", N(expected),
		       n_cases);
	run_cases();
	csr_checks();
	printf("fptest: %d checks, %d failed\n", checks, failures);
	return failures > 255 ? 255 : failures;
#endif
}
