/* selftest: an ISA self-check of RV64IMAC + Zicsr + Zifencei, M and U modes, traps and
 * CLINT interrupts. Prints PASS/FAIL per check, a summary, and exits with the failure count. */
#include "runtime.h"

/* ---- checks ---------------------------------------------------------------------- */

static int checks, failures;

static void check(const char *name, uint64_t got, uint64_t want)
{
	checks++;
	if (got == want) {
		printf("PASS %s\n", name);
		return;
	}
	failures++;
	printf("FAIL %s: got 0x%016llx want 0x%016llx\n", name,
	       (unsigned long long)got, (unsigned long long)want);
}

static void check_true(const char *name, int ok)
{
	check(name, ok != 0, 1);
}

/* One instruction on registers or an immediate, so that the compiler cannot fold it. */
#define RR(op, a, b) ({ uint64_t _d; \
	__asm__ volatile(op " %0, %1, %2" : "=r"(_d) : "r"((uint64_t)(a)), "r"((uint64_t)(b))); _d; })
#define RI(op, a, imm) ({ uint64_t _d; \
	__asm__ volatile(op " %0, %1, %2" : "=r"(_d) : "r"((uint64_t)(a)), "i"(imm)); _d; })
/* 1 if the branch is taken, else 0 */
#define BR(op, a, b) ({ uint64_t _t; \
	__asm__ volatile("li %0, 1\n\t" op " %1, %2, 1f\n\tli %0, 0\n1:" \
			 : "=&r"(_t) : "r"((uint64_t)(a)), "r"((uint64_t)(b))); _t; })

/* ---- traps ----------------------------------------------------------------------- */

struct trap_record {
	uint64_t cause, epc, tval, mstatus;
};

#define TRAP_LOG 8
static volatile unsigned trap_count, trap_total;
static volatile struct trap_record trap_log[TRAP_LOG];

static void trap_reset(void)
{
	trap_count = 0;
	for (int i = 0; i < TRAP_LOG; i++)
		trap_log[i].cause = trap_log[i].epc = trap_log[i].tval = trap_log[i].mstatus = ~0ULL;
}

void user_return(void);   /* in the asm below: resumes run_user's caller in M-mode */

static unsigned insn_length(uint64_t pc)
{
	return (*(volatile uint16_t *)pc & 3) == 3 ? 4 : 2;
}

struct trap_frame *trap_handler(struct trap_frame *f, uint64_t mcause, uint64_t mtval)
{
	unsigned n = trap_count++;
	if (n < TRAP_LOG) {
		trap_log[n].cause = mcause;
		trap_log[n].epc = f->mepc;
		trap_log[n].tval = mtval;
		trap_log[n].mstatus = f->mstatus;
	}
	if (++trap_total > 1000 || mcause == 1 || mcause == 12) {
		printf("FAIL trap storm or fetch fault: mcause=0x%llx mepc=0x%llx mtval=0x%llx\n",
		       (unsigned long long)mcause, (unsigned long long)f->mepc,
		       (unsigned long long)mtval);
		poweroff(255);
	}
	if (mcause & MCAUSE_INTERRUPT) {
		uint64_t code = mcause & ~MCAUSE_INTERRUPT;
		if (code == 7)
			timer_disarm();
		else if (code == 3)
			msip_set(0);
		return f;
	}
	if (mcause == 8) {           /* ecall from U: back to run_user's caller */
		f->mepc = (uint64_t)user_return;
		f->mstatus |= MSTATUS_MPP_M;
		return f;
	}
	f->mepc += insn_length(f->mepc);  /* skip the trapping instruction */
	return f;
}

/* ---- assembly helpers -------------------------------------------------------------- */

uint64_t run_user(void (*fn)(void), uint64_t user_sp);
void regs_survive_ecall(uint64_t out[32]);
uint64_t m_saved_sp;

