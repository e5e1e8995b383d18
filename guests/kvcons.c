/* kvcons: a key/value service on the console, for fault-tolerance runs until the virtio
 * kvserver is in. One request per line, answered on one line, tagged with the client's id:
 *   ID SET KEY VALUE  ->  ID OK
 *   ID GET KEY        ->  ID VAL VALUE   or   ID NONE
 * A repeated request (a client retrying across a failover) gets the same answer again: SET is
 * idempotent. The guest sleeps in WFI between requests, woken by the UART's receive interrupt
 * through the PLIC, so an idle service costs no instructions. */
#include "runtime.h"
#include <string.h>

#define PLIC_BASE      0x0c000000UL
#define UART_IRQ       10
#define MIE_MEIE       (1UL << 11)
#define SLOTS          4096
#define KEY_MAX        32
#define VAL_MAX        64
#define LINE_MAX       160

struct slot { char key[KEY_MAX + 1]; char val[VAL_MAX + 1]; };
static struct slot table[SLOTS];
static uint64_t requests;

static unsigned hash(const char *s)
{
	unsigned h = 2166136261u;
	while (*s) h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static struct slot *find(const char *key, int create)
{
	for (unsigned i = hash(key), n = 0; n < SLOTS; i++, n++) {
		struct slot *s = &table[i % SLOTS];
		if (s->key[0] == 0) {
			if (!create) return 0;
			strcpy(s->key, key);
			return s;
		}
		if (strcmp(s->key, key) == 0) return s;
	}
	return 0;
}

static char *word(char **p)
{
	while (**p == ' ') (*p)++;
	char *w = *p;
	while (**p && **p != ' ') (*p)++;
	if (**p) *(*p)++ = 0;
	return w;
}

static void serve(char *line)
{
	char *p = line;
	char *id = word(&p), *op = word(&p), *key = word(&p);
	while (*p == ' ') p++;
	char *val = p;
	if (!*id) return;
	requests++;
	if (strcmp(op, "SET") == 0 && *key && *val && strlen(key) <= KEY_MAX && strlen(val) <= VAL_MAX) {
		struct slot *s = find(key, 1);
		if (!s) { printf("%s FULL\n", id); return; }
		strcpy(s->val, val);
		printf("%s OK\n", id);
	} else if (strcmp(op, "GET") == 0 && *key && strlen(key) <= KEY_MAX) {
		struct slot *s = find(key, 0);
		if (s) printf("%s VAL %s\n", id, s->val);
		else printf("%s NONE\n", id);
	} else if (strcmp(op, "QUIT") == 0) {
		printf("%s BYE %llu\n", id, (unsigned long long)requests);
		poweroff(0);
	} else {
		printf("%s ERR\n", id);
	}
}

static inline void plic_write(uint64_t off, uint32_t v) { *(volatile uint32_t *)(PLIC_BASE + off) = v; }
static inline uint32_t plic_read(uint64_t off) { return *(volatile uint32_t *)(PLIC_BASE + off); }

int main(void)
{
	/* UART receive interrupt -> PLIC source 10 -> hart 0 M-mode context; WFI wakes on MEIP
	 * with interrupts globally off, so no trap handler is involved. */
	*(volatile uint8_t *)(UART_BASE + 1) = 0x01;
	plic_write(4 * UART_IRQ, 1);
	plic_write(0x2000, 1u << UART_IRQ);
	plic_write(0x200000, 0);
	csr_set(mie, MIE_MEIE);
	printf("kvcons ready\n");
	char line[LINE_MAX + 1];
	int len = 0;
	for (;;) {
		int c = uart_getc();
		if (c < 0) {
			uint32_t claim = plic_read(0x200004);
			if (claim) plic_write(0x200004, claim);
			if (*(volatile uint8_t *)(UART_BASE + 5) & 1) continue;
			__asm__ volatile("wfi");
			continue;
		}
		if (c == '\r') continue;
		if (c == '\n') {
			line[len] = 0;
			serve(line);
			len = 0;
		} else if (len < LINE_MAX) {
			line[len++] = (char)c;
		}
	}
}
