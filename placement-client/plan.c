/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The difference between the tree we want and the one Placement has, as a
 * list of writes. Pure: no I/O. When the content of a provider that
 * matters is not known (neither read nor cached at its generation), the
 * plan asks for it to be read and planned again.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <accel/internal/vocab.h>
#include <accel/util.h>
#include "pc.h"

/* The resource classes accelsched gives devices (the nova-pci scheme's
 * CUSTOM_PCI_<V>_<P> too); others on our providers were put there by
 * someone else and are kept. */
static bool rc_managed(const char *rc)
{
	return accel_vocab_rc_kind(rc) != ACCEL_KIND_NONE || accel_vocab_is_nova_pci_rc(rc);
}

static const struct pc_inv *find_inv(const struct pc_provider *p, const char *rc)
{
	for (size_t i = 0; i < p->n_inv; i++)
		if (!strcmp(p->inv[i].rc, rc))
			return &p->inv[i];
	return NULL;
}

static bool inv_same(const struct pc_inv *a, const struct pc_inv *b)
{
	return a->total == b->total && a->reserved == b->reserved && a->min_unit == b->min_unit &&
	       a->max_unit == b->max_unit && a->step_size == b->step_size &&
	       fabs(a->allocation_ratio - b->allocation_ratio) < 1e-9;
}

bool pc_inv_equal(const struct pc_provider *a, const struct pc_provider *b)
{
	if (a->n_inv != b->n_inv)
		return false;
	for (size_t i = 0; i < a->n_inv; i++) {
		const struct pc_inv *x = find_inv(b, a->inv[i].rc);

		if (!x || !inv_same(&a->inv[i], x))
			return false;
	}
	return true;
}

bool pc_traits_equal(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++) {
		bool found = false;

		for (size_t k = 0; k < nb && !found; k++)
			found = !strcmp(a[i], b[k]);
		if (!found)
			return false;
	}
	return true;
}

int pc_merge_traits(const struct pc_provider *want, const struct pc_provider *actual,
		    char ***out, size_t *n)
{
	char **v = NULL;
	size_t k = 0;
	int r = 0;

	for (size_t i = 0; i < want->n_traits && !r; i++)
		r = pc_strv_add(&v, &k, want->traits[i]);
	for (size_t i = 0; actual && i < actual->n_traits && !r; i++) {
		const char *t = actual->traits[i];
		bool dup = false;

		if (pc_trait_ours(actual, t))
			continue; /* ours: present only if wanted */
		for (size_t j = 0; j < k && !dup; j++)
			dup = !strcmp(v[j], t);
		if (!dup)
			r = pc_strv_add(&v, &k, t);
	}
	if (r) {
		accel_strv_free(v, k);
		return r;
	}
	*out = v;
	*n = k;
	return 0;
}

/* want's inventories plus the unmanaged ones the provider has. */
static int merge_inv(struct pc_provider *want, const struct pc_provider *actual)
{
	for (size_t i = 0; actual && i < actual->n_inv; i++) {
		const struct pc_inv *x = &actual->inv[i];
		struct pc_inv *nv;

		if (rc_managed(x->rc) || find_inv(want, x->rc))
			continue;
		nv = realloc(want->inv, (want->n_inv + 1) * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		want->inv = nv;
		want->inv[want->n_inv++] = *x;
	}
	return 0;
}

static int add_op(struct pc_plan *p, enum pc_op_kind k, struct pc_provider *want,
		  struct pc_provider *actual)
{
	struct pc_op *ops = realloc(p->ops, (p->n + 1) * sizeof(*ops));

	if (!ops)
		return -ENOMEM;
	p->ops = ops;
	p->ops[p->n].kind = k;
	p->ops[p->n].want = want;
	p->ops[p->n].actual = actual;
	p->n++;
	return 0;
}

static int add_read(char (**list)[PC_UUID_LEN], size_t *n, const char *uuid)
{
	char(*l)[PC_UUID_LEN];

	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*list)[i], uuid))
			return 0;
	l = realloc(*list, (*n + 1) * sizeof(*l));
	if (!l)
		return -ENOMEM;
	*list = l;
	memcpy(l[*n], uuid, PC_UUID_LEN);
	(*n)++;
	return 0;
}

