/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: whole scans (drivers/scan.c and the backends) over made-up
 * trees for the corner cases real captures lack: malformed, empty,
 * oversized and non-UTF-8 attributes, missing files, dangling and looping
 * links, devices removed mid-scan, all-ones config space, limits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/sysmacros.h>

#include <accel/discovery.h>
#include "scan.h"
#include "tree.h"

#define RP "pci0000:00/0000:00:01.0"

struct t {
	char *dir;  /* tmp dir */
	char *root; /* dir/sys */
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	t->dir = tree_tmpdir();
	t->root = strdup(tree_path("%s/sys", t->dir));
	tree_mkdirs(tree_path("%s/bus/pci/devices", t->root));
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	tree_rm(t->dir);
	free(t->dir);
	free(t->root);
	free(t);
	return 0;
}

/* Root port 00:01.0 and an A100 80GB PCIe at 01:00.0 below it. */
static char *a100(const char *root)
{
	char *dir;

	tree_pci(root, "pci0000:00", "0000:00:01.0", 0x8086, 0x2030, 0x060400);
	dir = tree_pci(root, RP, "0000:01:00.0", 0x10de, 0x20b5, 0x030200);
	dir = strdup(dir);
	tree_write(tree_path("%s/subsystem_vendor", dir), "0x10de\n", -1);
	tree_write(tree_path("%s/subsystem_device", dir), "0x1533\n", -1);
	tree_write(tree_path("%s/numa_node", dir), "1\n", -1);
	tree_write(tree_path("%s/local_cpulist", dir), "32-63\n", -1);
	tree_write(tree_path("%s/current_link_speed", dir), "16.0 GT/s PCIe\n", -1);
	tree_write(tree_path("%s/current_link_width", dir), "16\n", -1);
	tree_write(tree_path("%s/max_link_speed", dir), "16.0 GT/s PCIe\n", -1);
	tree_write(tree_path("%s/max_link_width", dir), "16\n", -1);
	tree_mkdirs(tree_path("%s/bus/pci/drivers/vfio-pci", root));
	tree_link("../../../../bus/pci/drivers/vfio-pci", tree_path("%s/driver", dir));
	tree_mkdirs(tree_path("%s/kernel/iommu_groups/31", root));
	tree_link("../../../../kernel/iommu_groups/31", tree_path("%s/iommu_group", dir));
	return dir;
}

static accel_inventory *scan_root(const char *root, int expect_rc, accel_ctx **keep)
{
	accel_inventory *inv = NULL;
	accel_ctx *ctx;
	int r;

	assert_int_equal(accel_ctx_new(&ctx), 0);
	assert_int_equal(accel_ctx_set_sysfs_root(ctx, root), 0);
	accel_ctx_set_host(ctx, "test-host");
	r = accel_scan(ctx, &inv);
	if (r != expect_rc)
		fail_msg("scan of %s returned %d (%s), expected %d", root, r, accel_ctx_error(ctx),
			 expect_rc);
	if (keep)
		*keep = ctx;
	else
		accel_ctx_free(ctx);
	return inv;
}

/* Some warning's path ends with `path_end` and its message has `msg`. */
static bool has_warning(const accel_inventory *inv, const char *path_end, const char *msg)
{
	for (size_t i = 0; i < accel_inventory_n_warnings(inv); i++) {
		const accel_warning *w = accel_inventory_warning(inv, i);
		size_t lp = strlen(w->path), le = strlen(path_end);

		if (lp >= le && !strcmp(w->path + lp - le, path_end) && strstr(w->message, msg))
			return true;
	}
	return false;
}

static void dump_warnings(const accel_inventory *inv)
{
	for (size_t i = 0; i < accel_inventory_n_warnings(inv); i++)
		fprintf(stderr, "  warning: %s: %s\n", accel_inventory_warning(inv, i)->path,
			accel_inventory_warning(inv, i)->message);
}

