/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: the inventory JSON writer (common/inventory_json.c) when
 * json-c cannot allocate. The Makefile links this binary with
 * -Wl,--wrap for json-c's constructors and adders, so that the calls
 * libaccel-common makes go through the wrappers below; the Nth call fails
 * as json-c fails on out of memory. Every N from the first call to the
 * last must give -ENOMEM and no text: a null written in place of a value
 * would be read back as "unknown".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include <accel/inventory.h>
#include <accel/util.h>

static long calls, fail_at; /* fail the fail_at-th call; 0: none */
static bool failed;

static bool fail_now(void)
{
	if (++calls != fail_at)
		return false;
	failed = true;
	return true;
}

json_object *__real_json_object_new_object(void);
json_object *__real_json_object_new_array(void);
json_object *__real_json_object_new_string(const char *s);
json_object *__real_json_object_new_int(int32_t i);
json_object *__real_json_object_new_int64(int64_t i);
json_object *__real_json_object_new_boolean(json_bool b);
int __real_json_object_object_add(json_object *o, const char *k, json_object *v);
int __real_json_object_array_add(json_object *a, json_object *v);
const char *__real_json_object_to_json_string_ext(json_object *o, int flags);

json_object *__wrap_json_object_new_object(void);
json_object *__wrap_json_object_new_array(void);
json_object *__wrap_json_object_new_string(const char *s);
json_object *__wrap_json_object_new_int(int32_t i);
json_object *__wrap_json_object_new_int64(int64_t i);
json_object *__wrap_json_object_new_boolean(json_bool b);
int __wrap_json_object_object_add(json_object *o, const char *k, json_object *v);
int __wrap_json_object_array_add(json_object *a, json_object *v);
const char *__wrap_json_object_to_json_string_ext(json_object *o, int flags);

json_object *__wrap_json_object_new_object(void)
{
	return fail_now() ? NULL : __real_json_object_new_object();
}

json_object *__wrap_json_object_new_array(void)
{
	return fail_now() ? NULL : __real_json_object_new_array();
}

json_object *__wrap_json_object_new_string(const char *s)
{
	return fail_now() ? NULL : __real_json_object_new_string(s);
}

json_object *__wrap_json_object_new_int(int32_t i)
{
	return fail_now() ? NULL : __real_json_object_new_int(i);
}

json_object *__wrap_json_object_new_int64(int64_t i)
{
	return fail_now() ? NULL : __real_json_object_new_int64(i);
}

json_object *__wrap_json_object_new_boolean(json_bool b)
{
	return fail_now() ? NULL : __real_json_object_new_boolean(b);
}

/* json-c's adders fail with -1 and leave v to the caller */
int __wrap_json_object_object_add(json_object *o, const char *k, json_object *v)
{
	return fail_now() ? -1 : __real_json_object_object_add(o, k, v);
}

int __wrap_json_object_array_add(json_object *a, json_object *v)
{
	return fail_now() ? -1 : __real_json_object_array_add(a, v);
}

const char *__wrap_json_object_to_json_string_ext(json_object *o, int flags)
{
	return fail_now() ? NULL : __real_json_object_to_json_string_ext(o, flags);
}

