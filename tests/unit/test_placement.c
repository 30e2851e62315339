/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: the pure parts of the Placement client (placement-client/):
 * UUIDs, the strict JSON parsers (good and malformed answers), the desired
 * tree, the plan, the state file. The real Keystone and Placement are in
 * tests/integration/.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <accel/config.h>
#include <accel/inventory.h>
#include <accel/placement.h>
#include <accel/util.h>
#include "pc.h"

#define ROOT "941dbaaf-5035-49a9-9a96-ddb2f4b5223d"

static void test_uuid(void **state)
{
	char u[PC_UUID_LEN];

	(void)state;
	/* Python: uuid5(uuid5(NAMESPACE_DNS, "accelsched.openstack.org"), name) */
	pc_uuid5("compute-1_0000:17:00.0", u);
	assert_string_equal(u, "1f1700fb-1924-55b9-9d2a-1b0dc23973e7");
	assert_true(pc_uuid_valid(u));
	assert_false(pc_uuid_valid("1f1700fb-1924-55b9-9d2a-1b0dc23973e"));
	assert_false(pc_uuid_valid("1F1700FB-1924-55B9-9D2A-1B0DC23973E7"));
	assert_false(pc_uuid_valid("1f1700fb_1924-55b9-9d2a-1b0dc23973e7"));
}

#define PJ(fn, text, ...) fn(text, strlen(text), __VA_ARGS__)

static void test_root_doc(void **state)
{
	int max = 0;
	accel_err err;

	(void)state;
	assert_int_equal(PJ(pc_parse_root,
			    "{\"versions\":[{\"id\":\"v1.0\",\"max_version\":\"1.39\","
			    "\"min_version\":\"1.0\",\"status\":\"CURRENT\"}]}",
			    &max, &err),
			 0);
	assert_int_equal(max, 39);
	assert_int_equal(PJ(pc_parse_root, "{\"versions\":[{\"max_version\":\"2.1\"}]}", &max, &err),
			 -EPROTO);
	assert_int_equal(PJ(pc_parse_root, "{\"versions\":[{\"max_version\":\"1.x\"}]}", &max, &err),
			 -EPROTO);
	assert_int_equal(PJ(pc_parse_root, "<html>", &max, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "GET /: invalid JSON"));
	assert_int_equal(PJ(pc_parse_root, "[]", &max, &err), -EBADMSG);
}

static void test_providers(void **state)
{
	struct pc_tree t = { 0 };
	accel_err err;
	static const char good[] =
		"{\"resource_providers\":[{\"uuid\":\"" ROOT "\",\"name\":\"h\",\"generation\":3,"
		"\"parent_provider_uuid\":null,\"root_provider_uuid\":\"" ROOT "\"},"
		"{\"uuid\":\"1f1700fb-1924-55b9-9d2a-1b0dc23973e7\",\"name\":\"h_0000:17:00.0\","
		"\"generation\":1,\"parent_provider_uuid\":\"" ROOT "\"}]}";
	static const struct {
		const char *doc, *msg;
	} bad[] = {
		{ "{}", "resource_providers: missing" },
		{ "{\"resource_providers\":[1]}", "expected an object" },
		{ "{\"resource_providers\":[{\"uuid\":\"nope\",\"name\":\"h\",\"generation\":1}]}",
		  "uuid: missing or not a UUID" },
		{ "{\"resource_providers\":[{\"uuid\":\"" ROOT "\",\"generation\":1}]}", ".name" },
		{ "{\"resource_providers\":[{\"uuid\":\"" ROOT "\",\"name\":\"h\",\"generation\":-1}]}",
		  ".generation" },
		{ "{\"resource_providers\":[{\"uuid\":\"" ROOT "\",\"name\":\"h\",\"generation\":"
		  "\"1\"}]}",
		  ".generation" },
		{ "{\"resource_providers\":[{\"uuid\":\"" ROOT "\",\"name\":\"h\",\"generation\":1,"
		  "\"parent_provider_uuid\":\"x\"}]}",
		  "parent_provider_uuid: not a UUID" },
		{ "{\"resource_providers\":[{\"uuid\":\"" ROOT "\",\"name\":\"h\",\"generation\":1},"
		  "{\"uuid\":\"" ROOT "\",\"name\":\"g\",\"generation\":1}]}",
		  "listed twice" },
		{ "{\"resource_providers\":[{\"uuid\":\"" ROOT "\",\"name\":\"\\u0007\","
		  "\"generation\":1}]}",
		  ".name" },
		{ "{\"resource_providers\":[]", "unexpected end" },
	};

	(void)state;
	assert_int_equal(PJ(pc_parse_providers, good, &t, &err), 0);
	assert_int_equal(t.n, 2);
	assert_string_equal(t.p[0].parent, "");
	assert_int_equal(t.p[0].generation, 3);
	assert_string_equal(t.p[1].parent, ROOT);
	assert_ptr_equal(pc_tree_find_name(&t, "h_0000:17:00.0"), &t.p[1]);
	pc_tree_clear(&t);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = PJ(pc_parse_providers, bad[i].doc, &t, &err);

		if (r == 0 || !strstr(err.msg, bad[i].msg))
			fail_msg("case %zu: r %d '%s'", i, r, err.msg);
		assert_int_equal(t.n, 0); /* nothing half-read */
	}
}

static void test_content(void **state)
{
	struct pc_provider p = { .generation = -1 };
	accel_err err;

	(void)state;
	assert_int_equal(PJ(pc_parse_inventories,
			    "{\"resource_provider_generation\":5,\"inventories\":{\"PGPU\":"
			    "{\"total\":1,\"reserved\":1,\"allocation_ratio\":1.0}}}",
			    &p, &err),
			 0);
	assert_int_equal(p.generation, 5);
	assert_int_equal(p.n_inv, 1);
	assert_string_equal(p.inv[0].rc, "PGPU");
	assert_int_equal(p.inv[0].max_unit, 1); /* default: total */
	assert_int_equal(p.inv[0].step_size, 1);
	assert_int_not_equal(PJ(pc_parse_inventories,
				"{\"resource_provider_generation\":5,\"inventories\":{\"PGPU\":"
				"{\"total\":0}}}",
				&p, &err),
			     0);
	assert_int_not_equal(PJ(pc_parse_inventories,
				"{\"resource_provider_generation\":5,\"inventories\":{\"PGPU\":"
				"{\"total\":1,\"reserved\":\"no\"}}}",
				&p, &err),
			     0);
	assert_int_not_equal(PJ(pc_parse_inventories,
				"{\"resource_provider_generation\":5,\"inventories\":{\"PGPU\":"
				"{\"total\":1,\"allocation_ratio\":-2}}}",
				&p, &err),
			     0);
	assert_int_not_equal(PJ(pc_parse_inventories, "{\"inventories\":{}}", &p, &err), 0);

	assert_int_equal(PJ(pc_parse_traits,
			    "{\"resource_provider_generation\":6,\"traits\":[\"CUSTOM_X\","
			    "\"CUSTOM_OWNER_ACCELSCHED\"]}",
			    &p, &err),
			 0);
	assert_true(p.owned);
	assert_int_equal(p.generation, 6);
	assert_int_not_equal(PJ(pc_parse_traits,
				"{\"resource_provider_generation\":6,\"traits\":[1]}", &p, &err),
			     0);
	assert_int_equal(PJ(pc_parse_allocations,
			    "{\"resource_provider_generation\":7,\"allocations\":{\"c1\":"
			    "{\"resources\":{\"PGPU\":1}}}}",
			    &p, &err),
			 0);
	assert_int_equal(p.n_allocations, 1);
	pc_provider_clear(&p);
}