static void test_a100(void **state)
{
	struct t *t = *state;
	char *dir = a100(t->root);
	accel_inventory *inv = scan_root(t->root, 0, NULL);
	const accel_device *d;

	assert_int_equal(accel_inventory_n_devices(inv), 1);
	d = accel_inventory_find(inv, "0000:01:00.0");
	assert_non_null(d);
	assert_int_equal(d->kind, ACCEL_KIND_GPU);
	assert_string_equal(d->vendor, "nvidia");
	assert_string_equal(d->model, "A100 80GB PCIe");
	assert_int_equal(d->memory_mb, 81920);
	assert_string_equal(d->compute_capability, "8.0");
	assert_string_equal(d->driver, "vfio-pci");
	assert_int_equal(d->numa_node, 1);
	assert_string_equal(d->cpu_affinity, "32-63");
	assert_int_equal(d->iommu_group, 31);
	assert_int_equal(d->pcie.speed_dgts, 160);
	assert_int_equal(d->pcie.width, 16);
	assert_int_equal(d->pcie.n_upstream, 1);
	assert_string_equal(d->pcie.upstream[0], "0000:00:01.0");
	assert_string_equal(d->pcie.host_bridge, "pci0000:00");
	assert_int_equal(d->health, ACCEL_HEALTH_OK);
	assert_string_equal(d->resource_class, "PGPU");
	assert_true(accel_device_has_trait(d, "CUSTOM_ACCEL_VENDOR_NVIDIA"));
	assert_true(accel_device_has_trait(d, "CUSTOM_ACCEL_PRODUCT_10DE_20B5"));
	assert_true(accel_device_has_trait(d, "CUSTOM_ACCEL_CUDA_COMPUTE_CAPABILITY_V8_0"));
	/* vfio-pci: no DRM node, no OpenCL: the table gave model and memory */
	assert_null(d->drm.card);
	if (accel_inventory_n_warnings(inv))
		dump_warnings(inv);
	assert_int_equal(accel_inventory_n_warnings(inv), 0);
	assert_string_equal(accel_inventory_host(inv), "test-host");
	accel_inventory_free(inv);
	free(dir);
}

static void test_empty_and_missing(void **state)
{
	struct t *t = *state;
	accel_inventory *inv = scan_root(t->root, 0, NULL);
	accel_ctx *ctx;

	assert_int_equal(accel_inventory_n_devices(inv), 0);
	accel_inventory_free(inv);

	/* a root that is not a sysfs tree: the error names the path */
	inv = scan_root(tree_path("%s/nowhere", t->dir), -ENOENT, &ctx);
	assert_null(inv);
	assert_non_null(strstr(accel_ctx_error(ctx), "/nowhere/bus/pci/devices"));
	assert_non_null(strstr(accel_ctx_error(ctx), "No such file"));
	accel_ctx_free(ctx);
}

static void test_garbage_entry(void **state)
{
	struct t *t = *state;
	accel_ctx *ctx;
	accel_inventory *inv;

	free(a100(t->root));
	tree_write(tree_path("%s/bus/pci/devices/garbage", t->root), "x", -1);
	inv = scan_root(t->root, -EINVAL, &ctx);
	assert_null(inv);
	assert_non_null(strstr(accel_ctx_error(ctx), "bus/pci/devices"));
	assert_non_null(strstr(accel_ctx_error(ctx), "garbage"));
	accel_ctx_free(ctx);

	/* a short address: ours would take it, libpci's scan fails on it
	 * (and leaked its directory): refused up front (fuzz_sysfs_tree) */
	unlink(tree_path("%s/bus/pci/devices/garbage", t->root));
	tree_link("../../../devices/pci0000:00/0000:00:01.0",
		  tree_path("%s/bus/pci/devices/00:01.0", t->root));
	inv = scan_root(t->root, -EINVAL, &ctx);
	assert_null(inv);
	assert_non_null(strstr(accel_ctx_error(ctx), "entry '00:01.0' is not a PCI address"));
	accel_ctx_free(ctx);
}

