/* lockstep guest runtime: the virt board's memory map, CSR helpers, the trap frame,
 * and the runtime's small API (UART, CLINT timer, RTC, poweroff). */
#ifndef LOCKSTEP_RUNTIME_H
#define LOCKSTEP_RUNTIME_H

#include <stdint.h>
#include <stdio.h>

/* Devices of the QEMU-compatible virt board. */
#define UART_BASE       0x10000000UL  /* ns16550a, register shift 0 */
#define CLINT_BASE      0x02000000UL
#define CLINT_MSIP      (CLINT_BASE + 0x0)
#define CLINT_MTIMECMP  (CLINT_BASE + 0x4000)
#define CLINT_MTIME     (CLINT_BASE + 0xbff8)
#define MTIME_HZ        10000000UL
#define TEST_BASE       0x00100000UL  /* sifive_test: poweroff */
#define RTC_BASE        0x00101000UL  /* goldfish RTC */

/* CSR bits used by the guests. */
#define MSTATUS_MIE     (1UL << 3)
#define MSTATUS_MPIE    (1UL << 7)
#define MSTATUS_MPP     (3UL << 11)
#define MSTATUS_MPP_M   (3UL << 11)
#define MSTATUS_MPP_U   (0UL << 11)
#define MIE_MSIE        (1UL << 3)
#define MIE_MTIE        (1UL << 7)
#define MIP_MSIP        (1UL << 3)
#define MIP_MTIP        (1UL << 7)
#define MCAUSE_INTERRUPT (1UL << 63)

#define csr_read(csr) \
	({ uint64_t _v; __asm__ volatile("csrr %0, " #csr : "=r"(_v)); _v; })
#define csr_write(csr, v) __asm__ volatile("csrw " #csr ", %0" :: "rK"((uint64_t)(v)))
#define csr_set(csr, v)   __asm__ volatile("csrs " #csr ", %0" :: "rK"((uint64_t)(v)))
#define csr_clear(csr, v) __asm__ volatile("csrc " #csr ", %0" :: "rK"((uint64_t)(v)))

/* Counters. Print their values only as volatile tokens: printf("@instret=%llu"). */
static inline uint64_t rdinstret(void) { uint64_t v; __asm__ volatile("rdinstret %0" : "=r"(v)); return v; }
static inline uint64_t rdcycle(void)   { uint64_t v; __asm__ volatile("rdcycle %0" : "=r"(v)); return v; }
static inline uint64_t rdtime(void)    { uint64_t v; __asm__ volatile("rdtime %0" : "=r"(v)); return v; }

/* What trap.S saves on the stack on every trap: x[0] is unused (x0 is zero),
 * x[2] is the sp before the trap. */
struct trap_frame {
	uint64_t x[32];
	uint64_t mepc;
	uint64_t mstatus;
};

/* Called by trap.S for every trap and interrupt, on the interrupted stack, with
 * interrupts off. Returns the frame to resume: normally f, or another thread's
 * saved frame to switch context. The runtime's default (weak) reports the trap and
 * powers off with code 255; a guest overrides it by defining its own. */
struct trap_frame *trap_handler(struct trap_frame *f, uint64_t mcause, uint64_t mtval);

/* UART */
void uart_putc(char c);
int uart_getc(void);            /* next received byte, or -1 if none is waiting */

/* CLINT timer (hart 0) */
uint64_t mtime(void);
void mtimecmp_set(uint64_t when);
void timer_arm_in(uint64_t ticks);  /* interrupt `ticks` mtime ticks from now */
void timer_disarm(void);
void msip_set(int pending);

/* goldfish RTC: nanoseconds since the epoch */
uint64_t rtc_ns(void);

/* sifive_test: 0 = success, anything else = failure with that exit code */
_Noreturn void poweroff(int code);

#endif