/* The request bodies are written beside their parsers (pjson.c): exactly
 * the bytes Placement and Keystone are sent, and an inventory body reads
 * back as what was written. */
static void test_bodies(void **state)
{
	static const char *const traits[] = { "CUSTOM_ACCEL_X", "HW_GPU_API_CUDA_V12_0" };
	struct pc_provider p = { .generation = -1 }, q = { .generation = -1 };
	struct pc_inv inv = { .rc = "PGPU", .total = 2, .reserved = 1, .min_unit = 1,
			      .max_unit = 2, .step_size = 1, .allocation_ratio = 1.0 };
	accel_config *cfg;
	accel_err err;
	char *b;

	(void)state;
	b = pc_body_provider("h", NULL, NULL);
	assert_string_equal(b, "{\"name\":\"h\"}");
	free(b);
	b = pc_body_provider("h_0000:17:00.0", ROOT, ROOT);
	assert_string_equal(b, "{\"name\":\"h_0000:17:00.0\",\"uuid\":\"" ROOT
			       "\",\"parent_provider_uuid\":\"" ROOT "\"}");
	free(b);
	b = pc_body_traits((char *const *)traits, 2, 4);
	assert_string_equal(b, "{\"resource_provider_generation\":4,\"traits\":"
			       "[\"CUSTOM_ACCEL_X\",\"HW_GPU_API_CUDA_V12_0\"]}");
	free(b);
	b = pc_body_traits(NULL, 0, 0);
	assert_string_equal(b, "{\"resource_provider_generation\":0,\"traits\":[]}");
	free(b);

	p.inv = &inv;
	p.n_inv = 1;
	b = pc_body_inventories(&p, 7);
	assert_string_equal(b, "{\"resource_provider_generation\":7,\"inventories\":{\"PGPU\":"
			       "{\"total\":2,\"reserved\":1,\"min_unit\":1,\"max_unit\":2,"
			       "\"step_size\":1,\"allocation_ratio\":1.0}}}");
	assert_int_equal(pc_parse_inventories(b, strlen(b), &q, &err), 0);
	assert_int_equal(q.generation, 7);
	assert_true(pc_inv_equal(&p, &q));
	free(b);
	pc_provider_clear(&q);

	assert_int_equal(accel_config_new(&cfg, &err), 0);
	cfg->placement.auth_type = ACCEL_AUTH_PASSWORD;
	cfg->placement.username = strdup("u");
	cfg->placement.password = strdup("p\"w");
	cfg->placement.user_domain_name = strdup("Default");
	cfg->placement.project_name = strdup("pr");
	cfg->placement.project_domain_id = strdup("default");
	b = pc_body_auth(&cfg->placement);
	assert_string_equal(b, "{\"auth\":{\"identity\":{\"password\":{\"user\":{\"name\":\"u\","
			       "\"domain\":{\"name\":\"Default\"},\"password\":\"p\\\"w\"}},"
			       "\"methods\":[\"password\"]},\"scope\":{\"project\":{\"name\":"
			       "\"pr\",\"domain\":{\"id\":\"default\"}}}}}");
	free(b);
	accel_config_free(cfg);
}

static void test_errors(void **state)
{
	char d[256], c[64];
	static const char e409[] = "{\"errors\":[{\"status\":409,\"title\":\"Conflict\","
				   "\"detail\":\"resource provider generation conflict\\n\","
				   "\"code\":\"placement.concurrent_update\"}]}";
	static const char e401[] = "{\"error\":{\"message\":\"The request you have made "
				   "requires authentication.\",\"code\":401}}";

	(void)state;
	assert_int_equal(pc_parse_error(e409, strlen(e409), d, sizeof(d), c, sizeof(c)), 0);
	assert_string_equal(c, "placement.concurrent_update");
	assert_non_null(strstr(d, "generation conflict"));
	assert_null(strchr(d, '\n'));
	assert_int_equal(pc_parse_error(e401, strlen(e401), d, sizeof(d), c, sizeof(c)), 0);
	assert_non_null(strstr(d, "requires authentication"));
	assert_int_equal(pc_parse_error("oops", 4, d, sizeof(d), c, sizeof(c)), -EBADMSG);
}

static void test_token(void **state)
{
	static const char tok[] =
		"{\"token\":{\"expires_at\":\"2026-11-26T11:00:00.000000Z\",\"catalog\":["
		"{\"type\":\"identity\",\"endpoints\":[]},"
		"{\"type\":\"placement\",\"endpoints\":["
		"{\"interface\":\"public\",\"region_id\":\"RegionOne\",\"url\":\"http://pub1/\"},"
		"{\"interface\":\"internal\",\"region_id\":\"RegionOne\",\"url\":\"http://int1\"},"
		"{\"interface\":\"public\",\"region_id\":\"RegionTwo\",\"url\":\"http://pub2\"}]}]}}";
	double exp = 0;
	char *url = NULL;
	accel_err err;

	(void)state;
	assert_int_equal(PJ(pc_parse_token, tok, "public", NULL, &exp, &url, &err), 0);
	assert_string_equal(url, "http://pub1/");
	free(url);
	assert_true(exp > 1.7e9);
	assert_int_equal(PJ(pc_parse_token, tok, "public", "RegionTwo", &exp, &url, &err), 0);
	assert_string_equal(url, "http://pub2");
	free(url);
	assert_int_equal(PJ(pc_parse_token, tok, "internal", "RegionOne", &exp, &url, &err), 0);
	assert_string_equal(url, "http://int1");
	free(url);
	assert_int_equal(PJ(pc_parse_token, tok, "admin", NULL, &exp, &url, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "no admin placement endpoint"));
	assert_int_equal(PJ(pc_parse_token, "{\"token\":{\"expires_at\":\"soon\"}}", "public", NULL,
			    &exp, &url, &err),
			 -EBADMSG);
}

static void test_time(void **state)
{
	double t;

	(void)state;
	assert_int_equal(pc_parse_time("1970-01-01T00:00:10.500000Z", &t), 0);
	assert_true(t > 10.49 && t < 10.51);
	assert_int_equal(pc_parse_time("2026-11-26T10:00:00Z", &t), 0);
	assert_int_equal(pc_parse_time("2026-13-26T10:00:00Z", &t), -EINVAL);
	assert_int_equal(pc_parse_time("2026-11-26T10:00:00+02:00", &t), -EINVAL);
	assert_int_equal(pc_parse_time("yesterday", &t), -EINVAL);
}

/* An inventory: an A100 (ok), a failed one, a vGPU VF, a PF with VFs,
 * and a display device. */
