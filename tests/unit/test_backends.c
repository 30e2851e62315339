/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: the drm and accel backends and the vendor enrich hooks, over
 * the fixtures (real amdgpu sysfs files, the edge server) and a made-up
 * tree for what no capture has (a DRM driver module with a version).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <accel/discovery.h>
#include "tree.h"

static accel_inventory *scan_root(const char *root)
{
	accel_inventory *inv = NULL;
	accel_ctx *ctx;

	assert_int_equal(accel_ctx_new(&ctx), 0);
	assert_int_equal(accel_ctx_set_sysfs_root(ctx, root), 0);
	if (accel_scan(ctx, &inv))
		fail_msg("%s: %s", root, accel_ctx_error(ctx));
	accel_ctx_free(ctx);
	return inv;
}

static void test_amdgpu(void **state)
{
	accel_inventory *inv = scan_root(tree_fixture("amdgpu-vega"));
	const accel_device *d = accel_inventory_find(inv, "0000:09:00.0");

	(void)state;
	assert_non_null(d);
	assert_string_equal(d->drm.card, "card0");
	assert_string_equal(d->drm.render, "renderD128");
	assert_string_equal(d->drm.driver, "amdgpu");
	assert_null(d->drm.version); /* in-tree drivers have no version file */
	/* amdgpu's own mem_info_vram_total (8573157376 bytes) */
	assert_int_equal(d->memory_mb, 8176);
	accel_inventory_free(inv);
}

static void test_edge(void **state)
{
	accel_inventory *inv = scan_root(tree_fixture("edge-mixed"));
	const accel_device *npu = accel_inventory_find(inv, "00:0b.0");
	const accel_device *gaudi = accel_inventory_find(inv, "01:00.0");
	const accel_device *flex = accel_inventory_find(inv, "09:00.0");

	(void)state;
	assert_non_null(npu);
	assert_string_equal(npu->accel_node, "accel0");
	assert_int_equal(npu->kind, ACCEL_KIND_NPU);
	assert_string_equal(npu->resource_class, "CUSTOM_NPU");
	assert_non_null(gaudi);
	assert_string_equal(gaudi->accel_node, "accel1");
	assert_null(gaudi->drm.card);
	assert_non_null(flex);
	assert_null(flex->accel_node);
	assert_string_equal(flex->drm.render, "renderD128");
	/* the Alveo: the user PF is the FPGA, the management PF not listed */
	assert_null(accel_inventory_find(inv, "02:00.0"));
	assert_int_equal(accel_inventory_find(inv, "02:00.1")->kind, ACCEL_KIND_FPGA);
	accel_inventory_free(inv);
}

/* A DRM driver that carries a module version (XRT's xocl, nvidia). */
static void test_drm_module_version(void **state)
{
	char *dir = tree_tmpdir(), *root = strdup(tree_path("%s/sys", dir)), *dev;
	accel_inventory *inv;
	const accel_device *d;

	(void)state;
	tree_pci(root, "pci0000:00", "0000:00:01.0", 0x8086, 0x2030, 0x060400);
	dev = strdup(tree_pci(root, "pci0000:00/0000:00:01.0", "0000:01:00.1", 0x10ee, 0x5005,
			      0x120000));
	tree_mkdirs(tree_path("%s/drm/renderD129", dev));
	tree_mkdirs(tree_path("%s/drm/card3", dev));
	tree_mkdirs(tree_path("%s/bus/pci/drivers/xocl", root));
	tree_mkdirs(tree_path("%s/module/xocl", root));
	tree_write(tree_path("%s/module/xocl/version", root), "2.16.204\n", -1);
	tree_link("../../../../bus/pci/drivers/xocl", tree_path("%s/driver", dev));
	tree_link("../../../module/xocl", tree_path("%s/bus/pci/drivers/xocl/module", root));
	inv = scan_root(root);
	d = accel_inventory_find(inv, "01:00.1");
	assert_non_null(d);
	assert_string_equal(d->drm.card, "card3");
	assert_string_equal(d->drm.render, "renderD129");
	assert_string_equal(d->drm.driver, "xocl");
	assert_string_equal(d->drm.version, "2.16.204");
	accel_inventory_free(inv);

	/* a version file that is not text: left out */
	tree_write(tree_path("%s/module/xocl/version", root), "\x01\x02\n", -1);
	inv = scan_root(root);
	assert_null(accel_inventory_find(inv, "01:00.1")->drm.version);
	accel_inventory_free(inv);
	tree_rm(dir);
	free(dir);
	free(root);
	free(dev);
}

/* An accel class entry whose link dangles, and one for a platform NPU. */
static void test_accel_class_links(void **state)
{
	char *dir = tree_tmpdir(), *root = strdup(tree_path("%s/sys", dir)), *dev;
	accel_inventory *inv;
	const accel_device *d;

	(void)state;
	dev = strdup(tree_pci(root, "pci0000:00", "0000:00:0b.0", 0x8086, 0x7d1d, 0x120000));
	tree_mkdirs(tree_path("%s/accel/accel0", dev));
	tree_link("../../devices/pci0000:00/0000:00:0b.0/accel/accel0",
		  tree_path("%s/class/accel/accel0", root));
	tree_link("../../devices/pci0000:00/0000:00:0c.0/accel/accel1",
		  tree_path("%s/class/accel/accel1", root));
	tree_mkdirs(tree_path("%s/devices/platform/fdab0000.npu/accel/accel2", root));
	tree_link("../../devices/platform/fdab0000.npu/accel/accel2",
		  tree_path("%s/class/accel/accel2", root));
	inv = scan_root(root);
	d = accel_inventory_find(inv, "00:0b.0");
	assert_non_null(d);
	assert_string_equal(d->accel_node, "accel0");
	assert_int_equal(accel_inventory_n_devices(inv), 1);
	assert_int_equal(accel_inventory_n_warnings(inv), 1);
	assert_non_null(strstr(accel_inventory_warning(inv, 0)->path, "class/accel/accel1"));
	accel_inventory_free(inv);
	tree_rm(dir);
	free(dir);
	free(root);
	free(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_amdgpu),
		cmocka_unit_test(test_edge),
		cmocka_unit_test(test_drm_module_version),
		cmocka_unit_test(test_accel_class_links),
	};

	return cmocka_run_group_tests_name("backends", tests, NULL, NULL);
}