__asm__(
	".section .text.run_user, \"ax\", @progbits\n"
	/* run_user(fn, sp): mret into fn in U-mode on stack sp; returns the a0 that
	 * the U-mode code passed to ecall (the trap handler resumes at user_return). */
	".globl run_user\n"
	"run_user:\n"
	"	addi sp, sp, -112\n"
	"	sd ra, 0(sp)\n	sd s0, 8(sp)\n	sd s1, 16(sp)\n	sd s2, 24(sp)\n"
	"	sd s3, 32(sp)\n	sd s4, 40(sp)\n	sd s5, 48(sp)\n	sd s6, 56(sp)\n"
	"	sd s7, 64(sp)\n	sd s8, 72(sp)\n	sd s9, 80(sp)\n	sd s10, 88(sp)\n"
	"	sd s11, 96(sp)\n"
	"	la t0, m_saved_sp\n"
	"	sd sp, 0(t0)\n"
	"	csrw mepc, a0\n"
	"	li t0, 0x1800\n"
	"	csrc mstatus, t0\n"          /* MPP = U */
	"	mv sp, a1\n"
	"	mret\n"
	".globl user_return\n"
	"user_return:\n"
	"	la t0, m_saved_sp\n"
	"	ld sp, 0(t0)\n"
	"	ld ra, 0(sp)\n	ld s0, 8(sp)\n	ld s1, 16(sp)\n	ld s2, 24(sp)\n"
	"	ld s3, 32(sp)\n	ld s4, 40(sp)\n	ld s5, 48(sp)\n	ld s6, 56(sp)\n"
	"	ld s7, 64(sp)\n	ld s8, 72(sp)\n	ld s9, 80(sp)\n	ld s10, 88(sp)\n"
	"	ld s11, 96(sp)\n"
	"	addi sp, sp, 112\n"
	"	ret\n"

	/* regs_survive_ecall(out): loads a pattern into x1 and x3..x31, takes an ecall,
	 * and stores every register into out[] (out[0] = sp before, out[2] = sp after). */
	".section .text.regs_survive_ecall, \"ax\", @progbits\n"
	".globl regs_survive_ecall\n"
	"regs_survive_ecall:\n"
	"	addi sp, sp, -128\n"
	"	sd ra, 0(sp)\n	sd gp, 8(sp)\n	sd tp, 16(sp)\n	sd s0, 24(sp)\n"
	"	sd s1, 32(sp)\n	sd s2, 40(sp)\n	sd s3, 48(sp)\n	sd s4, 56(sp)\n"
	"	sd s5, 64(sp)\n	sd s6, 72(sp)\n	sd s7, 80(sp)\n	sd s8, 88(sp)\n"
	"	sd s9, 96(sp)\n	sd s10, 104(sp)\n	sd s11, 112(sp)\n"
	"	sd sp, 0(a0)\n"
	"	csrw mscratch, a0\n"
#define PAT(i) "	li x" #i ", (" #i " << 56) | (" #i " << 40) | 0xa5005a00 | " #i "\n"
	PAT(1) PAT(3) PAT(4) PAT(5) PAT(6) PAT(7) PAT(8) PAT(9) PAT(10)
	PAT(11) PAT(12) PAT(13) PAT(14) PAT(15) PAT(16) PAT(17) PAT(18) PAT(19) PAT(20)
	PAT(21) PAT(22) PAT(23) PAT(24) PAT(25) PAT(26) PAT(27) PAT(28) PAT(29) PAT(30)
	PAT(31)
	"	ecall\n"
	"	csrrw sp, mscratch, sp\n"     /* sp = out, mscratch = sp after the trap */
#define SAVE(i) "	sd x" #i ", " #i "*8(sp)\n"
	SAVE(1) SAVE(3) SAVE(4) SAVE(5) SAVE(6) SAVE(7) SAVE(8) SAVE(9) SAVE(10)
	SAVE(11) SAVE(12) SAVE(13) SAVE(14) SAVE(15) SAVE(16) SAVE(17) SAVE(18) SAVE(19)
	SAVE(20) SAVE(21) SAVE(22) SAVE(23) SAVE(24) SAVE(25) SAVE(26) SAVE(27) SAVE(28)
	SAVE(29) SAVE(30) SAVE(31)
	"	csrr t0, mscratch\n"
	"	sd t0, 2*8(sp)\n"
	"	mv sp, t0\n"
	"	ld ra, 0(sp)\n	ld gp, 8(sp)\n	ld tp, 16(sp)\n	ld s0, 24(sp)\n"
	"	ld s1, 32(sp)\n	ld s2, 40(sp)\n	ld s3, 48(sp)\n	ld s4, 56(sp)\n"
	"	ld s5, 64(sp)\n	ld s6, 72(sp)\n	ld s7, 80(sp)\n	ld s8, 88(sp)\n"
	"	ld s9, 96(sp)\n	ld s10, 104(sp)\n	ld s11, 112(sp)\n"
	"	addi sp, sp, 128\n"
	"	ret\n"
	".text\n");

static uint64_t pattern(int i)
{
	return ((uint64_t)i << 56) | ((uint64_t)i << 40) | 0xa5005a00 | (uint64_t)i;
}

/* ---- RV64I ----------------------------------------------------------------------- */

