/* Reset entry, linked at 0x80000000: parks extra harts, sets gp and sp, clears .bss,
 * enables the FPU in FP builds, installs the trap vector, runs main and powers off with its return value. */
	.section .text.init, "ax", @progbits
	.globl _start
_start:
	csrr	t0, mhartid
	bnez	t0, park
	.option push
	.option norelax
	la	gp, __global_pointer$
	.option pop
	la	sp, __stack_top
	la	t0, __bss_start
	la	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:
#ifdef __riscv_flen
	li	t0, 1 << 13		/* mstatus.FS = Initial: FP guests may use the FPU */
	csrs	mstatus, t0
#endif
	la	t0, trap_entry
	csrw	mtvec, t0
	li	a0, 0
	li	a1, 0
	call	main
	tail	poweroff

park:	wfi
	j	park
