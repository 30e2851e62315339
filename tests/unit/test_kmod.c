/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: the accelinv.ko record stream (drivers/kmod.c), its parser on
 * the records of docs/internals/kmod.md and on malformed ones, and its
 * reader over a FIFO fed the way a kernel (or a broken one) would.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <accel/kmod.h>

#define LINE(s) s, sizeof(s) - 1

static struct accel_kmod_record parse_ok(const char *line, size_t len)
{
	struct accel_kmod_record r;
	accel_err err;
	int rc = accel_kmod_parse(line, len, &r, &err);

	if (rc)
		fail_msg("'%.*s': rc %d: %s", (int)len, line, rc, err.msg);
	assert_string_equal(err.msg, "");
	return r;
}

/* The examples of docs/internals/kmod.md, and the types it has none of. */
static void test_parse_every_type(void **state)
{
	struct accel_kmod_record r;

	(void)state;
	r = parse_ok(LINE("v=1 type=begin gen=3\n"));
	assert_int_equal(r.type, ACCEL_KMOD_BEGIN);
	assert_int_equal(r.version, 1);
	assert_int_equal(r.gen, 3);
	assert_int_equal(r.fields, ACCEL_KMOD_F_GEN);

	r = parse_ok(LINE("v=1 type=dev addr=0000:00:01.0 vendor=1234 device=1111 class=030000 "
			  "driver=bochs-drm\n"));
	assert_int_equal(r.type, ACCEL_KMOD_DEV);
	assert_string_equal(r.addr, "0000:00:01.0");
	assert_int_equal(r.vendor, 0x1234);
	assert_int_equal(r.device, 0x1111);
	assert_int_equal(r.class_code, 0x030000);
	assert_string_equal(r.driver, "bochs-drm");
	assert_int_equal(r.fields, ACCEL_KMOD_F_ADDR | ACCEL_KMOD_F_VENDOR | ACCEL_KMOD_F_DEVICE |
					   ACCEL_KMOD_F_CLASS | ACCEL_KMOD_F_DRIVER);

	/* driver is optional on dev */
	r = parse_ok(LINE("v=1 type=dev addr=0000:00:02.0 vendor=1af4 device=1050 class=038000"));
	assert_string_equal(r.driver, "");
	assert_false(r.fields & ACCEL_KMOD_F_DRIVER);
	assert_int_equal(r.vendor, 0x1af4);
	assert_int_equal(r.class_code, 0x038000);

	r = parse_ok(LINE("v=1 type=end gen=3 count=2\n"));
	assert_int_equal(r.type, ACCEL_KMOD_END);
	assert_int_equal(r.gen, 3);
	assert_int_equal(r.count, 2);

	r = parse_ok(LINE("v=1 type=add seq=3 addr=0000:01:00.0 vendor=1234 device=1111 "
			  "class=030000\n"));
	assert_int_equal(r.type, ACCEL_KMOD_ADD);
	assert_int_equal(r.seq, 3);
	assert_string_equal(r.addr, "0000:01:00.0");
	assert_string_equal(r.driver, "");

	r = parse_ok(LINE("v=1 type=bind seq=4 addr=0000:01:00.0 vendor=1234 device=1111 "
			  "class=030000 driver=bochs-drm\n"));
	assert_int_equal(r.type, ACCEL_KMOD_BIND);
	assert_int_equal(r.seq, 4);
	assert_string_equal(r.driver, "bochs-drm");

	r = parse_ok(LINE("v=1 type=unbind seq=5 addr=0000:01:00.0 vendor=1234 device=11e8 "
			  "class=00ff00"));
	assert_int_equal(r.type, ACCEL_KMOD_UNBIND);
	assert_int_equal(r.device, 0x11e8);
	assert_int_equal(r.class_code, 0x00ff00);

	r = parse_ok(LINE("v=1 type=del seq=6 addr=0000:01:00.0 vendor=1234 device=11e8 "
			  "class=00ff00"));
	assert_int_equal(r.type, ACCEL_KMOD_DEL);
	assert_int_equal(r.seq, 6);

	r = parse_ok(LINE("v=1 type=overflow lost=300\n"));
	assert_int_equal(r.type, ACCEL_KMOD_OVERFLOW);
	assert_int_equal(r.lost, 300);

	assert_string_equal(accel_kmod_type_name(ACCEL_KMOD_UNBIND), "unbind");
	assert_string_equal(accel_kmod_type_name(ACCEL_KMOD_OVERFLOW), "overflow");
	assert_string_equal(accel_kmod_type_name((enum accel_kmod_type)0), "?");
	assert_string_equal(accel_kmod_type_name((enum accel_kmod_type)99), "?");
	assert_true(accel_kmod_is_event(ACCEL_KMOD_BIND));
	assert_false(accel_kmod_is_event(ACCEL_KMOD_DEV));
}

