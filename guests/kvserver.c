/* kvserver: a key/value service over UDP on virtio-net, with its own tiny Ethernet/ARP/IPv4/UDP
 * stack, that appends every write to a log on virtio-blk and rebuilds its table from the log at
 * start. Requests are text lines in one datagram each (to 10.0.2.15 port 9000):
 *
 *     <id> PUT <key> <value>    ->  <id> OK
 *     <id> GET <key>            ->  <id> VALUE <value>   or  <id> NOTFOUND
 *     <id> DEL <key>            ->  <id> OK              or  <id> NOTFOUND
 *     <id> PING                 ->  <id> PONG
 *     <id> SHUTDOWN             ->  <id> OK, then power off
 *
 * Group commit: the main loop takes every frame that has arrived (up to the rx queue's QUEUE_NUM)
 * as one batch and handles its requests in order, so a later request sees the writes of earlier
 * ones, but it only collects their log records and replies. Then it writes the batch's records
 * with one virtio-blk request (they are consecutive sectors), flushes once, and only then sends all
 * the replies (ARP replies too) with one notify. So no reply leaves before every write of its batch
 * is durable: a client never sees an OK, or a GET value, that a crash could take back. A write that
 * finds the log full is answered "ERR log full" and not applied. If the disk write or the flush
 * fails, the table already holds writes that may not be on the disk, so the server stops with a
 * message (fail) rather than answer for them; the log on the disk is then what a restart serves.
 * A crash during a batch's write may leave any subset of its sectors; the log ends at the first
 * missing one, and at start the sectors just after the end are zeroed, so a later batch cannot
 * make the stale rest valid again. Old disks load: the format is still one record per sector.
 *
 * The drivers are polled legacy virtio-mmio (QEMU 7.2's default); the server sleeps in WFI with the
 * devices' PLIC lines enabled, so an idle server costs no host CPU. The console shows a startup line
 * and a line at shutdown only. */
#include <string.h>
#include "runtime.h"

#define KV_IP    0x0a00020fU	/* 10.0.2.15 */
#define KV_PORT  9000

/* ---- PLIC: wake from WFI on virtio interrupts, without taking traps ---------------- */

#define PLIC_BASE      0x0c000000UL
#define PLIC_PRIORITY(irq) (PLIC_BASE + 4 * (irq))
#define PLIC_ENABLE_M  (PLIC_BASE + 0x2000)	/* context 0: hart 0, M-mode */
#define PLIC_THRESHOLD (PLIC_BASE + 0x200000)
#define PLIC_CLAIM     (PLIC_BASE + 0x200004)
#define MIE_MEIE       (1UL << 11)

