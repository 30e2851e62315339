/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accel/common.h>
#include <accel/util.h>

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

int accel_warnings_vadd(accel_warnings *w, const char *path, const char *fmt, va_list ap)
{
	char buf[1024];
	accel_warning *x;
	int r;

	r = accel_grow(&w->v, &w->cap, w->n, sizeof(*w->v), ACCEL_MAX_LIST);
	if (r)
		return r;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	x = &w->v[w->n];
	x->path = strdup(path ? path : "");
	x->message = strdup(buf);
	if (!x->path || !x->message) {
		free(x->path);
		free(x->message);
		return -ENOMEM;
	}
	w->n++;
	return 0;
}

int accel_warnings_add(accel_warnings *w, const char *path, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = accel_warnings_vadd(w, path, fmt, ap);
	va_end(ap);
	return r;
}

void accel_warnings_free(accel_warnings *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++) {
		free(w->v[i].path);
		free(w->v[i].message);
	}
	free(w->v);
	memset(w, 0, sizeof(*w));
}
