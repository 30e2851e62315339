/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include <accel/util.h>

/* Length of the UTF-8 sequence starting at s (at most len bytes), 0 if it
 * is invalid, overlong, a surrogate or above U+10FFFF. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
	unsigned c = s[0];
	size_t n;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

bool accel_text_ok(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		size_t n;

		if (p[i] < 0x20 || p[i] == 0x7f)
			return false;
		n = utf8_seq(p + i, len - i);
		if (!n)
			return false;
		i += n;
	}
	return true;
}

const char *accel_text_sanitize(const char *s, size_t len, char *buf, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0;

	if (!cap)
		return buf;
	while (i < len && o + 1 < cap) {
		size_t n = (p[i] < 0x20 || p[i] == 0x7f) ? 0 : utf8_seq(p + i, len - i);

		if (!n || o + n >= cap) {
			buf[o++] = '?';
			i++;
			continue;
		}
		for (size_t k = 0; k < n; k++)
			buf[o++] = (char)p[i + k];
		i += n;
	}
	buf[o] = '\0';
	return buf;
}

int accel_read_file(const char *path, size_t max, char **text, size_t *len, unsigned *mode,
		    accel_err *err)
{
	struct stat st;
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	*text = NULL;
	*len = 0;
	if (!f)
		return accel_err_set(err, -errno, "%s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		fclose(f);
		return accel_err_set(err, -EINVAL, "%s: not a regular file", path);
	}
	if ((unsigned long long)st.st_size > max) {
		fclose(f);
		return accel_err_set(err, -E2BIG, "%s: larger than %zu bytes", path, max);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		fclose(f);
		return accel_err_set(err, -ENOMEM, "out of memory");
	}
	n = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return accel_err_set(err, -EIO, "%s: read error", path);
	}
	fclose(f);
	buf[n] = '\0';
	if (mode)
		*mode = (unsigned)st.st_mode;
	*text = buf;
	*len = n;
	return 0;
}

const char *accel_rfc3339_now(char buf[ACCEL_RFC3339_MAX])
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t now = time(NULL);
	struct tm tm;

	if (sde && *sde) {
		char *end;
		long long v = strtoll(sde, &end, 10);

		if (!*end && v >= 0)
			now = (time_t)v;
	}
	gmtime_r(&now, &tm);
	strftime(buf, ACCEL_RFC3339_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}