static void test_malformed_attrs(void **state)
{
	struct t *t = *state;
	char *dir = a100(t->root), big[6000];
	accel_inventory *inv;
	const accel_device *d;

	tree_write(tree_path("%s/numa_node", dir), "garbage\n", -1);
	memset(big, '1', sizeof(big));
	tree_write(tree_path("%s/local_cpulist", dir), big, sizeof(big));
	tree_write(tree_path("%s/current_link_speed", dir), "", 0);
	tree_write(tree_path("%s/current_link_width", dir), "\xff\xfe\n", -1);
	tree_write(tree_path("%s/max_link_speed", dir), "fast\n", -1);
	tree_write(tree_path("%s/sriov_totalvfs", dir), "-3\n", -1);
	tree_write(tree_path("%s/mdev_supported_types/nvidia-471/name", dir), "GRID\xc3\x28\n", -1);
	tree_write(tree_path("%s/mdev_supported_types/nvidia-471/available_instances", dir),
		   "ten\n", -1);
	tree_write(tree_path("%s/mdev_supported_types/nvidia-472/name", dir), "GRID A100-8C\n", -1);
	tree_write(tree_path("%s/mdev_supported_types/nvidia-472/available_instances", dir), "4\n",
		   -1);
	tree_write(tree_path("%s/aer_dev_correctable", dir), "not aer\n", -1);

	inv = scan_root(t->root, 0, NULL);
	d = accel_inventory_find(inv, "01:00.0");
	assert_non_null(d);
	assert_int_equal(d->numa_node, -1);
	assert_null(d->cpu_affinity);
	assert_int_equal(d->pcie.speed_dgts, 0);
	assert_int_equal(d->pcie.width, 0);
	assert_int_equal(d->pcie.max_speed_dgts, 0);
	assert_int_equal(d->pcie.max_width, 16);
	assert_int_equal(d->sriov.total_vfs, -1);
	assert_int_equal(d->n_mdev_types, 2);
	assert_string_equal(d->mdev_types[0].id, "nvidia-471");
	assert_null(d->mdev_types[0].name);
	assert_int_equal(d->mdev_types[0].available, -1);
	assert_string_equal(d->mdev_types[1].name, "GRID A100-8C");
	assert_int_equal(d->mdev_types[1].available, 4);
	/* the rest of the device is intact */
	assert_string_equal(d->model, "A100 80GB PCIe");
	assert_string_equal(d->driver, "vfio-pci");
	assert_true(has_warning(inv, "/numa_node", "malformed value 'garbage'"));
	assert_true(has_warning(inv, "/local_cpulist", "oversized"));
	assert_true(has_warning(inv, "/current_link_width", "malformed value '?\?'"));
	assert_true(has_warning(inv, "/max_link_speed", "malformed value 'fast'"));
	assert_true(has_warning(inv, "/sriov_totalvfs", "'-3'"));
	assert_true(has_warning(inv, "nvidia-471/name", "malformed"));
	assert_true(has_warning(inv, "nvidia-471/available_instances", "'ten'"));
	assert_true(has_warning(inv, "/aer_dev_correctable", "malformed"));
	assert_true(has_warning(inv, "/current_link_speed", "malformed value ''"));
	accel_inventory_free(inv);
	free(dir);
}

static void test_bad_links(void **state)
{
	struct t *t = *state;
	char *dir = a100(t->root);
	accel_inventory *inv;
	const accel_device *d;

	tree_link("../../../../bus/pci/drivers/gone-driver", tree_path("%s/driver", dir));
	tree_link("iommu_group", tree_path("%s/iommu_group", dir)); /* itself: a loop */
	inv = scan_root(t->root, 0, NULL);
	d = accel_inventory_find(inv, "01:00.0");
	assert_non_null(d);
	assert_null(d->driver);
	assert_int_equal(d->iommu_group, -1);
	assert_true(has_warning(inv, "/driver", "dangling link"));
	assert_true(has_warning(inv, "/iommu_group", "looping link"));
	accel_inventory_free(inv);
	free(dir);
}

static void test_bad_ids(void **state)
{
	struct t *t = *state;
	char *dir = a100(t->root);
	accel_inventory *inv;
	const accel_device *d;

	/* garbage class file, good config space: config wins, with a warning */
	tree_write(tree_path("%s/class", dir), "0x0302zz\n", -1);
	inv = scan_root(t->root, 0, NULL);
	d = accel_inventory_find(inv, "01:00.0");
	assert_non_null(d);
	assert_int_equal(d->class_code, 0x030200);
	assert_true(has_warning(inv, "01:00.0", "class: malformed value '0x0302zz'"));
	accel_inventory_free(inv);

	/* no config space and a garbage vendor file: it cannot be named */
	unlink(tree_path("%s/config", dir));
	tree_write(tree_path("%s/vendor", dir), "\xff\xff\xff\n", -1);
	inv = scan_root(t->root, 0, NULL);
	assert_null(accel_inventory_find(inv, "01:00.0"));
	assert_true(has_warning(inv, "01:00.0", "config: missing"));
	assert_true(has_warning(inv, "01:00.0", "vendor: malformed value '?\?\?'"));
	accel_inventory_free(inv);

	/* no config space, good files: named from the files */
	tree_write(tree_path("%s/vendor", dir), "0x10de\n", -1);
	inv = scan_root(t->root, 0, NULL);
	d = accel_inventory_find(inv, "01:00.0");
	assert_non_null(d);
	assert_int_equal(d->subsystem_device_id, 0x1533);
	assert_string_equal(d->model, "A100 80GB PCIe");
	accel_inventory_free(inv);
	free(dir);
}

