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
#include <accel/model.h> /* topology rules and model tables: common/ */

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

#ifdef __cplusplus
}
#endif
#endif