static void test_parse_edges(void **state)
{
	struct accel_kmod_record r;
	char line[300];
	int n;

	(void)state;
	/* unknown keys (a later minor version) are ignored, wherever they are */
	r = parse_ok(LINE("v=1 type=begin boot_id=abc gen=0 x-y.z=1"));
	assert_int_equal(r.gen, 0);
	assert_int_equal(r.fields, ACCEL_KMOD_F_GEN);
	/* a known key of another type is as unknown: not read, not checked */
	r = parse_ok(LINE("v=1 type=add seq=1 addr=0000:01:00.0 vendor=1234 device=1111 "
			  "class=030000 gen=bogus count=-1"));
	assert_int_equal(r.gen, 0);
	assert_int_equal(r.fields, ACCEL_KMOD_F_SEQ | ACCEL_KMOD_F_ADDR | ACCEL_KMOD_F_VENDOR |
					   ACCEL_KMOD_F_DEVICE | ACCEL_KMOD_F_CLASS);
	/* the module names the driver an unbind took away */
	r = parse_ok(LINE("v=1 type=unbind seq=9 addr=0000:01:00.0 vendor=1234 device=1111 "
			  "class=030000 driver=vfio-pci"));
	assert_string_equal(r.driver, "vfio-pci");
	assert_true(r.fields & ACCEL_KMOD_F_DRIVER);
	r = parse_ok(LINE("v=1 type=begin gen=1 driver=x"));
	assert_false(r.fields & ACCEL_KMOD_F_DRIVER);
	/* the largest u64, upper-case hex, a VMD domain (lower-cased) */
	r = parse_ok(LINE("v=1 type=end gen=18446744073709551615 count=0"));
	assert_true(r.gen == UINT64_MAX);
	r = parse_ok(LINE("v=1 type=dev addr=1000A:E1:1F.7 vendor=10DE device=20B5 class=0302Ff"));
	assert_string_equal(r.addr, "1000a:e1:1f.7");
	assert_int_equal(r.vendor, 0x10de);
	assert_int_equal(r.device, 0x20b5);
	assert_int_equal(r.class_code, 0x0302ff);
	/* a driver name of 63 bytes fits */
	r = parse_ok(
		LINE("v=1 type=bind seq=0 addr=0000:01:00.0 vendor=1234 device=1111 "
		     "class=030000 driver=abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz0"
		     "123456789a"));
	assert_int_equal(strlen(r.driver), 63);
	/* exactly 255 bytes with the newline */
	n = snprintf(line, sizeof(line), "v=1 type=begin gen=1 pad=");
	memset(line + n, 'x', (size_t)(254 - n));
	line[254] = '\n';
	parse_ok(line, 255);
	parse_ok(line, 254);
}

struct bad {
	const char *line;
	size_t len; /* 0: strlen */
	int rc;
	const char *msg;
};

