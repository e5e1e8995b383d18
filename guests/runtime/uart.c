/* ns16550a UART driver (polled) and the picolibc stdio streams on top of it.
 * Output turns "\n" into "\r\n" so that a raw terminal shows lines properly. */
#include "runtime.h"

#define UART_RBR 0  /* receive buffer (read) */
#define UART_THR 0  /* transmit holding register (write) */
#define UART_LSR 5  /* line status */
#define LSR_DR   0x01
#define LSR_THRE 0x20

static inline volatile uint8_t *uart_reg(int r) { return (volatile uint8_t *)(UART_BASE + r); }

void uart_putc(char c)
{
	while (!(*uart_reg(UART_LSR) & LSR_THRE))
		;
	*uart_reg(UART_THR) = (uint8_t)c;
}

int uart_getc(void)
{
	if (!(*uart_reg(UART_LSR) & LSR_DR))
		return -1;
	return *uart_reg(UART_RBR);
}

static int console_put(char c, FILE *f)
{
	(void)f;
	if (c == '\n')
		uart_putc('\r');
	uart_putc(c);
	return (unsigned char)c;
}

static int console_get(FILE *f)
{
	(void)f;
	int c;
	while ((c = uart_getc()) < 0)
		;
	return c;
}

static FILE console = FDEV_SETUP_STREAM(console_put, console_get, NULL, _FDEV_SETUP_RW);
FILE *const stdin = &console;
FILE *const stdout = &console;
FILE *const stderr = &console;
