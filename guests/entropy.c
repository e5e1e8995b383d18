/* entropy: reads 4 x 16 bytes from virtio-rng and prints them in hex, then powers off with 0.
 * Run it with --rng: every run prints different bytes, and a recording replays the same ones.
 * A polled legacy virtio-mmio driver (QEMU 7.2's default transport) that sleeps in WFI with the
 * device's PLIC line enabled until the device has filled the buffer. */
#include <string.h>
#include "runtime.h"

#define PLIC_BASE      0x0c000000UL
#define PLIC_PRIORITY(irq) (PLIC_BASE + 4 * (irq))
#define PLIC_ENABLE_M  (PLIC_BASE + 0x2000)
#define PLIC_THRESHOLD (PLIC_BASE + 0x200000)
#define PLIC_CLAIM     (PLIC_BASE + 0x200004)
#define MIE_MEIE       (1UL << 11)

#define VIRTIO_BASE 0x10001000UL
#define VIRTIO_IRQ  1
enum {
	VM_MAGIC = 0x000, VM_VERSION = 0x004, VM_DEVICE_ID = 0x008, VM_HOST_FEATURES = 0x010,
	VM_HOST_FEATURES_SEL = 0x014, VM_GUEST_FEATURES = 0x020, VM_GUEST_FEATURES_SEL = 0x024,
	VM_GUEST_PAGE_SIZE = 0x028, VM_QUEUE_SEL = 0x030, VM_QUEUE_NUM_MAX = 0x034, VM_QUEUE_NUM = 0x038,
	VM_QUEUE_ALIGN = 0x03c, VM_QUEUE_PFN = 0x040, VM_QUEUE_NOTIFY = 0x050, VM_INTERRUPT_STATUS = 0x060,
	VM_INTERRUPT_ACK = 0x064, VM_STATUS = 0x070,
};
#define QUEUE_NUM 4
#define ROUNDS    4
#define BYTES     16

static inline uint32_t rd32(uint64_t a) { return *(volatile uint32_t *)a; }
static inline void wr32(uint64_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline void fence(void) { __asm__ volatile("fence rw, rw" ::: "memory"); }

struct vring_desc { uint64_t addr; uint32_t len; uint16_t flags, next; };

static uint8_t ring[2 * 4096] __attribute__((aligned(4096)));
static uint8_t buf[BYTES];

int main(void)
{
	uint64_t base = 0;
	int slot = 0;
	for (int i = 0; i < 8 && !base; i++) {
		uint64_t b = VIRTIO_BASE + 0x1000UL * i;
		if (rd32(b + VM_MAGIC) == 0x74726976U && rd32(b + VM_DEVICE_ID) == 4) {
			base = b;
			slot = i;
		}
	}
	if (!base) {
		printf("entropy: no virtio-rng device: run with --rng\n");
		poweroff(1);
	}
	if (rd32(base + VM_VERSION) != 1) {
		printf("entropy: only legacy virtio-mmio is supported\n");
		poweroff(1);
	}
	wr32(base + VM_STATUS, 0);
	wr32(base + VM_STATUS, 1);
	wr32(base + VM_STATUS, 3);
	wr32(base + VM_GUEST_FEATURES_SEL, 0);
	wr32(base + VM_GUEST_FEATURES, 0);
	wr32(base + VM_GUEST_PAGE_SIZE, 4096);
	wr32(base + VM_QUEUE_SEL, 0);
	wr32(base + VM_QUEUE_NUM, QUEUE_NUM);
	wr32(base + VM_QUEUE_ALIGN, 4096);
	wr32(base + VM_QUEUE_PFN, (uint32_t)((uint64_t)ring >> 12));
	wr32(base + VM_STATUS, 7);
	wr32(PLIC_PRIORITY(VIRTIO_IRQ + slot), 1);
	wr32(PLIC_ENABLE_M, 1U << (VIRTIO_IRQ + slot));
	wr32(PLIC_THRESHOLD, 0);
	csr_set(mie, MIE_MEIE);	/* wakes WFI; mstatus.MIE stays off, so no trap is taken */

	volatile struct vring_desc *desc = (volatile struct vring_desc *)ring;
	volatile uint16_t *avail = (volatile uint16_t *)(ring + 16 * QUEUE_NUM);
	volatile uint16_t *used_idx = (volatile uint16_t *)(ring + 4096 + 2);
	for (int r = 0; r < ROUNDS; r++) {
		memset(buf, 0, sizeof buf);
		desc[0].addr = (uint64_t)buf;
		desc[0].len = BYTES;
		desc[0].flags = 2;	/* device-writable */
		desc[0].next = 0;
		avail[2 + r % QUEUE_NUM] = 0;
		fence();
		avail[1] = (uint16_t)(r + 1);
		fence();
		wr32(base + VM_QUEUE_NOTIFY, 0);
		while (*used_idx != (uint16_t)(r + 1)) {
			__asm__ volatile("wfi");
			uint32_t irq;
			while ((irq = rd32(PLIC_CLAIM)) != 0) {
				wr32(base + VM_INTERRUPT_ACK, rd32(base + VM_INTERRUPT_STATUS));
				wr32(PLIC_CLAIM, irq);
			}
		}
		fence();
		printf("entropy:");
		for (int i = 0; i < BYTES; i++)
			printf(" %02x", buf[i]);
		printf("\n");
	}
	return 0;
}