static accel_inventory *sample(void)
{
	accel_inventory *inv;
	accel_device *d;

	accel_inventory_new(&inv, "h");
	accel_inventory_add_device(inv, "0000:17:00.0", &d);
	d->kind = ACCEL_KIND_GPU;
	d->vendor_id = 0x10de, d->device_id = 0x20b5;
	accel_device_set(&d->vendor, "nvidia");
	accel_device_set(&d->resource_class, "PGPU");
	accel_device_add_trait(d, "CUSTOM_ACCEL_VENDOR_NVIDIA");
	accel_inventory_add_device(inv, "0000:18:00.0", &d);
	d->kind = ACCEL_KIND_GPU;
	d->health = ACCEL_HEALTH_FAILED;
	accel_device_set(&d->resource_class, "PGPU");
	accel_inventory_add_device(inv, "0000:41:00.0", &d);
	d->kind = ACCEL_KIND_GPU;
	accel_device_set(&d->resource_class, "PGPU");
	d->sriov.known = true;
	d->sriov.num_vfs = 1;
	accel_strv_add(&d->sriov.vfs, &d->sriov.n_vfs, "0000:41:00.4");
	accel_inventory_add_device(inv, "0000:41:00.4", &d);
	d->kind = ACCEL_KIND_GPU;
	accel_device_set(&d->resource_class, "VGPU");
	d->mdev_types = calloc(2, sizeof(*d->mdev_types));
	d->n_mdev_types = 2;
	accel_device_set(&d->mdev_types[0].id, "nvidia-692");
	d->mdev_types[0].available = 1;
	d->mdev_types[0].created = 0;
	accel_device_set(&d->mdev_types[1].id, "nvidia-693");
	d->mdev_types[1].available = 2;
	d->mdev_types[1].created = 1;
	accel_inventory_add_device(inv, "0000:03:00.0", &d);
	d->kind = ACCEL_KIND_DISPLAY;
	return inv;
}

static void test_desired(void **state)
{
	accel_inventory *inv = sample();
	struct pc_tree t = { 0 };
	const struct pc_provider *p;
	accel_err err;

	(void)state;
	assert_int_equal(pc_desired_tree(inv, "h", ROOT, ACCEL_TRAITS_CYBORG, &t, &err), 0);
	assert_int_equal(t.n, 4); /* no display */
	p = pc_tree_find_name(&t, "h_0000:17:00.0");
	assert_non_null(p);
	assert_string_equal(p->parent, ROOT);
	assert_int_equal(p->inv[0].total, 1);
	assert_int_equal(p->inv[0].reserved, 0);
	assert_true(pc_has_trait(p, "CUSTOM_OWNER_ACCELSCHED"));
	assert_true(pc_has_trait(p, "CUSTOM_ACCEL_VENDOR_NVIDIA"));
	assert_true(pc_has_trait(p, "CUSTOM_GPU_NVIDIA"));
	assert_true(pc_has_trait(p, "CUSTOM_GPU_PRODUCT_ID_20B5"));
	/* failed: reserved in full, marked */
	p = pc_tree_find_name(&t, "h_0000:18:00.0");
	assert_int_equal(p->inv[0].reserved, p->inv[0].total);
	assert_true(pc_has_trait(p, "CUSTOM_ACCEL_HEALTH_FAILED"));
	/* a PF whose VF is listed: not assignable */
	p = pc_tree_find_name(&t, "h_0000:41:00.0");
	assert_int_equal(p->inv[0].reserved, 1);
	/* vGPU capacity: the most of one type, free plus created */
	p = pc_tree_find_name(&t, "h_0000:41:00.4");
	assert_string_equal(p->inv[0].rc, "VGPU");
	assert_int_equal(p->inv[0].total, 3);
	assert_int_equal(p->inv[0].max_unit, 3);
	pc_tree_clear(&t);
	assert_int_equal(pc_desired_tree(inv, "h", ROOT, ACCEL_TRAITS_NOVA_PCI, &t, &err), 0);
	/* as Nova 2025.1 writes its own: class CUSTOM_PCI_<V>_<P>, trait
	 * COMPUTE_MANAGED_PCI_DEVICE, accelsched's description kept */
	p = pc_tree_find_name(&t, "h_0000:17:00.0");
	assert_string_equal(p->inv[0].rc, "CUSTOM_PCI_10DE_20B5");
	assert_true(pc_has_trait(p, "COMPUTE_MANAGED_PCI_DEVICE"));
	assert_false(pc_has_trait(p, "CUSTOM_PCI_10DE_20B5"));
	assert_true(pc_has_trait(p, "CUSTOM_ACCEL_VENDOR_NVIDIA"));
	assert_true(pc_has_trait(p, ACCEL_OWNER_TRAIT));
	/* the vGPU host stays VGPU, unmarked: not a PCI device to Nova */
	p = pc_tree_find_name(&t, "h_0000:41:00.4");
	assert_string_equal(p->inv[0].rc, "VGPU");
	assert_false(pc_has_trait(p, "COMPUTE_MANAGED_PCI_DEVICE"));
	pc_tree_clear(&t);
	accel_inventory_free(inv);
}

/* The actual tree as Placement would list it, content known. */
static struct pc_provider *actual_like(struct pc_tree *a, const struct pc_provider *w,
				       int64_t gen)
{
	struct pc_provider *p = pc_tree_add(a);

	memcpy(p->uuid, w->uuid, PC_UUID_LEN);
	memcpy(p->parent, w->parent, PC_UUID_LEN);
	p->name = strdup(w->name);
	p->generation = gen;
	p->traits_known = p->inv_known = true;
	p->owned = true;
	p->inv = malloc(w->n_inv * sizeof(*p->inv) + 1);
	memcpy(p->inv, w->inv, w->n_inv * sizeof(*p->inv));
	p->n_inv = w->n_inv;
	for (size_t i = 0; i < w->n_traits; i++)
		accel_strv_add(&p->traits, &p->n_traits, w->traits[i]);
	return p;
}

static void add_root(struct pc_tree *a)
{
	struct pc_provider *r = pc_tree_add(a);

	memcpy(r->uuid, ROOT, PC_UUID_LEN);
	r->name = strdup("h");
	r->generation = 4;
}

static size_t count(const struct pc_plan *p, enum pc_op_kind k)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n; i++)
		n += p->ops[i].kind == k;
	return n;
}

/* accelsched -> nova-pci -> accelsched on one provider, no written record
 * (a lost state file): the class changes both ways, and
 * COMPUTE_MANAGED_PCI_DEVICE goes with the scheme (left behind it would
 * stop a nova-compute without report_in_placement). */
