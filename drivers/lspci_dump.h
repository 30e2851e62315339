/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The checks an `lspci -x` dump passes before libpci's dump reader sees it
 * (drivers/lspci_dump.c).
 */
#ifndef ACCEL_DRIVERS_LSPCI_DUMP_H
#define ACCEL_DRIVERS_LSPCI_DUMP_H

#include <stddef.h>
#include <stdio.h>

/* libpci reads a dump with fgets() into 255 bytes: 253 characters, its
 * '\r' included, then the newline. */
#define ACCEL_DUMP_LINE_MAX 253

/*
 * Read the dump in, line by line as libpci's dump reader classifies them
 * (a function's header line, a line of config space bytes, a blank line
 * that ends a function, anything else ignored), check every line libpci
 * would use, and write those lines (newline-terminated, nothing else) to
 * out, for libpci to read instead of the file.
 *
 * Refused, with "line N: why" in msg (cap bytes): a line over
 * ACCEL_DUMP_LINE_MAX characters or with a NUL byte; a header whose device
 * is over 0x1f or whose function is not 0-7; config space bytes at an
 * offset past 4096 (libpci indexes its buffer with a signed int: an offset
 * of 0x80000000 or more writes before it) or running past 4096; bytes that
 * are not two hex digits each separated by one space; more than max_fns
 * functions. Returns 0, -EINVAL when refused, -E2BIG over max_fns, or
 * -errno when reading or writing fails.
 */
int accel_lspci_dump_check(FILE *in, FILE *out, size_t max_fns, char *msg, size_t cap);

#endif