static void test_all_ones(void **state)
{
	struct t *t = *state;
	char *dir = a100(t->root), cfg[64];
	accel_inventory *inv;
	const accel_device *d;

	/* fell off the bus: the kernel keeps the IDs, config reads all-ones */
	memset(cfg, 0xff, sizeof(cfg));
	tree_write(tree_path("%s/config", dir), cfg, sizeof(cfg));
	inv = scan_root(t->root, 0, NULL);
	d = accel_inventory_find(inv, "01:00.0");
	assert_non_null(d);
	assert_int_equal(d->health, ACCEL_HEALTH_FAILED);
	assert_non_null(strstr(d->health_reasons[0], "all-ones"));
	accel_inventory_free(inv);
	free(dir);
}

static void remove_device(const char *stage, void *arg)
{
	if (!strcmp(stage, "classify"))
		tree_rm_inner(arg);
}

static void test_removed_mid_scan(void **state)
{
	struct t *t = *state;
	char *dir = a100(t->root);
	accel_inventory *inv = NULL;
	accel_ctx *ctx;
	const accel_device *d;

	assert_int_equal(accel_ctx_new(&ctx), 0);
	accel_ctx_set_sysfs_root(ctx, t->root);
	ctx->stage_hook = remove_device;
	ctx->stage_hook_arg = dir;
	assert_int_equal(accel_scan(ctx, &inv), 0);
	d = accel_inventory_find(inv, "01:00.0");
	assert_non_null(d);
	assert_int_equal(d->health, ACCEL_HEALTH_FAILED);
	assert_non_null(strstr(d->health_reasons[0], "gone mid-scan"));
	/* what was read before it went is kept */
	assert_string_equal(d->model, "A100 80GB PCIe");
	accel_inventory_free(inv);
	accel_ctx_free(ctx);

	/* removed before the scan, its bus link left behind: a warning */
	inv = scan_root(t->root, 0, NULL);
	assert_int_equal(accel_inventory_n_devices(inv), 0);
	assert_true(has_warning(inv, "0000:01:00.0", "vanished"));
	accel_inventory_free(inv);
	free(dir);
}

static void test_health(void **state)
{
	struct t *t = *state;
	char *dir = a100(t->root), *fpga;
	accel_inventory *inv;
	const accel_device *d;

	/* idle GPU at 2.5 GT/s: not held against it; x8 of x16 is */
	tree_write(tree_path("%s/current_link_speed", dir), "2.5 GT/s PCIe\n", -1);
	tree_write(tree_path("%s/current_link_width", dir), "8\n", -1);
	tree_write(tree_path("%s/aer_dev_correctable", dir),
		   "RxErr 0\nBadTLP 2\nBadDLLP 1\nTOTAL_ERR_COR 3\n", -1);
	tree_write(tree_path("%s/aer_dev_fatal", dir), "Undefined 0\nTOTAL_ERR_FATAL 0\n", -1);
	tree_pci(t->root, "pci0000:00", "0000:00:02.0", 0x8086, 0x2030, 0x060400);
	fpga = tree_pci(t->root, "pci0000:00/0000:00:02.0", "0000:02:00.1", 0x10ee, 0x5005,
			0x120000);
	tree_write(tree_path("%s/current_link_speed", fpga), "8.0 GT/s PCIe\n", -1);
	tree_write(tree_path("%s/max_link_speed", fpga), "16.0 GT/s PCIe\n", -1);
	inv = scan_root(t->root, 0, NULL);
	d = accel_inventory_find(inv, "01:00.0");
	assert_int_equal(d->health, ACCEL_HEALTH_DEGRADED);
	assert_int_equal(d->n_health_reasons, 2);
	assert_string_equal(d->health_reasons[0], "AER: 3 correctable errors");
	assert_string_equal(d->health_reasons[1], "PCIe link trained at x8 of x16");
	d = accel_inventory_find(inv, "02:00.1");
	assert_non_null(d);
	assert_int_equal(d->kind, ACCEL_KIND_FPGA);
	assert_int_equal(d->health, ACCEL_HEALTH_DEGRADED);
	assert_string_equal(d->health_reasons[0], "PCIe link trained at 8.0 GT/s of 16.0 GT/s");
	/* other root port: meet at the host bridge */
	assert_int_equal(accel_inventory_link_class(inv, "01:00.0", "02:00.1"), ACCEL_LINK_PHB);
	accel_inventory_free(inv);
	free(dir);
}