static void test_scheme_switch(void **state)
{
	accel_inventory *inv = sample();
	struct pc_tree from = { 0 }, to = { 0 }, actual = { 0 }, extra = { 0 };
	static const accel_trait_scheme steps[][2] = {
		{ ACCEL_TRAITS_ACCELSCHED, ACCEL_TRAITS_NOVA_PCI },
		{ ACCEL_TRAITS_NOVA_PCI, ACCEL_TRAITS_ACCELSCHED },
	};
	struct pc_plan plan;
	accel_err err;

	(void)state;
	for (size_t s = 0; s < 2; s++) {
		struct pc_provider *a, *w;
		char **t;
		size_t nt;

		assert_int_equal(pc_desired_tree(inv, "h", ROOT, steps[s][0], &from, &err), 0);
		assert_int_equal(pc_desired_tree(inv, "h", ROOT, steps[s][1], &to, &err), 0);
		add_root(&actual);
		assert_int_equal(pc_tree_reserve(&actual, 16), 0);
		for (size_t i = 0; i < from.n; i++) {
			a = actual_like(&actual, &from.p[i], 2);
			a->allocs_known = true;
		}
		assert_int_equal(pc_plan(&to, &actual, "h", &extra, &plan, &err), 0);
		a = pc_tree_find_name(&actual, "h_0000:17:00.0");
		w = pc_tree_find_name(&to, "h_0000:17:00.0");
		assert_true(pc_has_trait(a, "COMPUTE_MANAGED_PCI_DEVICE") == (s == 0 ? false : true));
		/* the inventory's class and the traits are written */
		assert_true(count(&plan, PC_OP_INVENTORIES) >= 1);
		assert_true(count(&plan, PC_OP_TRAITS) >= 1);
		assert_string_equal(w->inv[0].rc, s == 0 ? "CUSTOM_PCI_10DE_20B5" : "PGPU");
		assert_int_equal(w->n_inv, 1); /* the old class is ours: not merged back */
		assert_int_equal(pc_merge_traits(w, a, &t, &nt), 0);
		{
			bool managed = false;

			for (size_t k = 0; k < nt; k++)
				managed = managed || !strcmp(t[k], "COMPUTE_MANAGED_PCI_DEVICE");
			assert_true(managed == (s == 0));
		}
		accel_strv_free(t, nt);
		pc_plan_clear(&plan);
		pc_tree_clear(&from);
		pc_tree_clear(&to);
		pc_tree_clear(&actual);
		pc_tree_clear(&extra);
	}
	accel_inventory_free(inv);
}

/* A provider as Nova 2025.1 makes one: "<host>_<ADDRESS>", a random UUID,
 * COMPUTE_MANAGED_PCI_DEVICE, no owner trait. */
static struct pc_provider *nova_like(struct pc_tree *a, const char *name, const char *uuid)
{
	struct pc_provider *p = pc_tree_add(a);

	snprintf(p->uuid, sizeof(p->uuid), "%s", uuid);
	memcpy(p->parent, ROOT, PC_UUID_LEN);
	p->name = strdup(name);
	p->generation = 1;
	p->traits_known = p->inv_known = p->allocs_known = true;
	accel_strv_add(&p->traits, &p->n_traits, "COMPUTE_MANAGED_PCI_DEVICE");
	p->inv = calloc(1, sizeof(*p->inv));
	snprintf(p->inv[0].rc, sizeof(p->inv[0].rc), "PGPU");
	p->inv[0].total = p->inv[0].max_unit = 1;
	p->n_inv = 1;
	return p;
}

static bool op_on(const struct pc_plan *p, enum pc_op_kind k, const char *name)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct pc_provider *x = p->ops[i].want ? p->ops[i].want : p->ops[i].actual;

		if (p->ops[i].kind == k && !strcmp(x->name, name))
			return true;
	}
	return false;
}

static bool clash_says(const struct pc_plan *p, const char *a, const char *b)
{
	for (size_t i = 0; i < p->n_clashes; i++)
		if (strstr(p->clashes[i], a) && strstr(p->clashes[i], b))
			return true;
	return false;
}

/* Nova reports a device under "<host>_<ADDRESS>": accelsched never makes a
 * second provider for it, whatever the case, and its own of the
 * lower-case name goes once free. */
static void test_nova_twin(void **state)
{
	static const char nova_uuid[] = "5d1b7f3e-0e0a-4c1e-9d43-2a2b6c1d9e01";
	accel_inventory *inv = sample();
	struct pc_tree want = { 0 }, actual = { 0 }, extra = { 0 };
	struct pc_plan plan;
	struct pc_provider *ours;
	accel_err err;

	(void)state;
	assert_int_equal(pc_desired_tree(inv, "h", ROOT, ACCEL_TRAITS_ACCELSCHED, &want, &err), 0);
	add_root(&actual);
	assert_int_equal(pc_tree_reserve(&actual, 16), 0);
	/* digits only: the same name in every case (the exact-name clash) */
	nova_like(&actual, "h_0000:18:00.0", nova_uuid);
	assert_int_equal(pc_plan(&want, &actual, "h", &extra, &plan, &err), 0);
	assert_true(clash_says(&plan, "h_0000:18:00.0", "not accelsched's"));
	assert_false(op_on(&plan, PC_OP_CREATE, "h_0000:18:00.0"));
	pc_plan_clear(&plan);
	pc_tree_clear(&actual);
	pc_tree_clear(&extra);

	/* a hex letter in the address: Nova's upper case, ours lower */
	add_root(&actual);
	assert_int_equal(pc_tree_reserve(&actual, 16), 0);
	{
		struct pc_provider *w = pc_tree_find_name(&want, "h_0000:17:00.0");
		char upper[64];

		/* the device's provider renamed to an address with letters,
		 * which Nova upper-cases */
		free(w->name);
		w->name = strdup("h_0000:af:00.0");
		pc_uuid5(w->name, w->uuid);
		snprintf(upper, sizeof(upper), "h_0000:AF:00.0");
		nova_like(&actual, upper, nova_uuid);
	}
	assert_int_equal(pc_plan(&want, &actual, "h", &extra, &plan, &err), 0);
	assert_false(op_on(&plan, PC_OP_CREATE, "h_0000:af:00.0"));
	assert_true(clash_says(&plan, "h_0000:AF:00.0", "Nova's PCI in Placement"));
	assert_true(clash_says(&plan, "h_0000:af:00.0", "placement_owner = nova"));
	/* the other devices are created as ever */
	assert_true(op_on(&plan, PC_OP_CREATE, "h_0000:41:00.4"));
	/* Nova's is never written */
	for (size_t i = 0; i < plan.n; i++)
		assert_true(!plan.ops[i].actual || strcmp(plan.ops[i].actual->uuid, nova_uuid));
	pc_plan_clear(&plan);

	/* ours of the lower-case name exists too (Nova's came later): it
	 * goes, once free */
	ours = actual_like(&actual, pc_tree_find_name(&want, "h_0000:af:00.0"), 3);
	ours->allocs_known = true;
	ours->n_allocations = 0;
	assert_int_equal(pc_plan(&want, &actual, "h", &extra, &plan, &err), 0);
	assert_true(op_on(&plan, PC_OP_DELETE, "h_0000:af:00.0"));
	assert_false(op_on(&plan, PC_OP_TRAITS, "h_0000:af:00.0"));
	assert_true(clash_says(&plan, "h_0000:af:00.0", "its own of this name goes"));
	pc_plan_clear(&plan);
	/* allocated: kept, reserved in full and marked */
	ours->n_allocations = 1;
	assert_int_equal(pc_plan(&want, &actual, "h", &extra, &plan, &err), 0);
	assert_false(op_on(&plan, PC_OP_DELETE, "h_0000:af:00.0"));
	assert_true(op_on(&plan, PC_OP_INVENTORIES, "h_0000:af:00.0"));
	for (size_t i = 0; i < plan.n; i++)
		if (plan.ops[i].kind == PC_OP_INVENTORIES &&
		    !strcmp(plan.ops[i].want->name, "h_0000:af:00.0")) {
			assert_int_equal(plan.ops[i].want->inv[0].reserved,
					 plan.ops[i].want->inv[0].total);
			assert_true(pc_has_trait(plan.ops[i].want, ACCEL_UNAVAILABLE_TRAIT));
		}
	pc_plan_clear(&plan);
	pc_tree_clear(&want);
	pc_tree_clear(&actual);
	pc_tree_clear(&extra);
	accel_inventory_free(inv);
}