void pc_plan_clear(struct pc_plan *p)
{
	free(p->ops);
	free(p->reads);
	free(p->alloc_reads);
	accel_strv_free(p->clashes, p->n_clashes);
	memset(p, 0, sizeof(*p));
}

/* Ours: it carries our trait, or it has the UUID we derive from its name
 * (we created it and were stopped before tagging it) and Nova has not
 * taken it over. */
bool pc_provider_ours(const struct pc_provider *a)
{
	char u[PC_UUID_LEN];

	if (a->owned)
		return true;
	/* Nova's now: nova-compute ([pci] report_in_placement) takes over a
	 * provider of the name it wants (an address without hex letters is
	 * the same in upper case) and puts its own traits on it */
	if (pc_has_trait(a, "COMPUTE_MANAGED_PCI_DEVICE"))
		return false;
	pc_uuid5(a->name, u);
	return !strcmp(u, a->uuid);
}

/* The wanted provider of that name, unless it yielded to another owner. */
static struct pc_provider *wanted(const struct pc_tree *want, const char *name)
{
	struct pc_provider *w = pc_tree_find_name(want, name);

	return w && !w->yielded ? w : NULL;
}

/* Another owner's provider below `parent` named `name` in another case. */
static const struct pc_provider *twin(const struct pc_tree *actual, const char *name,
				      const char *parent)
{
	for (size_t i = 0; i < actual->n; i++) {
		const struct pc_provider *a = &actual->p[i];

		if (a->name && !strcmp(a->parent, parent) && strcmp(a->name, name) &&
		    !strcasecmp(a->name, name) && !pc_provider_ours(a))
			return a;
	}
	return NULL;
}

static bool is_candidate(const struct pc_provider *a, const struct pc_tree *want,
			 const char *host)
{
	size_t hl = strlen(host);

	return pc_tree_find_name(want, a->name) || pc_tree_find_uuid(want, a->uuid) ||
	       (!strncmp(a->name, host, hl) && a->name[hl] == '_');
}

/*
 * `a` as it is in Placement, every inventory of ours reserved in full,
 * with `traits` and CUSTOM_ACCEL_UNAVAILABLE: for a device that vanished
 * while allocated (its own traits), and for one whose resource class
 * changed under an allocation (the traits it now wants), until the
 * allocations are gone.
 */
static int reserved_copy(const struct pc_provider *a, char *const *traits, size_t n_traits,
			 const accel_device *dev, struct pc_tree *extra, struct pc_provider **out)
{
	struct pc_provider *w = pc_tree_add(extra);
	int r = 0;

	if (!w)
		return -E2BIG;
	memcpy(w->uuid, a->uuid, PC_UUID_LEN);
	memcpy(w->parent, a->parent, PC_UUID_LEN);
	w->name = strdup(a->name);
	w->owned = true;
	w->dev = dev;
	w->inv_known = w->traits_known = true;
	if (!w->name)
		return -ENOMEM;
	if (a->n_inv) {
		w->inv = malloc(a->n_inv * sizeof(*w->inv));
		if (!w->inv)
			return -ENOMEM;
		memcpy(w->inv, a->inv, a->n_inv * sizeof(*w->inv));
		w->n_inv = a->n_inv;
		for (size_t i = 0; i < w->n_inv; i++)
			if (rc_managed(w->inv[i].rc))
				w->inv[i].reserved = w->inv[i].total;
	}
	for (size_t i = 0; i < n_traits && !r; i++)
		r = pc_strv_add(&w->traits, &w->n_traits, traits[i]);
	if (!r && !pc_has_trait(w, ACCEL_UNAVAILABLE_TRAIT))
		r = pc_strv_add(&w->traits, &w->n_traits, ACCEL_UNAVAILABLE_TRAIT);
	*out = w;
	return r;
}