static void test_alu(void)
{
	check("add", RR("add", 0x7fffffffffffffff, 1), 0x8000000000000000);
	check("add wraps", RR("add", -1, 2), 1);
	check("sub", RR("sub", 0, 1), 0xffffffffffffffff);
	check("and", RR("and", 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0), 0x0f000f000f000f00);
	check("or", RR("or", 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0), 0xfff0fff0fff0fff0);
	check("xor", RR("xor", 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0), 0xf0f0f0f0f0f0f0f0);
	check("sll", RR("sll", 1, 63), 0x8000000000000000);
	check("sll uses shamt[5:0]", RR("sll", 1, 65), 2);
	check("srl", RR("srl", 0x8000000000000000, 63), 1);
	check("sra", RR("sra", 0x8000000000000000, 63), 0xffffffffffffffff);
	check("sra uses shamt[5:0]", RR("sra", 0x8000000000000000, 68), 0xf800000000000000);
	check("slt signed", RR("slt", -1, 1), 1);
	check("slt false", RR("slt", 1, -1), 0);
	check("sltu unsigned", RR("sltu", 1, -1), 1);
	check("sltu false", RR("sltu", -1, 1), 0);

	check("addi negative", RI("addi", 5, -6), 0xffffffffffffffff);
	check("andi sign-extends imm", RI("andi", 0x123456789abcdeff, -16), 0x123456789abcdef0);
	check("ori", RI("ori", 0x1000, 0x7ff), 0x17ff);
	check("xori -1 is not", RI("xori", 0x0f0f, -1), 0xfffffffffffff0f0);
	check("slti", RI("slti", -5, -4), 1);
	check("slti false", RI("slti", 5, -4), 0);
	check("sltiu imm -1 is max", RI("sltiu", 5, -1), 1);
	check("sltiu seqz", RI("sltiu", 0, 1), 1);
	check("slli 63", RI("slli", 3, 63), 0x8000000000000000);
	check("srli", RI("srli", 0xf000000000000000, 60), 0xf);
	check("srai", RI("srai", 0xf000000000000000, 60), 0xffffffffffffffff);

	check("addw overflow sign-extends", RR("addw", 0x7fffffff, 1), 0xffffffff80000000);
	check("addw ignores upper bits", RR("addw", 0xdeadbeef00000001, 0x1234567800000002), 3);
	check("subw", RR("subw", 0, 1), 0xffffffffffffffff);
	check("sllw", RR("sllw", 1, 31), 0xffffffff80000000);
	check("sllw uses shamt[4:0]", RR("sllw", 1, 33), 2);
	check("srlw", RR("srlw", 0xffffffff80000000, 31), 1);
	check("srlw by 0 sign-extends", RR("srlw", 0x0000000080000000, 0), 0xffffffff80000000);
	check("sraw", RR("sraw", 0x80000000, 4), 0xfffffffff8000000);
	check("addiw overflow", RI("addiw", 0x7fffffff, 1), 0xffffffff80000000);
	check("sext.w", RI("addiw", 0x00000000ffffffff, 0), 0xffffffffffffffff);
	check("slliw", RI("slliw", 3, 31), 0xffffffff80000000);
	check("srliw", RI("srliw", 0xffffffff80000000, 1), 0x40000000);
	check("sraiw", RI("sraiw", 0x0000000080000000, 1), 0xffffffffc0000000);

	uint64_t v, w;
	__asm__ volatile("lui %0, 0x80000" : "=r"(v));
	check("lui sign-extends", v, 0xffffffff80000000);
	__asm__ volatile("lui %0, 0x12345" : "=r"(v));
	check("lui", v, 0x12345000);
	__asm__ volatile("jal %1, 1f\n1:\tauipc %0, 1" : "=r"(v), "=&r"(w));
	check("auipc adds to its own pc", v - w, 0x1000);
	__asm__ volatile("addi x0, x0, 5\n\tmv %0, x0" : "=r"(v));
	check("x0 stays zero", v, 0);
}

static void test_branches(void)
{
	check("beq taken", BR("beq", 7, 7), 1);
	check("beq not taken", BR("beq", 7, 8), 0);
	check("bne taken", BR("bne", 7, 8), 1);
	check("bne not taken", BR("bne", 7, 7), 0);
	check("blt signed taken", BR("blt", -1, 1), 1);
	check("blt not taken", BR("blt", 1, -1), 0);
	check("bge equal taken", BR("bge", -3, -3), 1);
	check("bge not taken", BR("bge", -1, 1), 0);
	check("bltu unsigned taken", BR("bltu", 1, -1), 1);
	check("bltu not taken", BR("bltu", -1, 1), 0);
	check("bgeu taken", BR("bgeu", -1, 1), 1);
	check("bgeu not taken", BR("bgeu", 1, -1), 0);

	uint64_t n, sum;
	__asm__ volatile("li %0, 10\n\tli %1, 0\n"
			 "1:\tadd %1, %1, %0\n\taddi %0, %0, -1\n\tbnez %0, 1b"
			 : "=&r"(n), "=&r"(sum));
	check("backward branch loop", sum, 55);

	uint64_t link, want, reached;
	__asm__ volatile("li %2, 0\n\tjal %0, 2f\n"
			 "1:\tj 3f\n"
			 "2:\tla %1, 1b\n\tli %2, 1\n"
			 "3:"
			 : "=&r"(link), "=&r"(want), "=&r"(reached));
	check("jal jumps", reached, 1);
	check("jal links pc+4", link, want);

	uint64_t tmp;
	__asm__ volatile("li %3, 0\n\tla %1, 2f\n\taddi %1, %1, 1\n"
			 "\tjalr %0, 0(%1)\n"
			 "1:\tj 3f\n"
			 "2:\tla %2, 1b\n\tli %3, 1\n"
			 "3:"
			 : "=&r"(link), "=&r"(tmp), "=&r"(want), "=&r"(reached));
	check("jalr clears bit 0 of the target", reached, 1);
	check("jalr links pc+4", link, want);

	__asm__ volatile("li %1, 0\n\tla %0, 2f\n"
			 "\tjalr %0, 0(%0)\n"
			 "1:\tj 3f\n"
			 "2:\tla %1, 1b\n"
			 "3:"
			 : "=&r"(link), "=&r"(want));
	check("jalr with rd == rs1 uses the old rs1", link, want);
}

static volatile uint64_t mem[4] __attribute__((aligned(16)));

