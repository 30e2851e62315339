/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: accelinv.ko records. The input is parsed as one record
 * (what is accepted must print back as a record that parses to the same
 * thing), then read as a stream through the reader (lines split across
 * its buffer, over-long lines, contract checks, the end of the stream).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include <accel/kmod.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The record as the kernel would print it, with the fields it has. */
static size_t print(const struct accel_kmod_record *r, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "v=1 type=%s", accel_kmod_type_name(r->type));

#define ADD(...) n += snprintf(buf + n, cap - (size_t)n, __VA_ARGS__)
	if (r->fields & ACCEL_KMOD_F_GEN)
		ADD(" gen=%llu", (unsigned long long)r->gen);
	if (r->fields & ACCEL_KMOD_F_SEQ)
		ADD(" seq=%llu", (unsigned long long)r->seq);
	if (r->fields & ACCEL_KMOD_F_COUNT)
		ADD(" count=%llu", (unsigned long long)r->count);
	if (r->fields & ACCEL_KMOD_F_LOST)
		ADD(" lost=%llu", (unsigned long long)r->lost);
	if (r->fields & ACCEL_KMOD_F_ADDR)
		ADD(" addr=%s", r->addr);
	if (r->fields & ACCEL_KMOD_F_VENDOR)
		ADD(" vendor=%04x", r->vendor);
	if (r->fields & ACCEL_KMOD_F_DEVICE)
		ADD(" device=%04x", r->device);
	if (r->fields & ACCEL_KMOD_F_CLASS)
		ADD(" class=%06x", (unsigned)r->class_code);
	if (r->fields & ACCEL_KMOD_F_DRIVER)
		ADD(" driver=%s", r->driver);
#undef ADD
	return (size_t)n;
}

static void one_record(const char *s, size_t size)
{
	struct accel_kmod_record r, again;
	accel_err err;
	char buf[512];
	size_t n;

	if (accel_kmod_parse(s, size, &r, &err)) {
		if (!err.msg[0] || err.code >= 0)
			abort();
		return;
	}
	if (r.version != ACCEL_KMOD_VERSION || !strcmp(accel_kmod_type_name(r.type), "?") ||
	    memchr(r.addr, '\0', sizeof(r.addr)) == NULL ||
	    memchr(r.driver, '\0', sizeof(r.driver)) == NULL || r.class_code > 0xffffff ||
	    ((r.fields & ACCEL_KMOD_F_ADDR) != 0) != (r.addr[0] != '\0'))
		abort();
	/* what was read prints back as a record that reads the same */
	n = print(&r, buf, sizeof(buf));
	if (n >= sizeof(buf) || accel_kmod_parse(buf, n, &again, &err) || again.type != r.type ||
	    again.fields != r.fields || again.gen != r.gen || again.seq != r.seq ||
	    again.count != r.count || again.lost != r.lost || strcmp(again.addr, r.addr) ||
	    again.vendor != r.vendor || again.device != r.device ||
	    again.class_code != r.class_code || strcmp(again.driver, r.driver))
		abort();
}

static void stream(const uint8_t *data, size_t size)
{
	struct accel_kmod_record r;
	accel_kmod *k;
	accel_err err;
	char path[64];
	int fd, rc, rounds = 0;

	fd = memfd_create("fuzz_kmod", MFD_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (accel_kmod_open(path, &k, &err) == 0) {
		/* a file ends: every input comes to -ENODATA, each record once */
		while ((rc = accel_kmod_next(k, &r, &err)) != -ENODATA) {
			if (rc == 0 || (rc < 0 && !err.msg[0]) || ++rounds > 2 * (int)size + 4)
				abort();
		}
		accel_kmod_close(k);
	}
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one_record((const char *)data, size);
	stream(data, size);
	return 0;
}
