/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: accel_inventory_diff (common/inventory_diff.c), what acceld
 * and `accelctl watch` call a change. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include <accel/inventory.h>

static accel_device *dev(accel_inventory *inv, const char *addr, int vendor, int device,
			 const char *driver)
{
	accel_device *d;

	assert_int_equal(accel_inventory_add_device(inv, addr, &d), 0);
	d->kind = ACCEL_KIND_GPU;
	d->vendor_id = vendor;
	d->device_id = device;
	assert_int_equal(accel_device_set(&d->model, "A100"), 0);
	assert_int_equal(accel_device_set(&d->driver, driver), 0);
	return d;
}

/* old: 01 (nvidia), 02 (i915), 03 (gone later), 04 (ids change) */
static accel_inventory *base(void)
{
	accel_inventory *inv;

	assert_int_equal(accel_inventory_new(&inv, "h"), 0);
	dev(inv, "0000:01:00.0", 0x10de, 0x20b5, "nvidia");
	dev(inv, "0000:02:00.0", 0x8086, 0x56c0, "i915");
	dev(inv, "0000:03:00.0", 0x10de, 0x20b5, "nvidia");
	dev(inv, "0000:04:00.0", 0x10de, 0x20b5, NULL);
	return inv;
}

static char *line(const accel_inventory_changes *d, size_t i)
{
	static char buf[256];

	return (char *)accel_inventory_change_str(accel_inventory_changes_get(d, i), buf,
						  sizeof(buf));
}

static void test_same(void **state)
{
	accel_inventory *a = base(), *b = base();
	accel_inventory_changes *d;

	(void)state;
	/* when it was collected is not a change */
	accel_inventory_set_generation(b, 9);
	assert_int_equal(accel_inventory_set_collected_at(b, "2026-12-01T00:00:00Z"), 0);
	/* nor a device's utilization (the metrics stream carries it) */
	((accel_device *)accel_inventory_find(a, "0000:01:00.0"))->utilization = 3;
	((accel_device *)accel_inventory_find(b, "0000:01:00.0"))->utilization = 97;
	((accel_device *)accel_inventory_find(b, "0000:02:00.0"))->utilization = 40;
	assert_int_equal(accel_inventory_diff(a, b, &d), 0);
	assert_int_equal(accel_inventory_changes_n(d), 0);
	assert_null(accel_inventory_changes_get(d, 0));
	accel_inventory_changes_free(d);
	accel_inventory_free(a);
	accel_inventory_free(b);
}

static void test_changes_in_order(void **state)
{
	accel_inventory *a = base(), *b;
	accel_inventory_changes *d;
	const accel_inventory_change *c;

	(void)state;
	assert_int_equal(accel_inventory_new(&b, "h"), 0);
	dev(b, "0000:01:00.0", 0x10de, 0x20b5, "nvidia");
	dev(b, "0000:02:00.0", 0x8086, 0x56c0, "vfio-pci")->numa_node = 1;
	dev(b, "0000:04:00.0", 0x1002, 0x740f, "amdgpu");
	dev(b, "0000:05:00.0", 0x10de, 0x20b5, "nvidia");
	dev(b, "0000:01:00.1", 0x10de, 0x20b5, "nvidia")->memory_mb = 81920;
	assert_int_equal(
		accel_inventory_add_link(b, "0000:01:00.0", "0000:05:00.0", ACCEL_LINK_PIX), 0);
	assert_int_equal(accel_inventory_diff(a, b, &d), 0);
	assert_int_equal(accel_inventory_changes_n(d), 7);
	assert_string_equal(line(d, 0), "-0000:03:00.0");
	/* other ids at the same address: went and came */
	assert_string_equal(line(d, 1), "-0000:04:00.0");
	c = accel_inventory_changes_get(d, 2);
	assert_int_equal(c->op, '~');
	assert_ptr_equal(c->old, accel_inventory_device(a, 1));
	assert_ptr_equal(c->cur, accel_inventory_device(b, 1));
	assert_int_equal(c->n_fields, 2);
	assert_true(accel_inventory_change_has(c, "driver"));
	assert_true(accel_inventory_change_has(c, "numa_node"));
	assert_false(accel_inventory_change_has(c, "model"));
	assert_string_equal(line(d, 2), "~0000:02:00.0 driver=i915->vfio-pci");
	assert_string_equal(line(d, 3), "+0000:04:00.0 gpu A100 driver=amdgpu");
	assert_string_equal(line(d, 4), "+0000:05:00.0 gpu A100 driver=nvidia");
	assert_string_equal(line(d, 5), "+0000:01:00.1 gpu A100 driver=nvidia");
	/* the inventory's own members: the new link */
	c = accel_inventory_changes_get(d, 6);
	assert_null(c->address);
	assert_string_equal(line(d, 6), "~ links");
	accel_inventory_changes_free(d);
	accel_inventory_free(a);
	accel_inventory_free(b);
}

static void test_field_other_than_driver(void **state)
{
	accel_inventory *a = base(), *b = base();
	accel_inventory_changes *d;

	(void)state;
	((accel_device *)accel_inventory_device(b, 0))->memory_mb = 40960;
	assert_int_equal(accel_device_set(&((accel_device *)accel_inventory_device(b, 0))->drm.card,
					  "card1"),
			 0);
	assert_int_equal(accel_inventory_diff(a, b, &d), 0);
	assert_int_equal(accel_inventory_changes_n(d), 1);
	assert_string_equal(line(d, 0), "~0000:01:00.0 memory_mb,drm");
	accel_inventory_changes_free(d);
	/* back: drm is a member that goes away */
	assert_int_equal(accel_inventory_diff(b, a, &d), 0);
	assert_string_equal(line(d, 0), "~0000:01:00.0 memory_mb,drm");
	accel_inventory_changes_free(d);
	accel_inventory_free(a);
	accel_inventory_free(b);
}

static void test_no_old(void **state)
{
	accel_inventory *b = base();
	accel_inventory_changes *d;

	(void)state;
	assert_int_equal(accel_inventory_diff(NULL, b, &d), 0);
	assert_int_equal(accel_inventory_changes_n(d), 4);
	assert_string_equal(line(d, 3), "+0000:04:00.0 gpu A100 driver=none");
	accel_inventory_changes_free(d);
	accel_inventory_changes_free(NULL);
	accel_inventory_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same),
		cmocka_unit_test(test_changes_in_order),
		cmocka_unit_test(test_field_other_than_driver),
		cmocka_unit_test(test_no_old),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
