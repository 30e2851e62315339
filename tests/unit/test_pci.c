/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: the pci backend's dump method (drivers/pci.c) over real and
 * malformed lspci dumps, and the PCI Express capability walk.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accel/discovery.h>
#include "pcicfg.h"
#include "tree.h"

#define DUMPS "tests/fixtures/dumps/"
#define REGRESSIONS "fuzz/regressions/lspci_dump/"

static accel_inventory *scan_dump(const char *file, int expect_rc, char *msg, size_t cap)
{
	accel_inventory *inv = NULL;
	accel_ctx *ctx;
	int r;

	assert_int_equal(accel_ctx_new(&ctx), 0);
	assert_int_equal(accel_ctx_set_lspci_dump(ctx, file), 0);
	r = accel_scan(ctx, &inv);
	if (r != expect_rc)
		fail_msg("%s: rc %d (%s), expected %d", file, r, accel_ctx_error(ctx), expect_rc);
	if (msg)
		snprintf(msg, cap, "%s", accel_ctx_error(ctx));
	accel_ctx_free(ctx);
	return inv;
}

/* The DGX-2 dump (lspci -xxx of the fixture): kinds, models, link from
 * the PCIe capability, the tree from the bridges' bus numbers. */
static void test_dgx2_dump(void **state)
{
	accel_inventory *inv = scan_dump(DUMPS "dgx2.lspci-xxx.txt", 0, NULL, 0);
	const accel_device *d = accel_inventory_find(inv, "0000:34:00.0");
	size_t gpus = 0;

	(void)state;
	for (size_t i = 0; i < accel_inventory_n_devices(inv); i++)
		gpus += accel_inventory_device(inv, i)->kind == ACCEL_KIND_GPU;
	assert_int_equal(gpus, 16);
	assert_non_null(d);
	assert_string_equal(d->model, "Tesla V100 SXM3 32GB");
	assert_string_equal(d->compute_capability, "7.0");
	assert_true(accel_device_has_trait(d, "HW_GPU_CUDA_COMPUTE_CAPABILITY_V7_0"));
	/* a dump knows no driver and no NUMA node */
	assert_null(d->driver);
	assert_int_equal(d->numa_node, -1);
	/* but it knows the link, from config space */
	assert_int_equal(d->pcie.speed_dgts, 80);
	assert_int_equal(d->pcie.width, 16);
	/* and the tree: 33:00.0 -> 32:00.0 -> 2d:04.0 -> 2c:00.0 -> 2b:00.0 */
	assert_int_equal(d->pcie.n_upstream, 5);
	assert_string_equal(d->pcie.upstream[0], "0000:33:00.0");
	assert_string_equal(d->pcie.upstream[4], "0000:2b:00.0");
	assert_int_equal(accel_inventory_link_class(inv, "34:00.0", "36:00.0"), ACCEL_LINK_PIX);
	assert_int_equal(accel_inventory_link_class(inv, "34:00.0", "39:00.0"), ACCEL_LINK_PXB);
	/* other host bridges: the NUMA node is not in a dump, not guessed */
	assert_int_equal(accel_inventory_link_class(inv, "34:00.0", "b7:00.0"), ACCEL_LINK_UNKNOWN);
	accel_inventory_free(inv);
}

