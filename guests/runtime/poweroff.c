/* Poweroff through the sifive_test device: 0x5555 = pass, 0x3333 | code << 16 = fail. */
#include "runtime.h"

#define TEST_PASS 0x5555
#define TEST_FAIL 0x3333

_Noreturn void poweroff(int code)
{
	uint32_t v = code == 0 ? TEST_PASS : TEST_FAIL | ((uint32_t)(code & 0xffff) << 16);
	*(volatile uint32_t *)TEST_BASE = v;
	for (;;)
		__asm__ volatile("wfi");
}
