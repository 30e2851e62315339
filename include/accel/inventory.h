/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The inventory: accelsched.inventory/v1, the one data model that discovery
 * produces and the placement client, the scheduler and the CLI consume (a
 * Kafka publisher, not built yet, will too; docs/architecture.md).
 *
 * An accel_inventory owns everything reachable from it. Devices are plain
 * data read through const pointers; a field that discovery could not learn is
 * NULL (strings), -1 (numbers) or 0 (PCIe link numbers), never guessed.
 */
#ifndef ACCEL_INVENTORY_H
#define ACCEL_INVENTORY_H

#include <accel/common.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ACCEL_INVENTORY_SCHEMA "accelsched.inventory/v1"

typedef enum accel_kind {
	ACCEL_KIND_NONE = 0, /* not an accelerator; never in an inventory */
	ACCEL_KIND_GPU,
	ACCEL_KIND_FPGA,
	ACCEL_KIND_NPU,
	ACCEL_KIND_ACCEL,   /* other co-processors and AI accelerators */
	ACCEL_KIND_DISPLAY, /* listed for people only: no resource class */
} accel_kind;

typedef enum accel_health {
	ACCEL_HEALTH_OK = 0,
	ACCEL_HEALTH_DEGRADED, /* AER errors counted, link narrower than capable */
	ACCEL_HEALTH_FAILED,   /* config space all-ones, device gone mid-scan */
} accel_health;

/* Link classes between two devices, as `nvidia-smi topo -m` names them,
 * ordered from closest to farthest. */
typedef enum accel_link_class {
	ACCEL_LINK_UNKNOWN = 0,
	ACCEL_LINK_PIX,	 /* meet at one bridge or one PCIe switch */
	ACCEL_LINK_PXB,	 /* meet below a root port, crossing several switches */
	ACCEL_LINK_PHB,	 /* meet only at the host bridge */
	ACCEL_LINK_NODE, /* different host bridges, same NUMA node */
	ACCEL_LINK_SYS,	 /* different NUMA nodes */
} accel_link_class;

typedef struct accel_mdev_type {
	char *id;	  /* directory name, e.g. "nvidia-471" */
	char *name;	  /* e.g. "GRID A100-4C", NULL if unknown */
	char *device_api; /* e.g. "vfio-pci", NULL if unknown */
	int available;	  /* available_instances, -1 if unknown */
	int created;	  /* mediated devices of this type that exist, -1 unknown */
} accel_mdev_type;

typedef struct accel_pcie {
	int speed_dgts;	    /* current link speed in tenths of GT/s, 0 unknown */
	int width;	    /* current link width, 0 unknown */
	int max_speed_dgts; /* capability, 0 unknown */
	int max_width;	    /* capability, 0 unknown */
	char **upstream;    /* bridges from the nearest up to the root port */
	size_t n_upstream;
	char *host_bridge; /* e.g. "pci0000:00" (sysfs) or "0000:00" (dump) */
} accel_pcie;

typedef struct accel_sriov {
	bool known;    /* false: the device says nothing about SR-IOV */
	int total_vfs; /* -1 unknown */
	int num_vfs;   /* -1 unknown */
	char *physfn;  /* a VF's physical function, else NULL */
	char **vfs;    /* a PF's virtual functions */
	size_t n_vfs;
} accel_sriov;

typedef struct accel_drm {
	char *card;    /* "card1" */
	char *render;  /* "renderD129" */
	char *driver;  /* DRM driver name */
	char *version; /* DRM driver version "major.minor.patch" */
} accel_drm;

typedef struct accel_opencl {
	bool present;
	char *platform;
	char *name;
	char *version;	       /* "OpenCL 3.0 ..." */
	int compute_units;     /* -1 unknown */
	int64_t global_mem_mb; /* -1 unknown */
} accel_opencl;

typedef struct accel_device {
	char address[ACCEL_ADDR_MAX]; /* "0000:17:00.0" */
	accel_kind kind;
	int vendor_id, device_id;		      /* -1 unknown */
	int subsystem_vendor_id, subsystem_device_id; /* -1 unknown */
	int class_code;				      /* 24 bits, -1 unknown */
	int revision;				      /* -1 unknown */
	char *vendor;	   /* short name of the vendor driver that claimed it */
	char *vendor_name; /* for people */
	char *model;	   /* for people */
	char *architecture;
	char *driver;	    /* bound kernel driver, NULL when unbound */
	int numa_node;	    /* -1 unknown */
	int iommu_group;    /* -1 unknown */
	int64_t memory_mb;  /* -1 unknown */
	char *cpu_affinity; /* local_cpulist, e.g. "0-31,64-95" */
	accel_pcie pcie;
	accel_sriov sriov;
	accel_mdev_type *mdev_types;
	size_t n_mdev_types;
	accel_drm drm;
	char *accel_node; /* "accel0" from /sys/class/accel */
	accel_opencl opencl;
	char *compute_capability; /* NVIDIA, e.g. "8.0" */
	accel_health health;
	char **health_reasons;
	size_t n_health_reasons;
	int in_use;	      /* state: -1 unknown, 0 free, 1 allocated */
	int utilization;      /* state: percent, -1 unknown */
	char *resource_class; /* NULL for display devices */
	char **traits;
	size_t n_traits;
} accel_device;

