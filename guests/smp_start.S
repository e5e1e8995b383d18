/* Reset entry of the smp guest, linked at 0x80000000 in place of crt0.S (which parks every hart but 0).
 * All harts arrive here at once, a0 = mhartid, a1 = the DTB. Each of harts 0..7 keeps its a0 and a1 in
 * smp_boot_a0/a1[hart] for main to check, takes an 8 KiB slice of the 64 KiB boot stack (hart 0 at the
 * top) and sets gp and mtvec; hart 0 clears .bss, releases the others through smp_go and runs main, then
 * powers off with its return value. The others wait for smp_go and run smp_secondary(mhartid). Harts 8
 * and up park in WFI. smp_go and smp_boot_* live in .data, not .bss: the loader has written them before
 * any hart runs, and hart 0's clearing of .bss cannot race with the other harts' stores or their first
 * look at the flag. */
#define SMP_MAX_HARTS	8
#define SMP_STACK_SHIFT	13		/* 8 KiB per hart: 8 x 8 KiB = the 64 KiB of guest.ld */

	.section .text.init, "ax", @progbits
	.globl _start
_start:
	csrr	t0, mhartid
	li	t1, SMP_MAX_HARTS
	bgeu	t0, t1, park
	slli	t1, t0, 3
	la	t2, smp_boot_a0
	add	t2, t2, t1
	sd	a0, 0(t2)
	la	t2, smp_boot_a1
	add	t2, t2, t1
	sd	a1, 0(t2)
	.option push
	.option norelax
	la	gp, __global_pointer$
	.option pop
	la	sp, __stack_top
	slli	t1, t0, SMP_STACK_SHIFT
	sub	sp, sp, t1
	la	t1, trap_entry
	csrw	mtvec, t1
	bnez	t0, secondary

	la	t0, __bss_start
	la	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:	fence	rw, rw			/* .bss before the release */
	li	t0, 1
	la	t1, smp_go
	sw	t0, 0(t1)
	li	a0, 0
	li	a1, 0
	call	main
	tail	poweroff

secondary:
	la	t1, smp_go
3:	lw	t2, 0(t1)
	beqz	t2, 3b
	fence	r, rw			/* nothing of hart 0's setup is read before the flag */
	mv	a0, t0
	call	smp_secondary
park:	wfi
	j	park

	.section .data.smp_start, "aw", @progbits
	.balign 8
	.globl smp_boot_a0, smp_boot_a1, smp_go
smp_boot_a0:	.rept SMP_MAX_HARTS	/* a0 and a1 at reset, by mhartid (-1: the hart never came) */
		.dword -1
		.endr
smp_boot_a1:	.rept SMP_MAX_HARTS
		.dword -1
		.endr
smp_go:		.word 0			/* set to 1 by hart 0 once .bss is clear */
