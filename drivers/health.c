/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Health from what the scan saw:
 *   failed   - the device vanished mid-scan, or its config space (or its ID
 *              files) read all-ones: it no longer answers on the bus;
 *   degraded - AER counted errors since boot, or the link trained narrower
 *              than both ends can do. A slower link alone degrades FPGAs,
 *              NPUs and accelerators but not GPUs: GPUs drop their link
 *              speed when idle to save power (the RTX 6000 Ada of the
 *              stelline capture shows "2.5GT/s (downgraded)" at idle), so
 *              the speed is reported and not held against them.
 */
#include <stdio.h>

#include "scan.h"

void accel_health_eval(struct scan *s, struct scan_fn *f)
{
	accel_device *d = f->dev;
	const accel_pcie *p = &d->pcie;
	char a[32], b[32];

	(void)s;
	if (f->gone)
		accel_device_add_health_reason(
			d, ACCEL_HEALTH_FAILED,
			"device gone mid-scan (hot-removed or fell off the bus)");
	if (f->all_ones || (f->vendor_id == 0xffff && f->device_id == 0xffff))
		accel_device_add_health_reason(
			d, ACCEL_HEALTH_FAILED,
			"config space reads all-ones (device not responding)");
	if (f->aer_known) {
		if (f->aer_fatal)
			accel_device_add_health_reason(d, ACCEL_HEALTH_DEGRADED,
						       "AER: %llu fatal errors",
						       (unsigned long long)f->aer_fatal);
		if (f->aer_nonfatal)
			accel_device_add_health_reason(d, ACCEL_HEALTH_DEGRADED,
						       "AER: %llu non-fatal errors",
						       (unsigned long long)f->aer_nonfatal);
		if (f->aer_cor)
			accel_device_add_health_reason(d, ACCEL_HEALTH_DEGRADED,
						       "AER: %llu correctable errors",
						       (unsigned long long)f->aer_cor);
	}
	if (p->width && p->max_width && p->width < p->max_width)
		accel_device_add_health_reason(d, ACCEL_HEALTH_DEGRADED,
					       "PCIe link trained at x%d of x%d", p->width,
					       p->max_width);
	if (p->speed_dgts && p->max_speed_dgts && p->speed_dgts < p->max_speed_dgts &&
	    d->kind != ACCEL_KIND_GPU)
		accel_device_add_health_reason(d, ACCEL_HEALTH_DEGRADED,
					       "PCIe link trained at %s of %s",
					       accel_speed_str(p->speed_dgts, a, sizeof(a)),
					       accel_speed_str(p->max_speed_dgts, b, sizeof(b)));
}