static void test_display(void **state)
{
	struct t *t = *state;
	accel_inventory *inv;
	const accel_device *d;

	tree_pci(t->root, "pci0000:00", "0000:00:1c.0", 0x8086, 0xa190, 0x060400);
	tree_pci(t->root, "pci0000:00/0000:00:1c.0", "0000:03:00.0", 0x1a03, 0x2000, 0x030000);
	tree_pci(t->root, "pci0000:00", "0000:00:02.0", 0x1234, 0x1111, 0x030000);
	inv = scan_root(t->root, 0, NULL);
	d = accel_inventory_find(inv, "03:00.0");
	assert_non_null(d);
	assert_int_equal(d->kind, ACCEL_KIND_DISPLAY);
	assert_null(d->resource_class);
	assert_int_equal(d->n_traits, 0);
	d = accel_inventory_find(inv, "00:02.0");
	assert_non_null(d);
	assert_int_equal(d->kind, ACCEL_KIND_DISPLAY);
	/* display devices are not in the topology */
	assert_int_equal(accel_inventory_n_links(inv), 0);
	accel_inventory_free(inv);
}

static void test_limit(void **state)
{
	struct t *t = *state;
	accel_inventory *inv;
	accel_ctx *ctx;

	/* one more accelerator than an inventory may hold */
	for (int i = 0; i <= ACCEL_MAX_DEVICES; i++) {
		char addr[32];

		snprintf(addr, sizeof(addr), "0000:%02x:%02x.%d", 0x10 + i / 256, (i / 8) % 32,
			 i % 8);
		tree_pci(t->root, "pci0000:00", addr, 0x1ed5, 0x0100 + (unsigned)i % 7, 0x030000);
	}
	inv = scan_root(t->root, -E2BIG, &ctx);
	assert_null(inv);
	assert_non_null(strstr(accel_ctx_error(ctx), "more than 1024 accelerators"));
	accel_ctx_free(ctx);
}

/* A thread that removes and re-creates a device while scans run: every
 * scan succeeds, and the device is in each result either whole, failed,
 * or absent with a warning. */
struct churn {
	const char *root;
	volatile int stop;
};

static void *churner(void *arg)
{
	struct churn *c = arg;

	while (!c->stop) {
		char *dir = a100(c->root);

		tree_rm_inner(dir);
		free(dir);
	}
	return NULL;
}

static void test_race(void **state)
{
	struct t *t = *state;
	struct churn c = {.root = t->root};
	pthread_t th;
	int seen_ok = 0, seen_failed = 0, seen_absent = 0;

	free(a100(t->root));
	assert_int_equal(pthread_create(&th, NULL, churner, &c), 0);
	for (int i = 0; i < 150; i++) {
		accel_inventory *inv = scan_root(t->root, 0, NULL);
		const accel_device *d = accel_inventory_find(inv, "01:00.0");

		if (!d)
			seen_absent++;
		else if (d->health == ACCEL_HEALTH_FAILED)
			seen_failed++;
		else
			seen_ok++;
		accel_inventory_free(inv);
	}
	c.stop = 1;
	pthread_join(th, NULL);
	assert_int_equal(seen_ok + seen_failed + seen_absent, 150);
}

/* No warning anywhere says `text`. */
static bool no_text(const accel_inventory *inv, const char *text)
{
	for (size_t i = 0; i < accel_inventory_n_warnings(inv); i++)
		if (strstr(accel_inventory_warning(inv, i)->message, text) ||
		    strstr(accel_inventory_warning(inv, i)->path, text))
			return false;
	return true;
}