static void test_parse_malformed(void **state)
{
	static const struct bad bad[] = {
		{"", 0, -EBADMSG, "kmod record: empty"},
		{"\n", 0, -EBADMSG, "kmod record: empty"},
		/* version */
		{"v=2 type=begin gen=1", 0, -EBADMSG, "v: version 2 is not supported (1 is)"},
		{"v=01 type=begin gen=1", 0, -EBADMSG, "v: '01' is not a decimal number"},
		{"v=x type=begin gen=1", 0, -EBADMSG, "v: 'x' is not a decimal number"},
		{"type=begin v=1 gen=1", 0, -EBADMSG, "first field is 'type', not v="},
		{"gen=1", 0, -EBADMSG, "first field is 'gen', not v="},
		/* type */
		{"v=1", 0, -EBADMSG, "second field is not type="},
		{"v=1 gen=1 type=begin", 0, -EBADMSG, "second field is not type="},
		{"v=1 type=remove seq=1", 0, -EBADMSG, "type: 'remove' is not a record type"},
		{"v=1 type=BEGIN gen=1", 0, -EBADMSG, "type: 'BEGIN' is not a record type"},
		/* required fields */
		{"v=1 type=begin", 0, -EBADMSG, "type=begin: missing gen"},
		{"v=1 type=end gen=1", 0, -EBADMSG, "type=end: missing count"},
		{"v=1 type=overflow", 0, -EBADMSG, "type=overflow: missing lost"},
		{"v=1 type=add addr=0000:01:00.0 vendor=1234 device=1111 class=030000", 0, -EBADMSG,
		 "type=add: missing seq"},
		{"v=1 type=bind seq=4 addr=0000:01:00.0 vendor=1234 device=1111 class=030000", 0,
		 -EBADMSG, "type=bind: missing driver"},
		{"v=1 type=dev vendor=1234 device=1111 class=030000", 0, -EBADMSG,
		 "type=dev: missing addr"},
		{"v=1 type=del seq=1 addr=0000:01:00.0 vendor=1234 device=1111", 0, -EBADMSG,
		 "type=del: missing class"},
		/* hex widths */
		{"v=1 type=dev addr=0000:00:01.0 vendor=12x4 device=1111 class=030000", 0, -EBADMSG,
		 "kmod record: vendor: '12x4' is not 4 hex digits"},
		{"v=1 type=dev addr=0000:00:01.0 vendor=123 device=1111 class=030000", 0, -EBADMSG,
		 "vendor: '123' is not 4 hex digits"},
		{"v=1 type=dev addr=0000:00:01.0 vendor=1234 device=11111 class=030000", 0,
		 -EBADMSG, "device: '11111' is not 4 hex digits"},
		{"v=1 type=dev addr=0000:00:01.0 vendor=1234 device=1111 class=0300", 0, -EBADMSG,
		 "class: '0300' is not 6 hex digits"},
		{"v=1 type=dev addr=0000:00:01.0 vendor=0x12 device=1111 class=030000", 0, -EBADMSG,
		 "vendor: '0x12' is not 4 hex digits"},
		/* numbers */
		{"v=1 type=begin gen=18446744073709551616", 0, -EBADMSG,
		 "gen: '18446744073709551616' is out of range"},
		{"v=1 type=begin gen=99999999999999999999999", 0, -EBADMSG, "out of range"},
		{"v=1 type=begin gen=-1", 0, -EBADMSG, "gen: '-1' is not a decimal number"},
		{"v=1 type=begin gen=+1", 0, -EBADMSG, "gen: '+1' is not a decimal number"},
		{"v=1 type=begin gen=007", 0, -EBADMSG, "gen: '007' is not a decimal number"},
		{"v=1 type=end gen=1 count=2k", 0, -EBADMSG, "count: '2k' is not a decimal number"},
		{"v=1 type=overflow lost=1.5", 0, -EBADMSG, "lost: '1.5' is not a decimal"},
		/* addresses */
		{"v=1 type=dev addr=00:01.0 vendor=1234 device=1111 class=030000", 0, -EBADMSG,
		 "addr: '00:01.0' is not a PCI address (DDDD:BB:DD.F)"},
		{"v=1 type=dev addr=0000:00:01.8 vendor=1234 device=1111 class=030000", 0, -EBADMSG,
		 "addr: '0000:00:01.8' is not a PCI address"},
		{"v=1 type=dev addr=0000:00:20.0 vendor=1234 device=1111 class=030000", 0, -EBADMSG,
		 "addr: '0000:00:20.0'"},
		{"v=1 type=dev addr=0000:0:01.0 vendor=1234 device=1111 class=030000", 0, -EBADMSG,
		 "addr: '0000:0:01.0'"},
		{"v=1 type=dev addr=000:00:01.0 vendor=1234 device=1111 class=030000", 0, -EBADMSG,
		 "addr: '000:00:01.0'"},
		{"v=1 type=dev addr=123456789:00:01.0 vendor=1234 device=1111 class=030000", 0,
		 -EBADMSG, "addr: '123456789:00:01.0'"},
		{"v=1 type=dev addr=0000:0g:01.0 vendor=1234 device=1111 class=030000", 0, -EBADMSG,
		 "addr: '0000:0g:01.0'"},
		{"v=1 type=dev addr=0000:00:01.0x vendor=1234 device=1111 class=030000", 0,
		 -EBADMSG, "addr: '0000:00:01.0x'"},
		{"v=1 type=dev addr=0000-00:01.0 vendor=1234 device=1111 class=030000", 0, -EBADMSG,
		 "addr: '0000-00:01.0'"},
		/* duplicates, also of unknown keys and of v and type */
		{"v=1 type=add seq=3 seq=4 addr=0000:01:00.0 vendor=1234 device=1111 class=030000",
		 0, -EBADMSG, "duplicate key 'seq'"},
		{"v=1 type=begin gen=1 x=1 x=2", 0, -EBADMSG, "duplicate key 'x'"},
		{"v=1 type=begin gen=1 v=1", 0, -EBADMSG, "duplicate key 'v'"},
		{"v=1 type=begin gen=1 type=end", 0, -EBADMSG, "duplicate key 'type'"},
		/* values */
		{"v=1 type=begin gen=", 0, -EBADMSG, "gen: empty value"},
		{"v=1 type=begin gen=1 x=", 0, -EBADMSG, "x: empty value"},
		{"v=1 type=bind seq=4 addr=0000:01:00.0 vendor=1234 device=1111 class=030000 "
		 "driver=a=b",
		 0, -EBADMSG, "driver: 'a=b' holds '='"},
		{"v=1 type=begin gen=1 =x", 0, -EBADMSG, "field '=x' is not key=value"},
		{"v=1 type=begin gen=1 junk", 0, -EBADMSG, "field 'junk' is not key=value"},
		{"v=1 type=bind seq=4 addr=0000:01:00.0 vendor=1234 device=1111 class=030000 "
		 "driver=bo\x01hs",
		 0, -EBADMSG, "'driver=bo?hs': control or non-ASCII byte 0x01"},
		{"v=1 type=begin gen=1\tx=1", 0, -EBADMSG, "control or non-ASCII byte 0x09"},
		{"v=1 type=begin gen=1\r\n", 0, -EBADMSG, "control or non-ASCII byte 0x0d"},
		{"v=1 type=begin gen=1\nv=1 type=end gen=1 count=0", 0, -EBADMSG,
		 "control or non-ASCII byte 0x0a"},
		{"v=1 type=begin gen=1 name=caf\xc3\xa9", 0, -EBADMSG,
		 "control or non-ASCII byte 0xc3"},
		{"v=1 type=bind seq=4 addr=0000:01:00.0 vendor=1234 device=1111 class=030000 "
		 "driver=abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz0123456789ab",
		 0, -EBADMSG,
		 "driver: 'abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz0123456789ab' "
		 "is longer than 63 bytes"},
		/* spaces */
		{"v=1 type=begin gen=1 ", 0, -EBADMSG, "trailing space"},
		{"v=1 type=begin gen=1  \n", 0, -EBADMSG, "two spaces at offset 20"},
		{" v=1 type=begin gen=1", 0, -EBADMSG, "leading space"},
		{"v=1  type=begin gen=1", 0, -EBADMSG, "two spaces at offset 3"},
		/* NUL inside, wherever */
		{"v=1 type=begin gen=1\0 x=1", 25, -EBADMSG, "NUL byte at offset 20"},
		{"v=1 type=begin gen=\0", 20, -EBADMSG, "NUL byte at offset 19"},
		{"\0", 1, -EBADMSG, "NUL byte at offset 0"},
	};
	struct accel_kmod_record r, before;
	accel_err err;

	(void)state;
	memset(&before, 0x5a, sizeof(before));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].line);
		int rc;

		r = before;
		rc = accel_kmod_parse(bad[i].line, len, &r, &err);
		if (rc != bad[i].rc || !strstr(err.msg, bad[i].msg) ||
		    strncmp(err.msg, "kmod record: ", 13))
			fail_msg("'%s': rc %d '%s', expected %d '%s'", bad[i].line, rc, err.msg,
				 bad[i].rc, bad[i].msg);
		assert_int_equal(err.code, bad[i].rc);
		/* the output is untouched on failure */
		assert_memory_equal(&r, &before, sizeof(r));
	}
	assert_int_equal(accel_kmod_parse(NULL, 0, &r, NULL), -EBADMSG);
}

