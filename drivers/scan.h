/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals of discovery, shared by the files of drivers/ only.
 *
 * A scan runs in stages over one `struct scan`:
 *   1. the pci backend enumerates every PCI function (libpci: sysfs or an
 *      lspci dump) into scan->fns;
 *   2. the vendor drivers classify each function (kind, model, ...);
 *   3. the other backends (sysfs, drm, accel, opencl) enrich claimed
 *      devices, each one file and one entry in accel_scan()'s enrich[]
 *      table (scan.c);
 *   4. vendor enrich hooks, health, resource class and traits, topology.
 * What is data and rules rather than reading the machine (model tables,
 * trait vocabulary, link classes) is common/'s: <accel/model.h>.
 */
#ifndef ACCEL_DRIVERS_SCAN_H
#define ACCEL_DRIVERS_SCAN_H

#include <accel/discovery.h>
#include <accel/model.h>
#include "attr.h"
#include "pciids.h"
#include "scanctx.h"

struct pci_access;

struct accel_ctx {
	char *sysfs_root;
	char *dev_root;
	char *lspci_dump;
	char *host;
	char *pci_ids;
	accel_opencl_mode opencl;
	accel_drm_mode drm;
	accel_err err;
	/* Tests only: called after each stage ("pci", "classify", a backend's
	 * name) so a test can change the tree mid-scan, as hot-removal does. */
	void (*stage_hook)(const char *stage, void *arg);
	void *stage_hook_arg;
};

/* One PCI function as the pci backend saw it. */
struct scan_fn {
	char addr[ACCEL_ADDR_MAX]; /* "dddd:bb:dd.f" */
	unsigned domain, bus, slot, func;
	int vendor_id, device_id; /* -1 unknown */
	int subsys_vendor, subsys_device;
	int class_code; /* 24-bit class/subclass/prog-if, -1 unknown */
	int revision;
	int header_type;      /* -1 unknown */
	int sec_bus, sub_bus; /* bridges: secondary/subordinate bus, -1 */
	uint8_t config[256];  /* what could be read of config space */
	int config_len;	      /* bytes valid in config[] */
	char *driver;	      /* bound driver (libpci), NULL if none */
	int numa_node;	      /* -1 unknown */
	int iommu_group;      /* -1 unknown */
	char *sysfs_dir;      /* <root>/bus/pci/devices/<addr> */
	char *real_path;      /* its canonical path under <root>/devices */
	int parent;	      /* index in scan->fns of the upstream bridge, -1 */
	bool gone;	      /* vanished while being read */
	bool aer_known;	      /* AER counters read */
	uint64_t aer_cor, aer_nonfatal, aer_fatal;
	bool all_ones;	/* config space or ID files read 0xffff */
	accel_nic *nic; /* the inventory entry of an RDMA NIC */
	/* Set by classification: */
	const struct accel_vendor_driver *drv;
	const accel_model *model;
	accel_device *dev; /* the inventory entry, NULL if not listed */
};

struct scan {
	accel_ctx *ctx;
	accel_inventory *inv;
	struct scan_fn *fns;
	size_t n_fns;
	bool dump_mode;
	bool real_root; /* sysfs root is the running kernel's */
	int numa_nodes; /* NUMA nodes the machine has, 0 unknown */
	struct pci_access *pacc;
	char *pci_devices_dir; /* <root>/bus/pci/devices */
	char *sysfs_real;      /* the sysfs root's path, as real_path starts */
	/* Every read goes through these (attr.h): nothing outside them is
	 * opened, followed or listed. dev is open only when DRM may ask. */
	struct attr_root sys, dev;
	struct pciids ids;     /* pci.ids, mapped on first use */
	bool ids_tried;
	bool nics_full; /* the inventory holds as many NICs as it may */
};

/* ---- backends: one table each, run in order by scan.c ---- */
struct accel_backend {
	const char *name;
	/* false: this backend has nothing to say for this scan */
	bool (*applies)(const struct scan *s);
	/* 0, or a negative errno that stops the scan (ctx->err says why).
	 * Per-device problems are warnings, not failures. */
	int (*run)(struct scan *s);
};