/* --sysfs-root confines every read (issue 9, item 11): links that leave the
 * root, absolute links, a FIFO where config should be. Each is a warning
 * naming the file; nothing outside is read; nothing blocks. */
static void check_confined(struct t *t, bool walk)
{
	char *dir = a100(t->root);
	accel_inventory *inv;
	const accel_device *d;

	attr_root_force_walk(walk);
	alarm(20); /* a FIFO read blocks forever: fail instead */
	/* outside the root: t->dir/secret, reached by ".." and by an absolute link */
	tree_write(tree_path("%s/secret", t->dir), "SECRET-CONTENT\n", -1);
	tree_write(tree_path("%s/evil-driver/x", t->dir), "", 0);
	tree_link("../../../../../secret", tree_path("%s/numa_node", dir));
	tree_link(tree_path("%s/secret", t->dir), tree_path("%s/local_cpulist", dir));
	tree_link("../../../../../evil-driver", tree_path("%s/driver", dir));
	/* an absolute link is read inside the root, as under chroot */
	tree_write(tree_path("%s/widths/w8", t->root), "8\n", -1);
	tree_link("/widths/w8", tree_path("%s/current_link_width", dir));
	/* FIFOs where files should be: the config and an attribute */
	unlink(tree_path("%s/config", dir));
	assert_int_equal(mkfifo(tree_path("%s/config", dir), 0600), 0);
	unlink(tree_path("%s/max_link_speed", dir));
	assert_int_equal(mkfifo(tree_path("%s/max_link_speed", dir), 0600), 0);
	/* a second device whose bus link is absolute: in the root's /devices */
	tree_pci(t->root, "pci0000:00", "0000:00:02.0", 0x8086, 0x2030, 0x060400);
	tree_pci(t->root, "pci0000:00/0000:00:02.0", "0000:02:00.0", 0x10de, 0x20b5, 0x030200);
	tree_link("/devices/pci0000:00/0000:00:02.0/0000:02:00.0",
		  tree_path("%s/bus/pci/devices/0000:02:00.0", t->root));

	inv = scan_root(t->root, 0, NULL);
	alarm(0);
	d = accel_inventory_find(inv, "01:00.0");
	assert_non_null(d);
	/* IDs from the ID files, the rest as far as it is inside */
	assert_string_equal(d->model, "A100 80GB PCIe");
	assert_int_equal(d->numa_node, -1);
	assert_null(d->cpu_affinity);
	assert_null(d->driver);
	assert_int_equal(d->pcie.width, 8);
	assert_int_equal(d->iommu_group, 31);
	assert_true(has_warning(inv, "01:00.0/numa_node", "leads outside"));
	assert_true(has_warning(inv, "01:00.0/local_cpulist", "leads outside"));
	assert_true(has_warning(inv, "01:00.0/driver", "link leads outside"));
	assert_true(has_warning(inv, "0000:01:00.0", "config: not a regular file"));
	assert_true(has_warning(inv, "01:00.0/max_link_speed", "not a regular file"));
	assert_true(no_text(inv, "SECRET"));
	assert_true(no_text(inv, "evil"));
	d = accel_inventory_find(inv, "02:00.0");
	assert_non_null(d);
	assert_string_equal(d->pcie.host_bridge, "pci0000:00");
	assert_int_equal(d->pcie.n_upstream, 1);
	assert_string_equal(d->pcie.upstream[0], "0000:00:02.0");
	assert_int_equal(accel_inventory_link_class(inv, "01:00.0", "02:00.0"), ACCEL_LINK_PHB);
	accel_inventory_free(inv);
	attr_root_force_walk(false);
	free(dir);
}

static void test_confined(void **state)
{
	check_confined(*state, false);
}

static void test_confined_walk(void **state)
{
	check_confined(*state, true);
}

/* --dev-root: only DRM character devices inside it are opened. A dri node
 * that is another device (here /dev/null's 1:3, made with mknod), or a link
 * to one, or a link out of the root, is refused with a warning. */