typedef struct accel_link {
	char a[ACCEL_ADDR_MAX];
	char b[ACCEL_ADDR_MAX];
	accel_link_class cls;
} accel_link;

/* An OpenCL device that no PCI device could be matched to (a CPU device,
 * or a platform that does not report bus addresses). */
typedef struct accel_host_opencl {
	char *platform;
	char *name;
	char *version;
	char *type; /* "cpu", "gpu", "accelerator", "custom" */
	int compute_units;
	int64_t global_mem_mb;
} accel_host_opencl;

/* A network function with RDMA (an InfiniBand or RoCE port): listed for
 * its locality to the accelerators (GPUDirect RDMA), never scheduled. */
typedef struct accel_nic {
	char address[ACCEL_ADDR_MAX];
	char *name; /* RDMA device name, e.g. "mlx5_0" */
	char *driver;
	int numa_node; /* -1 unknown */
	char *cpu_affinity;
	accel_pcie pcie;
} accel_nic;

typedef struct accel_inventory accel_inventory;

/* Create an empty inventory for `host` (copied). */
ACCEL_EXPORT int accel_inventory_new(accel_inventory **out, const char *host);
/* Free an inventory and everything it owns. Accepts NULL. */
ACCEL_EXPORT void accel_inventory_free(accel_inventory *inv);

ACCEL_EXPORT const char *accel_inventory_host(const accel_inventory *inv);
ACCEL_EXPORT uint64_t accel_inventory_generation(const accel_inventory *inv);
ACCEL_EXPORT void accel_inventory_set_generation(accel_inventory *inv, uint64_t gen);
/* RFC 3339 UTC, e.g. "2026-11-26T10:00:00Z". */
ACCEL_EXPORT const char *accel_inventory_collected_at(const accel_inventory *inv);
ACCEL_EXPORT int accel_inventory_set_collected_at(accel_inventory *inv, const char *ts);

ACCEL_EXPORT size_t accel_inventory_n_devices(const accel_inventory *inv);
/* Borrowed; lives as long as inv. NULL when i is out of range. */
ACCEL_EXPORT const accel_device *accel_inventory_device(const accel_inventory *inv, size_t i);
/* Find by PCI address ("0000:17:00.0"; "17:00.0" means domain 0). */
ACCEL_EXPORT const accel_device *accel_inventory_find(const accel_inventory *inv,
						      const char *address);

ACCEL_EXPORT size_t accel_inventory_n_links(const accel_inventory *inv);
ACCEL_EXPORT const accel_link *accel_inventory_link(const accel_inventory *inv, size_t i);
/* The class between two devices, ACCEL_LINK_UNKNOWN if not known. */
ACCEL_EXPORT accel_link_class accel_inventory_link_class(const accel_inventory *inv, const char *a,
							 const char *b);

ACCEL_EXPORT size_t accel_inventory_n_host_opencl(const accel_inventory *inv);
ACCEL_EXPORT const accel_host_opencl *accel_inventory_host_opencl(const accel_inventory *inv,
								  size_t i);

ACCEL_EXPORT size_t accel_inventory_n_nics(const accel_inventory *inv);
ACCEL_EXPORT const accel_nic *accel_inventory_nic(const accel_inventory *inv, size_t i);

ACCEL_EXPORT size_t accel_inventory_n_warnings(const accel_inventory *inv);
ACCEL_EXPORT const accel_warning *accel_inventory_warning(const accel_inventory *inv, size_t i);

/* Builders, used by discovery and by the JSON reader. Each returns a
 * negative errno (-ENOMEM, -E2BIG over a limit) on failure. */
ACCEL_EXPORT int accel_inventory_add_device(accel_inventory *inv, const char *address,
					    accel_device **out);
ACCEL_EXPORT int accel_inventory_add_link(accel_inventory *inv, const char *a, const char *b,
					  accel_link_class cls);
ACCEL_EXPORT int accel_inventory_add_nic(accel_inventory *inv, const char *address,
					 accel_nic **out);
ACCEL_EXPORT int accel_inventory_add_host_opencl(accel_inventory *inv, accel_host_opencl **out);
ACCEL_EXPORT int accel_inventory_add_warning(accel_inventory *inv, const char *path,
					     const char *fmt, ...) ACCEL_PRINTF(3, 4);
