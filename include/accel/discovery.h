/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Discovery: find every accelerator on a node and build its inventory.
 *
 * Every path is relative to roots the caller sets: the sysfs root stands
 * where /sys stands (ROOT/bus/pci/devices/...), the dev root where /dev
 * stands. Instead of sysfs, an `lspci -x` (or -xxx, -xxxx) dump can be
 * read; it knows config space only, so NUMA nodes, drivers and IOMMU
 * groups are then absent.
 *
 * The library never prints and never exits: libpci's fatal error hook is
 * replaced, and everything that goes wrong comes back as a negative errno
 * with a message (accel_ctx_error) or as a warning in the inventory.
 */
#ifndef ACCEL_DISCOVERY_H
#define ACCEL_DISCOVERY_H

#include <accel/inventory.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct accel_ctx accel_ctx;

typedef enum accel_opencl_mode {
	ACCEL_OPENCL_AUTO = 0, /* on when the sysfs root is the real one */
	ACCEL_OPENCL_ON,
	ACCEL_OPENCL_OFF,
} accel_opencl_mode;

typedef enum accel_drm_mode {
	ACCEL_DRM_AUTO = 0, /* libdrm on character devices, else sysfs only */
	ACCEL_DRM_SYSFS,    /* never open device nodes */
} accel_drm_mode;

ACCEL_EXPORT int accel_ctx_new(accel_ctx **out);
ACCEL_EXPORT void accel_ctx_free(accel_ctx *ctx);

/* Each setter copies its argument. NULL restores the default. */
ACCEL_EXPORT int accel_ctx_set_sysfs_root(accel_ctx *ctx, const char *dir);
ACCEL_EXPORT int accel_ctx_set_dev_root(accel_ctx *ctx, const char *dir);
/* Read PCI config space from this `lspci -x` dump instead of sysfs. */
ACCEL_EXPORT int accel_ctx_set_lspci_dump(accel_ctx *ctx, const char *file);
/* Host name written in the inventory; default: this machine's node name. */
ACCEL_EXPORT int accel_ctx_set_host(accel_ctx *ctx, const char *host);
ACCEL_EXPORT void accel_ctx_set_opencl(accel_ctx *ctx, accel_opencl_mode mode);
ACCEL_EXPORT void accel_ctx_set_drm(accel_ctx *ctx, accel_drm_mode mode);
/* pci.ids used for the names of devices no vendor table knows; default:
 * libpci's. Loaded only when such a device is found. */
ACCEL_EXPORT int accel_ctx_set_pci_ids(accel_ctx *ctx, const char *file);

ACCEL_EXPORT const char *accel_ctx_sysfs_root(const accel_ctx *ctx);
ACCEL_EXPORT const char *accel_ctx_dev_root(const accel_ctx *ctx);

/* Scan and build an inventory. On failure returns a negative errno and
 * accel_ctx_error() says what failed, naming the input. */
ACCEL_EXPORT int accel_scan(accel_ctx *ctx, accel_inventory **out);

/* The message of the last failure on this context ("" if none). */
ACCEL_EXPORT const char *accel_ctx_error(const accel_ctx *ctx);

/* Topology: the class between two PCI functions given the paths of their
 * upstream bridges (nearest first), their host bridges and NUMA nodes.
 * Exposed for the scheduler and tests; discovery fills inventory links. */
typedef struct accel_topo_node {
	const char *address;
	const char *const *upstream;
	size_t n_upstream;
	const char *host_bridge;
	int numa_node;
} accel_topo_node;
/* single_node: the machine has at most one NUMA node, so an unknown node
 * (-1) is that node. */
ACCEL_EXPORT accel_link_class accel_topo_classify(const accel_topo_node *a,
						  const accel_topo_node *b, bool single_node);

/* What the vendor model tables say of a PCI vendor:device pair alone (no
 * subsystem ids, no class code): for readers that know only the ids, such
 * as the scheduler's Placement source (CUSTOM_ACCEL_PRODUCT_10DE_20B5).
 * Strings are borrowed from static tables. */
typedef struct accel_model_info {
	accel_kind kind;
	const char *vendor; /* short name: nvidia, amd, intel, ... */
	const char *model;
	int64_t memory_mb; /* -1 unknown */
	const char *architecture;       /* NULL unknown */
	const char *compute_capability; /* NVIDIA only, NULL otherwise */
} accel_model_info;

/* 0, or -ENOENT when no table has a row for the pair. */
ACCEL_EXPORT int accel_model_by_id(int vendor_id, int device_id, accel_model_info *out);

#ifdef __cplusplus
}
#endif
#endif
