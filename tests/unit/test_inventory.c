/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: the inventory model and its JSON form (common/). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include <accel/internal/json.h>
#include <accel/inventory.h>
#include <accel/util.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sample.h"

static void test_model(void **state)
{
	accel_inventory *inv = sample();
	accel_device *d;
	const accel_device *c;

	(void)state;
	assert_int_equal(accel_inventory_n_devices(inv), 2);
	c = accel_inventory_find(inv, "17:00.0");
	assert_non_null(c);
	assert_string_equal(c->address, "0000:17:00.0");
	assert_int_equal(c->n_traits, 1);
	assert_null(accel_inventory_find(inv, "0000:99:00.0"));
	assert_null(accel_inventory_find(inv, "nonsense"));
	assert_int_equal(accel_inventory_add_device(inv, "0000:17:00.0", &d), -EEXIST);
	assert_int_equal(accel_inventory_add_device(inv, "17:00", &d), -EINVAL);
	assert_string_equal(accel_inventory_link(inv, 0)->a, "0000:17:00.0");
	assert_int_equal(accel_inventory_link_class(inv, "18:00.0", "17:00.0"), ACCEL_LINK_PIX);
	assert_int_equal(accel_inventory_link_class(inv, "18:00.0", "19:00.0"), ACCEL_LINK_UNKNOWN);
	accel_inventory_free(inv);
	accel_inventory_free(NULL);
}

static void test_addr(void **state)
{
	char out[ACCEL_ADDR_MAX];

	(void)state;
	assert_int_equal(accel_pci_addr_normalize("0000:17:00.0", out), 0);
	assert_string_equal(out, "0000:17:00.0");
	assert_int_equal(accel_pci_addr_normalize("17:0.1", out), 0);
	assert_string_equal(out, "0000:17:00.1");
	assert_int_equal(accel_pci_addr_normalize("10000:E1:00.0", out), 0); /* VMD */
	assert_string_equal(out, "10000:e1:00.0");
	assert_int_equal(accel_pci_addr_normalize("0000:17:20.0", out), -EINVAL);
	assert_int_equal(accel_pci_addr_normalize("0000:17:00.8", out), -EINVAL);
	assert_int_equal(accel_pci_addr_normalize("0000:100:00.0", out), -EINVAL);
	assert_int_equal(accel_pci_addr_normalize("0000:17:00.0x", out), -EINVAL);
	assert_int_equal(accel_pci_addr_normalize("1:2:3:4.0", out), -EINVAL);
	assert_int_equal(accel_pci_addr_normalize("", out), -EINVAL);
	assert_int_equal(accel_pci_addr_normalize("123456789:00:00.0", out), -EINVAL);
}

static void test_json_shape(void **state)
{
	accel_inventory *inv = sample();
	json_object *root, *dev, *v;
	char *text;

	(void)state;
	assert_int_equal(accel_inventory_to_json(inv, 0, &text), 0);
	root = json_tokener_parse(text);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "schema", &v));
	assert_string_equal(json_object_get_string(v), "accelsched.inventory/v1");
	assert_true(json_object_object_get_ex(root, "generation", &v));
	assert_int_equal(json_object_get_int(v), 7);
	assert_true(json_object_object_get_ex(root, "devices", &v));
	dev = json_object_array_get_idx(v, 0);
	assert_true(json_object_object_get_ex(dev, "vendor_id", &v));
	assert_string_equal(json_object_get_string(v), "10de");
	assert_true(json_object_object_get_ex(dev, "class", &v));
	assert_string_equal(json_object_get_string(v), "030200");
	assert_true(json_object_object_get_ex(dev, "pcie", &v));
	assert_true(json_object_object_get_ex(v, "speed", &v));
	assert_string_equal(json_object_get_string(v), "16.0 GT/s");
	assert_true(json_object_object_get_ex(dev, "in_use", &v));
	assert_false(json_object_get_boolean(v));
	/* the second device knows little: unknowns are null, not guesses */
	dev = json_object_array_get_idx(json_object_object_get(root, "devices"), 1);
	assert_true(json_object_object_get_ex(dev, "numa_node", &v));
	assert_null(v);
	assert_true(json_object_object_get_ex(dev, "memory_mb", &v));
	assert_null(v);
	assert_false(json_object_object_get_ex(dev, "sriov", &v));
	assert_false(json_object_object_get_ex(dev, "in_use", &v));
	json_object_put(root);
	free(text);
	accel_inventory_free(inv);
}