/* Every part of the schema: each field kind, each sub-object, each list. */
static accel_inventory *full(void)
{
	accel_inventory *inv;
	accel_host_opencl *h;
	accel_device *d;
	accel_nic *n;

	assert_int_equal(accel_inventory_new(&inv, "compute-1"), 0);
	accel_inventory_set_generation(inv, 3);
	assert_int_equal(accel_inventory_set_collected_at(inv, "2026-11-26T10:00:00Z"), 0);
	assert_int_equal(accel_inventory_add_device(inv, "0000:17:00.0", &d), 0);
	d->kind = ACCEL_KIND_GPU;
	d->vendor_id = 0x10de;
	d->device_id = 0x20b5;
	d->class_code = 0x030200;
	d->revision = 0xa1;
	accel_device_set(&d->vendor, "nvidia");
	accel_device_set(&d->model, "A100 80GB PCIe");
	accel_device_set(&d->architecture, "ampere");
	accel_device_set(&d->driver, "nvidia");
	accel_device_set(&d->cpu_affinity, "0-31");
	d->numa_node = 0;
	d->memory_mb = 81920;
	d->pcie.speed_dgts = 160;
	d->pcie.width = 16;
	accel_strv_add(&d->pcie.upstream, &d->pcie.n_upstream, "0000:15:00.0");
	d->sriov.known = true;
	d->sriov.total_vfs = 16;
	d->sriov.num_vfs = 1;
	accel_strv_add(&d->sriov.vfs, &d->sriov.n_vfs, "0000:17:00.4");
	d->mdev_types = calloc(1, sizeof(*d->mdev_types));
	assert_non_null(d->mdev_types);
	d->n_mdev_types = 1;
	accel_device_set(&d->mdev_types[0].id, "nvidia-471");
	d->mdev_types[0].available = 10;
	d->mdev_types[0].created = -1;
	accel_device_set(&d->drm.card, "card1");
	accel_device_set(&d->accel_node, "accel0");
	d->opencl.present = true;
	accel_device_set(&d->opencl.name, "NVIDIA A100");
	d->opencl.compute_units = 108;
	accel_device_set(&d->compute_capability, "8.0");
	accel_device_add_health_reason(d, ACCEL_HEALTH_DEGRADED, "%s", "link downtrained");
	d->in_use = 1;
	d->utilization = 35;
	accel_device_set(&d->resource_class, "PGPU");
	accel_device_add_trait(d, "CUSTOM_ACCEL_VENDOR_NVIDIA");
	assert_int_equal(accel_inventory_add_device(inv, "0000:18:00.0", &d), 0);
	d->kind = ACCEL_KIND_FPGA;
	assert_int_equal(accel_inventory_add_nic(inv, "0000:19:00.0", &n), 0);
	accel_device_set(&n->name, "mlx5_0");
	accel_device_set(&n->cpu_affinity, "0-31");
	assert_int_equal(
		accel_inventory_add_link(inv, "0000:18:00.0", "0000:17:00.0", ACCEL_LINK_PIX), 0);
	assert_int_equal(accel_inventory_add_host_opencl(inv, &h), 0);
	accel_device_set(&h->platform, "Portable Computing Language");
	accel_device_set(&h->type, "cpu");
	h->compute_units = 8;
	assert_int_equal(accel_inventory_add_warning(inv, "/sys/x", "%s", "unreadable"), 0);
	return inv;
}

typedef int (*writer)(const void *what, char **out);

static int write_inventory(const void *what, char **out)
{
	return accel_inventory_to_json(what, ACCEL_JSON_PRETTY, out);
}

static int write_device(const void *what, char **out)
{
	return accel_device_to_json(what, 0, out);
}

/* Fail each allocation the writer makes in turn: -ENOMEM every time. */
static void fail_each(writer w, const void *what)
{
	char *good = NULL, *text;
	long total;

	fail_at = 0;
	calls = 0;
	assert_int_equal(w(what, &good), 0);
	total = calls;
	assert_true(total > 20);
	for (long i = 1; i <= total; i++) {
		int rc;

		fail_at = i;
		calls = 0;
		failed = false;
		text = NULL;
		rc = w(what, &text);
		if (rc != -ENOMEM)
			fail_msg("allocation %ld of %ld failed: rc %d, expected -ENOMEM; wrote %s",
				 i, total, rc, text ? text : "(nothing)");
		assert_true(failed);
		assert_null(text);
	}
	fail_at = 0;
	assert_int_equal(w(what, &text), 0);
	assert_string_equal(text, good);
	free(text);
	free(good);
}

static void test_inventory_oom(void **state)
{
	accel_inventory *inv = full();

	(void)state;
	fail_each(write_inventory, inv);
	accel_inventory_free(inv);
}

static void test_device_oom(void **state)
{
	accel_inventory *inv = full();

	(void)state;
	fail_each(write_device, accel_inventory_device(inv, 0));
	accel_inventory_free(inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inventory_oom),
		cmocka_unit_test(test_device_oom),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