static inline uint32_t rd32(uint64_t a) { return *(volatile uint32_t *)a; }
static inline void wr32(uint64_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline void fence(void) { __asm__ volatile("fence rw, rw" ::: "memory"); }

/* ---- virtio-mmio, legacy (version 1) --------------------------------------------- */

#define VIRTIO_BASE   0x10001000UL
#define VIRTIO_SLOTS  8
#define VIRTIO_MAGIC  0x74726976U	/* "virt" */
#define VIRTIO_IRQ    1		/* slot i interrupts on PLIC source 1 + i */

enum {
	VM_MAGIC = 0x000, VM_VERSION = 0x004, VM_DEVICE_ID = 0x008, VM_HOST_FEATURES = 0x010,
	VM_HOST_FEATURES_SEL = 0x014, VM_GUEST_FEATURES = 0x020, VM_GUEST_FEATURES_SEL = 0x024,
	VM_GUEST_PAGE_SIZE = 0x028, VM_QUEUE_SEL = 0x030, VM_QUEUE_NUM_MAX = 0x034, VM_QUEUE_NUM = 0x038,
	VM_QUEUE_ALIGN = 0x03c, VM_QUEUE_PFN = 0x040, VM_QUEUE_NOTIFY = 0x050, VM_INTERRUPT_STATUS = 0x060,
	VM_INTERRUPT_ACK = 0x064, VM_STATUS = 0x070, VM_CONFIG = 0x100,
};
enum { ST_ACKNOWLEDGE = 1, ST_DRIVER = 2, ST_DRIVER_OK = 4, ST_FAILED = 128 };
enum { DESC_NEXT = 1, DESC_WRITE = 2 };

#define QUEUE_NUM 8

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

struct vring_used {
	uint16_t flags, idx;
	struct { uint32_t id, len; } ring[QUEUE_NUM];
};

/* A legacy queue: descriptors, then the available ring, then (page-aligned) the used ring. */
struct queue {
	uint8_t mem[2 * 4096] __attribute__((aligned(4096)));
	volatile struct vring_desc *desc;
	volatile uint16_t *avail;	/* flags, idx, ring[QUEUE_NUM] */
	volatile struct vring_used *used;
	uint16_t avail_idx, last_used;
};

struct device {
	uint64_t base;
	int slot;
};

static uint32_t reg(const struct device *d, unsigned off) { return rd32(d->base + off); }
static void set_reg(const struct device *d, unsigned off, uint32_t v) { wr32(d->base + off, v); }

static int find_device(uint32_t id, struct device *d)
{
	for (int i = 0; i < VIRTIO_SLOTS; i++) {
		uint64_t base = VIRTIO_BASE + 0x1000UL * i;
		if (rd32(base + VM_MAGIC) == VIRTIO_MAGIC && rd32(base + VM_DEVICE_ID) == id) {
			d->base = base;
			d->slot = i;
			return 1;
		}
	}
	return 0;
}

static _Noreturn void fail(const char *what)
{
	printf("kvserver: %s\n", what);
	poweroff(1);
}

/* Reset, acknowledge, and accept `wanted` of the device's features. */
static uint32_t device_begin(const struct device *d, uint32_t wanted)
{
	if (reg(d, VM_VERSION) != 1)
		fail("virtio-mmio version 2 is not supported: use legacy transports (QEMU 7.2's default)");
	set_reg(d, VM_STATUS, 0);
	set_reg(d, VM_STATUS, ST_ACKNOWLEDGE);
	set_reg(d, VM_STATUS, ST_ACKNOWLEDGE | ST_DRIVER);
	set_reg(d, VM_HOST_FEATURES_SEL, 0);
	uint32_t features = reg(d, VM_HOST_FEATURES) & wanted;
	set_reg(d, VM_GUEST_FEATURES_SEL, 0);
	set_reg(d, VM_GUEST_FEATURES, features);
	set_reg(d, VM_GUEST_PAGE_SIZE, 4096);
	return features;
}

static void queue_init(const struct device *d, unsigned sel, struct queue *q)
{
	set_reg(d, VM_QUEUE_SEL, sel);
	if (reg(d, VM_QUEUE_NUM_MAX) < QUEUE_NUM)
		fail("virtio queue too small");
	memset(q->mem, 0, sizeof q->mem);
	q->desc = (volatile struct vring_desc *)q->mem;
	q->avail = (volatile uint16_t *)(q->mem + 16 * QUEUE_NUM);
	q->used = (volatile struct vring_used *)(q->mem + 4096);
	q->avail_idx = q->last_used = 0;
	set_reg(d, VM_QUEUE_NUM, QUEUE_NUM);
	set_reg(d, VM_QUEUE_ALIGN, 4096);
	set_reg(d, VM_QUEUE_PFN, (uint32_t)((uint64_t)q->mem >> 12));
}

static void device_ready(const struct device *d)
{
	set_reg(d, VM_STATUS, ST_ACKNOWLEDGE | ST_DRIVER | ST_DRIVER_OK);
	unsigned irq = VIRTIO_IRQ + d->slot;
	wr32(PLIC_PRIORITY(irq), 1);
	wr32(PLIC_ENABLE_M, rd32(PLIC_ENABLE_M) | 1U << irq);
}

/* Puts the chain starting at descriptor `head` in the available ring; kick() publishes it. */
static void offer(struct queue *q, uint16_t head)
{
	q->avail[2 + q->avail_idx % QUEUE_NUM] = head;
	q->avail_idx++;
}

/* Publishes every chain offered so far and tells the device, with one notify. */
static void kick(const struct device *d, unsigned sel, struct queue *q)
{
	fence();
	q->avail[1] = q->avail_idx;
	fence();
	set_reg(d, VM_QUEUE_NOTIFY, sel);
}

static void submit(const struct device *d, unsigned sel, struct queue *q, uint16_t head)
{
	offer(q, head);
	kick(d, sel, q);
}

/* The next used element, if the device has returned one: its descriptor id (and length). */
static int take_used(struct queue *q, uint32_t *id, uint32_t *len)
{
	if (q->used->idx == q->last_used)
		return 0;
	fence();
	*id = q->used->ring[q->last_used % QUEUE_NUM].id;
	*len = q->used->ring[q->last_used % QUEUE_NUM].len;
	q->last_used++;
	return 1;
}

static struct device blk_dev, net_dev;

/* Sleeps until a device interrupts, then acknowledges every pending source. A source that was
 * already pending makes WFI return at once, so no completion is missed. */
static void wait_for_device(void)
{
	__asm__ volatile("wfi");
	uint32_t irq;
	while ((irq = rd32(PLIC_CLAIM)) != 0) {
		const struct device *d = irq == VIRTIO_IRQ + (unsigned)blk_dev.slot ? &blk_dev : &net_dev;
		set_reg(d, VM_INTERRUPT_ACK, reg(d, VM_INTERRUPT_STATUS));
		wr32(PLIC_CLAIM, irq);
	}
}

/* ---- virtio-blk ------------------------------------------------------------------ */

#define BLK_F_FLUSH (1U << 9)
enum { BLK_IN = 0, BLK_OUT = 1, BLK_FLUSH = 4 };

static struct queue blk_q;
static uint64_t blk_sectors;
static int blk_can_flush;

static struct {
	uint32_t type, reserved;
	uint64_t sector;
} blk_req;
static volatile uint8_t blk_status;

/* One synchronous request: `count` sectors at `sector` to or from `buf` (or a flush). */
static int blk_io(uint32_t type, uint64_t sector, void *buf, unsigned count)
{
	blk_req.type = type;
	blk_req.reserved = 0;
	blk_req.sector = sector;
	blk_status = 0xff;
	volatile struct vring_desc *d = blk_q.desc;
	d[0].addr = (uint64_t)&blk_req;
	d[0].len = sizeof blk_req;
	d[0].flags = DESC_NEXT;
	d[0].next = 1;
	int n = 1;
	if (type != BLK_FLUSH) {
		d[1].addr = (uint64_t)buf;
		d[1].len = 512 * count;
		d[1].flags = DESC_NEXT | (type == BLK_IN ? DESC_WRITE : 0);
		d[1].next = 2;
		n = 2;
	}
	d[n - 1].next = (uint16_t)n;
	d[n].addr = (uint64_t)&blk_status;
	d[n].len = 1;
	d[n].flags = DESC_WRITE;
	d[n].next = 0;
	submit(&blk_dev, 0, &blk_q, 0);
	uint32_t id, len;
	while (!take_used(&blk_q, &id, &len))
		wait_for_device();
	return blk_status == 0 ? 0 : -1;
}

static void blk_init(void)
{
	if (!find_device(2, &blk_dev))
		fail("no virtio-blk device: give a disk (--drive file=IMG)");
	blk_can_flush = (device_begin(&blk_dev, BLK_F_FLUSH) & BLK_F_FLUSH) != 0;
	queue_init(&blk_dev, 0, &blk_q);
	blk_sectors = rd32(blk_dev.base + VM_CONFIG) | (uint64_t)rd32(blk_dev.base + VM_CONFIG + 4) << 32;
	device_ready(&blk_dev);
}

/* ---- virtio-net ------------------------------------------------------------------ */

#define NET_F_MAC   (1U << 5)
#define NET_HDR     10		/* legacy virtio_net_hdr, without num_buffers */
#define FRAME_MAX   1514
#define RX_BUF      2048

static struct queue rx_q, tx_q;
static uint8_t rx_buf[QUEUE_NUM][RX_BUF] __attribute__((aligned(64)));
/* A batch's replies, one frame per tx descriptor: a batch has at most QUEUE_NUM frames, so as many replies. */
static uint8_t tx_buf[QUEUE_NUM][NET_HDR + FRAME_MAX] __attribute__((aligned(64)));
static unsigned tx_len[QUEUE_NUM];
static unsigned tx_count;
static uint8_t my_mac[6];

/* Offers rx buffer i again; the caller kicks the rx queue once for all of them. */
static void rx_post(uint16_t i)
{
	rx_q.desc[i].addr = (uint64_t)rx_buf[i];
	rx_q.desc[i].len = RX_BUF;
	rx_q.desc[i].flags = DESC_WRITE;
	offer(&rx_q, i);
}

static void net_init(void)
{
	if (!find_device(1, &net_dev))
		fail("no virtio-net device: give a network (--netdev dgram,...)");
	if (!(device_begin(&net_dev, NET_F_MAC) & NET_F_MAC))
		fail("virtio-net has no MAC address");
	for (int i = 0; i < 6; i++)
		my_mac[i] = *(volatile uint8_t *)(net_dev.base + VM_CONFIG + i);
	queue_init(&net_dev, 0, &rx_q);
	queue_init(&net_dev, 1, &tx_q);
	device_ready(&net_dev);
	for (uint16_t i = 0; i < QUEUE_NUM; i++)
		rx_post(i);
	kick(&net_dev, 0, &rx_q);
}

/* Where the next reply frame of the batch goes (after its virtio-net header). */
static uint8_t *reply_frame(void) { return tx_buf[tx_count] + NET_HDR; }

/* Queues the frame at reply_frame() (padded to Ethernet's 60-byte minimum); net_send_all sends it. */
static void net_queue(unsigned len)
{
	uint8_t *b = tx_buf[tx_count];
	if (len < 60) {
		memset(b + NET_HDR + len, 0, 60 - len);
		len = 60;
	}
	memset(b, 0, NET_HDR);
	tx_len[tx_count++] = NET_HDR + len;
}

/* Sends the queued frames, one descriptor each and one notify, and waits until all are sent. */
static void net_send_all(void)
{
	if (tx_count == 0)
		return;
	for (uint16_t i = 0; i < tx_count; i++) {
		tx_q.desc[i].addr = (uint64_t)tx_buf[i];
		tx_q.desc[i].len = tx_len[i];
		tx_q.desc[i].flags = 0;
		offer(&tx_q, i);
	}
	kick(&net_dev, 1, &tx_q);
	uint32_t id, l;
	for (unsigned done = 0; done < tx_count;) {
		if (take_used(&tx_q, &id, &l))
			done++;
		else
			wait_for_device();
	}
	tx_count = 0;
}

/* ---- Ethernet, ARP, IPv4, UDP ---------------------------------------------------- */

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }

/* The Internet checksum's one's-complement sum, to be folded by csum_fold. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, unsigned len)
{
	for (unsigned i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t udp_pseudo(uint32_t src, uint32_t dst, unsigned udp_len)
{
	return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + 17 + udp_len;
}

#define ETH_HDR 14
#define IP_HDR  20
#define UDP_HDR 8
#define ETH_ARP 0x0806
#define ETH_IP  0x0800

static void handle_arp(const uint8_t *f, unsigned len)
{
	const uint8_t *a = f + ETH_HDR;
	if (len < ETH_HDR + 28 || get16(a) != 1 || get16(a + 2) != ETH_IP || a[4] != 6 || a[5] != 4)
		return;
	if (get16(a + 6) != 1 || get32(a + 24) != KV_IP)
		return;	/* only requests for our address */
	uint8_t *o = reply_frame();
	memcpy(o, a + 8, 6);		/* to the asker */
	memcpy(o + 6, my_mac, 6);
	put16(o + 12, ETH_ARP);
	uint8_t *r = o + ETH_HDR;
	put16(r, 1);
	put16(r + 2, ETH_IP);
	r[4] = 6;
	r[5] = 4;
	put16(r + 6, 2);		/* reply */
	memcpy(r + 8, my_mac, 6);
	put32(r + 14, KV_IP);
	memcpy(r + 18, a + 8, 10);	/* target = the asker's MAC and IP */
	net_queue(ETH_HDR + 28);
}