#define LOAD(op, p, off) ({ uint64_t _d; \
	__asm__ volatile(op " %0, " #off "(%1)" : "=r"(_d) : "r"(p) : "memory"); _d; })
#define STORE(op, p, off, v) \
	__asm__ volatile(op " %1, " #off "(%0)" :: "r"(p), "r"((uint64_t)(v)) : "memory")

static void test_loads_stores(void)
{
	volatile uint64_t *p = mem;
	mem[0] = 0x8081828384858687;
	mem[1] = 0x0102030405060708;

	check("lb sign-extends", LOAD("lb", p, 0), 0xffffffffffffff87);
	check("lb positive", LOAD("lb", p, 8), 0x08);
	check("lb byte 7", LOAD("lb", p, 7), 0xffffffffffffff80);
	check("lbu zero-extends", LOAD("lbu", p, 0), 0x87);
	check("lh sign-extends", LOAD("lh", p, 0), 0xffffffffffff8687);
	check("lh positive", LOAD("lh", p, 8), 0x0708);
	check("lhu zero-extends", LOAD("lhu", p, 6), 0x8081);
	check("lw sign-extends", LOAD("lw", p, 4), 0xffffffff80818283);
	check("lw positive", LOAD("lw", p, 12), 0x01020304);
	check("lwu zero-extends", LOAD("lwu", p, 0), 0x84858687);
	check("ld", LOAD("ld", p, 0), 0x8081828384858687);

	mem[2] = ~0ULL;
	STORE("sb", p, 17, 0x1234);
	check("sb writes one byte", mem[2], 0xffffffffffff34ff);
	mem[2] = ~0ULL;
	STORE("sh", p, 18, 0xabcd3456);
	check("sh writes two bytes", mem[2], 0xffffffff3456ffff);
	mem[2] = ~0ULL;
	STORE("sw", p, 20, 0x1122334489abcdef);
	check("sw writes four bytes", mem[2], 0x89abcdefffffffff);
	STORE("sd", p, 16, 0x0123456789abcdef);
	check("sd writes eight bytes", mem[2], 0x0123456789abcdef);
	check("stores leave neighbours alone", mem[1] ^ mem[3], 0x0102030405060708);

	uint64_t v = 0;
	__asm__ volatile("lw x0, 0(%1)\n\tmv %0, x0" : "=r"(v) : "r"(p) : "memory");
	check("load into x0 is discarded", v, 0);
}

/* ---- C ------------------------------------------------------------------------------ */

/* body runs with a4 = in, a5 = in2 (both in the compressed register set); result is a4 */
#define RVC(body, in, in2) ({ \
	register uint64_t _a4 __asm__("a4") = (uint64_t)(in); \
	register uint64_t _a5 __asm__("a5") = (uint64_t)(in2); \
	__asm__ volatile(".option push\n\t.option rvc\n\t" body "\n\t.option pop" \
			 : "+r"(_a4), "+r"(_a5) :: "ra", "memory"); \
	_a4; })

static void test_compressed(void)
{
	check("c.li", RVC("c.li a4, -32", 0, 0), 0xffffffffffffffe0);
	check("c.addi", RVC("c.addi a4, 31", 1, 0), 32);
	check("c.addi negative", RVC("c.addi a4, -2", 1, 0), 0xffffffffffffffff);
	check("c.addiw", RVC("c.addiw a4, 1", 0x7fffffff, 0), 0xffffffff80000000);
	check("c.lui", RVC("c.lui a4, 1", 0, 0), 0x1000);
	check("c.lui sign-extends", RVC("c.lui a4, 0xfffff", 0, 0), 0xfffffffffffff000);
	check("c.mv", RVC("c.mv a4, a5", 1, 0x1234), 0x1234);
	check("c.add", RVC("c.add a4, a5", 40, 2), 42);
	check("c.sub", RVC("c.sub a4, a5", 40, 42), 0xfffffffffffffffe);
	check("c.and", RVC("c.and a4, a5", 0xff0, 0x0ff), 0x0f0);
	check("c.or", RVC("c.or a4, a5", 0xff0, 0x0ff), 0xfff);
	check("c.xor", RVC("c.xor a4, a5", 0xff0, 0x0ff), 0xf0f);
	check("c.addw", RVC("c.addw a4, a5", 0x7fffffff, 1), 0xffffffff80000000);
	check("c.subw", RVC("c.subw a4, a5", 0x100000000, 1), 0xffffffffffffffff);
	check("c.andi", RVC("c.andi a4, -16", 0x1234567f, 0), 0x12345670);
	check("c.slli", RVC("c.slli a4, 60", 0x3, 0), 0x3000000000000000);
	check("c.srli", RVC("c.srli a4, 60", 0xf000000000000000, 0), 0xf);
	check("c.srai", RVC("c.srai a4, 60", 0x8000000000000000, 0), 0xfffffffffffffff8);

	volatile uint64_t *p = mem;
	mem[0] = 0x8081828384858687;
	check("c.ld", RVC("c.ld a4, 0(a5)", 0, p), 0x8081828384858687);
	check("c.lw sign-extends", RVC("c.lw a4, 4(a5)", 0, p), 0xffffffff80818283);
	RVC("c.sd a4, 8(a5)", 0x1122334455667788, p);
	check("c.sd", mem[1], 0x1122334455667788);
	RVC("c.sw a4, 8(a5)", 0xffffffffaabbccdd, p);
	check("c.sw", mem[1], 0x11223344aabbccdd);
	check("c.sdsp/c.ldsp", RVC("addi sp, sp, -16\n\tc.sdsp a4, 8(sp)\n\tc.li a4, 0\n\t"
				   "c.ldsp a4, 8(sp)\n\taddi sp, sp, 16", 0xfedcba9876543210, 0),
	      0xfedcba9876543210);
	check("c.swsp/c.lwsp", RVC("addi sp, sp, -16\n\tc.swsp a4, 8(sp)\n\tc.li a4, 0\n\t"
				   "c.lwsp a4, 8(sp)\n\taddi sp, sp, 16", 0x00000000deadbeef, 0),
	      0xffffffffdeadbeef);
	check("c.addi16sp", RVC("c.mv a5, sp\n\tc.addi16sp sp, -32\n\tsub a4, a5, sp\n\t"
				"c.addi16sp sp, 32", 0, 0), 32);
	check("c.addi4spn", RVC("c.addi4spn a4, sp, 24\n\tsub a4, a4, sp", 0, 0), 24);
	check("c.j", RVC("c.j 1f\n\tc.li a4, 1\n1:", 0, 0), 0);
	check("c.beqz taken", RVC("c.beqz a4, 1f\n\tc.li a4, 1\n1:", 0, 0), 0);
	check("c.bnez taken", RVC("c.bnez a4, 1f\n\tc.li a4, 0\n1:", 5, 0), 5);
	check("c.bnez not taken", RVC("c.bnez a4, 1f\n\tc.li a4, 7\n1:", 0, 0), 7);
	check("c.jr", RVC("la a5, 1f\n\tc.jr a5\n\tc.li a4, 1\n1:", 0, 0), 0);
	check("c.jalr links pc+2",
	      RVC("c.li a4, 1\n\tla a5, 2f\n\tc.jalr a5\n1:\tc.j 3f\n2:\tla a4, 1b\n\t"
		  "sub a4, ra, a4\n3:", 0, 0), 0);
	check("c.nop", RVC("c.nop\n\tc.addi a4, 1", 1, 0), 2);
}