/* A resource class of ours that Placement has and `w` no longer wants
 * (VGPU to PGPU, say): Placement refuses to remove it while allocated
 * (placement.inventory.inuse). */
static const char *dropped_rc(const struct pc_provider *w, const struct pc_provider *a)
{
	for (size_t i = 0; i < a->n_inv; i++)
		if (rc_managed(a->inv[i].rc) && !find_inv(w, a->inv[i].rc))
			return a->inv[i].rc;
	return NULL;
}

/* Inventory and traits writes that make `a` look like `w`. */
static int fix(struct pc_plan *out, struct pc_provider *w, struct pc_provider *a)
{
	char **t;
	size_t nt;
	bool same;
	int r = 0;

	if (!pc_inv_equal(w, a))
		r = add_op(out, PC_OP_INVENTORIES, w, a);
	if (r)
		return r;
	r = pc_merge_traits(w, a, &t, &nt);
	if (r)
		return r;
	same = pc_traits_equal(t, nt, a->traits, a->n_traits);
	accel_strv_free(t, nt);
	return same ? 0 : add_op(out, PC_OP_TRAITS, w, a);
}

int pc_plan(struct pc_tree *want, struct pc_tree *actual, const char *host,
	    struct pc_tree *want_extra, struct pc_plan *out, accel_err *err)
{
	int r = 0;

	memset(out, 0, sizeof(*out));
	/* 1. what must be read before anything can be decided */
	for (size_t i = 0; i < actual->n && !r; i++) {
		struct pc_provider *a = &actual->p[i];

		if (!a->parent[0] || !is_candidate(a, want, host))
			continue;
		if (!a->traits_known || (pc_provider_ours(a) && !a->inv_known))
			r = add_read(&out->reads, &out->n_reads, a->uuid);
	}
	if (r)
		goto oom;
	if (out->n_reads)
		return 0;

	/* 1b. devices another owner reports under a name of another case */
	for (size_t i = 0; i < want->n && !r; i++) {
		struct pc_provider *w = &want->p[i];
		const struct pc_provider *t = twin(actual, w->name, w->parent);
		char msg[768];

		w->yielded = t != NULL;
		if (!t)
			continue;
		snprintf(msg, sizeof(msg),
			 "%s: provider %s '%s' already reports this device (%s); accelsched "
			 "writes none beside it%s",
			 w->name, t->uuid, t->name,
			 pc_has_trait(t, "COMPUTE_MANAGED_PCI_DEVICE")
				 ? "Nova's PCI in Placement"
				 : "not accelsched's",
			 pc_tree_find_name(actual, w->name)
				 ? ", and its own of this name goes (once free); set "
				   "[placement] placement_owner = nova where Nova owns the devices"
				 : "; set [placement] placement_owner = nova where Nova owns the "
				   "devices");
		r = pc_strv_add(&out->clashes, &out->n_clashes, msg);
	}
	if (r)
		goto oom;

	/* want_extra gets room first: ops point into it */
	r = pc_tree_reserve(want_extra, want_extra->n + actual->n);
	if (r)
		goto oom;

	/* 2. ours, below the root, no longer wanted: the device vanished.
	 * Reserving an allocated one comes first: nothing planned after it
	 * may leave it open to new allocations. */
	for (size_t i = 0; i < actual->n && !r; i++) {
		struct pc_provider *a = &actual->p[i], *w;

		if (!a->parent[0] || !pc_provider_ours(a) || wanted(want, a->name) ||
		    !is_candidate(a, want, host))
			continue;
		if (!a->allocs_known) {
			r = add_read(&out->alloc_reads, &out->n_alloc_reads, a->uuid);
			continue;
		}
		if (a->n_allocations == 0)
			continue; /* deleted last, below */
		if (want->owner == ACCEL_OWNER_NOVA) {
			char msg[512];

			snprintf(msg, sizeof(msg),
				 "%s (%s): placement_owner = nova, but this provider accelsched "
				 "wrote is allocated to %lld consumer(s): kept, reserved in full "
				 "and marked " ACCEL_UNAVAILABLE_TRAIT ", and deleted once they "
				 "are gone",
				 a->name, a->uuid, (long long)a->n_allocations);
			r = pc_strv_add(&out->clashes, &out->n_clashes, msg);
			if (r)
				break;
		}
		r = reserved_copy(a, a->traits, a->n_traits, NULL, want_extra, &w);
		if (!r)
			r = fix(out, w, a);
	}
	if (r)
		goto oom;

