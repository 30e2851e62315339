/* SPDX-License-Identifier: Apache-2.0 */
/*
 * accelsched: shared definitions for every public header.
 *
 * Errors are negative errno values. A function that fails leaves its
 * output untouched and, where it takes an accel_err, fills it with a
 * message that names the input that was at fault.
 */
#ifndef ACCEL_COMMON_H
#define ACCEL_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define ACCEL_EXPORT	   __attribute__((visibility("default")))
#define ACCEL_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define ACCEL_EXPORT
#define ACCEL_PRINTF(a, b)
#endif

#define ACCELSCHED_VERSION "0.1.0"

/* Where the kernel's trees live unless the caller says otherwise. These two
 * macros are the only place a literal /sys or /dev appears in the project. */
#define ACCEL_DEFAULT_SYSFS_ROOT "/sys"
#define ACCEL_DEFAULT_DEV_ROOT	 "/dev"

/* A PCI address "dddd:bb:dd.f"; VMD domains have up to 8 hex digits. */
#define ACCEL_ADDR_MAX 24

/* Upper bounds on everything that grows. Over a limit is -E2BIG. */
#define ACCEL_MAX_PCI_FUNCTIONS 8192	    /* functions enumerated in one scan */
#define ACCEL_MAX_DEVICES	1024	    /* accelerators in one inventory */
#define ACCEL_MAX_ATTR_BYTES	4096	    /* one sysfs attribute (a page) */
#define ACCEL_MAX_STRING	1024	    /* one string field in the inventory */
#define ACCEL_MAX_LIST		256	    /* one list field (traits, VFs, ...) */
#define ACCEL_MAX_JSON_BYTES	(16u << 20) /* one inventory document */

/* A caller-owned error message. Filled on failure; empty on success. */
typedef struct accel_err {
	int code;      /* negative errno, 0 when no error */
	char msg[512]; /* names the input at fault */
} accel_err;

/* Set *err (if not NULL) to code and a formatted message; returns code. */
ACCEL_EXPORT int accel_err_set(accel_err *err, int code, const char *fmt, ...) ACCEL_PRINTF(3, 4);

/* Context on the way up: put the formatted text and ": " before the
 * message already in *err (if not NULL), e.g. the file that a parser's
 * error is about, and set code. Returns code. */
ACCEL_EXPORT int accel_err_prefix(accel_err *err, int code, const char *fmt, ...)
	ACCEL_PRINTF(3, 4);

/* Clear *err (if not NULL). */
ACCEL_EXPORT void accel_err_clear(accel_err *err);

/*
 * The one warning shape of every library: a problem that did not stop the
 * work. `path` names the input at fault (a file, a sysfs path, a provider
 * name), `message` says what is wrong with it; shown as "path: message".
 * Discovery's scan warnings (accel_inventory_warning), the config file's
 * (accel_config.warnings) and a Placement sync's (accel_sync_stats.warnings)
 * all have it.
 */
typedef struct accel_warning {
	char *path;
	char *message;
} accel_warning;

/* A list of warnings. Zero-initialised is empty; accel_warnings_free
 * frees what it holds and leaves it empty. */
typedef struct accel_warnings {
	accel_warning *v;
	size_t n, cap;
} accel_warnings;

/* Append one (path NULL reads as ""). -ENOMEM; -E2BIG when the list
 * already holds ACCEL_MAX_LIST: later warnings are dropped, the first ones
 * name the problem and a broken input must not grow a list unbounded. */
ACCEL_EXPORT int accel_warnings_add(accel_warnings *w, const char *path, const char *fmt, ...)
	ACCEL_PRINTF(3, 4);
ACCEL_EXPORT int accel_warnings_vadd(accel_warnings *w, const char *path, const char *fmt,
				     va_list ap) ACCEL_PRINTF(3, 0);
ACCEL_EXPORT void accel_warnings_free(accel_warnings *w);

/* Human text for a negative errno value returned by this library. */
ACCEL_EXPORT const char *accel_strerror(int code);

#ifdef __cplusplus
}
#endif
#endif
