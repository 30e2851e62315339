/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading and parsing sysfs attribute files. The parsers are pure functions
 * over untrusted text (fuzzed by fuzz/fuzz_sysfs_attr.c): every one returns
 * 0 or a negative errno and writes its output only on success.
 */
#ifndef ACCEL_DRIVERS_ATTR_H
#define ACCEL_DRIVERS_ATTR_H

#include <stddef.h>
#include <stdint.h>

/* Read `dir/name` into buf (cap bytes, NUL-terminated), without the one
 * trailing newline sysfs appends. Returns the length, or
 *   -ENOENT  missing (or a dangling link), -ENOTDIR dir vanished,
 *   -E2BIG   longer than cap-1 bytes (oversized attribute),
 *   -EILSEQ  contains a NUL byte,
 *   -errno   other read errors (-ELOOP for looping links). */
int attr_read(const char *dir, const char *name, char *buf, size_t cap);

/* Read a symlink `dir/name` and return its last path component in buf.
 * -ENOENT when absent, -EINVAL when not a link, -E2BIG when too long. */
int attr_link_base(const char *dir, const char *name, char *buf, size_t cap);

/* "0x10de" (the 0x is optional) within [0, max]. */
int attr_parse_hex(const char *s, unsigned max, unsigned *out);
/* Decimal integer within [min, max]. */
int attr_parse_int(const char *s, long long min, long long max, long long *out);
/* "16.0 GT/s PCIe", "8 GT/s", "2.5 GT/s" -> tenths of GT/s (160, 80, 25).
 * "Unknown", "Unknown speed" -> -ENODATA. */
int attr_parse_link_speed(const char *s, int *dgts);
/* "16" -> 16; 0 (the kernel's "unknown") -> -ENODATA. */
int attr_parse_link_width(const char *s, int *width);
/* A CPU list: "0-31,64-95". Validates; returns the number of CPUs. */
int attr_parse_cpulist(const char *s, unsigned max_cpu);
/* AER counter file: lines "NAME count"; *total = the TOTAL_ERR_* line, or
 * the sum of the others when there is none. */
int attr_parse_aer(const char *s, uint64_t *total);
/* Printable UTF-8 without control characters. */
int attr_parse_text(const char *s);
/* "226:0" -> major, minor. */
int attr_parse_devnum(const char *s, unsigned *major, unsigned *minor);

#endif