	/* 3. each wanted provider: create, or fix what differs */
	for (size_t i = 0; i < want->n && !r; i++) {
		struct pc_provider *w = &want->p[i], *h;
		struct pc_provider *a = pc_tree_find_name(actual, w->name);
		const char *rc;
		char msg[512];

		if (w->yielded)
			continue;
		if (!a && pc_tree_find_uuid(actual, w->uuid)) {
			a = pc_tree_find_uuid(actual, w->uuid);
			snprintf(msg, sizeof(msg),
				 "%s: provider %s (ours by UUID) is named '%s'; left alone", w->name,
				 a->uuid, a->name);
			r = pc_strv_add(&out->clashes, &out->n_clashes, msg);
			continue;
		}
		if (!a) {
			/* the owner trait first: a provider is never long
			 * without it (and one that is has our UUID) */
			r = add_op(out, PC_OP_CREATE, w, NULL);
			if (!r)
				r = add_op(out, PC_OP_TRAITS, w, NULL);
			if (!r && w->n_inv)
				r = add_op(out, PC_OP_INVENTORIES, w, NULL);
			continue;
		}
		if (!pc_provider_ours(a) || strcmp(a->parent, w->parent)) {
			bool theirs = !pc_provider_ours(a);

			snprintf(msg, sizeof(msg),
				 theirs ? "%s: provider %s has this name but is not accelsched's "
					  "(no " ACCEL_OWNER_TRAIT "): another service reports this "
					  "device (Nova's PCI in Placement?); left alone"
					: "%s: provider %s is ours but not below this host's root "
					  "provider; left alone",
				 w->name, a->uuid);
			r = pc_strv_add(&out->clashes, &out->n_clashes, msg);
			continue;
		}
		memcpy(w->uuid, a->uuid, PC_UUID_LEN); /* theirs is the one that exists */
		r = merge_inv(w, a);
		if (r)
			break;
		rc = dropped_rc(w, a);
		if (rc && !a->allocs_known) {
			/* whether Placement can take the new inventory */
			r = add_read(&out->alloc_reads, &out->n_alloc_reads, a->uuid);
			continue;
		}
		if (rc && a->n_allocations > 0) {
			snprintf(msg, sizeof(msg),
				 "%s (%s): %s is allocated to %lld consumer(s), and Placement "
				 "refuses to remove inventory in use (placement.inventory.inuse): "
				 "kept, reserved in full and marked " ACCEL_UNAVAILABLE_TRAIT
				 ", until they are gone",
				 w->name, a->uuid, rc, (long long)a->n_allocations);
			r = pc_strv_add(&out->clashes, &out->n_clashes, msg);
			if (!r)
				r = reserved_copy(a, w->traits, w->n_traits, w->dev, want_extra,
						  &h);
			if (!r)
				r = fix(out, h, a);
			continue;
		}
		r = fix(out, w, a);
	}
	if (r)
		goto oom;

	/* 4. vanished and free: deleted */
	for (size_t i = 0; i < actual->n && !r; i++) {
		struct pc_provider *a = &actual->p[i];

		if (!a->parent[0] || !pc_provider_ours(a) || wanted(want, a->name) ||
		    !is_candidate(a, want, host) || !a->allocs_known || a->n_allocations != 0)
			continue;
		r = add_op(out, PC_OP_DELETE, NULL, a);
	}
	if (r)
		goto oom;
	return 0;
oom:
	pc_plan_clear(out);
	return accel_err_set(err, r, "planning the sync: %s", accel_strerror(r));
}
