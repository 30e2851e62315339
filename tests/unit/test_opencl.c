/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: the opencl backend against the real ICD loader (ocl-icd) and
 * a real ICD (pocl, on the CPU), checked against what clinfo reports.
 *
 * The loader reads OCL_ICD_VENDORS once per process, so each case runs in
 * a child process with its own environment.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <accel/discovery.h>
#include "scan.h"
#include "tree.h"

static char *empty_root(void)
{
	char *dir = tree_tmpdir(), *root = strdup(tree_path("%s/sys", dir));

	tree_mkdirs(tree_path("%s/bus/pci/devices", root));
	free(dir);
	return root;
}

static void rm_root(char *root)
{
	/* root is <tmpdir>/sys */
	tree_rm_inner(tree_path("%.*s", (int)(strlen(root) - 4), root));
	free(root);
}

static accel_inventory *scan_with(const char *root, accel_opencl_mode mode)
{
	accel_inventory *inv = NULL;
	accel_ctx *ctx;

	assert_int_equal(accel_ctx_new(&ctx), 0);
	assert_int_equal(accel_ctx_set_sysfs_root(ctx, root), 0);
	accel_ctx_set_opencl(ctx, mode);
	assert_int_equal(accel_scan(ctx, &inv), 0);
	accel_ctx_free(ctx);
	return inv;
}

/* The value clinfo --raw gives for a device property of pocl's device 0. */
static bool clinfo_value(const char *prop, char *out, size_t cap)
{
	char line[1024];
	bool found = false;
	FILE *p = popen("clinfo --raw 2>/dev/null", "r");

	if (!p)
		return false;
	while (fgets(line, sizeof(line), p)) {
		char *k = strstr(line, prop);

		if (strncmp(line, "[POCL/0]", 8) || !k)
			continue;
		k += strlen(prop);
		while (*k == ' ')
			k++;
		k[strcspn(k, "\n")] = '\0';
		snprintf(out, cap, "%s", k);
		found = true;
	}
	pclose(p);
	return found;
}

static int run_child(void (*fn)(void))
{
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		fn();
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

#define CHILD_CHECK(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			_exit(1);                                                                  \
		}                                                                                  \
	} while (0)

static void pocl_child(void)
{
	char *root = empty_root(), name[256], units[32], mem[64];
	accel_inventory *inv = scan_with(root, ACCEL_OPENCL_ON);
	const accel_host_opencl *h = NULL;

	for (size_t i = 0; i < accel_inventory_n_host_opencl(inv); i++) {
		const accel_host_opencl *x = accel_inventory_host_opencl(inv, i);

		if (x->platform && !strcmp(x->platform, "Portable Computing Language"))
			h = x;
	}
	CHILD_CHECK(h != NULL);
	CHILD_CHECK(!strcmp(h->type, "cpu"));
	CHILD_CHECK(h->version && !strncmp(h->version, "OpenCL ", 7));
	/* what an independent program sees */
	CHILD_CHECK(clinfo_value("CL_DEVICE_NAME", name, sizeof(name)));
	CHILD_CHECK(!strcmp(h->name, name));
	CHILD_CHECK(clinfo_value("CL_DEVICE_MAX_COMPUTE_UNITS", units, sizeof(units)));
	CHILD_CHECK(h->compute_units == atoi(units));
	CHILD_CHECK(clinfo_value("CL_DEVICE_GLOBAL_MEM_SIZE", mem, sizeof(mem)));
	CHILD_CHECK(h->global_mem_mb == (int64_t)(strtoull(mem, NULL, 10) >> 20));
	CHILD_CHECK(accel_inventory_n_warnings(inv) == 0);
	accel_inventory_free(inv);
	rm_root(root);
}

static void test_pocl(void **state)
{
	(void)state;
	assert_int_equal(run_child(pocl_child), 0);
}

static void no_icd_child(void)
{
	char *dir = tree_tmpdir(), *root = empty_root();
	accel_inventory *inv;

	/* a loader that finds no ICD at all: nothing to say, no warning */
	setenv("OCL_ICD_VENDORS", dir, 1);
	inv = scan_with(root, ACCEL_OPENCL_ON);
	CHILD_CHECK(accel_inventory_n_host_opencl(inv) == 0);
	CHILD_CHECK(accel_inventory_n_warnings(inv) == 0);
	accel_inventory_free(inv);
	/* an ICD file naming a library that does not exist: skipped */
	tree_write(tree_path("%s/broken.icd", dir), "/nonexistent/libbroken.so\n", -1);
	inv = scan_with(root, ACCEL_OPENCL_ON);
	CHILD_CHECK(accel_inventory_n_host_opencl(inv) == 0);
	accel_inventory_free(inv);
	tree_rm(dir);
	free(dir);
	rm_root(root);
}

static void test_no_icd(void **state)
{
	(void)state;
	assert_int_equal(run_child(no_icd_child), 0);
}

static void fixture_child(void)
{
	char *root = empty_root();
	accel_inventory *inv = scan_with(root, ACCEL_OPENCL_AUTO);

	/* a fixture's devices are not this machine's: OpenCL stays out */
	CHILD_CHECK(accel_inventory_n_host_opencl(inv) == 0);
	accel_inventory_free(inv);
	rm_root(root);
}

static void test_auto_skips_fixtures(void **state)
{
	(void)state;
	assert_int_equal(run_child(fixture_child), 0);
}

/* Matching a reported bus address to a PCI function. */
static void test_match(void **state)
{
	struct scan_fn fns[3] = {0};
	struct scan s = {.fns = fns, .n_fns = 3};

	(void)state;
	fns[0].domain = 0, fns[0].bus = 0x17, fns[0].slot = 0, fns[0].func = 0;
	fns[1].domain = 1, fns[1].bus = 0x17, fns[1].slot = 0, fns[1].func = 0;
	fns[2].domain = 0, fns[2].bus = 0x18, fns[2].slot = 0, fns[2].func = 0;
	assert_ptr_equal(accel_opencl_match(&s, 0, 0x17, 0, 0, false), &fns[0]);
	assert_ptr_equal(accel_opencl_match(&s, 1, 0x17, 0, 0, false), &fns[1]);
	/* AMD's topology query gives no domain: 17:00.0 is in two */
	assert_null(accel_opencl_match(&s, 0, 0x17, 0, 0, true));
	assert_ptr_equal(accel_opencl_match(&s, 0, 0x18, 0, 0, true), &fns[2]);
	assert_null(accel_opencl_match(&s, 0, 0x19, 0, 0, false));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pocl),
		cmocka_unit_test(test_no_icd),
		cmocka_unit_test(test_auto_skips_fixtures),
		cmocka_unit_test(test_match),
	};

	return cmocka_run_group_tests_name("opencl", tests, NULL, NULL);
}
