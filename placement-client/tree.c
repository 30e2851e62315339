/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The provider tree accelsched wants for an inventory (DESIGN.md,
 * Placement): a child of the compute node per device, named
 * "<host>_<address>", UUID uuid5(name), one inventory, its traits.
 *
 * The resource class is the device's (PGPU, FPGA, ...), or under the
 * nova-pci trait scheme Nova's CUSTOM_PCI_<VENDOR>_<PRODUCT> for one Nova
 * would pass through (accel_vocab_scheme_rc).
 *
 * Capacity: 1 for a whole device (PGPU, FPGA, CUSTOM_*); for a device that
 * hosts mediated devices (VGPU), the most vGPUs of one type it can hold
 * (free plus created). Reserved in full while the device cannot be given
 * out: failed health, or a physical function with SR-IOV VFs enabled (its
 * VFs are the devices then).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accel/internal/vocab.h>
#include <accel/util.h>
#include "pc.h"

/* accelsched's own namespace (accel_vocab_trait_managed): a trait in it
 * that is not wanted is stale (a health trait that no longer applies) and
 * removed. So is COMPUTE_MANAGED_PCI_DEVICE, the nova-pci scheme's: on a
 * provider of ours it is ours (only Nova's PCI in Placement sets it, on
 * its own providers), and left behind after a switch of scheme, with the
 * state file lost, it would stop a nova-compute whose [pci]
 * report_in_placement is False (nova/compute/pci_placement_translator.py,
 * ensure_tracking_was_not_enabled_before). Everything else it writes
 * (os-traits names, the Cyborg scheme's names) shares prefixes with
 * operators' traits: only the exact names it wrote, kept per provider in
 * the sync state (pc_provider.written), are removed. */
bool pc_trait_managed(const char *t)
{
	return accel_vocab_trait_managed(t) || !strcmp(t, "COMPUTE_MANAGED_PCI_DEVICE");
}

bool pc_trait_ours(const struct pc_provider *actual, const char *t)
{
	if (pc_trait_managed(t))
		return true;
	for (size_t i = 0; actual && i < actual->n_written; i++)
		if (!strcmp(actual->written[i], t))
			return true;
	return false;
}

bool pc_rc_custom(const char *rc)
{
	return !strncmp(rc, "CUSTOM_", 7);
}

/* accel_trait_fn: add a scheme's trait once */
static int add_scheme_trait(void *arg, const char *t)
{
	struct pc_provider *p = arg;

	if (pc_has_trait(p, t))
		return 0;
	return pc_strv_add(&p->traits, &p->n_traits, t);
}

static int64_t capacity(const accel_device *d)
{
	int64_t best = 0;

	if (strcmp(d->resource_class, "VGPU"))
		return 1;
	for (size_t i = 0; i < d->n_mdev_types; i++) {
		const accel_mdev_type *m = &d->mdev_types[i];
		int64_t c = (m->available > 0 ? m->available : 0) + (m->created > 0 ? m->created : 0);

		if (c > best)
			best = c;
	}
	return best;
}

/* A PF whose VFs are in the inventory is not assignable itself. */
static bool vfs_listed(const accel_inventory *inv, const accel_device *d)
{
	if (d->sriov.num_vfs <= 0)
		return false;
	for (size_t i = 0; i < d->sriov.n_vfs; i++)
		if (accel_inventory_find(inv, d->sriov.vfs[i]))
			return true;
	return false;
}

int pc_desired_tree(const accel_inventory *inv, const char *host, const char *root_uuid,
		    accel_trait_scheme scheme, struct pc_tree *out, accel_err *err)
{
	size_t n = accel_inventory_n_devices(inv);

	for (size_t i = 0; i < n; i++) {
		const accel_device *d = accel_inventory_device(inv, i);
		struct pc_provider *p;
		char name[300], rc[32];
		int64_t total;
		int r = 0;

		if (!d->resource_class || d->kind == ACCEL_KIND_DISPLAY)
			continue;
		if (snprintf(name, sizeof(name), "%s_%s", host, d->address) >= 200)
			return accel_err_set(err, -E2BIG, "%s: provider name longer than 200",
					     d->address);
		p = pc_tree_add(out);
		if (!p)
			return accel_err_set(err, -E2BIG, "more than %d providers",
					     PC_MAX_PROVIDERS);
		p->name = strdup(name);
		if (!p->name)
			return accel_err_set(err, -ENOMEM, "out of memory");
		pc_uuid5(name, p->uuid);
		snprintf(p->parent, sizeof(p->parent), "%s", root_uuid);
		p->dev = d;
		p->owned = true;
		total = capacity(d);
		p->inv_known = true;
		if (total > 0) {
			struct pc_inv *x = calloc(1, sizeof(*x));

			if (!x)
				return accel_err_set(err, -ENOMEM, "out of memory");
			snprintf(x->rc, sizeof(x->rc), "%s",
				 accel_vocab_scheme_rc(d, scheme, rc, sizeof(rc)));
			x->total = total;
			x->reserved = d->health == ACCEL_HEALTH_FAILED || vfs_listed(inv, d) ? total
											     : 0;
			x->min_unit = 1;
			x->max_unit = total;
			x->step_size = 1;
			x->allocation_ratio = 1.0;
			p->inv = x;
			p->n_inv = 1;
		}
		p->traits_known = true;
		for (size_t k = 0; k < d->n_traits && !r; k++)
			r = pc_strv_add(&p->traits, &p->n_traits, d->traits[k]);
		if (!r)
			r = accel_vocab_scheme_traits(d, scheme, add_scheme_trait, p);
		if (!r && accel_vocab_health_trait(d->health))
			r = pc_strv_add(&p->traits, &p->n_traits,
					accel_vocab_health_trait(d->health));
		if (!r)
			r = pc_strv_add(&p->traits, &p->n_traits, ACCEL_OWNER_TRAIT);
		if (r)
			return accel_err_set(err, r, "%s: traits: %s", d->address, accel_strerror(r));
	}
	return 0;
}
