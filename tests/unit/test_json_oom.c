/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: the JSON writers when json-c cannot allocate: the
 * inventory's (common/inventory_json.c) and the Keystone auth body's
 * (placement-client/pjson.c, every auth type). The Makefile links this binary with
 * -Wl,--wrap for json-c's constructors and adders, so that the calls
 * libaccel-common makes go through the wrappers below; the Nth call fails
 * as json-c fails on out of memory. Every N from the first call to the
 * last must give -ENOMEM and no text: a null written in place of a value
 * would be read back as "unknown" (or sent to Keystone as a null password).
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
#include <accel/config.h>
#include <accel/util.h>

#include "pc.h"
#include "sample.h"

static long calls, fail_at; /* fail the fail_at-th call; 0: none */
static bool failed;

static bool fail_now(void)
{
	if (++calls != fail_at)
		return false;
	failed = true;
	return true;
}

/* __real_NAME is json-c's; __wrap_NAME, which the calls reach, fails as it
 * does on out of memory: constructors with NULL, adders with -1 (leaving
 * the value to the caller). */
#define WRAP(ret, name, params, args, failed_value)                                                \
	ret __real_##name params;                                                                  \
	ret __wrap_##name params;                                                                  \
	ret __wrap_##name params                                                                   \
	{                                                                                          \
		return fail_now() ? failed_value : __real_##name args;                             \
	}

WRAP(json_object *, json_object_new_object, (void), (), NULL)
WRAP(json_object *, json_object_new_array, (void), (), NULL)
WRAP(json_object *, json_object_new_string, (const char *s), (s), NULL)
WRAP(json_object *, json_object_new_int, (int32_t i), (i), NULL)
WRAP(json_object *, json_object_new_int64, (int64_t i), (i), NULL)
WRAP(json_object *, json_object_new_boolean, (json_bool b), (b), NULL)
WRAP(int, json_object_object_add, (json_object * o, const char *k, json_object *v), (o, k, v), -1)
WRAP(int, json_object_array_add, (json_object * a, json_object *v), (a, v), -1)
WRAP(const char *, json_object_to_json_string_ext, (json_object * o, int flags), (o, flags), NULL)

/* Every part of the schema: sample()'s devices, NIC and link, and a device
 * with what they lack (sub-objects, optional fields), host OpenCL, a
 * warning. */
static accel_inventory *full(void)
{
	accel_inventory *inv = sample();
	accel_host_opencl *h;
	accel_device *d;

	assert_int_equal(accel_inventory_add_device(inv, "0000:1a:00.0", &d), 0);
	d->kind = ACCEL_KIND_GPU;
	accel_device_set(&d->architecture, "ampere");
	accel_device_set(&d->cpu_affinity, "0-31");
	accel_strv_add(&d->sriov.vfs, &d->sriov.n_vfs, "0000:1a:00.4");
	d->sriov.known = true;
	accel_device_set(&d->drm.card, "card1");
	accel_device_set(&d->accel_node, "accel0");
	d->opencl.present = true;
	d->opencl.compute_units = 108;
	accel_device_add_health_reason(d, ACCEL_HEALTH_DEGRADED, "%s", "link downtrained");
	d->in_use = 1;
	assert_int_equal(accel_inventory_add_host_opencl(inv, &h), 0);
	accel_device_set(&h->type, "cpu");
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
static void fail_each(writer w, const void *what, long at_least)
{
	char *good = NULL, *text;
	long total;

	fail_at = 0;
	calls = 0;
	assert_int_equal(w(what, &good), 0);
	total = calls;
	assert_true(total > at_least);
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

static int write_auth(const void *what, char **out)
{
	*out = pc_body_auth(what);
	return *out ? 0 : -ENOMEM;
}

static void test_auth_oom(void **state)
{
	static const accel_auth_type types[] = { ACCEL_AUTH_PASSWORD, ACCEL_AUTH_APPCRED,
						 ACCEL_AUTH_TOKEN };
	accel_config *cfg;
	accel_err err;

	(void)state;
	assert_int_equal(accel_config_new(&cfg, &err), 0);
	cfg->placement.username = strdup("u");
	cfg->placement.password = strdup("p");
	cfg->placement.user_domain_name = strdup("Default");
	cfg->placement.project_name = strdup("pr");
	cfg->placement.project_domain_id = strdup("default");
	cfg->placement.application_credential_name = strdup("ac");
	cfg->placement.application_credential_secret = strdup("s");
	cfg->placement.token = strdup("t");
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		cfg->placement.auth_type = types[i];
		fail_each(write_auth, &cfg->placement, 8);
	}
	accel_config_free(cfg);
}

static void test_inventory_oom(void **state)
{
	accel_inventory *inv = full();

	(void)state;
	fail_each(write_inventory, inv, 20);
	accel_inventory_free(inv);
}

static void test_device_oom(void **state)
{
	accel_inventory *inv = full();

	(void)state;
	fail_each(write_device, accel_inventory_device(inv, 0), 20);
	accel_inventory_free(inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inventory_oom),
		cmocka_unit_test(test_device_oom),
		cmocka_unit_test(test_auth_oom),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
