/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <accel/util.h>
#include "pciids.h"

#define PCIIDS_MAX_BYTES (64u << 20)

int pciids_open(struct pciids *ids, const char *path)
{
	struct stat st;
	void *p;
	int fd;

	ids->data = NULL;
	ids->len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (unsigned long long)st.st_size > PCIIDS_MAX_BYTES) {
		close(fd);
		return -EINVAL;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -errno;
	ids->data = p;
	ids->len = (size_t)st.st_size;
	return 0;
}

void pciids_close(struct pciids *ids)
{
	if (ids->data)
		munmap((void *)ids->data, ids->len);
	ids->data = NULL;
	ids->len = 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* "XXXX  name" at p (n bytes): the id, or -1. */
static int line_id(const char *p, size_t n)
{
	int v = 0;

	if (n < 7 || p[4] != ' ' || p[5] != ' ')
		return -1;
	for (int i = 0; i < 4; i++) {
		int h = hexval(p[i]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

static const char *copy_name(const char *p, size_t n, char *buf, size_t cap)
{
	/* the name follows the two spaces; trailing blanks are not part of it */
	p += 6;
	n -= 6;
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\r' || p[n - 1] == '\t'))
		n--;
	if (!n || n >= cap || !accel_text_ok(p, n))
		return NULL;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

const char *pciids_lookup(const char *data, size_t len, int vendor, int device, char *buf,
			  size_t cap)
{
	const char *p, *end;
	bool in_vendor = false;

	if (!data || vendor < 0 || vendor > 0xffff || device > 0xffff || !cap)
		return NULL;
	p = data;
	end = data + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (n && p[0] != '#') {
			if (p[0] != '\t') {
				/* the vendor list ends where the class list starts */
				if (n >= 2 && p[0] == 'C' && p[1] == ' ')
					return NULL;
				if (in_vendor)
					return NULL; /* past our vendor: no such device */
				if (line_id(p, n) == vendor) {
					if (device < 0)
						return copy_name(p, n, buf, cap);
					in_vendor = true;
				}
			} else if (in_vendor && n > 1 && p[1] != '\t' &&
				   line_id(p + 1, n - 1) == device) {
				return copy_name(p + 1, n - 1, buf, cap);
			}
		}
		p = nl ? nl + 1 : end;
	}
	return NULL;
}
