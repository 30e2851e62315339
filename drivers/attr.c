/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <accel/util.h>
#include "attr.h"

int attr_read(const char *dir, const char *name, char *buf, size_t cap)
{
	char path[PATH_MAX];
	size_t len = 0;
	int fd, n;

	if (cap < 2)
		return -EINVAL;
	n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	/* Read one byte past cap-1 to tell "fits" from "oversized". */
	for (;;) {
		ssize_t r = read(fd, buf + len, cap - len);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return n;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len >= cap) {
			close(fd);
			return -E2BIG;
		}
	}
	close(fd);
	if (memchr(buf, '\0', len))
		return -EILSEQ;
	if (len && buf[len - 1] == '\n')
		len--;
	buf[len] = '\0';
	return (int)len;
}

int attr_link_base(const char *dir, const char *name, char *buf, size_t cap)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;
	int k;

	k = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (k < 0 || (size_t)k >= sizeof(path))
		return -ENAMETOOLONG;
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	while (n > 1 && target[n - 1] == '/')
		target[--n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (!*base || strlen(base) >= cap)
		return -E2BIG;
	strcpy(buf, base);
	return 0;
}

/* Skip leading/trailing blanks: sysfs writes none, fixtures and humans do. */
static const char *trim(const char *s, size_t *len)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n'))
		n--;
	*len = n;
	return s;
}

int attr_parse_hex(const char *s, unsigned max, unsigned *out)
{
	unsigned long long v = 0;
	size_t len, i = 0;

	s = trim(s, &len);
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		i = 2;
	if (i == len || len - i > 16)
		return -EINVAL;
	for (; i < len; i++) {
		int c = (unsigned char)s[i];

		if (!isxdigit(c))
			return -EINVAL;
		v = v * 16 + (unsigned)(isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10));
		if (v > max)
			return -ERANGE;
	}
	*out = (unsigned)v;
	return 0;
}

int attr_parse_int(const char *s, long long min, long long max, long long *out)
{
	size_t len, i = 0;
	long long v = 0;
	bool neg = false;

	s = trim(s, &len);
	if (len && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == len || len - i > 19)
		return -EINVAL;
	for (; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		if (v > (LLONG_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (s[i] - '0');
	}
	if (neg)
		v = -v;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int attr_parse_link_speed(const char *s, int *dgts)
{
	unsigned whole = 0, frac = 0, digits = 0;
	size_t len, i = 0;

	s = trim(s, &len);
	if (len >= 7 && !strncmp(s, "Unknown", 7))
		return -ENODATA;
	while (i < len && isdigit((unsigned char)s[i]) && digits < 4) {
		whole = whole * 10 + (unsigned)(s[i++] - '0');
		digits++;
	}
	if (!digits)
		return -EINVAL;
	if (i < len && s[i] == '.') {
		i++;
		if (i >= len || !isdigit((unsigned char)s[i]))
			return -EINVAL;
		frac = (unsigned)(s[i++] - '0');
		/* the kernel prints one decimal; a second one is not a speed */
		if (i < len && isdigit((unsigned char)s[i]))
			return -EINVAL;
	}
	if (len - i < 5 || strncmp(s + i, " GT/s", 5))
		return -EINVAL;
	i += 5;
	/* newer kernels append " PCIe"; nothing else may follow */
	if (i != len && !(len - i == 5 && !strncmp(s + i, " PCIe", 5)))
		return -EINVAL;
	if (whole == 0 && frac == 0)
		return -EINVAL;
	if (whole > 1000)
		return -ERANGE;
	*dgts = (int)(whole * 10 + frac);
	return 0;
}

int attr_parse_link_width(const char *s, int *width)
{
	long long v;
	int r = attr_parse_int(s, 0, 32, &v);

	if (r)
		return r;
	if (v == 0)
		return -ENODATA;
	*width = (int)v;
	return 0;
}

int attr_parse_cpulist(const char *s, unsigned max_cpu)
{
	size_t len, i = 0;
	int count = 0;

	s = trim(s, &len);
	if (!len)
		return 0; /* no local CPUs: memory-only node */
	while (i < len) {
		unsigned long a = 0, b;
		size_t start = i;

		while (i < len && isdigit((unsigned char)s[i]) && i - start < 7)
			a = a * 10 + (unsigned long)(s[i++] - '0');
		if (i == start)
			return -EINVAL;
		b = a;
		if (i < len && s[i] == '-') {
			size_t st2 = ++i;

			b = 0;
			while (i < len && isdigit((unsigned char)s[i]) && i - st2 < 7)
				b = b * 10 + (unsigned long)(s[i++] - '0');
			if (i == st2 || b < a)
				return -EINVAL;
		}
		if (b > max_cpu)
			return -ERANGE;
		count += (int)(b - a + 1);
		if (i < len) {
			if (s[i] != ',' || i + 1 == len)
				return -EINVAL;
			i++;
		}
	}
	return count;
}

int attr_parse_aer(const char *s, uint64_t *out)
{
	uint64_t sum = 0, total = 0;
	bool have_total = false, any = false;
	const char *p = s;

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		const char *sp = memchr(p, ' ', n);
		unsigned long long v = 0;
		size_t k, digits = 0;

		if (n == 0) {
			p = eol ? eol + 1 : p + n;
			continue;
		}
		if (!sp || sp == p)
			return -EINVAL;
		for (k = 0; k < (size_t)(sp - p); k++)
			if (!isalnum((unsigned char)p[k]) && p[k] != '_')
				return -EINVAL;
		for (k = (size_t)(sp - p) + 1; k < n; k++, digits++) {
			if (!isdigit((unsigned char)p[k]) || digits >= 19)
				return -EINVAL;
			v = v * 10 + (unsigned)(p[k] - '0');
		}
		if (!digits)
			return -EINVAL;
		if (!strncmp(p, "TOTAL_ERR_", 10)) {
			total = v;
			have_total = true;
		} else {
			sum = sum + v < sum ? UINT64_MAX : sum + v;
		}
		any = true;
		p = eol ? eol + 1 : p + n;
	}
	if (!any)
		return -EINVAL;
	*out = have_total ? total : sum;
	return 0;
}

int attr_parse_text(const char *s)
{
	size_t len = strlen(s);

	if (!len)
		return -ENODATA;
	return accel_text_ok(s, len) ? 0 : -EILSEQ;
}

int attr_parse_devnum(const char *s, unsigned *major, unsigned *minor)
{
	const char *colon = strchr(s, ':');
	char maj[16];
	long long a, b;

	if (!colon || (size_t)(colon - s) >= sizeof(maj))
		return -EINVAL;
	memcpy(maj, s, (size_t)(colon - s));
	maj[colon - s] = '\0';
	if (attr_parse_int(maj, 0, 4095, &a) || attr_parse_int(colon + 1, 0, 1048575, &b))
		return -EINVAL;
	*major = (unsigned)a;
	*minor = (unsigned)b;
	return 0;
}