static void test_parse_too_long(void **state)
{
	char line[400];
	accel_err err;
	struct accel_kmod_record r;
	int n;

	(void)state;
	n = snprintf(line, sizeof(line), "v=1 type=begin gen=1 pad=");
	memset(line + n, 'x', sizeof(line) - (size_t)n);
	/* 255 bytes without a newline are 256 with it */
	assert_int_equal(accel_kmod_parse(line, 255, &r, &err), -E2BIG);
	assert_string_equal(err.msg,
			    "kmod record: 256 bytes with the newline, over the limit of 255");
	line[255] = '\n';
	assert_int_equal(accel_kmod_parse(line, 256, &r, &err), -E2BIG);
	assert_int_equal(accel_kmod_parse(line, sizeof(line), &r, &err), -E2BIG);
	assert_non_null(strstr(err.msg, "401 bytes with the newline"));
}

/*
 * The reader over a FIFO in a temporary folder: the test writes what the
 * kernel would, in whatever pieces it likes.
 */
struct fifo {
	char dir[64], path[96];
	int w;
	accel_kmod *k;
};

static int fifo_setup(void **state)
{
	struct fifo *f = calloc(1, sizeof(*f));
	accel_err err;

	assert_non_null(f);
	strcpy(f->dir, "/tmp/test_kmod.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/accelinv", f->dir);
	assert_int_equal(mkfifo(f->path, 0600), 0);
	/* the reader opens first, non-blocking, as on the device */
	assert_int_equal(accel_kmod_open(f->path, &f->k, &err), 0);
	f->w = open(f->path, O_WRONLY | O_CLOEXEC);
	assert_true(f->w >= 0);
	*state = f;
	return 0;
}

