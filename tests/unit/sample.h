/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper: a small inventory with a field of most kinds set (two GPUs,
 * an RDMA NIC, a PIX link), for the inventory and JSON tests. Include after
 * <cmocka.h>.
 */
#ifndef ACCEL_TESTS_SAMPLE_H
#define ACCEL_TESTS_SAMPLE_H

#include <stdlib.h>

#include <accel/inventory.h>
#include <accel/util.h>

static inline accel_inventory *sample(void)
{
	accel_inventory *inv;
	accel_device *d;
	accel_nic *n;

	assert_int_equal(accel_inventory_new(&inv, "compute-1"), 0);
	accel_inventory_set_generation(inv, 7);
	assert_int_equal(accel_inventory_set_collected_at(inv, "2026-11-26T10:00:00Z"), 0);
	assert_int_equal(accel_inventory_add_device(inv, "0000:17:00.0", &d), 0);
	d->kind = ACCEL_KIND_GPU;
	d->vendor_id = 0x10de;
	d->device_id = 0x20b5;
	d->subsystem_vendor_id = 0x10de;
	d->subsystem_device_id = 0x1533;
	d->class_code = 0x030200;
	d->revision = 0xa1;
	accel_device_set(&d->vendor, "nvidia");
	accel_device_set(&d->vendor_name, "NVIDIA Corporation");
	accel_device_set(&d->model, "A100 80GB PCIe");
	accel_device_set(&d->driver, "vfio-pci");
	d->numa_node = 0;
	d->iommu_group = 31;
	d->memory_mb = 81920;
	d->pcie.speed_dgts = 160;
	d->pcie.width = 16;
	d->pcie.max_speed_dgts = 160;
	d->pcie.max_width = 16;
	accel_strv_add(&d->pcie.upstream, &d->pcie.n_upstream, "0000:15:00.0");
	accel_strv_add(&d->pcie.upstream, &d->pcie.n_upstream, "0000:14:00.0");
	accel_device_set(&d->pcie.host_bridge, "pci0000:00");
	d->sriov.known = true;
	d->sriov.total_vfs = 0;
	d->sriov.num_vfs = 0;
	d->mdev_types = calloc(1, sizeof(*d->mdev_types));
	d->n_mdev_types = 1;
	accel_device_set(&d->mdev_types[0].id, "nvidia-471");
	accel_device_set(&d->mdev_types[0].name, "GRID A100-4C");
	d->mdev_types[0].available = 10;
	accel_device_set(&d->compute_capability, "8.0");
	accel_device_set(&d->resource_class, "PGPU");
	accel_device_add_trait(d, "CUSTOM_ACCEL_VENDOR_NVIDIA");
	accel_device_add_trait(d, "CUSTOM_ACCEL_VENDOR_NVIDIA"); /* once only */
	d->in_use = 0;
	d->utilization = 35;
	assert_int_equal(accel_inventory_add_device(inv, "18:00.0", &d), 0);
	d->kind = ACCEL_KIND_GPU;
	assert_int_equal(accel_inventory_add_nic(inv, "0000:19:00.0", &n), 0);
	accel_device_set(&n->name, "mlx5_0");
	n->numa_node = 0;
	/* given b,a: stored a,b */
	assert_int_equal(
		accel_inventory_add_link(inv, "0000:18:00.0", "0000:17:00.0", ACCEL_LINK_PIX), 0);
	return inv;
}

#endif