/* Sort devices by address (discovery order is the kernel's, not stable). */
ACCEL_EXPORT void accel_inventory_sort(accel_inventory *inv);

/* Device field helpers. Strings are copied; NULL clears. */
ACCEL_EXPORT int accel_device_set(char **field, const char *value);
ACCEL_EXPORT int accel_device_add_trait(accel_device *d, const char *trait);
ACCEL_EXPORT bool accel_device_has_trait(const accel_device *d, const char *trait);
ACCEL_EXPORT int accel_device_add_health_reason(accel_device *d, accel_health h, const char *fmt,
						...) ACCEL_PRINTF(3, 4);
/* Append a copy of s to the list (n entries): -E2BIG past ACCEL_MAX_LIST
 * entries or ACCEL_MAX_STRING bytes. accel_strv_add_max takes the entry
 * limit from the caller, for lists bounded by the size of their input
 * (Placement's answers, say); SIZE_MAX for no count limit. */
ACCEL_EXPORT int accel_strv_add(char ***v, size_t *n, const char *s);
ACCEL_EXPORT int accel_strv_add_max(char ***v, size_t *n, const char *s, size_t max);

/* Names used in the JSON form. */
ACCEL_EXPORT const char *accel_kind_name(accel_kind k);
ACCEL_EXPORT accel_kind accel_kind_from_name(const char *s); /* NONE if unknown */
ACCEL_EXPORT const char *accel_health_name(accel_health h);
ACCEL_EXPORT const char *accel_link_class_name(accel_link_class c);
ACCEL_EXPORT accel_link_class accel_link_class_from_name(const char *s);
/* "16.0 GT/s" into buf; returns buf, or NULL when dgts is 0. */
ACCEL_EXPORT const char *accel_speed_str(int dgts, char *buf, size_t cap);

/* JSON form (accelsched.inventory/v1). accel_inventory_to_json returns a
 * malloc'ed NUL-terminated string the caller frees. */
#define ACCEL_JSON_PRETTY 1u
ACCEL_EXPORT int accel_inventory_to_json(const accel_inventory *inv, unsigned flags, char **out);
/* One device as its JSON object (the element of "devices"). */
ACCEL_EXPORT int accel_device_to_json(const accel_device *d, unsigned flags, char **out);
/* Parse a document; on failure *err names what was wrong and where. */
ACCEL_EXPORT int accel_inventory_from_json(const char *text, size_t len, accel_inventory **out,
					   accel_err *err);

/*
 * What changed between two inventories, field by field on their JSON form
 * (so every field the JSON carries counts, and nothing else: not the
 * generation, not collected_at). Devices are matched by address; a device
 * whose vendor or device id changed at the same address went and came.
 * The changes come in this order: the devices gone ('-', old's order), then
 * the devices new ('+') or changed ('~') in cur's order, then, when any of
 * the inventory's own members differs (host, links, nics, host_opencl,
 * warnings), one '~' change with address NULL naming them.
 *
 * old may be NULL (everything in cur is new). The diff borrows old and cur:
 * free it before them. -ENOMEM, or what the JSON writer returned.
 */
typedef struct accel_inventory_change {
	char op;		       /* '+', '-' or '~' */
	const char *address;	       /* NULL: the inventory's own members */
	const accel_device *old, *cur; /* NULL for '+' and '-' respectively */
	char **fields;		       /* '~': the JSON members that differ */
	size_t n_fields;
} accel_inventory_change;

typedef struct accel_inventory_changes accel_inventory_changes;

ACCEL_EXPORT int accel_inventory_diff(const accel_inventory *old, const accel_inventory *cur,
				      accel_inventory_changes **out);
ACCEL_EXPORT size_t accel_inventory_changes_n(const accel_inventory_changes *d);
/* Borrowed; NULL when i is out of range. */
ACCEL_EXPORT const accel_inventory_change *accel_inventory_changes_get(const accel_inventory_changes *d,
								    size_t i);
ACCEL_EXPORT bool accel_inventory_change_has(const accel_inventory_change *c, const char *field);
/*
 * A change as one line (what `accelctl watch` prints after "INVENTORY " and
 * acceld logs): "+ADDR KIND MODEL driver=D", "-ADDR", "~ADDR driver=A->B"
 * when the driver changed, else "~ADDR FIELD,FIELD..." ("~ links,..." for
 * the inventory's own members). Cut to cap; returns buf.
 */
ACCEL_EXPORT const char *accel_inventory_change_str(const accel_inventory_change *c, char *buf,
						    size_t cap);
ACCEL_EXPORT void accel_inventory_changes_free(accel_inventory_changes *d);

#ifdef __cplusplus
}
#endif
#endif