static void test_real_dumps(void **state)
{
	static const struct {
		const char *file, *addr;
		accel_kind kind;
	} cases[] = {
		{"tree-asus-p6t6.lspci-vvvxxx.txt", "0000:06:00.0", ACCEL_KIND_GPU},
		{"cap-exp-lnkcap2.lspci-vvvxxx.txt", NULL, ACCEL_KIND_GPU},
		{"cap-rebar.lspci-vvvxxx.txt", NULL, ACCEL_KIND_GPU},
		{"hwloc-xeonphi-knc.lspci-x.derived.txt", "0000:83:00.0", ACCEL_KIND_ACCEL},
		{"hwloc-x58-pcilocality.lspci-x.derived.txt", "0000:09:03.0", ACCEL_KIND_DISPLAY},
		{"PCI-X-bridges-and-domains.lspci-vvvxxx.txt", NULL, ACCEL_KIND_ACCEL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[256];
		accel_inventory *inv;
		bool found = false;

		snprintf(path, sizeof(path), DUMPS "%s", cases[i].file);
		inv = scan_dump(path, 0, NULL, 0);
		for (size_t k = 0; k < accel_inventory_n_devices(inv); k++) {
			const accel_device *d = accel_inventory_device(inv, k);

			if ((!cases[i].addr || !strcmp(d->address, cases[i].addr)) &&
			    d->kind == cases[i].kind)
				found = true;
		}
		if (!found)
			fail_msg("%s: no %s device%s%s", cases[i].file,
				 accel_kind_name(cases[i].kind), cases[i].addr ? " at " : "",
				 cases[i].addr ? cases[i].addr : "");
		accel_inventory_free(inv);
	}
}

static void test_bad_dumps(void **state)
{
	static const struct {
		const char *text, *msg;
		int rc;
	} cases[] = {
		{"", NULL, 0}, /* empty: no devices */
		{"00:00.0 Host bridge\n00: zz zz\n", "line 2: Malformed line", -EINVAL},
		{"00:00.0 x\n00: 86 80 57 0d\n1000: 00\n",
		 "line 3: offset 0x1000 is past the 4096 bytes", -EINVAL},
		/* libpci reads the offset into an int: it would write 2 GiB
		 * before its buffer (a SEGV in libpci.so.3) */
		{"00:00.0 x\n80000000: 00\n", "line 2: offset 0x80000000 is past", -EINVAL},
		{"00:00.0 x\nffffff00: 00\n", "line 2: offset 0xffffff00 is past", -EINVAL},
		{"00:00.0 x\nff0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n",
		 "line 2: 17 bytes at offset 0xff0 run past", -EINVAL},
		{"00:00.0 x\n00: 86  80\n", "line 2: Malformed line", -EINVAL},
		{"00:00.0 x\n00: 86 80 57 0d 0\n", "line 2: Malformed line", -EINVAL},
		/* a header libpci would skip, its bytes landing in the one before */
		{"00:00.0 x\n00: 86 80\n\n00:00.8 y\n00: de 10\n",
		 "line 4: function 8 of 00:00.8 is not 0-7", -EINVAL},
		{"00:20.0 x\n", "line 1: device 20 of 00:20.0 is over 1f", -EINVAL},
		/* CRLF, a last line without its newline, text between bytes */
		{"00:00.0 x\r\n\tControl: I/O+\r\n00: 86 80 57 0d\r\n", NULL, 0},
		{"00:00.0 x\n00: 86 80 57 0d", NULL, 0},
		{"junk that is no dump at all\n", NULL, 0},
		/* a bridge below itself: the tree is refused, the scan goes on */
		{"00:01.0 Bridge\n00: de 10 b5 20 06 00 10 00 a1 00 04 06 00 00 01 00\n"
		 "10: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n",
		 NULL, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *dir = tree_tmpdir(), msg[512];
		const char *file = tree_path("%s/dump.txt", dir);
		accel_inventory *inv;

		tree_write(file, cases[i].text, -1);
		inv = scan_dump(file, cases[i].rc, msg, sizeof(msg));
		if (cases[i].msg) {
			assert_non_null(strstr(msg, cases[i].msg));
			assert_non_null(strstr(msg, "dump.txt"));
		}
		accel_inventory_free(inv);
		tree_rm(dir);
		free(dir);
	}
	/* a NUL byte (fgets() in libpci would cut the line there) */
	{
		static const char text[] = "00:00.0 x\n00: 86 80\n00: 86\0 80\n";
		char *dir = tree_tmpdir(), msg[512];
		const char *file = tree_path("%s/nul.txt", dir);

		tree_write(file, text, sizeof(text) - 1);
		accel_inventory_free(scan_dump(file, -EINVAL, msg, sizeof(msg)));
		assert_non_null(strstr(msg, "nul.txt: line 3: a NUL byte"));
		tree_rm(dir);
		free(dir);
	}
	/* every input that crashed the dump reader (fuzz_lspci_dump) is
	 * refused with the file and the line */
	{
		DIR *d = opendir(REGRESSIONS);
		struct dirent *e;
		int n = 0;

		assert_non_null(d);
		while ((e = readdir(d))) {
			char path[512], msg[512];

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s%s", REGRESSIONS, e->d_name);
			accel_inventory_free(scan_dump(path, -EINVAL, msg, sizeof(msg)));
			if (!strstr(msg, path) || !strstr(msg, ": line "))
				fail_msg("%s: %s", path, msg);
			n++;
		}
		closedir(d);
		assert_true(n >= 2);
	}
	/* a line longer than libpci's buffer */
	{
		char *dir = tree_tmpdir(), msg[512], line[600];
		const char *file = tree_path("%s/long.txt", dir);

		memset(line, 'a', sizeof(line) - 1);
		line[sizeof(line) - 1] = '\0';
		tree_write(file, line, -1);
		accel_inventory_free(scan_dump(file, -EINVAL, msg, sizeof(msg)));
		assert_non_null(strstr(msg, "long.txt"));
		tree_rm(dir);
		free(dir);
	}
}

static void test_pcicfg(void **state)
{
	uint8_t cfg[256] = {0};
	struct pcicfg_link l = {0};

	(void)state;
	assert_int_equal(pcicfg_link(cfg, 256, &l), -ENODATA); /* no capability list */
	cfg[0x06] = 0x10;
	cfg[0x34] = 0x60;
	cfg[0x60] = 0x01, cfg[0x61] = 0x78; /* power management, next 0x78 */
	cfg[0x78] = 0x10;		    /* PCI Express */
	/* LnkCap: 16 GT/s x16; LnkSta: 2.5 GT/s x16 (an idle GPU) */
	cfg[0x78 + 0x0c] = 0x04; /* width 16 is bits 9:4: 0x100 */
	cfg[0x78 + 0x0d] = 0x01;
	cfg[0x78 + 0x12] = 0x01;
	cfg[0x78 + 0x13] = 0x01;
	assert_int_equal(pcicfg_link(cfg, 256, &l), 0);
	assert_int_equal(l.max_speed_dgts, 160);
	assert_int_equal(l.max_width, 16);
	assert_int_equal(l.speed_dgts, 25);
	assert_int_equal(l.width, 16);
	/* only 64 bytes known: the capability is past them */
	assert_int_equal(pcicfg_link(cfg, 64, &l), -ENODATA);
	/* a loop in the list ends */
	cfg[0x61] = 0x60;
	assert_int_equal(pcicfg_link(cfg, 256, &l), -ENODATA);
	/* a pointer into the header is not a capability */
	cfg[0x34] = 0x10;
	assert_int_equal(pcicfg_link(cfg, 256, &l), -ENODATA);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dgx2_dump),
		cmocka_unit_test(test_real_dumps),
		cmocka_unit_test(test_bad_dumps),
		cmocka_unit_test(test_pcicfg),
	};

	return cmocka_run_group_tests_name("pci", tests, NULL, NULL);
}
