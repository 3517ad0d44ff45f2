/* names.c — see names.h. */
#include "names.h"

#include <string.h>

static int name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int nsl_names_valid_len(const char *s, size_t len)
{
	size_t i;

	if (!s || len == 0 || len > NSL_NAME_MAX)
		return 0;
	/* the first byte may not be '-' or '_': "-x" reads as an option and
	 * "_" alone is too easy to mistake for a placeholder */
	if (s[0] == '-' || s[0] == '_')
		return 0;
	for (i = 0; i < len; i++)
		if (!name_char((unsigned char)s[i]))
			return 0;
	return 1;
}

int nsl_names_valid(const char *s)
{
	return s && nsl_names_valid_len(s, strlen(s));
}

int nsl_names_pin_valid(const char *s)
{
	size_t n;

	if (!s || s[0] == 0 || s[0] == '.')
		return 0;
	n = strlen(s);
	return n <= 255 && !memchr(s, '/', n);
}
