/* Trap entry and exit: saves all 31 integer registers, mepc and mstatus in a
 * struct trap_frame on the interrupted stack, calls trap_handler(frame, mcause,
 * mtval) and resumes whatever frame it returns (which may belong to another thread). */
#define FRAME_SIZE    272
#define FRAME_MEPC    256
#define FRAME_MSTATUS 264

	.section .text.trap, "ax", @progbits
	.globl trap_entry
	.align 2
trap_entry:
	addi	sp, sp, -FRAME_SIZE
	sd	x1, 1*8(sp)
	sd	x3, 3*8(sp)
	sd	x4, 4*8(sp)
	sd	x5, 5*8(sp)
	sd	x6, 6*8(sp)
	sd	x7, 7*8(sp)
	sd	x8, 8*8(sp)
	sd	x9, 9*8(sp)
	sd	x10, 10*8(sp)
	sd	x11, 11*8(sp)
	sd	x12, 12*8(sp)
	sd	x13, 13*8(sp)
	sd	x14, 14*8(sp)
	sd	x15, 15*8(sp)
	sd	x16, 16*8(sp)
	sd	x17, 17*8(sp)
	sd	x18, 18*8(sp)
	sd	x19, 19*8(sp)
	sd	x20, 20*8(sp)
	sd	x21, 21*8(sp)
	sd	x22, 22*8(sp)
	sd	x23, 23*8(sp)
	sd	x24, 24*8(sp)
	sd	x25, 25*8(sp)
	sd	x26, 26*8(sp)
	sd	x27, 27*8(sp)
	sd	x28, 28*8(sp)
	sd	x29, 29*8(sp)
	sd	x30, 30*8(sp)
	sd	x31, 31*8(sp)
	addi	t0, sp, FRAME_SIZE	/* the sp the trapped code had */
	sd	t0, 2*8(sp)
	csrr	t0, mepc
	sd	t0, FRAME_MEPC(sp)
	csrr	t0, mstatus
	sd	t0, FRAME_MSTATUS(sp)

	/* the handler addresses globals through gp, whatever the trapped code had there */
	.option push
	.option norelax
	la	gp, __global_pointer$
	.option pop
	mv	a0, sp
	csrr	a1, mcause
	csrr	a2, mtval
	call	trap_handler

	/* resume the frame in a0 */
	mv	sp, a0
	ld	t0, FRAME_MEPC(sp)
	csrw	mepc, t0
	ld	t0, FRAME_MSTATUS(sp)
	csrw	mstatus, t0
	ld	x1, 1*8(sp)
	ld	x3, 3*8(sp)
	ld	x4, 4*8(sp)
	ld	x5, 5*8(sp)
	ld	x6, 6*8(sp)
	ld	x7, 7*8(sp)
	ld	x8, 8*8(sp)
	ld	x9, 9*8(sp)
	ld	x10, 10*8(sp)
	ld	x11, 11*8(sp)
	ld	x12, 12*8(sp)
	ld	x13, 13*8(sp)
	ld	x14, 14*8(sp)
	ld	x15, 15*8(sp)
	ld	x16, 16*8(sp)
	ld	x17, 17*8(sp)
	ld	x18, 18*8(sp)
	ld	x19, 19*8(sp)
	ld	x20, 20*8(sp)
	ld	x21, 21*8(sp)
	ld	x22, 22*8(sp)
	ld	x23, 23*8(sp)
	ld	x24, 24*8(sp)
	ld	x25, 25*8(sp)
	ld	x26, 26*8(sp)
	ld	x27, 27*8(sp)
	ld	x28, 28*8(sp)
	ld	x29, 29*8(sp)
	ld	x30, 30*8(sp)
	ld	x31, 31*8(sp)
	ld	x2, 2*8(sp)
	mret