static uint16_t ip_id;

/* Queues a reply of `len` bytes of payload (already at its place in reply_frame()) to the sender of frame f. */
static void udp_reply(const uint8_t *f, unsigned len)
{
	const uint8_t *ip = f + ETH_HDR;
	const uint8_t *udp = ip + (ip[0] & 15) * 4;
	uint8_t *o = reply_frame();
	memcpy(o, f + 6, 6);
	memcpy(o + 6, my_mac, 6);
	put16(o + 12, ETH_IP);
	uint8_t *oi = o + ETH_HDR;
	uint32_t dst = get32(ip + 12);
	oi[0] = 0x45;
	oi[1] = 0;
	put16(oi + 2, (uint16_t)(IP_HDR + UDP_HDR + len));
	put16(oi + 4, ip_id++);
	put16(oi + 6, 0x4000);		/* don't fragment */
	oi[8] = 64;
	oi[9] = 17;
	put16(oi + 10, 0);
	put32(oi + 12, KV_IP);
	put32(oi + 16, dst);
	put16(oi + 10, csum_fold(csum_add(0, oi, IP_HDR)));
	uint8_t *ou = oi + IP_HDR;
	put16(ou, KV_PORT);
	put16(ou + 2, get16(udp));
	put16(ou + 4, (uint16_t)(UDP_HDR + len));
	put16(ou + 6, 0);
	uint16_t c = csum_fold(csum_add(udp_pseudo(KV_IP, dst, UDP_HDR + len), ou, UDP_HDR + len));
	put16(ou + 6, c == 0 ? 0xffff : c);
	net_queue(ETH_HDR + IP_HDR + UDP_HDR + len);
}

