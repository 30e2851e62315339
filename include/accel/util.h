/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Small shared pieces from common/: growth of bounded arrays, string
 * lists, text checks and PCI address forms. Used by every part.
 */
#ifndef ACCEL_UTIL_H
#define ACCEL_UTIL_H

#include <accel/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Make room for one more item in *arrp (an array of `elem`-sized items
 * with `n` used and `*cap` allocated). -E2BIG when n reaches `limit`. */
ACCEL_EXPORT int accel_grow(void *arrp, size_t *cap, size_t n, size_t elem, size_t limit);

/* Free a string list of n entries. Accepts NULL. */
ACCEL_EXPORT void accel_strv_free(char **v, size_t n);

/* Canonical "dddd:bb:dd.f" from "dddd:bb:dd.f" or "bb:dd.f". */
ACCEL_EXPORT int accel_pci_addr_normalize(const char *in, char out[ACCEL_ADDR_MAX]);

/* True when s (len bytes) is valid UTF-8 without control characters, so it
 * can be shown and written to JSON as is. */
ACCEL_EXPORT bool accel_text_ok(const char *s, size_t len);

/* Copy of s with every byte that accel_text_ok would refuse replaced by
 * '?'; for messages that quote bad input. Writes at most cap bytes. */
ACCEL_EXPORT const char *accel_text_sanitize(const char *s, size_t len, char *buf, size_t cap);

/* The whole of a regular file of at most max bytes, NUL-terminated: *text
 * (free it) and *len (without the NUL); *mode its mode bits when mode is
 * not NULL. -errno with err naming the path: the open's (-ENOENT for a
 * missing file), -EINVAL for anything but a regular file, -E2BIG over
 * max, -EIO for a failed read. */
ACCEL_EXPORT int accel_read_file(const char *path, size_t max, char **text, size_t *len,
				 unsigned *mode, accel_err *err);

/* Now in UTC as RFC 3339, "2026-12-02T05:00:00Z", into buf (32 bytes);
 * SOURCE_DATE_EPOCH, when set to a number, stands for now (reproducible
 * output for tests and packaging). Returns buf. */
#define ACCEL_RFC3339_MAX 32
ACCEL_EXPORT const char *accel_rfc3339_now(char buf[ACCEL_RFC3339_MAX]);

#ifdef __cplusplus
}
#endif
#endif
