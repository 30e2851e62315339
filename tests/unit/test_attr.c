/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: sysfs attribute reader and parsers (drivers/attr.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "attr.h"
#include "tree.h"

static void test_hex(void **state)
{
	unsigned v = 7;

	(void)state;
	assert_int_equal(attr_parse_hex("0x10de", 0xffff, &v), 0);
	assert_int_equal(v, 0x10de);
	assert_int_equal(attr_parse_hex("0x030200\n", 0xffffff, &v), 0);
	assert_int_equal(v, 0x030200);
	assert_int_equal(attr_parse_hex("10DE", 0xffff, &v), 0);
	assert_int_equal(v, 0x10de);
	v = 7;
	assert_int_equal(attr_parse_hex("", 0xffff, &v), -EINVAL);
	assert_int_equal(attr_parse_hex("0x", 0xffff, &v), -EINVAL);
	assert_int_equal(attr_parse_hex("garbage", 0xffff, &v), -EINVAL);
	assert_int_equal(attr_parse_hex("0x10dz", 0xffff, &v), -EINVAL);
	assert_int_equal(attr_parse_hex("0x10de0", 0xffff, &v), -ERANGE);
	assert_int_equal(attr_parse_hex("0xffffffffffffffffff", 0xffff, &v), -EINVAL);
	assert_int_equal(attr_parse_hex("0x10 de", 0xffff, &v), -EINVAL);
	assert_int_equal(v, 7); /* untouched on failure */
}

static void test_int(void **state)
{
	long long v = 42;

	(void)state;
	assert_int_equal(attr_parse_int("-1\n", -1, 4095, &v), 0);
	assert_int_equal(v, -1);
	assert_int_equal(attr_parse_int("3", -1, 4095, &v), 0);
	assert_int_equal(v, 3);
	v = 42;
	assert_int_equal(attr_parse_int("4096", -1, 4095, &v), -ERANGE);
	assert_int_equal(attr_parse_int("-2", -1, 4095, &v), -ERANGE);
	assert_int_equal(attr_parse_int("1a", -1, 4095, &v), -EINVAL);
	assert_int_equal(attr_parse_int("", -1, 4095, &v), -EINVAL);
	assert_int_equal(attr_parse_int("-", -1, 4095, &v), -EINVAL);
	assert_int_equal(attr_parse_int("99999999999999999999999", -1, 4095, &v), -EINVAL);
	assert_int_equal(attr_parse_int("9223372036854775807", 0, 5, &v), -ERANGE);
	assert_int_equal(v, 42);
}

static void test_link_speed(void **state)
{
	int s = 0;

	(void)state;
	/* every form the kernel has printed */
	assert_int_equal(attr_parse_link_speed("16.0 GT/s PCIe", &s), 0);
	assert_int_equal(s, 160);
	assert_int_equal(attr_parse_link_speed("8.0 GT/s PCIe\n", &s), 0);
	assert_int_equal(s, 80);
	assert_int_equal(attr_parse_link_speed("2.5 GT/s", &s), 0);
	assert_int_equal(s, 25);
	assert_int_equal(attr_parse_link_speed("8 GT/s", &s), 0);
	assert_int_equal(s, 80);
	assert_int_equal(attr_parse_link_speed("64.0 GT/s PCIe", &s), 0);
	assert_int_equal(s, 640);
	s = 1;
	assert_int_equal(attr_parse_link_speed("Unknown", &s), -ENODATA);
	assert_int_equal(attr_parse_link_speed("Unknown speed", &s), -ENODATA);
	assert_int_equal(attr_parse_link_speed("fast", &s), -EINVAL);
	assert_int_equal(attr_parse_link_speed("16.0", &s), -EINVAL);
	assert_int_equal(attr_parse_link_speed("16.0 GT/s PCIe extra", &s), -EINVAL);
	assert_int_equal(attr_parse_link_speed("16.05 GT/s", &s), -EINVAL);
	assert_int_equal(attr_parse_link_speed("0.0 GT/s", &s), -EINVAL);
	assert_int_equal(attr_parse_link_speed("", &s), -EINVAL);
	assert_int_equal(s, 1);
}

static void test_link_width(void **state)
{
	int w = 3;

	(void)state;
	assert_int_equal(attr_parse_link_width("16\n", &w), 0);
	assert_int_equal(w, 16);
	w = 3;
	assert_int_equal(attr_parse_link_width("0", &w), -ENODATA);
	assert_int_equal(attr_parse_link_width("33", &w), -ERANGE);
	assert_int_equal(attr_parse_link_width("x16", &w), -EINVAL);
	assert_int_equal(w, 3);
}

static void test_cpulist(void **state)
{
	(void)state;
	assert_int_equal(attr_parse_cpulist("0-31,64-95", 1024), 64);
	assert_int_equal(attr_parse_cpulist("3", 1024), 1);
	assert_int_equal(attr_parse_cpulist("", 1024), 0);
	assert_int_equal(attr_parse_cpulist("0-1,", 1024), -EINVAL);
	assert_int_equal(attr_parse_cpulist("5-3", 1024), -EINVAL);
	assert_int_equal(attr_parse_cpulist("0-", 1024), -EINVAL);
	assert_int_equal(attr_parse_cpulist("a", 1024), -EINVAL);
	assert_int_equal(attr_parse_cpulist("0-2000", 1024), -ERANGE);
	assert_int_equal(attr_parse_cpulist("0,,1", 1024), -EINVAL);
}

static void test_aer(void **state)
{
	uint64_t t = 99;

	(void)state;
	assert_int_equal(attr_parse_aer("RxErr 0\nBadTLP 3\nTOTAL_ERR_COR 3\n", &t), 0);
	assert_int_equal(t, 3);
	/* older kernels have no TOTAL line: the sum */
	assert_int_equal(attr_parse_aer("DLP 1\nSDES 2\n", &t), 0);
	assert_int_equal(t, 3);
	t = 99;
	assert_int_equal(attr_parse_aer("", &t), -EINVAL);
	assert_int_equal(attr_parse_aer("RxErr\n", &t), -EINVAL);
	assert_int_equal(attr_parse_aer("RxErr x\n", &t), -EINVAL);
	assert_int_equal(attr_parse_aer(" 1\n", &t), -EINVAL);
	assert_int_equal(attr_parse_aer("Rx-Err 1\n", &t), -EINVAL);
	assert_int_equal(attr_parse_aer("RxErr 99999999999999999999\n", &t), -EINVAL);
	assert_int_equal(t, 99);
}

static void test_text(void **state)
{
	(void)state;
	assert_int_equal(attr_parse_text("GRID A100-4C"), 0);
	assert_int_equal(attr_parse_text("Größe"), 0);
	assert_int_equal(attr_parse_text(""), -ENODATA);
	assert_int_equal(attr_parse_text("bad\xff\xfe"), -EILSEQ);
	assert_int_equal(attr_parse_text("\xc0\xaf"), -EILSEQ); /* overlong '/' */
	assert_int_equal(attr_parse_text("tab\there"), -EILSEQ);
	assert_int_equal(attr_parse_text("\xed\xa0\x80"), -EILSEQ); /* surrogate */
}

static void test_devnum(void **state)
{
	unsigned a = 0, b = 0;

	(void)state;
	assert_int_equal(attr_parse_devnum("226:128", &a, &b), 0);
	assert_int_equal(a, 226);
	assert_int_equal(b, 128);
	assert_int_equal(attr_parse_devnum("226", &a, &b), -EINVAL);
	assert_int_equal(attr_parse_devnum(":1", &a, &b), -EINVAL);
	assert_int_equal(attr_parse_devnum("1:x", &a, &b), -EINVAL);
}

static void test_read(void **state)
{
	char *dir = tree_tmpdir(), buf[16], big[5000];

	(void)state;
	tree_write(tree_path("%s/ok", dir), "0x10de\n", -1);
	tree_write(tree_path("%s/empty", dir), "", 0);
	tree_write(tree_path("%s/nul", dir), "0x10\0de\n", 8);
	memset(big, 'a', sizeof(big));
	tree_write(tree_path("%s/big", dir), big, sizeof(big));
	tree_write(tree_path("%s/exact", dir), "0123456789abcde", -1); /* 15 bytes */
	tree_link("nowhere", tree_path("%s/dangling", dir));
	tree_link("loop", tree_path("%s/loop", dir));

	assert_int_equal(attr_read(NULL, dir, "ok", buf, sizeof(buf)), 6);
	assert_string_equal(buf, "0x10de");
	assert_int_equal(attr_read(NULL, dir, "empty", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(attr_read(NULL, dir, "nul", buf, sizeof(buf)), -EILSEQ);
	assert_int_equal(attr_read(NULL, dir, "big", buf, sizeof(buf)), -E2BIG);
	assert_int_equal(attr_read(NULL, dir, "exact", buf, sizeof(buf)), 15);
	assert_int_equal(attr_read(NULL, dir, "missing", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(attr_read(NULL, dir, "dangling", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(attr_read(NULL, dir, "loop", buf, sizeof(buf)), -ELOOP);
	assert_int_equal(attr_read(NULL, tree_path("%s/ok", dir), "x", buf, sizeof(buf)), -ENOTDIR);

	tree_link("../../bus/pci/drivers/vfio-pci", tree_path("%s/driver", dir));
	assert_int_equal(attr_link_base(NULL, dir, "driver", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "vfio-pci");
	assert_int_equal(attr_link_base(NULL, dir, "ok", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(attr_link_base(NULL, dir, "missing", buf, sizeof(buf)), -ENOENT);
	tree_link("../a/very-long-driver-name-here", tree_path("%s/long", dir));
	assert_int_equal(attr_link_base(NULL, dir, "long", buf, sizeof(buf)), -E2BIG);
	tree_rm(dir);
	free(dir);
}

/* Paths resolve inside a root as under chroot: ".." stops at it, links
 * (absolute ones too) resolve inside it, nothing outside is read. The same
 * checks run with openat2() and with the component walk. */
static void check_root(bool walk)
{
	char *top = tree_tmpdir(), buf[64], real[PATH_MAX], root[PATH_MAX];
	struct attr_root r = ATTR_ROOT_INIT;
	DIR *d;
	int err, fd;

	snprintf(root, sizeof(root), "%s/sys", top);
	attr_root_force_walk(walk);
	tree_write(tree_path("%s/secret", top), "SECRET\n", -1);
	tree_write(tree_path("%s/devices/pci0000:00/0000:00:01.0/numa_node", root), "1\n", -1);
	tree_write(tree_path("%s/inside", root), "7\n", -1);
	tree_link("../../../devices/pci0000:00/0000:00:01.0",
		  tree_path("%s/bus/pci/devices/0000:00:01.0", root));
	tree_link("/devices/pci0000:00/0000:00:01.0",
		  tree_path("%s/bus/pci/devices/0000:00:01.1", root));
	tree_link("../../../../secret", tree_path("%s/devices/pci0000:00/escape", root));
	tree_link(tree_path("%s/secret", top), tree_path("%s/devices/pci0000:00/abs", root));
	tree_link("/inside", tree_path("%s/devices/pci0000:00/abs_in", root));
	tree_link("../../../../../../inside", tree_path("%s/devices/pci0000:00/clamped", root));
	tree_link("loop", tree_path("%s/devices/loop", root));
	tree_link("..", tree_path("%s/devices/up", root));
	tree_link("/..", tree_path("%s/devices/up_abs", root));
	tree_link("../../..", tree_path("%s/out_dir", root));
	assert_int_equal(mkfifo(tree_path("%s/devices/fifo", root), 0600), 0);

	assert_int_equal(attr_root_open(&r, tree_path("%s/", root)), 0);
	assert_string_equal(r.path, root);
	assert_int_equal(r.walk, walk);
	/* links inside the root, relative and absolute */
	assert_int_equal(attr_read(&r, tree_path("%s/bus/pci/devices/0000:00:01.0", root),
				   "numa_node", buf, sizeof(buf)),
			 1);
	assert_string_equal(buf, "1");
	assert_int_equal(attr_read(&r, tree_path("%s/bus/pci/devices/0000:00:01.1", root),
				   "numa_node", buf, sizeof(buf)),
			 1);
	assert_int_equal(attr_read(&r, tree_path("%s/devices/pci0000:00", root), "abs_in", buf,
				   sizeof(buf)),
			 1);
	assert_string_equal(buf, "7");
	/* ".." beyond the root stays at the root */
	assert_int_equal(attr_read(&r, tree_path("%s/devices/pci0000:00", root), "clamped", buf,
				   sizeof(buf)),
			 1);
	assert_string_equal(buf, "7");
	/* out of the root: refused, nothing read */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(attr_read(&r, tree_path("%s/devices/pci0000:00", root), "escape", buf,
				   sizeof(buf)),
			 -EXDEV);
	assert_int_equal(attr_read(&r, tree_path("%s/devices/pci0000:00", root), "abs", buf,
				   sizeof(buf)),
			 -EXDEV);
	assert_null(strstr(buf, "SECRET"));
	assert_int_equal(attr_read(&r, tree_path("%s/out_dir", root), "secret", buf, sizeof(buf)),
			 -EXDEV);
	assert_int_equal(attr_read(&r, top, "secret", buf, sizeof(buf)), -EXDEV);
	assert_int_equal(attr_read(&r, tree_path("%s/devices", root), "loop", buf, sizeof(buf)),
			 -ELOOP);
	assert_int_equal(attr_read(&r, tree_path("%s/devices", root), "missing", buf, sizeof(buf)),
			 -ENOENT);
	/* a FIFO is not read (and does not block) */
	assert_int_equal(attr_read(&r, tree_path("%s/devices", root), "fifo", buf, sizeof(buf)),
			 -ATTR_ENOTREG);
	assert_int_equal(attr_open_file(&r, tree_path("%s/devices", root), "fifo"), -ATTR_ENOTREG);
	assert_int_equal(attr_open_file(&r, root, "devices"), -ATTR_ENOTREG);
	/* "up" is the root itself: devices/up/inside is sys/inside */
	assert_int_equal(attr_read(&r, tree_path("%s/devices/up_abs", root), "inside", buf,
				   sizeof(buf)),
			 1);
	/* canonical paths */
	assert_int_equal(attr_realpath(&r, tree_path("%s/bus/pci/devices/0000:00:01.1", root),
				       real, sizeof(real)),
			 0);
	assert_string_equal(real, tree_path("%s/devices/pci0000:00/0000:00:01.0", root));
	assert_int_equal(attr_realpath(&r, tree_path("%s/devices/up/./devices/up_abs/", root), real,
				       sizeof(real)),
			 0);
	assert_string_equal(real, root);
	assert_int_equal(attr_realpath(&r, tree_path("%s/devices/pci0000:00/escape", root), real,
				       sizeof(real)),
			 -EXDEV);
	assert_int_equal(attr_realpath(&r, tree_path("%s/devices/loop", root), real, sizeof(real)),
			 -ELOOP);
	/* listing and links */
	d = attr_opendir(&r, tree_path("%s/out_dir", root), &err);
	assert_non_null(d); /* the root itself */
	closedir(d);
	assert_null(attr_opendir(&r, tree_path("%s/devices/fifo", root), &err));
	assert_int_equal(err, -ENOTDIR);
	assert_int_equal(attr_link_base(&r, tree_path("%s/bus/pci/devices", root), "0000:00:01.1",
					buf, sizeof(buf)),
			 0);
	assert_string_equal(buf, "0000:00:01.0");
	assert_int_equal(attr_access(&r, tree_path("%s/devices/pci0000:00/abs", root)), -EXDEV);
	assert_int_equal(attr_access(&r, tree_path("%s/devices/pci0000:00/abs_in", root)), 0);
	fd = attr_open(&r, tree_path("%s/devices/fifo", root), O_RDONLY);
	assert_true(fd >= 0); /* O_NONBLOCK: no writer needed */
	close(fd);
	attr_root_close(&r);
	attr_root_close(&r); /* twice is fine */
	assert_int_equal(attr_root_open(&r, tree_path("%s/nowhere", top)), -ENOENT);
	attr_root_force_walk(false);
	tree_rm(top);
	free(top);
}

static void test_root_openat2(void **state)
{
	(void)state;
	check_root(false);
}

static void test_root_walk(void **state)
{
	(void)state;
	check_root(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex),	   cmocka_unit_test(test_int),
		cmocka_unit_test(test_link_speed), cmocka_unit_test(test_link_width),
		cmocka_unit_test(test_cpulist),	   cmocka_unit_test(test_aer),
		cmocka_unit_test(test_text),	   cmocka_unit_test(test_devnum),
		cmocka_unit_test(test_read),	   cmocka_unit_test(test_root_openat2),
		cmocka_unit_test(test_root_walk),
	};

	return cmocka_run_group_tests_name("attr", tests, NULL, NULL);
}
