/* hello: the smallest guest. Prints a greeting and powers off with 0. */
#include "runtime.h"

int main(void)
{
	printf("Hello from lockstep guest\n");
	return 0;
}
