/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every stage of a scan calls back on it (drivers/scanctx.c): the
 * scan's error, its warnings, pci.ids names. scan.h includes this; the
 * functions depend on struct scan only, never on a stage.
 */
#ifndef ACCEL_DRIVERS_SCANCTX_H
#define ACCEL_DRIVERS_SCANCTX_H

#include <stddef.h>

#include <accel/common.h>

struct scan;

/* Set the scan's error (ctx->err) and return code. */
int scan_fail(struct scan *s, int code, const char *fmt, ...) ACCEL_PRINTF(3, 4);
/* Record a warning naming `path`; never fails the scan. */
void scan_warn(struct scan *s, const char *path, const char *fmt, ...) ACCEL_PRINTF(3, 4);

/* Name of a vendor or device from pci.ids; NULL if unknown or no pci.ids.
 * pci.ids is loaded on the first call of a scan. */
const char *accel_pci_name(struct scan *s, int vendor, int device, char *buf, size_t cap);

#endif