/* placement_owner = nova: no device provider written; ours go, an
 * allocated one kept reserved with a clash naming it; Nova's untouched. */
static void test_nova_owner(void **state)
{
	static const char nova_uuid[] = "5d1b7f3e-0e0a-4c1e-9d43-2a2b6c1d9e02";
	accel_inventory *inv = sample();
	struct pc_tree before = { 0 }, want = { 0 }, actual = { 0 }, extra = { 0 };
	struct pc_plan plan;
	accel_err err;

	(void)state;
	assert_int_equal(pc_desired_tree(inv, "h", ROOT, ACCEL_TRAITS_ACCELSCHED, &before, &err),
			 0);
	add_root(&actual);
	assert_int_equal(pc_tree_reserve(&actual, 32), 0);
	for (size_t i = 0; i < before.n; i++) {
		struct pc_provider *a = actual_like(&actual, &before.p[i], 2);

		a->allocs_known = true;
		a->n_allocations = !strcmp(a->name, "h_0000:17:00.0");
	}
	nova_like(&actual, "h_0000:18:00.0", nova_uuid);
	/* one of ours that nova-compute took over (the same name: an address
	 * without hex letters): our UUID, Nova's traits only */
	{
		struct pc_provider *a = pc_tree_find_name(&actual, "h_0000:41:00.0");

		assert_non_null(a);
		a->owned = false;
		accel_strv_free(a->traits, a->n_traits);
		a->traits = NULL;
		a->n_traits = 0;
		accel_strv_add(&a->traits, &a->n_traits, "COMPUTE_MANAGED_PCI_DEVICE");
		assert_false(pc_provider_ours(a));
		accel_strv_free(a->traits, a->n_traits);
		a->traits = NULL;
		a->n_traits = 0;
		assert_true(pc_provider_ours(a)); /* ours, interrupted before its traits */
		accel_strv_add(&a->traits, &a->n_traits, "COMPUTE_MANAGED_PCI_DEVICE");
	}
	want.owner = ACCEL_OWNER_NOVA;
	assert_int_equal(pc_plan(&want, &actual, "h", &extra, &plan, &err), 0);
	for (size_t i = 0; i < before.n; i++) {
		const char *n = before.p[i].name;

		assert_false(op_on(&plan, PC_OP_CREATE, n));
		assert_true(op_on(&plan, PC_OP_DELETE, n) ==
			    (strcmp(n, "h_0000:17:00.0") && strcmp(n, "h_0000:41:00.0")));
	}
	assert_true(op_on(&plan, PC_OP_INVENTORIES, "h_0000:17:00.0"));
	assert_int_equal(plan.n_clashes, 1);
	assert_true(clash_says(&plan, "h_0000:17:00.0", "placement_owner = nova"));
	assert_true(clash_says(&plan, "h_0000:17:00.0", "allocated to 1 consumer(s)"));
	for (size_t i = 0; i < plan.n; i++) {
		assert_true(!plan.ops[i].actual || strcmp(plan.ops[i].actual->uuid, nova_uuid));
		assert_true(!plan.ops[i].actual ||
			    strcmp(plan.ops[i].actual->name, "h_0000:41:00.0"));
	}
	pc_plan_clear(&plan);
	/* the same empty tree under accelsched: deleted as vanished, no clash */
	want.owner = ACCEL_OWNER_ACCELSCHED;
	assert_int_equal(pc_plan(&want, &actual, "h", &extra, &plan, &err), 0);
	assert_int_equal(plan.n_clashes, 0);
	pc_plan_clear(&plan);
	pc_tree_clear(&before);
	pc_tree_clear(&actual);
	pc_tree_clear(&extra);
	accel_inventory_free(inv);
}

static void test_plan(void **state)
{
	accel_inventory *inv = sample();
	struct pc_tree want = { 0 }, actual = { 0 }, extra = { 0 };
	struct pc_plan plan;
	struct pc_provider *a;
	accel_err err;

	(void)state;
	assert_int_equal(pc_desired_tree(inv, "h", ROOT, ACCEL_TRAITS_ACCELSCHED, &want, &err), 0);

	/* nothing there yet: create all four, with inventories and traits */
	add_root(&actual);
	assert_int_equal(pc_plan(&want, &actual, "h", &extra, &plan, &err), 0);
	assert_int_equal(count(&plan, PC_OP_CREATE), 4);
	assert_int_equal(count(&plan, PC_OP_INVENTORIES), 4);
	assert_int_equal(count(&plan, PC_OP_TRAITS), 4);
	pc_plan_clear(&plan);

	/* all there as wanted: nothing to do */
	assert_int_equal(pc_tree_reserve(&actual, 16), 0);
	for (size_t i = 0; i < want.n; i++)
		actual_like(&actual, &want.p[i], 2);
	assert_int_equal(pc_plan(&want, &actual, "h", &extra, &plan, &err), 0);
	assert_int_equal(plan.n, 0);
	pc_plan_clear(&plan);

	/* an operator's trait on ours is kept: still nothing to do */
	a = pc_tree_find_name(&actual, "h_0000:17:00.0");
	accel_strv_add(&a->traits, &a->n_traits, "CUSTOM_RESERVED_FOR_TEAM_A");
	assert_int_equal(pc_plan(&want, &actual, "h", &extra, &plan, &err), 0);
	assert_int_equal(plan.n, 0);
	pc_plan_clear(&plan);

	/* someone changed our inventory and removed a trait of ours */
	a->inv[0].total = 7;
	accel_strv_free(a->traits, a->n_traits);
	a->traits = NULL;
	a->n_traits = 0;
	accel_strv_add(&a->traits, &a->n_traits, "CUSTOM_OWNER_ACCELSCHED");
	assert_int_equal(pc_plan(&want, &actual, "h", &extra, &plan, &err), 0);
	assert_int_equal(count(&plan, PC_OP_INVENTORIES), 1);
	assert_int_equal(count(&plan, PC_OP_TRAITS), 1);
	pc_plan_clear(&plan);

	/* content not known (changed since cached): read first */
	a->traits_known = false;
	assert_int_equal(pc_plan(&want, &actual, "h", &extra, &plan, &err), 0);
	assert_int_equal(plan.n_reads, 1);
	assert_string_equal(plan.reads[0], a->uuid);
	assert_int_equal(plan.n, 0);
	pc_plan_clear(&plan);

	/* no owner trait but our UUID: we made it and were stopped before
	 * tagging it; ours, to be fixed */
	a->traits_known = true;
	a->owned = false;
	assert_int_equal(pc_plan(&want, &actual, "h", &extra, &plan, &err), 0);
	assert_int_equal(plan.n_clashes, 0);
	assert_int_equal(count(&plan, PC_OP_TRAITS), 1);
	pc_plan_clear(&plan);

	/* neither our trait nor our UUID: another owner's, a clash, left alone */
	memcpy(a->uuid, "0b8e4a4e-5c3a-4f3e-9a47-2f1d1f2a9c10", PC_UUID_LEN);
	assert_int_equal(pc_plan(&want, &actual, "h", &extra, &plan, &err), 0);
	assert_int_equal(plan.n_clashes, 1);
	assert_non_null(strstr(plan.clashes[0], "not accelsched's"));
	for (size_t i = 0; i < plan.n; i++)
		assert_ptr_not_equal(plan.ops[i].actual, a);
	pc_plan_clear(&plan);
	pc_tree_clear(&extra);
	pc_tree_clear(&want);
	pc_tree_clear(&actual);
	accel_inventory_free(inv);
}