static unsigned handle_request(const char *req, unsigned len, char *out, unsigned cap);

static void handle_ip(const uint8_t *f, unsigned len)
{
	const uint8_t *ip = f + ETH_HDR;
	if (len < ETH_HDR + IP_HDR || ip[0] >> 4 != 4)
		return;
	unsigned ihl = (ip[0] & 15) * 4, total = get16(ip + 2);
	if (ihl < IP_HDR || total < ihl + UDP_HDR || ETH_HDR + total > len)
		return;
	if (csum_fold(csum_add(0, ip, ihl)) != 0 || ip[9] != 17 || get32(ip + 16) != KV_IP)
		return;
	if (get16(ip + 6) & 0x3fff)
		return;	/* fragments are not reassembled */
	const uint8_t *udp = ip + ihl;
	unsigned ulen = get16(udp + 4);
	if (ulen < UDP_HDR || ulen > total - ihl || get16(udp + 2) != KV_PORT)
		return;
	if (get16(udp + 6) != 0 &&
	    csum_fold(csum_add(udp_pseudo(get32(ip + 12), KV_IP, ulen), udp, ulen)) != 0)
		return;
	char *out = (char *)reply_frame() + ETH_HDR + IP_HDR + UDP_HDR;
	unsigned n = handle_request((const char *)udp + UDP_HDR, ulen - UDP_HDR, out,
				    FRAME_MAX - ETH_HDR - IP_HDR - UDP_HDR);
	udp_reply(f, n);
}

static void handle_frame(const uint8_t *f, unsigned len)
{
	if (len < ETH_HDR)
		return;
	static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	if (memcmp(f, my_mac, 6) != 0 && memcmp(f, broadcast, 6) != 0)
		return;
	uint16_t type = get16(f + 12);
	if (type == ETH_ARP)
		handle_arp(f, len);
	else if (type == ETH_IP)
		handle_ip(f, len);
}

/* ---- the table ------------------------------------------------------------------- */

#define KEY_MAX    64
#define VALUE_MAX  256
#define TABLE_SIZE 1024		/* a power of two; open addressing with linear probing */

enum { SLOT_EMPTY, SLOT_USED, SLOT_DELETED };

struct entry {
	uint8_t state, klen;
	uint16_t vlen;
	char key[KEY_MAX];
	char value[VALUE_MAX];
};

static struct entry table[TABLE_SIZE];
static unsigned live_keys;

static uint32_t fnv1a(uint32_t h, const void *p, unsigned len)
{
	const uint8_t *b = p;
	for (unsigned i = 0; i < len; i++)
		h = (h ^ b[i]) * 16777619U;
	return h;
}

/* The slot holding `key`, or (insert) the first free one on its probe path; NULL if none. */
static struct entry *lookup(const char *key, unsigned klen, int insert)
{
	unsigned i = fnv1a(2166136261U, key, klen) & (TABLE_SIZE - 1);
	struct entry *free_slot = 0;
	for (unsigned n = 0; n < TABLE_SIZE; n++, i = (i + 1) & (TABLE_SIZE - 1)) {
		struct entry *e = &table[i];
		if (e->state == SLOT_EMPTY)
			return insert ? (free_slot ? free_slot : e) : 0;
		if (e->state == SLOT_DELETED) {
			if (!free_slot)
				free_slot = e;
		} else if (e->klen == klen && memcmp(e->key, key, klen) == 0) {
			return e;
		}
	}
	return insert ? free_slot : 0;
}

