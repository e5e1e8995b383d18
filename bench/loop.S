/* loop: a guest that never ends, for debugger benchmarks on long recordings. It stores a counter
 * and reads it back every iteration and, every 2^25 iterations (about 1.7e8 instructions), also stores
 * it to `rare`, so a reverse continue to a watchpoint on `rare` has ~1e8 instructions to search, and
 * one to an access watchpoint (awatch) checks a load in every iteration on the way. */
	.section .text
	.globl _start
_start:
	la	s0, counter
	li	t2, (1 << 25) - 1
	li	t0, 0
1:	addi	t0, t0, 1
	sd	t0, 0(s0)
	ld	t3, 0(s0)
	and	t1, t0, t2
	bnez	t1, 1b
	sd	t0, 8(s0)
	j	1b

	.section .data
	.balign 8
	.globl counter, rare
counter: .dword 0
rare:	.dword 0
