/* idle: a console prompt that sleeps in WFI between keystrokes, as an idle OS does. The
 * UART's receive interrupt (through the PLIC) and a once-a-second timer tick wake it, so
 * an idle session costs the host no CPU and its recording one CLOCK entry per wake-up.
 * Type a line to have it echoed with the tick count; the line "q" powers off with 0. */
#include "runtime.h"

#define PLIC_BASE       0x0c000000UL
#define PLIC_PRIORITY   (PLIC_BASE + 0x0)          /* + 4 * source */
#define PLIC_ENABLE_M0  (PLIC_BASE + 0x2000)        /* context 0: hart 0, M-mode */
#define PLIC_THRESH_M0  (PLIC_BASE + 0x200000)
#define PLIC_CLAIM_M0   (PLIC_BASE + 0x200004)
#define UART_IRQ        10
#define UART_IER        (UART_BASE + 1)
#define IER_RDI         0x01
#define MIE_MEIE        (1UL << 11)
#define TICK            MTIME_HZ                     /* one second of mtime */
#define LINE_MAX        64

static inline void w32(uint64_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline uint32_t r32(uint64_t a) { return *(volatile uint32_t *)a; }

static char line[LINE_MAX];
static unsigned len;
static uint64_t ticks, bytes;

/* One typed byte: echo it, and act on a finished line. Returns 1 to power off. */
static int typed(int c)
{
	bytes++;
	if (c == '\r' || c == '\n') {
		printf("\n");
		line[len] = 0;
		if (len == 1 && line[0] == 'q') {
			printf("idle: bye after %llu bytes @ticks=%llu\n", (unsigned long long)bytes,
			       (unsigned long long)ticks);
			return 1;
		}
		if (len > 0)
			printf("idle: '%s' @ticks=%llu\n", line, (unsigned long long)ticks);
		len = 0;
		printf("idle> ");
	} else if (len + 1 < LINE_MAX && c >= 0x20 && c < 0x7f) {
		line[len++] = (char)c;
		uart_putc((char)c);
	}
	return 0;
}

int main(void)
{
	/* Interrupts stay globally off (mstatus.MIE = 0): WFI still wakes on any pending
	 * interrupt enabled in mie, and the loop below looks at what woke it. */
	w32(PLIC_PRIORITY + 4 * UART_IRQ, 1);
	w32(PLIC_ENABLE_M0, 1u << UART_IRQ);
	w32(PLIC_THRESH_M0, 0);
	*(volatile uint8_t *)UART_IER = IER_RDI;
	csr_set(mie, MIE_MEIE | MIE_MTIE);
	timer_arm_in(TICK);

	printf("idle: a prompt that sleeps in WFI; type a line, 'q' powers off\n");
	printf("idle> ");
	for (;;) {
		__asm__ volatile("wfi");
		if (csr_read(mip) & MIP_MTIP) {
			ticks++;
			timer_arm_in(TICK);
		}
		uint32_t irq = r32(PLIC_CLAIM_M0);
		if (irq == UART_IRQ) {
			int c;
			while ((c = uart_getc()) >= 0)
				if (typed(c))
					return 0;
		}
		if (irq)
			w32(PLIC_CLAIM_M0, irq);
	}
}