/* ---- M ------------------------------------------------------------------------------ */

static void test_muldiv(void)
{
	const uint64_t min64 = 0x8000000000000000;
	check("mul", RR("mul", -3, 7), 0xffffffffffffffeb);
	check("mul keeps low bits", RR("mul", 0x8000000000000001, 2), 2);
	check("mulh", RR("mulh", -2, 3), 0xffffffffffffffff);
	check("mulh min*min", RR("mulh", min64, min64), 0x4000000000000000);
	check("mulh -1*-1", RR("mulh", -1, -1), 0);
	check("mulhu", RR("mulhu", -1, -1), 0xfffffffffffffffe);
	check("mulhu small", RR("mulhu", min64, 4), 2);
	check("mulhsu -1*max", RR("mulhsu", -1, -1), 0xffffffffffffffff);
	check("mulhsu 2*max", RR("mulhsu", 2, -1), 1);
	check("mulw sign-extends", RR("mulw", 0x7fffffff, 2), 0xfffffffffffffffe);
	check("mulw ignores upper bits", RR("mulw", 0x100000001, 0x300000003), 3);

	check("div rounds toward zero", RR("div", -7, 2), 0xfffffffffffffffd);
	check("div negative divisor", RR("div", 7, -2), 0xfffffffffffffffd);
	check("divu", RR("divu", -1, 2), 0x7fffffffffffffff);
	check("rem sign of dividend", RR("rem", -7, 2), 0xffffffffffffffff);
	check("rem negative divisor", RR("rem", 7, -2), 1);
	check("remu", RR("remu", -1, 2), 1);
	check("div by zero", RR("div", 5, 0), 0xffffffffffffffff);
	check("divu by zero", RR("divu", 5, 0), 0xffffffffffffffff);
	check("rem by zero", RR("rem", -5, 0), 0xfffffffffffffffb);
	check("remu by zero", RR("remu", 5, 0), 5);
	check("div overflow", RR("div", min64, -1), min64);
	check("rem overflow", RR("rem", min64, -1), 0);

	check("divw", RR("divw", 0x12345678fffffff9, 2), 0xfffffffffffffffd);
	check("divuw sign-extends", RR("divuw", 0xfffffffe, 1), 0xfffffffffffffffe);
	check("divuw", RR("divuw", 0xffffffff, 2), 0x7fffffff);
	check("remw", RR("remw", 0xfffffff9, 2), 0xffffffffffffffff);
	check("remuw", RR("remuw", 0xffffffff, 0x10), 0xf);
	check("divw by zero", RR("divw", 5, 0), 0xffffffffffffffff);
	check("divuw by zero", RR("divuw", 5, 0), 0xffffffffffffffff);
	check("remw by zero", RR("remw", 0x180000005, 0), 0xffffffff80000005);
	check("remuw by zero", RR("remuw", 0x180000005, 0), 0xffffffff80000005);
	check("divw overflow", RR("divw", 0x80000000, -1), 0xffffffff80000000);
	check("remw overflow", RR("remw", 0x80000000, -1), 0);
}

/* ---- A ------------------------------------------------------------------------------ */

static volatile uint64_t amo_mem[32] __attribute__((aligned(64)));

#define AMO(op, p, v) ({ uint64_t _old; \
	__asm__ volatile(op " %0, %2, (%1)" : "=&r"(_old) : "r"(p), "r"((uint64_t)(v)) : "memory"); \
	_old; })

static void amo_w(const char *name, uint64_t old, uint64_t want_mem)
{
	char buf[48];
	snprintf(buf, sizeof buf, "%s old value", name);
	check(buf, old, 0xffffffff80000001);
	snprintf(buf, sizeof buf, "%s memory", name);
	check(buf, amo_mem[0], want_mem);
}

static void amo_d(const char *name, uint64_t old, uint64_t want_mem)
{
	char buf[48];
	snprintf(buf, sizeof buf, "%s old value", name);
	check(buf, old, 0x8000000000000001);
	snprintf(buf, sizeof buf, "%s memory", name);
	check(buf, amo_mem[0], want_mem);
}

