/* CLINT timer helpers for hart 0: mtime, mtimecmp and the software-interrupt bit. */
#include "runtime.h"

uint64_t mtime(void)
{
	return *(volatile uint64_t *)CLINT_MTIME;
}

void mtimecmp_set(uint64_t when)
{
	*(volatile uint64_t *)CLINT_MTIMECMP = when;
}

void timer_arm_in(uint64_t ticks)
{
	mtimecmp_set(mtime() + ticks);
}

void timer_disarm(void)
{
	mtimecmp_set(UINT64_MAX);
}

void msip_set(int pending)
{
	*(volatile uint32_t *)CLINT_MSIP = pending ? 1 : 0;
}