enum { OP_PUT = 1, OP_DEL = 2 };

/* Applies one write to the table; returns 0 if a DEL found nothing or a PUT found no room. */
static int apply(int op, const char *key, unsigned klen, const char *value, unsigned vlen)
{
	struct entry *e = lookup(key, klen, op == OP_PUT);
	if (!e)
		return 0;
	if (op == OP_DEL) {
		e->state = SLOT_DELETED;
		live_keys--;
		return 1;
	}
	if (e->state != SLOT_USED) {
		if (live_keys == TABLE_SIZE - 1)
			return 0;	/* keep one slot empty so that probes end */
		live_keys++;
	}
	e->state = SLOT_USED;
	e->klen = (uint8_t)klen;
	memcpy(e->key, key, klen);
	e->vlen = (uint16_t)vlen;
	memcpy(e->value, value, vlen);
	return 1;
}

/* ---- the log on disk ------------------------------------------------------------- *
 * Sector 0 holds a header; each write is one 512-byte record in the next sector. A record
 * is valid if its magic, its sequence number (= its index) and its checksum match, and the
 * log ends at the first record that is not valid. A batch's records go to the disk together
 * (log_commit), at most QUEUE_NUM of them, since a batch has at most QUEUE_NUM requests. */

#define LOG_MAGIC    "lockstep kvserver log v1"
#define RECORD_MAGIC 0x3152564bU	/* "KVR1" */

struct record {
	uint32_t magic, seq;
	uint8_t op, klen;
	uint16_t vlen;
	uint32_t check;
	char data[KEY_MAX + VALUE_MAX];
};
_Static_assert(sizeof(struct record) <= 512, "a record fits a sector");

#define LOG_BATCH QUEUE_NUM	/* records per batch, at most */

static uint8_t sector_buf[LOG_BATCH * 512] __attribute__((aligned(512)));
static uint32_t log_records;	/* records on the disk; the next goes to sector 1 + log_records */
static unsigned log_pending;	/* records of this batch in sector_buf, not yet on the disk */

static uint32_t record_check(const struct record *r)
{
	uint32_t h = fnv1a(2166136261U, &r->seq, 4);
	h = fnv1a(h, &r->op, 1);
	h = fnv1a(h, &r->klen, 1);
	h = fnv1a(h, &r->vlen, 2);
	return fnv1a(h, r->data, r->klen + r->vlen);
}

static int record_valid(const struct record *r, uint32_t seq)
{
	return r->magic == RECORD_MAGIC && r->seq == seq && (r->op == OP_PUT || r->op == OP_DEL) &&
	       r->klen > 0 && r->klen <= KEY_MAX && r->vlen <= VALUE_MAX && r->check == record_check(r);
}

/* Zeroes the LOG_BATCH sectors from `sector` on (those the disk has) and flushes. A crash in a
 * batch's write can leave records after the end of the log; a later, shorter batch would make them
 * part of the log again, so they go before anything new is written. */
static void log_clear(uint64_t sector)
{
	unsigned n = blk_sectors - sector < LOG_BATCH ? (unsigned)(blk_sectors - sector) : LOG_BATCH;
	memset(sector_buf, 0, sizeof sector_buf);
	if (n > 0 && blk_io(BLK_OUT, sector, sector_buf, n) != 0)
		fail("cannot write the log");
	if (blk_can_flush && blk_io(BLK_FLUSH, 0, 0, 0) != 0)
		fail("cannot flush the log");
}

/* Reads the log into the table, or writes a fresh header on a disk that has none. */
static void log_open(void)
{
	if (blk_sectors < 2)
		fail("the disk is too small for a log");
	if (blk_io(BLK_IN, 0, sector_buf, 1) != 0)
		fail("cannot read the log header");
	if (memcmp(sector_buf, LOG_MAGIC, sizeof LOG_MAGIC) != 0) {
		/* a new log: whatever follows the header is not ours, so invalidate it first */
		log_clear(1);
		memset(sector_buf, 0, 512);
		memcpy(sector_buf, LOG_MAGIC, sizeof LOG_MAGIC);
		if (blk_io(BLK_OUT, 0, sector_buf, 1) != 0 || (blk_can_flush && blk_io(BLK_FLUSH, 0, 0, 0) != 0))
			fail("cannot write the log header");
		return;
	}
	for (;;) {
		uint64_t sector = 1 + (uint64_t)log_records;
		unsigned n = blk_sectors - sector < LOG_BATCH ? (unsigned)(blk_sectors - sector) : LOG_BATCH;
		if (n == 0)
			break;
		if (blk_io(BLK_IN, sector, sector_buf, n) != 0)
			fail("cannot read the log");	/* serving a cut log would lose answered writes */
		unsigned i = 0;
		while (i < n && record_valid((const struct record *)(sector_buf + 512 * i), log_records)) {
			const struct record *r = (const struct record *)(sector_buf + 512 * i);
			apply(r->op, r->data, r->klen, r->data + r->klen, r->vlen);
			log_records++;
			i++;
		}
		if (i < n)
			break;
	}
	log_clear(1 + (uint64_t)log_records);
}