static int fifo_teardown(void **state)
{
	struct fifo *f = *state;

	accel_kmod_close(f->k);
	if (f->w >= 0)
		close(f->w);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void put(struct fifo *f, const char *s)
{
	size_t n = strlen(s);

	assert_int_equal(write(f->w, s, n), (ssize_t)n);
}

static struct accel_kmod_record next_ok(struct fifo *f, enum accel_kmod_type type)
{
	struct accel_kmod_record r;
	accel_err err;
	int rc = accel_kmod_next(f->k, &r, &err);

	if (rc != 1)
		fail_msg("expected a %s record, got rc %d: %s", accel_kmod_type_name(type), rc,
			 err.msg);
	assert_int_equal(r.type, type);
	return r;
}

static void next_none(struct fifo *f)
{
	struct accel_kmod_record r;
	accel_err err;
	int rc = accel_kmod_next(f->k, &r, &err);

	if (rc != 0)
		fail_msg("expected nothing ready, got rc %d (type %s): %s", rc,
			 rc == 1 ? accel_kmod_type_name(r.type) : "-", err.msg);
}

static void next_err(struct fifo *f, int code, const char *msg)
{
	struct accel_kmod_record r;
	accel_err err;
	int rc = accel_kmod_next(f->k, &r, &err);

	if (rc != code || !strstr(err.msg, msg))
		fail_msg("rc %d '%s', expected %d '%s'", rc, rc <= 0 ? err.msg : "", code, msg);
	assert_non_null(strstr(err.msg, f->path));
}

static const char snapshot[] =
	"v=1 type=begin gen=3\n"
	"v=1 type=dev addr=0000:00:01.0 vendor=1234 device=1111 class=030000 driver=bochs-drm\n"
	"v=1 type=dev addr=0000:00:02.0 vendor=1af4 device=1050 class=038000 driver=virtio-pci\n"
	"v=1 type=end gen=3 count=2\n";

/* The records of snapshot[]. */
static void read_snapshot(struct fifo *f)
{
	assert_int_equal(next_ok(f, ACCEL_KMOD_BEGIN).gen, 3);
	next_ok(f, ACCEL_KMOD_DEV);
	next_ok(f, ACCEL_KMOD_DEV);
	assert_int_equal(next_ok(f, ACCEL_KMOD_END).count, 2);
}

static void test_stream_many_per_write(void **state)
{
	struct fifo *f = *state;
	struct accel_kmod_record r;
	struct pollfd p = {accel_kmod_fd(f->k), POLLIN, 0};

	assert_string_equal(accel_kmod_path(f->k), f->path);
	next_none(f);
	assert_int_equal(poll(&p, 1, 0), 0);
	put(f, "v=1 type=begin gen=3\n"
	       "v=1 type=dev addr=0000:00:01.0 vendor=1234 device=1111 class=030000 "
	       "driver=bochs-drm\n"
	       "v=1 type=dev addr=0000:00:02.0 vendor=1af4 device=1050 class=038000 "
	       "driver=virtio-pci\n"
	       "v=1 type=end gen=3 count=2\n"
	       "v=1 type=add seq=3 addr=0000:01:00.0 vendor=1234 device=1111 class=030000\n"
	       "v=1 type=bind seq=4 addr=0000:01:00.0 vendor=1234 device=1111 class=030000 "
	       "driver=bochs-drm\n");
	assert_int_equal(poll(&p, 1, 1000), 1);
	assert_true(p.revents & POLLIN);
	assert_int_equal(next_ok(f, ACCEL_KMOD_BEGIN).gen, 3);
	r = next_ok(f, ACCEL_KMOD_DEV);
	assert_string_equal(r.addr, "0000:00:01.0");
	assert_string_equal(r.driver, "bochs-drm");
	r = next_ok(f, ACCEL_KMOD_DEV);
	assert_string_equal(r.driver, "virtio-pci");
	assert_int_equal(next_ok(f, ACCEL_KMOD_END).count, 2);
	r = next_ok(f, ACCEL_KMOD_ADD);
	assert_int_equal(r.seq, 3);
	assert_string_equal(r.addr, "0000:01:00.0");
	r = next_ok(f, ACCEL_KMOD_BIND);
	assert_int_equal(r.seq, 4);
	next_none(f);
	next_none(f);
}

static void test_stream_split_records(void **state)
{
	static const char ev[] = "v=1 type=unbind seq=5 addr=0000:01:00.0 vendor=1234 device=1111 "
				 "class=030000\nv=1 type=del seq=6 addr=0000:01:00.0 "
				 "vendor=1234 device=1111 class=030000\n";
	struct fifo *f = *state;
	char one[2] = "";

	put(f, snapshot);
	put(f, "v=1 type=add seq=3 addr=0000:01");
	next_ok(f, ACCEL_KMOD_BEGIN);
	next_ok(f, ACCEL_KMOD_DEV);
	next_ok(f, ACCEL_KMOD_DEV);
	next_ok(f, ACCEL_KMOD_END);
	next_none(f); /* half a record is kept, not parsed */
	put(f, ":00.0 vendor=1234 device=1111 class=030000");
	next_none(f);
	put(f, "\nv=1 type=bind seq=4 addr=0000:01:00.0 vendor=1234 device=1111 ");
	assert_string_equal(next_ok(f, ACCEL_KMOD_ADD).addr, "0000:01:00.0");
	next_none(f);
	put(f, "class=030000 driver=vfio-pci\n");
	assert_string_equal(next_ok(f, ACCEL_KMOD_BIND).driver, "vfio-pci");
	/* one byte at a time: a record only when its newline comes */
	for (size_t i = 0; ev[i]; i++) {
		one[0] = ev[i];
		put(f, one);
		if (i == 20)
			next_none(f);
	}
	assert_int_equal(next_ok(f, ACCEL_KMOD_UNBIND).seq, 5);
	assert_int_equal(next_ok(f, ACCEL_KMOD_DEL).seq, 6);
	next_none(f);
}

static void test_stream_malformed_skipped(void **state)
{
	struct fifo *f = *state;

	put(f, snapshot);
	put(f, "v=1 type=add seq=3 addr=0000:01:00.0 vendor=1234 device=1111 class=030000\n"
	       "v=1 type=bind seq=4 addr=0000:01:00.0 vendor=12x4 device=1111 class=030000 "
	       "driver=d\n"
	       "v=2 type=bind seq=4\n"
	       "\n"
	       "v=1 type=bind seq=4 addr=0000:01:00.0 vendor=1234 device=1111 class=030000 "
	       "driver=d\n");
	read_snapshot(f);
	next_ok(f, ACCEL_KMOD_ADD);
	/* the error names the record (its number and text) and the field */
	next_err(f, -EBADMSG,
		 ": record 6 'v=1 type=bind seq=4 addr=0000:01:00.0 vendor=12x4 device=1111 "
		 "class=030000 driver=d': vendor: '12x4' is not 4 hex digits; skipped");
	next_err(f, -EBADMSG, "record 7 'v=2 type=bind seq=4': v: version 2 is not supported");
	next_err(f, -EBADMSG, "record 8 '': empty; skipped");
	/* ... and the stream goes on where it was */
	assert_int_equal(next_ok(f, ACCEL_KMOD_BIND).seq, 4);
	next_none(f);
}

static void test_stream_overlong(void **state)
{
	struct fifo *f = *state;
	char big[600];

	put(f, snapshot);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "v=1 type=add pad=", 17);
	/* 599 bytes without a newline, in two writes */
	put(f, big);
	read_snapshot(f);
	next_err(f, -EBADMSG, "record 5 'v=1 type=add pad=xxx");
	next_none(f);
	put(f, big);
	next_none(f); /* still the same line: reported once */
	put(f, "\nv=1 type=add seq=3 addr=0000:01:00.0 vendor=1234 device=1111 class=030000\n");
	assert_int_equal(next_ok(f, ACCEL_KMOD_ADD).seq, 3);
	/* a whole over-long line in one read */
	big[300] = '\n';
	big[301] = '\0';
	put(f, big);
	next_err(f, -EBADMSG, "record 7 'v=1 type=add pad=xxx");
	next_none(f);
}