static void test_atomics(void)
{
	volatile uint64_t *p = amo_mem;
	/* .w: the word is 0x80000001, the word above it a sentinel; operands carry junk
	 * in their upper half, which .w operations must ignore. */
	const uint64_t w0 = 0xa5a5a5a580000001, junk = 0xdead000000000000;
#define AMOW(op, v, want) (amo_mem[0] = w0, amo_w(op, AMO(op, p, junk | (v)), want))
	AMOW("amoswap.w", 0x12345678, 0xa5a5a5a512345678);
	AMOW("amoadd.w", 0x7fffffff, 0xa5a5a5a500000000);
	AMOW("amoand.w", 0xffff0000, 0xa5a5a5a580000000);
	AMOW("amoor.w", 0x0000000f, 0xa5a5a5a58000000f);
	AMOW("amoxor.w", 0xffffffff, 0xa5a5a5a57ffffffe);
	AMOW("amomax.w", 1, 0xa5a5a5a500000001);
	AMOW("amomaxu.w", 1, 0xa5a5a5a580000001);
	AMOW("amomin.w", 1, 0xa5a5a5a580000001);
	AMOW("amominu.w", 1, 0xa5a5a5a500000001);
	AMOW("amoadd.w.aqrl", 1, 0xa5a5a5a580000002);

	const uint64_t d0 = 0x8000000000000001;
#define AMOD(op, v, want) (amo_mem[0] = d0, amo_d(op, AMO(op, p, v), want))
	AMOD("amoswap.d", 0x123456789abcdef0, 0x123456789abcdef0);
	AMOD("amoadd.d", 0x7fffffffffffffff, 0);
	AMOD("amoand.d", 0xffffffff00000000, 0x8000000000000000);
	AMOD("amoor.d", 0xf, 0x800000000000000f);
	AMOD("amoxor.d", 0xffffffffffffffff, 0x7ffffffffffffffe);
	AMOD("amomax.d", 1, 1);
	AMOD("amomaxu.d", 1, 0x8000000000000001);
	AMOD("amomin.d", 1, 0x8000000000000001);
	AMOD("amominu.d", 1, 1);
	AMOD("amoswap.d.aq", 7, 7);

	uint64_t loaded, sc1, sc2;
	amo_mem[0] = 0xa5a5a5a580000000;
	__asm__ volatile("lr.w %0, (%3)\n\tsc.w %1, %4, (%3)\n\tsc.w %2, %5, (%3)"
			 : "=&r"(loaded), "=&r"(sc1), "=&r"(sc2)
			 : "r"(p), "r"(0x11111111), "r"(0x22222222) : "memory");
	check("lr.w sign-extends", loaded, 0xffffffff80000000);
	check("sc.w succeeds after lr.w", sc1, 0);
	check("sc.w without reservation fails", sc2 != 0, 1);
	check("sc.w stores once, one word", amo_mem[0], 0xa5a5a5a511111111);

	amo_mem[0] = 0x0123456789abcdef;
	__asm__ volatile("lr.d %0, (%3)\n\tsc.d %1, %4, (%3)\n\tsc.d %2, %5, (%3)"
			 : "=&r"(loaded), "=&r"(sc1), "=&r"(sc2)
			 : "r"(p), "r"(0xfedcba9876543210), "r"(0x3333) : "memory");
	check("lr.d", loaded, 0x0123456789abcdef);
	check("sc.d succeeds after lr.d", sc1, 0);
	check("sc.d without reservation fails", sc2 != 0, 1);
	check("sc.d stores once", amo_mem[0], 0xfedcba9876543210);

	amo_mem[16] = 0x4444;
	__asm__ volatile("lr.d %0, (%2)\n\tsc.d %1, %3, (%4)"
			 : "=&r"(loaded), "=&r"(sc1)
			 : "r"(p), "r"(0x5555), "r"(p + 16) : "memory");
	check("sc.d to another address fails", sc1 != 0, 1);
	check("failed sc.d does not store", amo_mem[16], 0x4444);
}

/* ---- Zicsr, Zifencei ---------------------------------------------------------------- */

static void test_csrs(void)
{
	uint64_t old;
	csr_write(mscratch, 0x1234);
	__asm__ volatile("csrrw %0, mscratch, %1" : "=r"(old) : "r"(0x5678));
	check("csrrw returns old", old, 0x1234);
	check("csrrw writes", csr_read(mscratch), 0x5678);
	__asm__ volatile("csrrs %0, mscratch, %1" : "=r"(old) : "r"(0xf0));
	check("csrrs returns old", old, 0x5678);
	check("csrrs sets bits", csr_read(mscratch), 0x56f8);
	__asm__ volatile("csrrc %0, mscratch, %1" : "=r"(old) : "r"(0x0f));
	check("csrrc returns old", old, 0x56f8);
	check("csrrc clears bits", csr_read(mscratch), 0x56f0);
	__asm__ volatile("csrrwi %0, mscratch, 0x1f" : "=r"(old));
	check("csrrwi returns old", old, 0x56f0);
	check("csrrwi writes", csr_read(mscratch), 0x1f);
	__asm__ volatile("csrrci %0, mscratch, 3" : "=r"(old));
	check("csrrci returns old", old, 0x1f);
	check("csrrci clears bits", csr_read(mscratch), 0x1c);
	__asm__ volatile("csrrsi %0, mscratch, 1" : "=r"(old));
	check("csrrsi returns old", old, 0x1c);
	check("csrrsi sets bits", csr_read(mscratch), 0x1d);
	csr_write(mscratch, ~0ULL);
	check("mscratch holds 64 bits", csr_read(mscratch), ~0ULL);

	uint64_t misa = csr_read(misa);
	const uint64_t imacu = 1 << ('I' - 'A') | 1 << ('M' - 'A') | 1 << ('A' - 'A') |
			       1 << ('C' - 'A') | 1 << ('U' - 'A');
	check("misa.MXL is 64", misa >> 62, 2);
	check("misa has I, M, A, C, U", misa & imacu, imacu);
	check("mhartid is 0", csr_read(mhartid), 0);

	csr_write(mie, 0);
	check("mstatus.MIE clear at entry", csr_read(mstatus) & MSTATUS_MIE, 0);
	__asm__ volatile("csrsi mstatus, 8");
	check("csrsi sets mstatus.MIE", csr_read(mstatus) & MSTATUS_MIE, MSTATUS_MIE);
	__asm__ volatile("csrci mstatus, 8");
	check("csrci clears mstatus.MIE", csr_read(mstatus) & MSTATUS_MIE, 0);
	csr_clear(mstatus, MSTATUS_MPP);
	check("mstatus.MPP holds U", csr_read(mstatus) & MSTATUS_MPP, MSTATUS_MPP_U);
	csr_set(mstatus, MSTATUS_MPP_M);
	check("mstatus.MPP holds M", csr_read(mstatus) & MSTATUS_MPP, MSTATUS_MPP_M);

	uint64_t i1 = rdinstret(), c1 = rdcycle();
	for (volatile int i = 0; i < 100; i++)
		;
	uint64_t i2 = rdinstret(), c2 = rdcycle();
	check_true("instret advances", i2 > i1);
	check_true("cycle advances", c2 > c1);
	uint64_t t1 = mtime(), t2 = rdtime(), t3 = mtime();
	check_true("time CSR follows mtime", t1 <= t2 && t2 <= t3);
}