/* Zeroes one 512-byte sector, 8 bytes at a store. picolibc's memset is built for size and stores a
 * byte per loop (2048 instructions for a sector, half of all a request cost); the attribute keeps gcc
 * from turning this loop back into a call to it. */
__attribute__((optimize("no-tree-loop-distribute-patterns")))
static void zero_sector(void *sector)
{
	uint64_t *w = sector;
	for (unsigned i = 0; i < 512 / sizeof *w; i++)
		w[i] = 0;
}

/* Adds a write to this batch's records; returns -1, adding nothing, if the log is full. */
static int log_add(int op, const char *key, unsigned klen, const char *value, unsigned vlen)
{
	if (1 + (uint64_t)log_records + log_pending >= blk_sectors || log_pending == LOG_BATCH)
		return -1;
	struct record *r = (struct record *)(sector_buf + 512 * log_pending);
	zero_sector(r);
	r->magic = RECORD_MAGIC;
	r->seq = log_records + log_pending;
	r->op = (uint8_t)op;
	r->klen = (uint8_t)klen;
	r->vlen = (uint16_t)vlen;
	memcpy(r->data, key, klen);
	memcpy(r->data + klen, value, vlen);
	r->check = record_check(r);
	log_pending++;
	return 0;
}

/* Makes the batch's records durable: one write for all (they are consecutive sectors), one flush.
 * The table holds these writes already, so a failure stops the server instead of answering. */
static void log_commit(void)
{
	if (log_pending == 0)
		return;
	if (blk_io(BLK_OUT, 1 + (uint64_t)log_records, sector_buf, log_pending) != 0)
		fail("cannot write the log; stopping, the log on the disk holds what was answered");
	if (blk_can_flush && blk_io(BLK_FLUSH, 0, 0, 0) != 0)
		fail("cannot flush the log; stopping, the log on the disk holds what was answered");
	log_records += log_pending;
	log_pending = 0;
}

/* ---- the protocol ---------------------------------------------------------------- */

static unsigned requests;
static int shutdown_requested;

/* The next space-separated word of [*p, end), advancing *p past it and one space. */
static unsigned word(const char **p, const char *end, const char **w)
{
	const char *s = *p;
	while (s < end && *s == ' ')
		s++;
	const char *e = s;
	while (e < end && *e != ' ')
		e++;
	*w = s;
	*p = e < end ? e + 1 : e;
	return (unsigned)(e - s);
}

static unsigned reply(char *out, unsigned cap, const char *id, unsigned idlen, const char *text,
		      const char *extra, unsigned extralen)
{
	unsigned n = 0, tl = strlen(text);
	if (idlen + 1 + tl + 1 + extralen + 1 > cap)
		return 0;
	memcpy(out, id, idlen);
	n = idlen;
	out[n++] = ' ';
	memcpy(out + n, text, tl);
	n += tl;
	if (extra) {
		out[n++] = ' ';
		memcpy(out + n, extra, extralen);
		n += extralen;
	}
	out[n++] = '\n';
	return n;
}

static int is(const char *w, unsigned len, const char *s) { return len == strlen(s) && memcmp(w, s, len) == 0; }