static void test_stream_seq_gap(void **state)
{
	struct fifo *f = *state;
	struct accel_kmod_record r;

	put(f, snapshot);
	put(f, "v=1 type=add seq=3 addr=0000:01:00.0 vendor=1234 device=1111 class=030000\n"
	       "v=1 type=del seq=6 addr=0000:01:00.0 vendor=1234 device=1111 class=030000\n"
	       "v=1 type=add seq=7 addr=0000:01:00.0 vendor=1234 device=1111 class=030000\n");
	read_snapshot(f);
	next_ok(f, ACCEL_KMOD_ADD);
	next_err(f, -EPROTO,
		 "record 6 'v=1 type=del seq=6 addr=0000:01:00.0 vendor=1234 "
		 "device=1111 class=030000': seq gap: expected seq=4, got seq=6 (2 "
		 "events missing)");
	/* the record that showed the gap comes next, and checks go on from it */
	r = next_ok(f, ACCEL_KMOD_DEL);
	assert_int_equal(r.seq, 6);
	assert_int_equal(next_ok(f, ACCEL_KMOD_ADD).seq, 7);
	next_none(f);
}

static void test_stream_overflow_resnapshot(void **state)
{
	struct fifo *f = *state;
	struct accel_kmod_record r;

	put(f, snapshot);
	put(f, "v=1 type=add seq=3 addr=0000:01:00.0 vendor=1234 device=1111 class=030000\n"
	       "v=1 type=overflow lost=300\n"
	       "v=1 type=begin gen=304\n"
	       "v=1 type=dev addr=0000:00:01.0 vendor=1234 device=1111 class=030000\n"
	       "v=1 type=end gen=304 count=1\n"
	       "v=1 type=del seq=304 addr=0000:00:01.0 vendor=1234 device=1111 class=030000\n");
	read_snapshot(f);
	next_ok(f, ACCEL_KMOD_ADD);
	assert_int_equal(next_ok(f, ACCEL_KMOD_OVERFLOW).lost, 300);
	assert_int_equal(next_ok(f, ACCEL_KMOD_BEGIN).gen, 304);
	next_ok(f, ACCEL_KMOD_DEV);
	assert_int_equal(next_ok(f, ACCEL_KMOD_END).gen, 304);
	r = next_ok(f, ACCEL_KMOD_DEL);
	assert_int_equal(r.seq, 304);
	next_none(f);
}

