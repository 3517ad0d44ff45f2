/* tap.h — the few lines of TAP the C unit tests print: "ok - what" or
 * "not ok - what (why)", and a count at the end; main returns fails != 0. */
#ifndef NSL_TEST_TAP_H
#define NSL_TEST_TAP_H

#include <stdio.h>

static int tap_fails, tap_passes;

#define TAP_CHECK(cond, why, ...) do { \
	if (cond) { tap_passes++; printf("ok - " __VA_ARGS__); puts(""); } \
	else { tap_fails++; printf("not ok - " __VA_ARGS__); printf(" (%s)\n", (why)); } \
} while (0)

static inline int tap_done(void)
{
	printf("%d passed, %d failed\n", tap_passes, tap_fails);
	return tap_fails != 0;
}

#endif