static void test_vanished(void **state)
{
	accel_inventory *inv = sample(), *none;
	struct pc_tree want = { 0 }, actual = { 0 }, extra = { 0 }, none_want = { 0 };
	struct pc_plan plan;
	struct pc_provider *a;
	accel_err err;

	(void)state;
	assert_int_equal(pc_desired_tree(inv, "h", ROOT, ACCEL_TRAITS_ACCELSCHED, &want, &err), 0);
	add_root(&actual);
	assert_int_equal(pc_tree_reserve(&actual, 16), 0);
	a = actual_like(&actual, &want.p[0], 3);
	accel_inventory_new(&none, "h");
	/* the device is gone: its allocations decide */
	assert_int_equal(pc_plan(&none_want, &actual, "h", &extra, &plan, &err), 0);
	assert_int_equal(plan.n_alloc_reads, 1);
	pc_plan_clear(&plan);
	a->allocs_known = true;
	a->n_allocations = 0;
	assert_int_equal(pc_plan(&none_want, &actual, "h", &extra, &plan, &err), 0);
	assert_int_equal(count(&plan, PC_OP_DELETE), 1);
	pc_plan_clear(&plan);
	/* still allocated: reserved in full and marked, not deleted */
	a->n_allocations = 1;
	assert_int_equal(pc_plan(&none_want, &actual, "h", &extra, &plan, &err), 0);
	assert_int_equal(count(&plan, PC_OP_DELETE), 0);
	assert_int_equal(plan.n, 2);
	assert_int_equal(plan.ops[0].kind, PC_OP_INVENTORIES);
	assert_int_equal(plan.ops[0].want->inv[0].reserved, plan.ops[0].want->inv[0].total);
	assert_true(pc_has_trait(plan.ops[1].want, "CUSTOM_ACCEL_UNAVAILABLE"));
	pc_plan_clear(&plan);
	/* a provider of another host, or of no one, is not touched */
	free(a->name);
	a->name = strdup("other_0000:17:00.0");
	assert_int_equal(pc_plan(&none_want, &actual, "h", &extra, &plan, &err), 0);
	assert_int_equal(plan.n, 0);
	pc_plan_clear(&plan);
	pc_tree_clear(&extra);
	pc_tree_clear(&want);
	pc_tree_clear(&actual);
	accel_inventory_free(inv);
	accel_inventory_free(none);
}

static void test_state(void **state)
{
	struct pc_state st = { 0 }, back;
	struct pc_provider *p;
	char *a, *b;
	accel_err err;

	(void)state;
	st.placement_url = strdup("http://p");
	st.microversion = 36;
	memcpy(st.root_uuid, ROOT, PC_UUID_LEN);
	st.root_name = strdup("h");
	accel_strv_add(&st.known_traits, &st.n_known_traits, "CUSTOM_X");
	p = pc_tree_add(&st.cache);
	memcpy(p->uuid, "1f1700fb-1924-55b9-9d2a-1b0dc23973e7", PC_UUID_LEN);
	memcpy(p->parent, ROOT, PC_UUID_LEN);
	p->name = strdup("h_0000:17:00.0");
	p->generation = 2;
	p->traits_known = p->inv_known = true;
	accel_strv_add(&p->traits, &p->n_traits, "CUSTOM_OWNER_ACCELSCHED");
	p->inv = calloc(1, sizeof(*p->inv));
	p->n_inv = 1;
	strcpy(p->inv[0].rc, "PGPU");
	p->inv[0].total = p->inv[0].max_unit = p->inv[0].min_unit = p->inv[0].step_size = 1;
	p->inv[0].allocation_ratio = 1.0;
	a = pc_state_dump(&st);
	assert_int_equal(pc_state_parse(a, strlen(a), &back, &err), 0);
	b = pc_state_dump(&back);
	assert_string_equal(a, b);
	assert_true(back.cache.p[0].owned);
	free(a);
	free(b);
	pc_state_clear(&back);
	pc_state_clear(&st);
	/* malformed: refused whole */
	assert_int_equal(pc_state_parse("{\"version\":2}", 13, &back, &err), -EBADMSG);
	assert_int_equal(pc_state_parse("{\"version\":1,\"providers\":[{\"uuid\":\"x\"}]}", 41, &back,
					&err),
			 -EBADMSG);
	assert_int_equal(pc_state_parse("{", 1, &back, &err), -EBADMSG);
}

/* Operators' traits of every shape survive; ours go when not wanted: our
 * namespace always, other names only those we wrote (issue 9, item 1). */
static void test_operator_traits(void **state)
{
	static const char *const theirs[] = { "CUSTOM_GPU_TEAM_A_ONLY", "CUSTOM_PCI_FOO",
					      "CUSTOM_FPGA_BAR",	"CUSTOM_NPU_BAZ",
					      "HW_CPU_X86_AVX2",	"COMPUTE_STATUS_DISABLED",
					      "HW_GPU_API_OPENCL_V1_0" };
	accel_inventory *inv = sample();
	struct pc_tree want = { 0 }, actual = { 0 }, extra = { 0 };
	struct pc_plan plan;
	struct pc_provider *a, *w;
	char **t;
	size_t nt;
	accel_err err;

	(void)state;
	for (int scheme = ACCEL_TRAITS_ACCELSCHED; scheme <= ACCEL_TRAITS_NOVA_PCI; scheme++) {
		assert_int_equal(pc_desired_tree(inv, "h", ROOT, (accel_trait_scheme)scheme, &want,
						 &err),
				 0);
		add_root(&actual);
		assert_int_equal(pc_tree_reserve(&actual, 16), 0);
		for (size_t i = 0; i < want.n; i++)
			actual_like(&actual, &want.p[i], 2);
		w = pc_tree_find_name(&want, "h_0000:17:00.0");
		a = pc_tree_find_name(&actual, "h_0000:17:00.0");
		for (size_t i = 0; i < sizeof(theirs) / sizeof(theirs[0]); i++)
			assert_int_equal(accel_strv_add(&a->traits, &a->n_traits, theirs[i]), 0);
		assert_int_equal(pc_plan(&want, &actual, "h", &extra, &plan, &err), 0);
		assert_int_equal(plan.n, 0);
		pc_plan_clear(&plan);
		/* a stale trait of our namespace goes, theirs stay */
		accel_strv_add(&a->traits, &a->n_traits, "CUSTOM_ACCEL_HEALTH_DEGRADED");
		/* and one of another scheme's names we wrote (switching schemes) */
		accel_strv_add(&a->traits, &a->n_traits, "CUSTOM_GPU_NVIDIA_OLD");
		accel_strv_add(&a->written, &a->n_written, "CUSTOM_GPU_NVIDIA_OLD");
		assert_int_equal(pc_plan(&want, &actual, "h", &extra, &plan, &err), 0);
		assert_int_equal(count(&plan, PC_OP_TRAITS), 1);
		assert_int_equal(pc_merge_traits(w, a, &t, &nt), 0);
		for (size_t i = 0; i < sizeof(theirs) / sizeof(theirs[0]); i++) {
			bool found = false;

			for (size_t k = 0; k < nt; k++)
				found = found || !strcmp(t[k], theirs[i]);
			assert_true(found);
		}
		for (size_t k = 0; k < nt; k++) {
			assert_string_not_equal(t[k], "CUSTOM_ACCEL_HEALTH_DEGRADED");
			assert_string_not_equal(t[k], "CUSTOM_GPU_NVIDIA_OLD");
		}
		assert_int_equal(nt, w->n_traits + sizeof(theirs) / sizeof(theirs[0]));
		accel_strv_free(t, nt);
		pc_plan_clear(&plan);
		pc_tree_clear(&extra);
		pc_tree_clear(&want);
		pc_tree_clear(&actual);
	}
	accel_inventory_free(inv);
}