/* What a kernel must not do: each is reported, and the stream goes on. */
static void test_stream_contract(void **state)
{
	struct fifo *f = *state;

	put(f, "v=1 type=add seq=0 addr=0000:01:00.0 vendor=1234 device=1111 class=030000\n");
	next_err(f, -EPROTO, "add seq=0 before the snapshot's end");
	next_ok(f, ACCEL_KMOD_ADD);
	put(f, "v=1 type=begin gen=1\n");
	next_err(f, -EPROTO, "begin without an overflow before it");
	next_ok(f, ACCEL_KMOD_BEGIN);
	put(f, "v=1 type=dev addr=0000:00:01.0 vendor=1234 device=1111 class=030000\n"
	       "v=1 type=end gen=1 count=2\n");
	next_ok(f, ACCEL_KMOD_DEV);
	next_err(f, -EPROTO, "end count=2, but 1 dev records came");
	next_ok(f, ACCEL_KMOD_END);
	put(f, "v=1 type=dev addr=0000:00:01.0 vendor=1234 device=1111 class=030000\n"
	       "v=1 type=end gen=1 count=0\n"
	       "v=1 type=bind seq=1 addr=0000:01:00.0 vendor=1234 device=1111 class=030000 "
	       "driver=x\n");
	next_err(f, -EPROTO, "dev 0000:00:01.0 outside a snapshot");
	next_ok(f, ACCEL_KMOD_DEV);
	next_err(f, -EPROTO, "end outside a snapshot");
	next_ok(f, ACCEL_KMOD_END);
	assert_int_equal(next_ok(f, ACCEL_KMOD_BIND).seq, 1);
	put(f, "v=1 type=unbind seq=1 addr=0000:01:00.0 vendor=1234 device=1111 class=030000\n");
	next_err(f, -EPROTO, "seq went back: expected seq=2, got seq=1");
	next_ok(f, ACCEL_KMOD_UNBIND);
	next_none(f);
}

