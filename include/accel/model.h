/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The model every part shares, one layer below discovery, the Placement
 * client and the scheduler: data and pure functions, no I/O, nothing of
 * the machine (common/, DESIGN.md).
 *
 *  - the vocabulary (common/vocab.c): a device's resource class and traits
 *    in each trait scheme, and back from traits to device fields;
 *  - the vendor model tables (common/model.c, common/models/): PCI ids to
 *    model, memory, architecture;
 *  - the PCIe topology rules (common/topology.c): the class of a pair of
 *    devices and the scheduler's group keys, from the same rules.
 */
#ifndef ACCEL_MODEL_H
#define ACCEL_MODEL_H

#include <accel/config.h>
#include <accel/inventory.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- vocabulary ---- */

/* On every provider accelsched owns. */
#define ACCEL_OWNER_TRAIT "CUSTOM_OWNER_ACCELSCHED"
/* A device gone while allocated: kept, reserved in full. */
#define ACCEL_UNAVAILABLE_TRAIT "CUSTOM_ACCEL_UNAVAILABLE"

/* The resource class of a device of `kind` (one that hosts mediated
 * devices when `mdev`): PGPU, VGPU, FPGA, CUSTOM_NPU, CUSTOM_ACCEL; NULL
 * for display devices and NONE. */
ACCEL_EXPORT const char *accel_vocab_resource_class(accel_kind kind, bool mdev);

/* The kind a resource class of accelsched's stands for; ACCEL_KIND_NONE
 * for every other class (NULL included). */
ACCEL_EXPORT accel_kind accel_vocab_rc_kind(const char *rc);

/* accelsched's own trait namespace (CUSTOM_ACCEL_*, the owner trait): a
 * trait in it that is not wanted is stale. */
ACCEL_EXPORT bool accel_vocab_trait_managed(const char *trait);

/* The trait of a health state; NULL for ok. */
ACCEL_EXPORT const char *accel_vocab_health_trait(accel_health h);

/* Discovery's resource class and traits of d (os-traits names where one
 * exists, CUSTOM_ACCEL_* otherwise), added to d. `table_model` is the
 * model name of the vendor table row that matched, NULL if none: only a
 * table's name makes a CUSTOM_ACCEL_MODEL_ trait. Display devices get
 * nothing. 0 or a negative errno (-ENOMEM, -E2BIG). */
ACCEL_EXPORT int accel_vocab_encode(accel_device *d, const char *table_model);

/* The traits a trait scheme adds to the ones discovery gave (Cyborg's
 * CUSTOM_GPU_NVIDIA, CUSTOM_GPU_PRODUCT_ID_20B5; Nova PCI's
 * COMPUTE_MANAGED_PCI_DEVICE, its resource class CUSTOM_PCI_10DE_20B5
 * being no trait), each passed to add(arg, trait); stops at the
 * first non-zero return and returns it. */
typedef int (*accel_trait_fn)(void *arg, const char *trait);
ACCEL_EXPORT int accel_vocab_scheme_traits(const accel_device *d, accel_trait_scheme scheme,
					   accel_trait_fn add, void *arg);

/* What accelsched's traits say of a device (the reverse of encode). */
typedef struct accel_trait_fields {
	int vendor_id, device_id;     /* CUSTOM_ACCEL_PRODUCT_10DE_20B5; -1 none */
	char vendor[256];	      /* CUSTOM_ACCEL_VENDOR_NVIDIA -> "nvidia"; "" none */
	char compute_capability[256]; /* ..._CUDA_COMPUTE_CAPABILITY_V8_0 -> "8.0"; "" */
	accel_health health;	      /* from the health traits; failed when unavailable */
} accel_trait_fields;

/* Decode traits (in the order given: the first vendor trait, the last
 * product and compute capability traits win). */
ACCEL_EXPORT void accel_vocab_decode(const char *const *traits, size_t n, accel_trait_fields *out);

/* ---- vendor model tables ---- */

