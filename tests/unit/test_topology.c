/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: link classes (common/topology.c), as nvidia-smi topo -m. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <accel/discovery.h>

/* The DGX-2 tree of hwloc's nvidiaDGX2.xml, first two switch levels. */
static const char *const g34_up[] = {"0000:33:00.0", "0000:32:00.0", "0000:2d:04.0", "0000:2c:00.0",
				     "0000:2b:00.0"};
static const char *const g36_up[] = {"0000:33:10.0", "0000:32:00.0", "0000:2d:04.0", "0000:2c:00.0",
				     "0000:2b:00.0"};
static const char *const g39_up[] = {"0000:38:00.0", "0000:37:00.0", "0000:2d:0c.0", "0000:2c:00.0",
				     "0000:2b:00.0"};
static const char *const g57_up[] = {"0000:56:00.0", "0000:55:00.0", "0000:50:04.0", "0000:4f:00.0",
				     "0000:4e:00.0"};
static const char *const gb7_up[] = {"0000:b6:00.0", "0000:b5:00.0", "0000:b0:04.0", "0000:af:00.0",
				     "0000:ae:00.0"};

static const accel_topo_node g34 = {"0000:34:00.0", g34_up, 5, "pci0000:2b", 0};
static const accel_topo_node g36 = {"0000:36:00.0", g36_up, 5, "pci0000:2b", 0};
static const accel_topo_node g39 = {"0000:39:00.0", g39_up, 5, "pci0000:2b", 0};
static const accel_topo_node g57 = {"0000:57:00.0", g57_up, 5, "pci0000:4e", 0};
static const accel_topo_node gb7 = {"0000:b7:00.0", gb7_up, 5, "pci0000:ae", 1};

static void test_dgx2(void **state)
{
	(void)state;
	assert_int_equal(accel_topo_classify(&g34, &g36, false), ACCEL_LINK_PIX);
	assert_int_equal(accel_topo_classify(&g34, &g39, false), ACCEL_LINK_PXB);
	assert_int_equal(accel_topo_classify(&g39, &g34, false), ACCEL_LINK_PXB);
	assert_int_equal(accel_topo_classify(&g34, &g57, false), ACCEL_LINK_NODE);
	assert_int_equal(accel_topo_classify(&g34, &gb7, false), ACCEL_LINK_SYS);
}

static void test_root_ports(void **state)
{
	static const char *const a_up[] = {"0000:00:01.1"};
	static const char *const b_up[] = {"0000:00:03.1"};
	static const char *const c_up[] = {"0000:00:01.1"};
	accel_topo_node a = {"0000:01:00.0", a_up, 1, "pci0000:00", 0};
	accel_topo_node b = {"0000:02:00.0", b_up, 1, "pci0000:00", 0};
	accel_topo_node fn1 = {"0000:01:00.1", c_up, 1, "pci0000:00", 0};
	accel_topo_node bus0 = {"0000:00:02.0", NULL, 0, "pci0000:00", 0};

	(void)state;
	/* other root ports of one root complex: only the host bridge */
	assert_int_equal(accel_topo_classify(&a, &b, false), ACCEL_LINK_PHB);
	/* functions of one device */
	assert_int_equal(accel_topo_classify(&a, &fn1, false), ACCEL_LINK_PIX);
	/* an integrated device on the root bus */
	assert_int_equal(accel_topo_classify(&a, &bus0, false), ACCEL_LINK_PHB);
}

static void test_numa_unknown(void **state)
{
	static const char *const up[] = {"0000:00:01.0"};
	accel_topo_node a = {"0000:01:00.0", up, 1, "pci0000:00", -1};
	accel_topo_node b = {"0000:41:00.0", up, 1, "pci0000:40", -1};
	accel_topo_node c = {"0000:81:00.0", up, 1, NULL, 0};

	(void)state;
	/* two host bridges, NUMA not known: not guessed */
	assert_int_equal(accel_topo_classify(&a, &b, false), ACCEL_LINK_UNKNOWN);
	/* unless the machine has one NUMA node */
	assert_int_equal(accel_topo_classify(&a, &b, true), ACCEL_LINK_NODE);
	assert_int_equal(accel_topo_classify(&a, &c, true), ACCEL_LINK_UNKNOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dgx2),
		cmocka_unit_test(test_root_ports),
		cmocka_unit_test(test_numa_unknown),
	};

	return cmocka_run_group_tests_name("topology", tests, NULL, NULL);
}