static volatile uint32_t code_buf[2] __attribute__((aligned(8)));

static void test_fence_i(void)
{
	code_buf[0] = 0x02a00513;  /* li a0, 42 */
	code_buf[1] = 0x00008067;  /* ret */
	__asm__ volatile("fence.i" ::: "memory");
	uint64_t (*fn)(void) = (uint64_t (*)(void))(uintptr_t)code_buf;
	check("run code written to memory", fn(), 42);
	code_buf[0] = 0x02b00513;  /* li a0, 43 */
	__asm__ volatile("fence.i" ::: "memory");
	check("fence.i makes rewritten code visible", fn(), 43);
}

/* ---- traps and privilege -------------------------------------------------------------- */

static void check_trap(const char *name, uint64_t cause, uint64_t epc)
{
	char buf[64];
	snprintf(buf, sizeof buf, "%s traps once", name);
	check(buf, trap_count, 1);
	snprintf(buf, sizeof buf, "%s mcause", name);
	check(buf, trap_log[0].cause, cause);
	snprintf(buf, sizeof buf, "%s mepc", name);
	check(buf, trap_log[0].epc, epc);
}

static void test_traps(void)
{
	uint64_t at, after;

	trap_reset();
	__asm__ volatile("la %0, 1f\n1:\tecall\n\tli %1, 1" : "=&r"(at), "=r"(after) :: "memory");
	check_trap("ecall from M", 11, at);
	check("ecall returns past itself", after, 1);

	trap_reset();
	__asm__ volatile(".option push\n\t.option norvc\n\t"
			 "la %0, 1f\n1:\tebreak\n\t.option pop\n\tli %1, 2"
			 : "=&r"(at), "=r"(after) :: "memory");
	check_trap("ebreak", 3, at);
	check("ebreak returns past itself", after, 2);

	trap_reset();
	__asm__ volatile("la %0, 1f\n1:\tc.ebreak\n\tli %1, 3" : "=&r"(at), "=r"(after) :: "memory");
	check_trap("c.ebreak", 3, at);
	check("c.ebreak returns past itself", after, 3);

	trap_reset();
	__asm__ volatile("la %0, 1f\n1:\t.2byte 0\n\tli %1, 4" : "=&r"(at), "=r"(after) :: "memory");
	check_trap("illegal c.unimp (0x0000)", 2, at);
	check("illegal c.unimp mtval", trap_log[0].tval, 0);

	trap_reset();
	__asm__ volatile("la %0, 1f\n1:\t.4byte 0x0000006b" : "=&r"(at) :: "memory");
	check_trap("illegal reserved opcode", 2, at);
	check_true("illegal reserved opcode mtval is 0 or the instruction",
		   trap_log[0].tval == 0 || trap_log[0].tval == 0x0000006b);

	trap_reset();
	__asm__ volatile("la %0, 1f\n1:\t.4byte 0xf1401073  /* csrw mhartid, zero */" : "=&r"(at) :: "memory");
	check_trap("write to read-only mhartid", 2, at);
	check_true("write to read-only mhartid mtval is 0 or the instruction",
		   trap_log[0].tval == 0 || trap_log[0].tval == 0xf1401073);

	uint64_t v = 0x5a5a;
	trap_reset();
	__asm__ volatile("la %0, 1f\n1:\tld %1, 0(%2)" : "=&r"(at), "+r"(v) : "r"(0x10) : "memory");
	check_trap("load from unmapped 0x10", 5, at);
	check("load access fault mtval", trap_log[0].tval, 0x10);
	check("faulting load leaves rd alone", v, 0x5a5a);

	trap_reset();
	__asm__ volatile("la %0, 1f\n1:\tsd %1, 0(%2)" : "=&r"(at) : "r"(v), "r"(0x18) : "memory");
	check_trap("store to unmapped 0x18", 7, at);
	check("store access fault mtval", trap_log[0].tval, 0x18);

	uint64_t regs[32];
	trap_reset();
	regs_survive_ecall(regs);
	check("trap for the register test", trap_count, 1);
	int bad = 0;
	for (int i = 1; i < 32; i++) {
		if (i != 2 && regs[i] != pattern(i)) {
			if (!bad)
				printf("  x%d = 0x%016llx, want 0x%016llx\n", i,
				       (unsigned long long)regs[i], (unsigned long long)pattern(i));
			bad++;
		}
	}
	check("trap preserves x1 and x3..x31", bad, 0);
	check("trap preserves sp", regs[2], regs[0]);
}