static void test_dev_root(void **state)
{
	struct t *t = *state;
	char *dir = a100(t->root), *dev = tree_path("%s/dev", t->dir);
	accel_inventory *inv;
	accel_ctx *ctx;

	if (geteuid() != 0) {
		free(dir);
		skip(); /* mknod needs CAP_MKNOD */
	}
	dev = strdup(dev);
	tree_mkdirs(tree_path("%s/drm/card0", dir));
	tree_mkdirs(tree_path("%s/drm/renderD128", dir));
	tree_mkdirs(tree_path("%s/dri", dev));
	assert_int_equal(mknod(tree_path("%s/null", dev), S_IFCHR | 0600, makedev(1, 3)), 0);
	assert_int_equal(mknod(tree_path("%s/dri/renderD128", dev), S_IFCHR | 0600, makedev(1, 3)),
			 0);
	tree_link("../null", tree_path("%s/dri/card0", dev));

	assert_int_equal(accel_ctx_new(&ctx), 0);
	assert_int_equal(accel_ctx_set_sysfs_root(ctx, t->root), 0);
	assert_int_equal(accel_ctx_set_dev_root(ctx, dev), 0);
	assert_int_equal(accel_scan(ctx, &inv), 0);
	assert_non_null(accel_inventory_find(inv, "01:00.0"));
	assert_true(has_warning(inv, "/dri/renderD128", "not a DRM device"));
	assert_true(has_warning(inv, "/dri/card0", "not a DRM device"));
	accel_inventory_free(inv);

	/* a link out of the dev root */
	unlink(tree_path("%s/dri/renderD128", dev));
	tree_link("/dev/null", tree_path("%s/dri/renderD128", dev));
	unlink(tree_path("%s/null", dev));
	assert_int_equal(accel_scan(ctx, &inv), 0);
	assert_true(has_warning(inv, "/dri/renderD128", "leads outside"));
	accel_inventory_free(inv);
	accel_ctx_free(ctx);
	free(dev);
	free(dir);
}

/* A sysfs tree that is not /sys (a fixture, a copy) with the default dev
 * root: this host's /dev/dri nodes are not that tree's devices, so none is
 * opened. Seen in a child with its own mount namespace, whose /dev is a
 * tmpfs holding a dri node that is not a DRM device: opening it would warn.
 * The same /dev given explicitly ("/dev/.") is opened, and warns. */
static void test_no_host_dev_for_other_tree(void **state)
{
	struct t *t = *state;
	char *dir = a100(t->root);
	int status = -1;
	pid_t pid;

	if (geteuid() != 0) {
		free(dir);
		skip(); /* unshare, mount and mknod need root */
	}
	tree_mkdirs(tree_path("%s/drm/renderD128", dir));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		accel_inventory *inv;
		accel_ctx *ctx;
		int code = 0;

		if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("tmpfs", "/dev", "tmpfs", 0, "mode=0755") || mkdir("/dev/dri", 0755) ||
		    mknod("/dev/dri/renderD128", S_IFCHR | 0600, makedev(1, 3)))
			_exit(77);
		if (accel_ctx_new(&ctx) || accel_ctx_set_sysfs_root(ctx, t->root) ||
		    accel_scan(ctx, &inv))
			_exit(2);
		if (has_warning(inv, "/dri/renderD128", "not a DRM device"))
			code |= 4; /* the host's /dev was opened */
		accel_inventory_free(inv);
		if (accel_ctx_set_dev_root(ctx, "/dev/.") || accel_scan(ctx, &inv))
			_exit(2);
		if (!has_warning(inv, "/dri/renderD128", "not a DRM device"))
			code |= 8; /* an explicit dev root was not */
		accel_inventory_free(inv);
		accel_ctx_free(ctx);
		_exit(code);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	free(dir);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip(); /* no mount namespace here (a container without CAP_SYS_ADMIN) */
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a100, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_and_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_attrs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_ones, setup, teardown),
		cmocka_unit_test_setup_teardown(test_removed_mid_scan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_health, setup, teardown),
		cmocka_unit_test_setup_teardown(test_display, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_race, setup, teardown),
		cmocka_unit_test_setup_teardown(test_confined, setup, teardown),
		cmocka_unit_test_setup_teardown(test_confined_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dev_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_host_dev_for_other_tree, setup, teardown),
	};

	return cmocka_run_group_tests_name("scan", tests, NULL, NULL);
}
