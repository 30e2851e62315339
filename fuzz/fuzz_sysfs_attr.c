/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the sysfs attribute reader and every attribute parser
 * (IDs, integers, link speed and width, CPU lists, AER counters, text,
 * device numbers) over arbitrary bytes.
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "attr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[8192], buf[4096], name[32];
	unsigned u, maj, min;
	long long ll;
	uint64_t total;
	int i, fd;

	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	(void)attr_parse_hex(text, 0xffff, &u);
	(void)attr_parse_hex(text, 0xffffff, &u);
	(void)attr_parse_int(text, -1, 4095, &ll);
	(void)attr_parse_int(text, INT64_MIN + 1, INT64_MAX, &ll);
	(void)attr_parse_link_speed(text, &i);
	(void)attr_parse_link_width(text, &i);
	(void)attr_parse_cpulist(text, 1u << 20);
	(void)attr_parse_aer(text, &total);
	(void)attr_parse_text(text);
	(void)attr_parse_devnum(text, &maj, &min);

	/* the reader: oversized, NUL bytes, no newline */
	fd = memfd_create("attr", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(name, sizeof(name), "%d", fd);
		(void)attr_read(NULL, "/proc/self/fd", name, buf, sizeof(buf));
		(void)attr_read(NULL, "/proc/self/fd", name, buf, 16);
	}
	close(fd);
	return 0;
}