/* A resource class change under an allocation (VGPU to PGPU): the old
 * inventory is kept, reserved, marked; the vanished allocated device is
 * reserved first (issue 9, item 2). */
static void test_inuse(void **state)
{
	accel_inventory *inv = sample();
	struct pc_tree want = { 0 }, actual = { 0 }, extra = { 0 };
	struct pc_plan plan;
	struct pc_provider *a, *gone;
	accel_err err;

	(void)state;
	assert_int_equal(pc_desired_tree(inv, "h", ROOT, ACCEL_TRAITS_ACCELSCHED, &want, &err), 0);
	add_root(&actual);
	assert_int_equal(pc_tree_reserve(&actual, 16), 0);
	for (size_t i = 0; i < want.n; i++)
		actual_like(&actual, &want.p[i], 2);
	a = pc_tree_find_name(&actual, "h_0000:17:00.0");
	strcpy(a->inv[0].rc, "VGPU");
	a->inv[0].total = a->inv[0].max_unit = 4;
	/* a vanished device, allocated */
	gone = pc_tree_add(&actual);
	pc_uuid5("h_0000:99:00.0", gone->uuid);
	memcpy(gone->parent, ROOT, PC_UUID_LEN);
	gone->name = strdup("h_0000:99:00.0");
	gone->generation = 1;
	gone->owned = gone->traits_known = gone->inv_known = true;
	accel_strv_add(&gone->traits, &gone->n_traits, ACCEL_OWNER_TRAIT);
	gone->inv = calloc(1, sizeof(*gone->inv));
	gone->n_inv = 1;
	strcpy(gone->inv[0].rc, "PGPU");
	gone->inv[0].total = gone->inv[0].max_unit = gone->inv[0].min_unit = 1;
	gone->inv[0].step_size = 1;
	gone->inv[0].allocation_ratio = 1;
	gone->allocs_known = true;
	gone->n_allocations = 1;

	/* allocations of the changed one not known: read first */
	assert_int_equal(pc_plan(&want, &actual, "h", &extra, &plan, &err), 0);
	assert_int_equal(plan.n_alloc_reads, 1);
	assert_string_equal(plan.alloc_reads[0], a->uuid);
	pc_plan_clear(&plan);
	pc_tree_clear(&extra);

	/* allocated: held, and the vanished one reserved before anything */
	a->allocs_known = true;
	a->n_allocations = 2;
	assert_int_equal(pc_plan(&want, &actual, "h", &extra, &plan, &err), 0);
	assert_int_equal(plan.n_alloc_reads, 0);
	assert_true(plan.n >= 4);
	assert_ptr_equal(plan.ops[0].actual, gone);
	assert_int_equal(plan.ops[0].kind, PC_OP_INVENTORIES);
	assert_int_equal(plan.ops[0].want->inv[0].reserved, 1);
	assert_ptr_equal(plan.ops[1].actual, gone);
	assert_ptr_equal(plan.ops[2].actual, a);
	assert_int_equal(plan.ops[2].kind, PC_OP_INVENTORIES);
	assert_int_equal(plan.ops[2].want->n_inv, 1);
	assert_string_equal(plan.ops[2].want->inv[0].rc, "VGPU");
	assert_int_equal(plan.ops[2].want->inv[0].reserved, 4);
	assert_int_equal(plan.ops[3].kind, PC_OP_TRAITS);
	assert_true(pc_has_trait(plan.ops[3].want, ACCEL_UNAVAILABLE_TRAIT));
	assert_int_equal(plan.n_clashes, 1);
	assert_non_null(strstr(plan.clashes[0], "h_0000:17:00.0"));
	assert_non_null(strstr(plan.clashes[0], "placement.inventory.inuse"));
	pc_plan_clear(&plan);
	pc_tree_clear(&extra);

	/* held already: nothing more to write while allocated */
	a->inv[0].reserved = 4;
	accel_strv_add(&a->traits, &a->n_traits, ACCEL_UNAVAILABLE_TRAIT);
	gone->inv[0].reserved = 1;
	accel_strv_add(&gone->traits, &gone->n_traits, ACCEL_UNAVAILABLE_TRAIT);
	assert_int_equal(pc_plan(&want, &actual, "h", &extra, &plan, &err), 0);
	assert_int_equal(plan.n, 0);
	pc_plan_clear(&plan);
	pc_tree_clear(&extra);

	/* freed: replaced, and the mark goes */
	a->n_allocations = 0;
	assert_int_equal(pc_plan(&want, &actual, "h", &extra, &plan, &err), 0);
	assert_int_equal(plan.n_clashes, 0);
	assert_int_equal(plan.n, 2);
	assert_string_equal(plan.ops[0].want->inv[0].rc, "PGPU");
	assert_false(pc_has_trait(plan.ops[1].want, ACCEL_UNAVAILABLE_TRAIT));
	pc_plan_clear(&plan);
	pc_tree_clear(&extra);
	pc_tree_clear(&want);
	pc_tree_clear(&actual);
	accel_inventory_free(inv);
}

/* Lists from Placement have no count limit of their own (item 5). */
static void test_long_lists(void **state)
{
	size_t cap = 64 + 1000 * 24;
	char *doc = malloc(cap), **names = NULL;
	struct pc_provider p = { .generation = -1 };
	size_t o, n = 0;
	accel_err err;

	(void)state;
	o = (size_t)snprintf(doc, cap, "{\"resource_provider_generation\":1,\"traits\":[");
	for (int i = 0; i < 1000; i++)
		o += (size_t)snprintf(doc + o, cap - o, "%s\"CUSTOM_T%04d\"", i ? "," : "", i);
	snprintf(doc + o, cap - o, "]}");
	assert_int_equal(pc_parse_traits(doc, strlen(doc), &p, &err), 0);
	assert_int_equal(p.n_traits, 1000);
	pc_provider_clear(&p);
	o = (size_t)snprintf(doc, cap, "{\"resource_classes\":[");
	for (int i = 0; i < 1000; i++)
		o += (size_t)snprintf(doc + o, cap - o, "%s{\"name\":\"CUSTOM_R%04d\"}", i ? "," : "",
				      i);
	snprintf(doc + o, cap - o, "]}");
	assert_int_equal(pc_parse_names(doc, strlen(doc), "resource_classes", "name", &names, &n,
					&err),
			 0);
	assert_int_equal(n, 1000);
	accel_strv_free(names, n);
	free(doc);
}

