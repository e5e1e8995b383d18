/* goldfish RTC: wall-clock time in nanoseconds since the epoch. */
#include "runtime.h"

#define RTC_TIME_LOW  0x00  /* reading it latches TIME_HIGH */
#define RTC_TIME_HIGH 0x04

uint64_t rtc_ns(void)
{
	uint32_t lo = *(volatile uint32_t *)(RTC_BASE + RTC_TIME_LOW);
	uint32_t hi = *(volatile uint32_t *)(RTC_BASE + RTC_TIME_HIGH);
	return ((uint64_t)hi << 32) | lo;
}
