/* The default trap handler: any trap is unexpected for a guest that does not
 * define its own trap_handler, so report it and power off with code 255. */
#include <stddef.h>
#include "runtime.h"

_Static_assert(sizeof(struct trap_frame) == 272, "trap.S FRAME_SIZE");
_Static_assert(offsetof(struct trap_frame, mepc) == 256, "trap.S FRAME_MEPC");
_Static_assert(offsetof(struct trap_frame, mstatus) == 264, "trap.S FRAME_MSTATUS");

__attribute__((weak)) struct trap_frame *
trap_handler(struct trap_frame *f, uint64_t mcause, uint64_t mtval)
{
	printf("unexpected trap: mcause=0x%llx mepc=0x%llx mtval=0x%llx\n",
	       (unsigned long long)mcause, (unsigned long long)f->mepc,
	       (unsigned long long)mtval);
	poweroff(255);
}