/* The temporary file is never opened through a planted link (item 7). */
static void test_state_save_link(void **state)
{
	char dir[] = "/tmp/accel-state-XXXXXX", path[128], tmp[140], victim[140], buf[64];
	struct pc_state st = { 0 }, back;
	FILE *f;
	accel_err err;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/placement-h.json", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	f = fopen(victim, "w");
	fputs("keep me", f);
	fclose(f);
	assert_int_equal(symlink(victim, tmp), 0);
	st.placement_url = strdup("http://p");
	assert_int_equal(pc_written_set(&st, ROOT, (char *[]){ "CUSTOM_PCI_10DE_20B5" }, 1), 0);
	assert_int_equal(pc_state_save(path, &st, &err), 0);
	/* the link's target untouched, the state saved */
	f = fopen(victim, "r");
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "keep me");
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(pc_state_load(path, &back, &err), 0);
	assert_non_null(pc_written_find(&back, ROOT));
	assert_string_equal(pc_written_find(&back, ROOT)->traits[0], "CUSTOM_PCI_10DE_20B5");
	pc_state_clear(&back);
	/* a broken file: the error names it, then what is wrong */
	f = fopen(path, "w");
	fputs("{\"version\": 99}", f);
	fclose(f);
	assert_int_equal(pc_state_load(path, &back, &err), -EBADMSG);
	snprintf(tmp, sizeof(tmp), "%s: ", path);
	assert_int_equal(strncmp(err.msg, tmp, strlen(tmp)), 0);
	assert_non_null(strstr(err.msg, ": state file: not version 1"));
	pc_state_clear(&st);
	unlink(path);
	unlink(victim);
	rmdir(dir);
}

/* Error bodies are logged: what comes from outside is escaped. */
static void test_printable(void **state)
{
	static const char in[] = "ok \x1b[2J\r\nfake\x00\xff\\";
	char out[64], small[7];

	(void)state;
	pc_printable(in, sizeof(in) - 1, out, sizeof(out));
	assert_string_equal(out, "ok \\x1b[2J\\x0d\\x0afake\\x00\\xff\\x5c");
	/* cut at a whole character, never half an escape */
	pc_printable(in, sizeof(in) - 1, small, sizeof(small));
	assert_string_equal(small, "ok ");
	pc_printable(NULL, 5, small, sizeof(small));
	assert_string_equal(small, "");
}

static void test_header(void **state)
{
	static const char good[] = "X-Subject-Token: \tgAAAAAB-tok_en \r\n";
	static const char lower[] = "x-subject-token:second\r\n";
	static const char inj[] = "X-Subject-Token: a\rInjected: b\r\n";
	static const char other[] = "X-Subject-Tokens: no\r\n";
	char *tok = NULL;

	(void)state;
	assert_int_equal(pc_http_on_header(good, sizeof(good) - 1, &tok), sizeof(good) - 1);
	assert_string_equal(tok, "gAAAAAB-tok_en");
	assert_int_equal(pc_http_on_header(other, sizeof(other) - 1, &tok), sizeof(other) - 1);
	assert_string_equal(tok, "gAAAAAB-tok_en");
	pc_http_on_header(lower, sizeof(lower) - 1, &tok);
	assert_string_equal(tok, "second");
	/* a value that would smuggle a header into our requests is no token */
	pc_http_on_header(inj, sizeof(inj) - 1, &tok);
	assert_null(tok);
	/* not NUL-terminated: only `len` bytes are read */
	assert_int_equal(pc_http_on_header("X-Subject-Token: abcdef", 20, &tok), 20);
	assert_string_equal(tok, "abc");
	free(tok);
}

struct catch {
	int fd;
	char head[16384];
};

/* One connection: keep what the client sends until the end of the request
 * head, then answer 503 and close. */
static void *catch_request(void *arg)
{
	static const char answer[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
				     "Connection: close\r\n\r\n";
	struct catch *c = arg;
	size_t n = 0;
	int fd = accept(c->fd, NULL, NULL);

	if (fd < 0)
		return NULL;
	while (n < sizeof(c->head) - 1 && !strstr(c->head, "\r\n\r\n")) {
		ssize_t r = read(fd, c->head + n, sizeof(c->head) - 1 - n);

		if (r <= 0)
			break;
		n += (size_t)r;
		c->head[n] = '\0';
	}
	if (write(fd, answer, sizeof(answer) - 1) < 0) {
		/* the client gave up: its test fails on the head */
	}
	close(fd);
	return NULL;
}

/* A base URL of any length reaches the server whole, with the path after
 * it (the URL was once cut at 4 KiB without a word). */
static void test_long_url(void **state)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	struct catch c = { 0 };
	accel_config *cfg;
	accel_placement *pl;
	accel_inventory *inv;
	accel_err err;
	pthread_t t;
	char *base, *want;
	size_t blen = 6000;

	(void)state;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c.fd >= 0);
	assert_int_equal(bind(c.fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(c.fd, 1), 0);
	assert_int_equal(getsockname(c.fd, (struct sockaddr *)&sa, &sl), 0);
	assert_int_equal(pthread_create(&t, NULL, catch_request, &c), 0);

	assert_int_equal(accel_config_new(&cfg, &err), 0);
	base = malloc(blen + 64);
	assert_non_null(base);
	snprintf(base, blen + 64, "http://127.0.0.1:%u/", ntohs(sa.sin_port));
	for (size_t i = strlen(base); i < blen; i++)
		base[i] = 'p';
	base[blen] = '\0';
	cfg->placement.auth_type = ACCEL_AUTH_NONE;
	cfg->placement.endpoint_override = base; /* the config frees it */
	cfg->placement.token = strdup("admin");
	cfg->placement.max_retries = 0;
	cfg->placement.timeout = 10;
	assert_int_equal(accel_placement_new(&pl, cfg, &err), 0);
	assert_int_equal(accel_inventory_new(&inv, "h"), 0);
	/* the first request is GET / (the microversions): 503, not retried */
	assert_int_equal(accel_placement_sync(pl, inv, NULL, NULL, &err), -EAGAIN);
	pthread_join(t, NULL);
	close(c.fd);
	/* "GET /ppp.../ HTTP/1.1": the whole base's path, then "/" */
	want = malloc(blen + 64);
	assert_non_null(want);
	snprintf(want, blen + 64, "GET %s/ HTTP/1.1\r\n", strchr(base + 7, '/'));
	assert_int_equal(strncmp(c.head, want, strlen(want)), 0);
	free(want);
	accel_inventory_free(inv);
	accel_placement_free(pl);
	accel_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uuid),	 cmocka_unit_test(test_root_doc),
		cmocka_unit_test(test_providers), cmocka_unit_test(test_content),
		cmocka_unit_test(test_bodies),
		cmocka_unit_test(test_errors),	 cmocka_unit_test(test_token),
		cmocka_unit_test(test_time),	 cmocka_unit_test(test_desired),
		cmocka_unit_test(test_plan),	 cmocka_unit_test(test_vanished),
		cmocka_unit_test(test_scheme_switch),
		cmocka_unit_test(test_nova_twin),	 cmocka_unit_test(test_nova_owner),
		cmocka_unit_test(test_state),	 cmocka_unit_test(test_operator_traits),
		cmocka_unit_test(test_inuse),	 cmocka_unit_test(test_long_lists),
		cmocka_unit_test(test_state_save_link),
		cmocka_unit_test(test_printable),
		cmocka_unit_test(test_header),	 cmocka_unit_test(test_long_url),
	};

	return cmocka_run_group_tests_name("placement", tests, NULL, NULL);
}