/* A row: data, kept in one place per vendor (common/models/). */
typedef struct accel_model {
	uint16_t vendor_id; /* the PCI vendor of the row */
	uint16_t device_id;
	uint16_t subsys_vendor; /* 0: any */
	uint16_t subsys_device; /* 0: any */
	accel_kind kind;	/* NONE: a companion function, not listed */
	const char *model;
	int64_t memory_mb; /* -1 unknown */
	const char *architecture;
	const char *compute_capability; /* NVIDIA only, NULL otherwise */
} accel_model;

typedef struct accel_model_table {
	const char *vendor;	 /* short name: nvidia, amd, intel, ... */
	const char *vendor_name; /* for people; NULL: pci.ids names each PCI vendor */
	const accel_model *rows;
	size_t n_rows;
} accel_model_table;

ACCEL_EXPORT extern const accel_model_table accel_models_nvidia;
ACCEL_EXPORT extern const accel_model_table accel_models_amd;
ACCEL_EXPORT extern const accel_model_table accel_models_intel;
ACCEL_EXPORT extern const accel_model_table accel_models_intel_fpga;
ACCEL_EXPORT extern const accel_model_table accel_models_xilinx;
ACCEL_EXPORT extern const accel_model_table accel_models_habana;
ACCEL_EXPORT extern const accel_model_table accel_models_huawei;

/*
 * The row of table t for a function's ids: among the rows with its vendor
 * and device id, the one naming most of its subsystem ids wins; among
 * equals, the first. A row with a subsystem never matches an unknown
 * subsystem (-1). NULL when no row fits. Borrowed from the static table.
 */
ACCEL_EXPORT const accel_model *accel_model_find(const accel_model_table *t, int vendor_id,
						 int device_id, int subsys_vendor,
						 int subsys_device);

/* What the vendor model tables say of a PCI vendor:device pair alone (no
 * subsystem ids, no class code): for readers that know only the ids, such
 * as the scheduler's Placement source (CUSTOM_ACCEL_PRODUCT_10DE_20B5).
 * Strings are borrowed from static tables. */
typedef struct accel_model_info {
	accel_kind kind;
	const char *vendor; /* short name: nvidia, amd, intel, ... */
	const char *model;
	int64_t memory_mb;		/* -1 unknown */
	const char *architecture;	/* NULL unknown */
	const char *compute_capability; /* NVIDIA only, NULL otherwise */
} accel_model_info;

/* 0, or -ENOENT when no table has a row of a listed kind for the pair. */
ACCEL_EXPORT int accel_model_by_id(int vendor_id, int device_id, accel_model_info *out);

/* ---- PCIe topology rules ---- */

/* A device's place: the paths of its upstream bridges (nearest first),
 * its host bridge and NUMA node. */
typedef struct accel_topo_node {
	const char *address;
	const char *const *upstream;
	size_t n_upstream;
	const char *host_bridge;
	int numa_node;
} accel_topo_node;

/* The class between two devices. single_node: the machine has at most one
 * NUMA node, so an unknown node (-1) is that node. */
ACCEL_EXPORT accel_link_class accel_topo_classify(const accel_topo_node *a,
						  const accel_topo_node *b, bool single_node);

/* The names a device's groups are keyed by (NULL: none): the bridge right
 * above, the one above that, the root port, the host bridge, and for a
 * device on a root bus its slot ("0000:00:05", its functions' group). */
typedef struct accel_topo_names {
	const char *parent, *gparent, *root, *host_bridge;
	char slot[ACCEL_ADDR_MAX]; /* "" none */
} accel_topo_names;
ACCEL_EXPORT void accel_topo_names_of(const accel_topo_node *n, accel_topo_names *out);

/* The same as small ids the caller gives each name (0: none; the slot in
 * a namespace of its own), and the NUMA node (-1 unknown). */
typedef struct accel_topo_ids {
	uint16_t parent, gparent, slot, root, host_bridge;
	int16_t numa;
} accel_topo_ids;

/* The keys (at most 3) of the groups a device belongs to at `level`:
 * devices that share a key are, every pair of them, linked within level.
 * Keys of different levels never collide. Returns how many. */
ACCEL_EXPORT size_t accel_topo_group_keys(const accel_topo_ids *d, accel_link_class level,
					  uint32_t keys[3]);

#ifdef __cplusplus
}
#endif
#endif
