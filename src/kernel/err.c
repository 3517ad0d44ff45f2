/* err.c — error records for the kernel layer. */
#include "nsl.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int nsl_err_failv(struct nsl_err *err, int code, const char *fmt, va_list ap)
{
	if (code < 0)
		code = -code;
	if (err) {
		int n;

		err->code = code;
		n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		if (code && n >= 0 && (size_t)n < sizeof err->msg)
			snprintf(err->msg + n, sizeof err->msg - n, ": %s",
				 strerror(code));
	}
	return -(code ? code : 1);
}

int nsl_err_fail_quiet(struct nsl_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (code < 0)
		code = -code;
	va_start(ap, fmt);
	nsl_err_failv(err, 0, fmt, ap);
	va_end(ap);
	if (err)
		err->code = code;
	return -(code ? code : 1);
}

int nsl_err_fail(struct nsl_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = nsl_err_failv(err, code, fmt, ap);
	va_end(ap);
	return rc;
}
