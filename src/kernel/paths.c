/* paths.c — see paths.h. */
#include "paths.h"

#include <stdlib.h>
#include <unistd.h>

const char *nsl_state_dir(void)
{
	const char *s = getenv("NSLAB_STATE_DIR");
	return (s && *s) ? s : NSL_STATE_DIR;
}

/* Root is the only privilege model for now; a later user-namespace mode
 * answers differently here and nowhere else. */
int nsl_privileged(void)
{
	return geteuid() == 0;
}
