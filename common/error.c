/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <accel/common.h>

int accel_err_set(accel_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

int accel_err_prefix(accel_err *err, int code, const char *fmt, ...)
{
	char pre[sizeof(err->msg)], msg[sizeof(err->msg)];
	va_list ap;

	if (!err)
		return code;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof(msg), "%s", err->msg);
	return accel_err_set(err, code, "%s: %s", pre, msg);
}

void accel_err_clear(accel_err *err)
{
	if (!err)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}

const char *accel_strerror(int code)
{
	switch (code) {
	case 0:
		return "success";
	case -E2BIG:
		return "over a size limit";
	case -EILSEQ:
		return "malformed input";
	case -EBADMSG:
		return "malformed document";
	default:
		return strerror(code < 0 ? -code : code);
	}
}