static unsigned handle_request(const char *req, unsigned len, char *out, unsigned cap)
{
	requests++;
	while (len > 0 && (req[len - 1] == '\n' || req[len - 1] == '\r'))
		len--;
	const char *p = req, *end = req + len, *id, *cmd, *key;
	unsigned idlen = word(&p, end, &id);
	unsigned cmdlen = word(&p, end, &cmd);
	if (idlen == 0 || idlen > 32)
		return reply(out, cap, "?", 1, "ERR bad request id", 0, 0);
	if (is(cmd, cmdlen, "PING"))
		return reply(out, cap, id, idlen, "PONG", 0, 0);
	if (is(cmd, cmdlen, "SHUTDOWN")) {
		shutdown_requested = 1;
		return reply(out, cap, id, idlen, "OK", 0, 0);
	}
	unsigned klen = word(&p, end, &key);
	int put = is(cmd, cmdlen, "PUT"), get = is(cmd, cmdlen, "GET"), del = is(cmd, cmdlen, "DEL");
	if (!put && !get && !del)
		return reply(out, cap, id, idlen, "ERR unknown command", 0, 0);
	if (klen == 0 || klen > KEY_MAX)
		return reply(out, cap, id, idlen, "ERR key must have 1 to 64 bytes", 0, 0);
	if (get) {
		struct entry *e = lookup(key, klen, 0);
		return e ? reply(out, cap, id, idlen, "VALUE", e->value, e->vlen) : reply(out, cap, id, idlen, "NOTFOUND", 0, 0);
	}
	if (del) {
		if (!lookup(key, klen, 0))
			return reply(out, cap, id, idlen, "NOTFOUND", 0, 0);
		if (log_add(OP_DEL, key, klen, 0, 0) != 0)
			return reply(out, cap, id, idlen, "ERR log full", 0, 0);
		apply(OP_DEL, key, klen, 0, 0);
		return reply(out, cap, id, idlen, "OK", 0, 0);
	}
	const char *value = p;	/* the rest of the line, spaces included */
	unsigned vlen = (unsigned)(end - p);
	if (vlen > VALUE_MAX)
		return reply(out, cap, id, idlen, "ERR value longer than 256 bytes", 0, 0);
	struct entry *e = lookup(key, klen, 1);
	if (!e || (e->state != SLOT_USED && live_keys == TABLE_SIZE - 1))
		return reply(out, cap, id, idlen, "ERR table full", 0, 0);
	if (log_add(OP_PUT, key, klen, value, vlen) != 0)
		return reply(out, cap, id, idlen, "ERR log full", 0, 0);
	apply(OP_PUT, key, klen, value, vlen);
	return reply(out, cap, id, idlen, "OK", 0, 0);
}

/* ---- main loop ------------------------------------------------------------------- */

int main(void)
{
	wr32(PLIC_THRESHOLD, 0);
	csr_set(mie, MIE_MEIE);	/* wakes WFI; mstatus.MIE stays off, so no trap is taken */
	blk_init();
	log_open();
	net_init();
	printf("kvserver: %u records in the log (%u keys); disk at 0x%llx, %llu sectors\n", log_records, live_keys,
	       (unsigned long long)blk_dev.base, (unsigned long long)blk_sectors);
	printf("kvserver: listening on %u.%u.%u.%u udp port %u, mac %02x:%02x:%02x:%02x:%02x:%02x, net at 0x%llx\n",
	       KV_IP >> 24, (KV_IP >> 16) & 255, (KV_IP >> 8) & 255, KV_IP & 255, KV_PORT, my_mac[0], my_mac[1],
	       my_mac[2], my_mac[3], my_mac[4], my_mac[5], (unsigned long long)net_dev.base);

	while (!shutdown_requested) {
		/* A batch: every frame that is there now (at most QUEUE_NUM, the replies' room), handled in
		 * order. Handling copies what the reply and the log need, so each rx buffer goes back at once
		 * and takes a new frame while the batch is on the disk. */
		uint32_t id, len;
		unsigned frames = 0;
		while (frames < QUEUE_NUM && !shutdown_requested && take_used(&rx_q, &id, &len)) {
			if (id < QUEUE_NUM && len > NET_HDR)
				handle_frame(rx_buf[id] + NET_HDR, len - NET_HDR);
			rx_post((uint16_t)(id % QUEUE_NUM));
			frames++;
		}
		if (frames == 0) {
			wait_for_device();
			continue;
		}
		kick(&net_dev, 0, &rx_q);
		log_commit();	/* durable first: no reply of the batch leaves before its writes are */
		net_send_all();
	}
	printf("kvserver: shutdown after %u requests, %u records in the log (%u keys)\n", requests, log_records,
	       live_keys);
	return 0;
}