static void test_roundtrip(void **state)
{
	accel_inventory *a = sample(), *b = NULL;
	char *ja, *jb;
	accel_err err;

	(void)state;
	assert_int_equal(accel_inventory_to_json(a, ACCEL_JSON_PRETTY, &ja), 0);
	assert_int_equal(accel_inventory_from_json(ja, strlen(ja), &b, &err), 0);
	assert_int_equal(accel_inventory_to_json(b, ACCEL_JSON_PRETTY, &jb), 0);
	assert_string_equal(ja, jb);
	assert_int_equal(accel_inventory_n_nics(b), 1);
	assert_int_equal(accel_inventory_find(b, "0000:17:00.0")->mdev_types[0].available, 10);
	free(ja);
	free(jb);
	accel_inventory_free(a);
	accel_inventory_free(b);
}

/* Each malformed document is refused with a message naming the field. */
static void test_malformed(void **state)
{
	static const struct {
		const char *doc;
		const char *expect; /* substring of the message */
	} cases[] = {
		{"", "invalid JSON"},
		{"{", "unexpected end"},
		{"[]", "expected an object"},
		{"{\"schema\":\"other/v9\",\"host\":\"h\",\"devices\":[]}", "schema"},
		{"{\"schema\":\"accelsched.inventory/v1\",\"devices\":[]}", "host: missing"},
		{"{\"schema\":\"accelsched.inventory/v1\",\"host\":\"h\"}", "devices: missing"},
		{"{\"schema\":\"accelsched.inventory/v1\",\"host\":\"h\",\"devices\":{}}",
		 "devices: expected array"},
		{"{\"schema\":\"accelsched.inventory/v1\",\"host\":\"h\",\"devices\":[1]}",
		 "devices[0]: expected object"},
		{"{\"schema\":\"accelsched.inventory/v1\",\"host\":\"h\",\"devices\":[{\"kind\":"
		 "\"gpu\"}]}",
		 "devices[0].address: missing"},
		{"{\"schema\":\"accelsched.inventory/v1\",\"host\":\"h\",\"devices\":[{\"address\":"
		 "\"zz\",\"kind\":\"gpu\"}]}",
		 "not a PCI address"},
		{"{\"schema\":\"accelsched.inventory/v1\",\"host\":\"h\",\"devices\":[{\"address\":"
		 "\"00:01.0\",\"kind\":\"toaster\"}]}",
		 "devices[0].kind"},
		{"{\"schema\":\"accelsched.inventory/v1\",\"host\":\"h\",\"devices\":[{\"address\":"
		 "\"00:01.0\",\"kind\":\"gpu\",\"vendor_id\":\"10d\"}]}",
		 "devices[0].vendor_id: expected 4 hex digits"},
		{"{\"schema\":\"accelsched.inventory/v1\",\"host\":\"h\",\"devices\":[{\"address\":"
		 "\"00:01.0\",\"kind\":\"gpu\",\"numa_node\":-5}]}",
		 "devices[0].numa_node: -5 out of range"},
		{"{\"schema\":\"accelsched.inventory/v1\",\"host\":\"h\",\"devices\":[{\"address\":"
		 "\"00:01.0\",\"kind\":\"gpu\",\"memory_mb\":\"lots\"}]}",
		 "devices[0].memory_mb: expected int"},
		{"{\"schema\":\"accelsched.inventory/v1\",\"host\":\"h\",\"devices\":[{\"address\":"
		 "\"00:01.0\",\"kind\":\"gpu\"},{\"address\":\"0000:00:01.0\",\"kind\":\"gpu\"}]}",
		 "listed twice"},
		{"{\"schema\":\"accelsched.inventory/v1\",\"host\":\"h\",\"devices\":[{\"address\":"
		 "\"00:01.0\",\"kind\":\"gpu\",\"pcie\":{\"speed\":\"fast\"}}]}",
		 "devices[0].speed"},
		{"{\"schema\":\"accelsched.inventory/v1\",\"host\":\"h\",\"devices\":[{\"address\":"
		 "\"00:01.0\",\"kind\":\"gpu\",\"traits\":[\"A\",3]}]}",
		 "devices[0].traits[1]: expected string"},
		{"{\"schema\":\"accelsched.inventory/v1\",\"host\":\"h\",\"devices\":[{\"address\":"
		 "\"00:01.0\",\"kind\":\"gpu\",\"model\":\"\\u0001\"}]}",
		 "devices[0].model: not printable"},
		{"{\"schema\":\"accelsched.inventory/v1\",\"host\":\"h\",\"devices\":[],"
		 "\"links\":[{\"a\":\"00:01.0\",\"b\":\"00:02.0\",\"class\":\"NVLINK\"}]}",
		 "links[0]"},
		{"{\"schema\":\"accelsched.inventory/v1\",\"host\":\"h\",\"devices\":[]} x",
		 "trailing data"},
		{"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]"
		 "]]"
		 "]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
		 "invalid JSON"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		accel_inventory *inv = (accel_inventory *)0x1;
		accel_err err;
		int r = accel_inventory_from_json(cases[i].doc, strlen(cases[i].doc), &inv, &err);

		if (r == 0 || !strstr(err.msg, cases[i].expect))
			fail_msg("case %zu: r=%d msg='%s', expected '%s'", i, r, err.msg,
				 cases[i].expect);
		assert_ptr_equal(inv, (accel_inventory *)0x1); /* untouched */
	}
}

static void test_limits(void **state)
{
	accel_inventory *inv;
	accel_device *d;
	char *big;
	accel_err err;
	size_t n = ACCEL_MAX_JSON_BYTES + 1;

	(void)state;
	assert_int_equal(accel_inventory_new(&inv, "h"), 0);
	assert_int_equal(accel_inventory_add_device(inv, "00:01.0", &d), 0);
	for (int i = 0; i < ACCEL_MAX_LIST; i++) {
		char t[32];

		snprintf(t, sizeof(t), "CUSTOM_T%d", i);
		assert_int_equal(accel_device_add_trait(d, t), 0);
	}
	assert_int_equal(accel_device_add_trait(d, "CUSTOM_ONE_TOO_MANY"), -E2BIG);
	big = malloc(ACCEL_MAX_STRING + 2);
	memset(big, 'a', ACCEL_MAX_STRING + 1);
	big[ACCEL_MAX_STRING + 1] = '\0';
	assert_int_equal(accel_device_set(&d->model, big), -E2BIG);
	free(big);
	accel_inventory_free(inv);
	big = calloc(1, n);
	assert_int_equal(accel_inventory_from_json(big, n, &inv, &err), -E2BIG);
	assert_non_null(strstr(err.msg, "larger than"));
	free(big);
}

/* accel_read_file: whole, bounded, regular files only. */
static void test_read_file(void **state)
{
	char dir[] = "/tmp/accel-read-XXXXXX", path[64];
	char *text = (char *)"x";
	unsigned mode = 0;
	accel_err err;
	size_t len = 7;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("hello\n", f);
	fclose(f);
	assert_int_equal(accel_read_file(path, 6, &text, &len, &mode, &err), 0);
	assert_string_equal(text, "hello\n");
	assert_int_equal(len, 6);
	assert_true(S_ISREG(mode));
	free(text);
	assert_int_equal(accel_read_file(path, 5, &text, &len, NULL, &err), -E2BIG);
	assert_non_null(strstr(err.msg, "larger than 5 bytes"));
	assert_null(text);
	assert_int_equal(accel_read_file(dir, 100, &text, &len, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not a regular file"));
	unlink(path);
	assert_int_equal(accel_read_file(path, 100, &text, &len, NULL, &err), -ENOENT);
	assert_non_null(strstr(err.msg, path));
	assert_int_equal(len, 0);
	rmdir(dir);
}

/* The one warning shape: a list of path + message, bounded, freed empty. */
static void test_warnings(void **state)
{
	accel_warnings w = { 0 };
	char path[32];

	(void)state;
	assert_int_equal(accel_warnings_add(&w, "/etc/x.conf", "line %d: %s", 4, "bad"), 0);
	assert_int_equal(accel_warnings_add(&w, NULL, "no path"), 0);
	assert_string_equal(w.v[0].path, "/etc/x.conf");
	assert_string_equal(w.v[0].message, "line 4: bad");
	assert_string_equal(w.v[1].path, "");
	for (int i = 2; i < ACCEL_MAX_LIST; i++) {
		snprintf(path, sizeof(path), "p%d", i);
		assert_int_equal(accel_warnings_add(&w, path, "m"), 0);
	}
	assert_int_equal(accel_warnings_add(&w, "over", "m"), -E2BIG);
	assert_int_equal(w.n, ACCEL_MAX_LIST);
	accel_warnings_free(&w);
	assert_int_equal(w.n, 0);
	assert_null(w.v);
	accel_warnings_free(&w); /* twice is fine */
}

/* acceld's events write a device's JSON without json-c's objects
 * (accel_device_json_append): the very bytes accel_device_to_json writes,
 * for every device of the sample, one with every optional part, and one
 * whose strings need every escape. */
static void same_text(const accel_device *d)
{
	char *want = NULL, *got = NULL;
	size_t n = 0, cap = 0;

	assert_int_equal(accel_device_to_json(d, 0, &want), 0);
	assert_int_equal(accel_device_json_append(d, &got, &n, &cap), 0);
	assert_string_equal(got, want);
	assert_int_equal(n, strlen(want));
	/* appended after what is there */
	assert_int_equal(accel_device_json_append(d, &got, &n, &cap), 0);
	assert_int_equal(n, 2 * strlen(want));
	assert_memory_equal(got + n / 2, want, n / 2);
	free(got);
	free(want);
}

static void test_device_text(void **state)
{
	accel_inventory *inv = sample();
	accel_device *d;
	char weird[40];

	(void)state;
	for (size_t i = 0; i < accel_inventory_n_devices(inv); i++)
		same_text(accel_inventory_device(inv, i));
	assert_int_equal(accel_inventory_add_device(inv, "0000:1a:00.0", &d), 0);
	same_text(d); /* all unknown */
	d->kind = ACCEL_KIND_GPU;
	d->vendor_id = 0x10de;
	d->class_code = 0x030200; /* a leading zero */
	d->revision = 0;
	d->subsystem_vendor_id = 0x12345; /* more digits than 4 */
	d->iommu_group = 0;
	d->numa_node = 1;
	d->memory_mb = 81920;
	d->pcie.speed_dgts = 160;
	d->pcie.width = 16;
	accel_device_set(&d->architecture, "ampere");
	accel_device_set(&d->cpu_affinity, "0-31");
	accel_strv_add(&d->sriov.vfs, &d->sriov.n_vfs, "0000:1a:00.4");
	d->sriov.known = true;
	d->sriov.total_vfs = 16;
	accel_device_set(&d->drm.card, "card1");
	accel_device_set(&d->accel_node, "accel0");
	d->opencl.present = true;
	d->opencl.compute_units = 108;
	accel_device_add_health_reason(d, ACCEL_HEALTH_DEGRADED, "%s", "link downtrained");
	d->in_use = 0;
	d->utilization = 0;
	same_text(d);
	d->in_use = 1;
	d->utilization = 100;
	/* every byte below 0x20, quotes, backslashes, a slash (not escaped
	 * with NOSLASHESCAPE), and UTF-8 */
	for (int c = 1; c < 0x20; c++)
		weird[c - 1] = (char)c;
	memcpy(weird + 31, "\"\\/\xc3\xa9\x7f", 7);
	weird[38] = '\0';
	accel_device_set(&d->model, weird);
	accel_device_set(&d->driver, "a\"b\\c/d");
	accel_strv_add(&d->traits, &d->n_traits, weird);
	accel_strv_add(&d->traits, &d->n_traits, "");
	same_text(d);
	accel_inventory_free(inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model),	   cmocka_unit_test(test_addr),
		cmocka_unit_test(test_json_shape), cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_malformed),  cmocka_unit_test(test_limits),
		cmocka_unit_test(test_read_file),  cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_device_text),
	};

	return cmocka_run_group_tests_name("inventory", tests, NULL, NULL);
}
