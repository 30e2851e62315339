/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AMD/Xilinx Alveo and Versal accelerator cards (PCI vendor 10ee).
 *
 * An Alveo card shows two physical functions: the management PF (xclmgmt,
 * flashing and monitoring, owned by the host) and the user PF (xocl, what
 * an instance gets). The user PF is the FPGA; the management PF is a
 * companion, its row has kind NONE so that one card is listed once. Any
 * other 10ee function of class 1200 (processing accelerator) is an FPGA
 * this table does not know; the rest of 10ee (SmartSSD, bridges, soft IP
 * in other vendors' products) is not claimed.
 */
#include <accel/model.h>
#include "../scan.h"

static const uint16_t xilinx_vendors[] = {0x10ee, 0};

static accel_kind xilinx_claim(const struct scan_fn *f, const accel_model *m)
{
	if (m)
		return m->kind;
	return ACCEL_CLASS_IS_PROCESSING(f->class_code) ? ACCEL_KIND_FPGA : ACCEL_KIND_NONE;
}

const struct accel_vendor_driver accel_vendor_xilinx = {
	.name = "xilinx",
	.pci_vendors = xilinx_vendors,
	.models = &accel_models_xilinx, /* common/models/xilinx.c */
	.claim = xilinx_claim,
};