extern const struct accel_backend accel_backend_pci;
extern const struct accel_backend accel_backend_sysfs;
extern const struct accel_backend accel_backend_drm;
extern const struct accel_backend accel_backend_accel;
extern const struct accel_backend accel_backend_opencl;

/* ---- vendor drivers: one file each in drivers/hwvendor/ ---- */

struct accel_vendor_driver {
	const char *name;	     /* "nvidia", "intel-fpga", ... */
	/* The vendor's names come from the model table; only a driver
	 * without one (generic) gives them here. */
	const char *vendor;	     /* short vendor name in the inventory */
	const char *vendor_name;     /* for people; NULL: from pci.ids */
	const uint16_t *pci_vendors; /* 0-terminated */
	const accel_model_table *models; /* common/models/, NULL: none */
	/* Kind of a function of one of pci_vendors; NONE = not claimed. `m` is
	 * the model table row that matched, or NULL. */
	accel_kind (*claim)(const struct scan_fn *f, const accel_model *m);
	/* Optional: learn more once the backends ran (e.g. amdgpu's VRAM). */
	void (*enrich)(struct scan *s, struct scan_fn *f);
};

/* The driver's short vendor name: its model table's, else its own. */
static inline const char *accel_vendor_short(const struct accel_vendor_driver *drv)
{
	return drv->models ? drv->models->vendor : drv->vendor;
}

extern const struct accel_vendor_driver accel_vendor_nvidia;
extern const struct accel_vendor_driver accel_vendor_amd;
extern const struct accel_vendor_driver accel_vendor_intel;
extern const struct accel_vendor_driver accel_vendor_intel_fpga;
extern const struct accel_vendor_driver accel_vendor_xilinx;
extern const struct accel_vendor_driver accel_vendor_habana;
extern const struct accel_vendor_driver accel_vendor_huawei;
extern const struct accel_vendor_driver accel_vendor_generic;

/* All vendor drivers, generic last; NULL-terminated. */
extern const struct accel_vendor_driver *const accel_vendor_drivers[];

/* Find the model row for f in drv's table (subsystem-specific rows win). */
const accel_model *accel_model_lookup(const struct accel_vendor_driver *drv,
				      const struct scan_fn *f);

/* PCI class helpers (24-bit class code). */
#define ACCEL_CLASS_BASE(c)	      (((c) >> 16) & 0xff)
#define ACCEL_CLASS_SUB(c)	      (((c) >> 8) & 0xffff) /* base<<8 | sub */
#define ACCEL_CLASS_IS_DISPLAY(c)     ((c) >= 0 && ACCEL_CLASS_BASE(c) == 0x03)
#define ACCEL_CLASS_IS_PROCESSING(c)  ((c) >= 0 && ACCEL_CLASS_BASE(c) == 0x12)
#define ACCEL_CLASS_IS_COPROCESSOR(c) ((c) >= 0 && ACCEL_CLASS_SUB(c) == 0x0b40)

/* ---- stages in other files ---- */
/* The driver that claims f (NULL if none) with its model row and kind. */
const struct accel_vendor_driver *accel_claim(const struct scan_fn *f, const accel_model **model,
					      accel_kind *kind);
int accel_classify(struct scan *s);			     /* classify.c */
void accel_finish_device(struct scan *s, struct scan_fn *f); /* classify.c */
int accel_topology(struct scan *s);			     /* topology.c */
void accel_health_eval(struct scan *s, struct scan_fn *f);   /* health.c */

/* pci.c: libpci hooks that never exit. */
void accel_pci_names_hooks(struct pci_access *a);

/* opencl.c: the function at a bus address an OpenCL platform reported;
 * any_domain when the platform gives no domain. NULL if none or ambiguous. */
struct scan_fn *accel_opencl_match(struct scan *s, unsigned dom, unsigned bus, unsigned slot,
				   unsigned fn, bool any_domain);

#endif