/* A burst larger than the reader's buffer: lines straddle the reads. */
static void test_stream_burst(void **state)
{
	struct fifo *f = *state;
	char *text = malloc(64 * 1024), *p = text;
	struct accel_kmod_record r;

	assert_non_null(text);
	p += sprintf(p, "v=1 type=begin gen=1000\nv=1 type=end gen=1000 count=0\n");
	for (int i = 0; i < 600; i++)
		p += sprintf(p,
			     "v=1 type=%s seq=%d addr=0000:%02x:00.0 vendor=10de device=20b5 "
			     "class=030200\n",
			     i % 2 ? "del" : "add", 1000 + i, i / 2 % 256);
	put(f, text);
	free(text);
	next_ok(f, ACCEL_KMOD_BEGIN);
	next_ok(f, ACCEL_KMOD_END);
	for (int i = 0; i < 600; i++) {
		r = next_ok(f, i % 2 ? ACCEL_KMOD_DEL : ACCEL_KMOD_ADD);
		assert_int_equal(r.seq, 1000 + i);
	}
	next_none(f);
}

static void test_stream_eof(void **state)
{
	struct fifo *f = *state;

	put(f, "v=1 type=begin gen=0\nv=1 type=end gen=0 count=0\nv=1 type=overflow");
	close(f->w);
	f->w = -1;
	next_ok(f, ACCEL_KMOD_BEGIN);
	next_ok(f, ACCEL_KMOD_END);
	next_err(f, -EBADMSG, "record 3 'v=1 type=overflow': cut short by the end of the stream");
	next_err(f, -ENODATA, "end of stream");
	next_err(f, -ENODATA, "end of stream");
}

static void test_open_errors(void **state)
{
	accel_kmod *k = (accel_kmod *)0x1;
	accel_err err;

	(void)state;
	assert_int_equal(accel_kmod_open("/nonexistent/accelinv", &k, &err), -ENOENT);
	assert_string_equal(err.msg, "/nonexistent/accelinv: No such file or directory");
	assert_ptr_equal(k, (accel_kmod *)0x1);
	accel_kmod_close(NULL);
	/* NULL is the device itself: there or not, never a crash */
	if (accel_kmod_open(NULL, &k, &err) == 0)
		accel_kmod_close(k);
	else
		assert_non_null(strstr(err.msg, ACCEL_KMOD_DEFAULT_PATH));
	/* a folder opens, but reading it fails and says where */
	assert_int_equal(accel_kmod_open("/", &k, &err), 0);
	{
		struct accel_kmod_record r;

		assert_int_equal(accel_kmod_next(k, &r, &err), -EISDIR);
		assert_string_equal(err.msg, "/: read: Is a directory");
	}
	accel_kmod_close(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_every_type),
		cmocka_unit_test(test_parse_edges),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_parse_too_long),
		cmocka_unit_test_setup_teardown(test_stream_many_per_write, fifo_setup,
						fifo_teardown),
		cmocka_unit_test_setup_teardown(test_stream_split_records, fifo_setup,
						fifo_teardown),
		cmocka_unit_test_setup_teardown(test_stream_malformed_skipped, fifo_setup,
						fifo_teardown),
		cmocka_unit_test_setup_teardown(test_stream_overlong, fifo_setup, fifo_teardown),
		cmocka_unit_test_setup_teardown(test_stream_seq_gap, fifo_setup, fifo_teardown),
		cmocka_unit_test_setup_teardown(test_stream_overflow_resnapshot, fifo_setup,
						fifo_teardown),
		cmocka_unit_test_setup_teardown(test_stream_contract, fifo_setup, fifo_teardown),
		cmocka_unit_test_setup_teardown(test_stream_burst, fifo_setup, fifo_teardown),
		cmocka_unit_test_setup_teardown(test_stream_eof, fifo_setup, fifo_teardown),
		cmocka_unit_test(test_open_errors),
	};

	return cmocka_run_group_tests_name("kmod", tests, NULL, NULL);
}