static uint64_t user_stack[512] __attribute__((aligned(16)));
static volatile uint64_t user_result;

static void user_fn(void)
{
	uint64_t v = 0x1111;
	/* an M-mode CSR is out of reach from U: illegal instruction, which the handler skips */
	__asm__ volatile("csrr %0, mstatus" : "+r"(v));
	user_result = v;
	register uint64_t a0 __asm__("a0") = 0x600d;
	__asm__ volatile("ecall" :: "r"(a0) : "memory");
	for (;;)
		;
}

static void test_user_mode(void)
{
	/* one PMP region over all of memory, so that U-mode may fetch and access it */
	csr_write(pmpaddr0, ~0ULL >> 10);
	csr_write(pmpcfg0, 0x1f);   /* NAPOT, R, W, X */
	trap_reset();
	uint64_t r = run_user(user_fn, (uint64_t)(user_stack + 512));
	check("U-mode returns via ecall with a0", r, 0x600d);
	check("U-mode traps twice", trap_count, 2);
	check("csrr mstatus from U is illegal", trap_log[0].cause, 2);
	check("illegal CSR read leaves rd alone", user_result, 0x1111);
	check("ecall from U mcause", trap_log[1].cause, 8);
	check("ecall from U has MPP = U", trap_log[1].mstatus & MSTATUS_MPP, MSTATUS_MPP_U);
	check("back in M-mode after U", csr_read(mhartid), 0);
}

static void test_interrupts(void)
{
	uint64_t at;
	csr_write(mie, 0);
	csr_clear(mstatus, MSTATUS_MIE);

	/* timer: armed in the future, wakes wfi, taken once enabled. wfi runs with
	 * mstatus.MIE clear (it wakes on pending-and-enabled in mie alone), so an
	 * interrupt arriving just before it cannot leave it waiting forever. */
	trap_reset();
	mtimecmp_set(mtime() + 1000);       /* 100 us */
	csr_set(mie, MIE_MTIE);
	for (int i = 0; i < 100000 && !(csr_read(mip) & MIP_MTIP); i++)
		__asm__ volatile("wfi");
	csr_set(mstatus, MSTATUS_MIE);
	csr_clear(mstatus, MSTATUS_MIE);
	check("timer interrupt arrives", trap_count, 1);
	check("timer interrupt mcause", trap_log[0].cause, MCAUSE_INTERRUPT | 7);

	/* timer: not before mtimecmp */
	trap_reset();
	mtimecmp_set(mtime() + MTIME_HZ);   /* 1 s */
	csr_set(mstatus, MSTATUS_MIE);
	for (volatile int i = 0; i < 100; i++)
		;
	csr_clear(mstatus, MSTATUS_MIE);
	check("no timer interrupt before mtimecmp", trap_count, 0);
	check("mip.MTIP clear before mtimecmp", csr_read(mip) & MIP_MTIP, 0);

	/* timer: pending while disabled, taken right after mstatus.MIE is set */
	trap_reset();
	mtimecmp_set(0);
	check("mip.MTIP set when mtime >= mtimecmp", csr_read(mip) & MIP_MTIP, MIP_MTIP);
	check("no interrupt while mstatus.MIE is clear", trap_count, 0);
	__asm__ volatile("la %0, 1f\n\tcsrsi mstatus, 8\n1:\tnop\n\tcsrci mstatus, 8"
			 : "=&r"(at) :: "memory");
	check("pending timer interrupt taken once enabled", trap_count, 1);
	check("interrupt taken at the next instruction", trap_log[0].epc, at);
	check("mip.MTIP clear after mtimecmp moves on", csr_read(mip) & MIP_MTIP, 0);
	csr_clear(mie, MIE_MTIE);

	/* software interrupt through CLINT msip */
	trap_reset();
	csr_set(mie, MIE_MSIE);
	csr_set(mstatus, MSTATUS_MIE);
	msip_set(1);
	for (int i = 0; i < 1000 && trap_count == 0; i++)
		;
	csr_clear(mstatus, MSTATUS_MIE);
	csr_clear(mie, MIE_MSIE);
	check("software interrupt arrives", trap_count, 1);
	check("software interrupt mcause", trap_log[0].cause, MCAUSE_INTERRUPT | 3);
	check("mip.MSIP clear after msip = 0", csr_read(mip) & MIP_MSIP, 0);
}

int main(void)
{
	printf("selftest: RV64IMAC + Zicsr + Zifencei, M and U modes, traps, CLINT\n");
	test_alu();
	test_branches();
	test_loads_stores();
	test_compressed();
	test_muldiv();
	test_atomics();
	test_csrs();
	test_fence_i();
	test_traps();
	test_user_mode();
	test_interrupts();
	printf("selftest: %d checks, %d failed\n", checks, failures);
	return failures > 255 ? 255 : failures;
}
