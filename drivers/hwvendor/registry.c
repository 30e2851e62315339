/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The list of vendor drivers. Their model tables are common/models/'s.
 * Adding a vendor is one file in this folder and one line here.
 */
#include <accel/discovery.h>
#include "../scan.h"

/* Order matters only for generic, which speaks for vendors no one lists and
 * so must come last. Drivers that share a PCI vendor (intel, intel-fpga)
 * claim disjoint functions. */
const struct accel_vendor_driver *const accel_vendor_drivers[] = {
	&accel_vendor_nvidia,	  &accel_vendor_amd,	 &accel_vendor_intel,
	&accel_vendor_intel_fpga, &accel_vendor_xilinx,	 &accel_vendor_habana,
	&accel_vendor_huawei,	  &accel_vendor_generic, NULL,
};

/* The row of drv's model table for f (accel_model_find): NULL when drv
 * has no table or no row fits. */
const accel_model *accel_model_lookup(const struct accel_vendor_driver *drv,
				      const struct scan_fn *f)
{
	if (!drv || !f)
		return NULL;
	return accel_model_find(drv->models, f->vendor_id, f->device_id, f->subsys_vendor,
				f->subsys_device);
}
