/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: pci.ids lookups (drivers/pciids.c), checked against libpci. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

#include "pciids.h"

static const char sample[] = "# comment line\n"
			     "10de  NVIDIA Corporation\n"
			     "\t20b5  GA100 [A100 PCIe 80GB]\n"
			     "\t\t10de 1533  A100 80GB PCIe\n"
			     "\t2330  GH100[H100 SXM5 80GB]   \n"
			     "1a03  ASPEED Technology, Inc.\n"
			     "\t2000  ASPEED Graphics Family\n"
			     "1bad  Bad Names\n"
			     "\t0001  bad\xff\xfename\n"
			     "\t0002  \n"
			     "\t0003 one space\n"
			     "\tzz04  not hex\n"
			     "C 03  Display controller\n"
			     "\t00  VGA compatible controller\n"
			     "ffff  After the classes";

static void test_sample(void **state)
{
	char buf[128];

	(void)state;
	assert_string_equal(pciids_lookup(sample, sizeof(sample) - 1, 0x10de, -1, buf, sizeof(buf)),
			    "NVIDIA Corporation");
	assert_string_equal(
		pciids_lookup(sample, sizeof(sample) - 1, 0x10de, 0x20b5, buf, sizeof(buf)),
		"GA100 [A100 PCIe 80GB]");
	/* trailing blanks are not part of a name */
	assert_string_equal(
		pciids_lookup(sample, sizeof(sample) - 1, 0x10de, 0x2330, buf, sizeof(buf)),
		"GH100[H100 SXM5 80GB]");
	assert_string_equal(
		pciids_lookup(sample, sizeof(sample) - 1, 0x1a03, 0x2000, buf, sizeof(buf)),
		"ASPEED Graphics Family");
	/* a subsystem line is not a device */
	assert_null(pciids_lookup(sample, sizeof(sample) - 1, 0x10de, 0x1533, buf, sizeof(buf)));
	/* a device of the next vendor is not ours */
	assert_null(pciids_lookup(sample, sizeof(sample) - 1, 0x10de, 0x2000, buf, sizeof(buf)));
	/* malformed lines give nothing */
	assert_null(pciids_lookup(sample, sizeof(sample) - 1, 0x1bad, 0x0001, buf, sizeof(buf)));
	assert_null(pciids_lookup(sample, sizeof(sample) - 1, 0x1bad, 0x0002, buf, sizeof(buf)));
	assert_null(pciids_lookup(sample, sizeof(sample) - 1, 0x1bad, 0x0003, buf, sizeof(buf)));
	/* the class list is not vendors */
	assert_null(pciids_lookup(sample, sizeof(sample) - 1, 0xffff, -1, buf, sizeof(buf)));
	/* too small a buffer: nothing, not a cut name */
	assert_null(pciids_lookup(sample, sizeof(sample) - 1, 0x10de, -1, buf, 5));
	/* truncated file, no final newline */
	assert_string_equal(pciids_lookup(sample, 40, 0x10de, -1, buf, sizeof(buf)),
			    "NVIDIA Corporation");
	assert_null(pciids_lookup(sample, 45, 0x10de, 0x20b5, buf, sizeof(buf)));
	assert_null(pciids_lookup(NULL, 0, 0x10de, -1, buf, sizeof(buf)));
	assert_null(pciids_lookup(sample, sizeof(sample) - 1, 0x10000, -1, buf, sizeof(buf)));
}

static void quiet(char *msg, ...)
{
	(void)msg;
}

static void __attribute__((noreturn)) fatal(char *msg, ...)
{
	fail_msg("libpci: %s", msg);
	abort();
}

/* The system's pci.ids gives the names libpci gives. */
static void test_against_libpci(void **state)
{
	static const int ids[][2] = {
		{0x10de, -1},	  {0x10de, 0x20b5}, {0x10de, 0x1db8}, {0x1002, 0x740f},
		{0x8086, 0x0bd5}, {0x10ee, 0x5005}, {0x1da3, 0x1020}, {0x1a03, 0x2000},
		{0x15b3, 0x1021}, {0x1234, 0x1111}, {0x8086, 0x3407},
	};
	struct pci_access *a = pci_alloc();
	struct pciids db;
	char path[256];

	(void)state;
	a->error = fatal;
	a->warning = quiet;
	a->debug = quiet;
	snprintf(path, sizeof(path), "%s", a->id_file_name);
	if (pciids_open(&db, path) != 0) {
		path[strlen(path) - 3] = '\0'; /* pci.ids.gz -> pci.ids */
		assert_int_equal(pciids_open(&db, path), 0);
	}
	pci_set_name_list_path(a, path, 0);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		char mine[256], theirs[256];
		const char *m =
			pciids_lookup(db.data, db.len, ids[i][0], ids[i][1], mine, sizeof(mine));
		const char *t =
			ids[i][1] < 0 ? pci_lookup_name(a, theirs, sizeof(theirs),
							PCI_LOOKUP_VENDOR | PCI_LOOKUP_NO_NUMBERS |
								PCI_LOOKUP_NO_HWDB,
							ids[i][0])
				      : pci_lookup_name(a, theirs, sizeof(theirs),
							PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS |
								PCI_LOOKUP_NO_HWDB,
							ids[i][0], ids[i][1]);

		if (!t)
			assert_null(m);
		else
			assert_string_equal(m, t);
	}
	pciids_close(&db);
	pci_cleanup(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_against_libpci),
	};

	return cmocka_run_group_tests_name("pciids", tests, NULL, NULL);
}
