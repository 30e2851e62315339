/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An `lspci -x` dump, checked before libpci's dump reader sees it.
 *
 * libpci 3.9's reader (lib/dump.c) trusts what it parses: the offset of a
 * config space line goes through sscanf("%x") into an int and indexes its
 * buffer, so "80000000: 00" writes 2 GiB before it (a SEGV inside
 * libpci.so, found by fuzz/fuzz_lspci_dump), and a header line with a bad
 * function is silently skipped, so its bytes land in the function before.
 * This reader classifies every line exactly as libpci does, refuses what
 * libpci would misread, and hands on only the lines libpci uses, so
 * libpci reads nothing that was not checked here.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lspci_dump.h"

#define CONFIG_MAX 4096

static int refuse(char *msg, size_t cap, unsigned long line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int refuse(char *msg, size_t cap, unsigned long line, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(msg, cap, "line %lu: ", line);
	if (n >= 0 && (size_t)n < cap) {
		va_start(ap, fmt);
		vsnprintf(msg + n, cap - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* libpci's dump_validate(): '#' is a hex digit, anything else itself. */
static bool shaped(const char *s, const char *fmt)
{
	for (; *fmt; fmt++, s++)
		if (*fmt == '#' ? !isxdigit((unsigned char)*s) : *fmt != *s)
			return false;
	return true;
}

/* A function's header line as libpci takes it: "bb:dd.f ",
 * "dddd:bb:dd.f " or "ddddd:bb:dd.f "; 1 if it is one, 0 if it is not,
 * -EINVAL (msg set) if it is one libpci would misread. */
static int header_line(const char *s, unsigned long line, char *msg, size_t cap)
{
	const char *p;

	if (shaped(s, "##:##.# "))
		p = s + 3;
	else if (shaped(s, "####:##:##.# "))
		p = s + 8;
	else if (shaped(s, "#####:##:##.# "))
		p = s + 9;
	else
		return 0;
	/* p: "dd.f " */
	if (strtoul(p, NULL, 16) > 0x1f)
		return refuse(msg, cap, line, "device %.2s of %.*s is over 1f", p, (int)(p - s + 4),
			      s);
	if (p[3] < '0' || p[3] > '7')
		return refuse(msg, cap, line, "function %c of %.*s is not 0-7", p[3],
			      (int)(p - s + 4), s);
	return 1;
}

/* 2 to 8 hex digits and ": ": a line of config space bytes to libpci. */
static bool bytes_shaped(const char *s)
{
	size_t n = 0;

	while (n < 9 && isxdigit((unsigned char)s[n]))
		n++;
	return n >= 2 && n <= 8 && s[n] == ':' && s[n + 1] == ' ';
}

static int bytes_line(const char *s, unsigned long line, char *msg, size_t cap)
{
	unsigned long off = strtoul(s, NULL, 16);
	const char *z = strchr(s, ' ') + 1;
	unsigned long n = 0;

	if (off >= CONFIG_MAX)
		return refuse(msg, cap, line, "offset 0x%lx is past the %d bytes of config space",
			      off, CONFIG_MAX);
	/* libpci's loop: two hex digits, then a space or the end */
	while (isxdigit((unsigned char)z[0]) && isxdigit((unsigned char)z[1]) &&
	       (!z[2] || z[2] == ' ')) {
		n++;
		z += 2;
		if (*z)
			z++;
	}
	if (*z)
		return refuse(msg, cap, line,
			      "Malformed line: config space bytes are two hex digits each, "
			      "one space apart (at column %zu)",
			      (size_t)(z - s) + 1);
	if (off + n > CONFIG_MAX)
		return refuse(msg, cap, line,
			      "%lu bytes at offset 0x%lx run past the %d bytes of config space", n,
			      off, CONFIG_MAX);
	return 0;
}

/*
 * One line into buf (cap bytes), without its newline: 1, 0 at the end of
 * the input, or -EINVAL (msg set) for a NUL byte or an over-long line.
 */
static int read_line(FILE *in, char *buf, size_t cap, unsigned long line, char *msg, size_t msgcap)
{
	size_t len = 0;
	int c;

	while ((c = getc(in)) != EOF && c != '\n') {
		if (c == '\0')
			return refuse(msg, msgcap, line, "a NUL byte at column %zu", len + 1);
		if (len + 1 >= cap)
			return refuse(msg, msgcap, line, "longer than %d characters",
				      ACCEL_DUMP_LINE_MAX);
		buf[len++] = (char)c;
	}
	buf[len] = '\0';
	return c == EOF && len == 0 ? 0 : 1;
}

int accel_lspci_dump_check(FILE *in, FILE *out, size_t max_fns, char *msg, size_t cap)
{
	char buf[ACCEL_DUMP_LINE_MAX + 1];
	unsigned long line = 0;
	size_t fns = 0;
	bool in_fn = false;
	int r;

	msg[0] = '\0';
	while ((r = read_line(in, buf, sizeof(buf), ++line, msg, cap)) > 0) {
		size_t len = strlen(buf);

		if (len && buf[len - 1] == '\r')
			buf[--len] = '\0';
		r = header_line(buf, line, msg, cap);
		if (r < 0)
			return r;
		if (r) {
			if (++fns > max_fns) {
				refuse(msg, cap, line, "more than %zu PCI functions", max_fns);
				return -E2BIG;
			}
			in_fn = true;
		} else if (!len) {
			in_fn = false;
		} else if (in_fn && bytes_shaped(buf)) {
			r = bytes_line(buf, line, msg, cap);
			if (r < 0)
				return r;
		} else {
			continue; /* text libpci ignores: not handed on */
		}
		if (fprintf(out, "%s\n", buf) < 0)
			return errno ? -errno : -EIO;
	}
	if (r < 0)
		return r;
	if (ferror(in))
		return errno ? -errno : -EIO;
	if (fflush(out))
		return errno ? -errno : -EIO;
	return 0;
}
