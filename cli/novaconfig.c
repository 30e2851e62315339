/* SPDX-License-Identifier: Apache-2.0 */
/*
 * accelctl nova-config: nova.conf's [pci] device_spec and alias lines for
 * this node's accelerators, so that Nova's own PCI in Placement (2023.1+,
 * [pci] report_in_placement) reports them with accelsched's descriptions
 * (docs/nova-pci.md).
 *
 * Nova 2025.1 reads them so (nova/pci/devspec.py, nova/pci/request.py,
 * nova/compute/pci_placement_translator.py):
 *   - device_spec: one JSON object per device, matched by address and
 *     ids; its "resource_class" (a standard class as it is, any other
 *     upper-cased and given CUSTOM_) and "traits" (comma-separated; a
 *     standard os-traits name as it is, any other CUSTOM_) are the
 *     provider's, plus COMPUTE_MANAGED_PCI_DEVICE;
 *   - alias: one spec per name when [filter_scheduler] pci_in_placement
 *     is on (several specs under one name are refused), all of a name of
 *     one device_type; its resource_class and traits are what Placement
 *     is asked for.
 * accelsched's names are already in that form (CUSTOM_ACCEL_*, os-traits'
 * HW_GPU_*), so Nova writes them unchanged.
 *
 * Not listed: a physical function whose virtual functions are (Nova
 * refuses a PF and its VFs both in Placement: the VFs are the devices);
 * a device that hosts mediated devices (vGPUs are [devices]
 * enabled_mdev_types); display devices.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accel/internal/json.h>
#include <accel/internal/vocab.h>
#include <accel/util.h>
#include "cli.h"

struct spec {
	const accel_device *d;
	const char *dev_type; /* type-PCI, type-PF, type-VF */
	char rc[64];
	size_t alias; /* index into aliases */
};

struct alias {
	char name[128];
	int vendor_id, device_id;
	const char *dev_type;
	const char *rc;
	const char *trait; /* CUSTOM_ACCEL_PRODUCT_<V>_<P>, NULL if absent */
	size_t n_devices;
};

struct skip {
	const accel_device *d;
	const char *why;
};

struct plan {
	struct spec *specs;
	size_t n_specs;
	struct alias *aliases;
	size_t n_aliases;
	struct skip *skips;
	size_t n_skips;
};

/* A PF whose VFs are in the inventory: the VFs are the devices. */
static bool vfs_listed(const accel_inventory *inv, const accel_device *d)
{
	for (size_t i = 0; i < d->sriov.n_vfs; i++)
		if (accel_inventory_find(inv, d->sriov.vfs[i]))
			return true;
	return false;
}

static const char *dev_type(const accel_device *d)
{
	if (d->sriov.physfn)
		return "type-VF";
	if (d->sriov.total_vfs > 0)
		return "type-PF";
	return "type-PCI";
}

/* "A100 SXM4 80GB" -> "a100-sxm4-80gb": letters and digits, a '-' for each
 * run of anything else, none at the ends. */
static void slug(const char *in, char *out, size_t cap)
{
	size_t n = 0;
	bool dash = true;

	for (; *in && n + 2 < cap; in++) {
		unsigned char c = (unsigned char)*in;

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			out[n++] = (char)c;
			dash = false;
		} else if (c >= 'A' && c <= 'Z') {
			out[n++] = (char)(c - 'A' + 'a');
			dash = false;
		} else if (!dash) {
			out[n++] = '-';
			dash = true;
		}
	}
	while (n && out[n - 1] == '-')
		n--;
	out[n] = '\0';
}

static const char *product_trait(const accel_device *d)
{
	char t[64];

	snprintf(t, sizeof(t), "CUSTOM_ACCEL_PRODUCT_%04X_%04X", (unsigned)d->vendor_id,
		 (unsigned)d->device_id);
	for (size_t i = 0; i < d->n_traits; i++)
		if (!strcmp(d->traits[i], t))
			return d->traits[i];
	return NULL;
}

/* The alias of s's device: found (same ids, type, class) or added. */
static int add_alias(struct plan *p, struct spec *s, const struct nova_config_opts *o)
{
	const accel_device *d = s->d;
	char base[96], name[128];
	struct alias *a;

	for (size_t i = 0; i < p->n_aliases; i++) {
		a = &p->aliases[i];
		if (a->vendor_id == d->vendor_id && a->device_id == d->device_id &&
		    a->dev_type == s->dev_type && !strcmp(a->rc, s->rc)) {
			s->alias = i;
			a->n_devices++;
			return 0;
		}
	}
	if (!strcmp(o->alias_names, "model") && d->model && *d->model)
		slug(d->model, base, sizeof(base));
	else
		base[0] = '\0';
	if (!base[0])
		snprintf(base, sizeof(base), "%04x-%04x", (unsigned)d->vendor_id,
			 (unsigned)d->device_id);
	snprintf(name, sizeof(name), "%s%s", base, s->dev_type[5] == 'V' ? "-vf" : "");
	/* one spec per name (pci_in_placement): another product of the same
	 * model name gets its ids */
	for (size_t i = 0; i < p->n_aliases; i++)
		if (!strcmp(p->aliases[i].name, name)) {
			snprintf(name, sizeof(name), "%s-%04x-%04x%s", base, (unsigned)d->vendor_id,
				 (unsigned)d->device_id, s->dev_type[5] == 'V' ? "-vf" : "");
			break;
		}
	a = realloc(p->aliases, (p->n_aliases + 1) * sizeof(*a));
	if (!a)
		return -ENOMEM;
	p->aliases = a;
	a = &p->aliases[p->n_aliases];
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->vendor_id = d->vendor_id;
	a->device_id = d->device_id;
	a->dev_type = s->dev_type;
	a->rc = s->rc;
	a->trait = product_trait(d);
	a->n_devices = 1;
	s->alias = p->n_aliases++;
	return 0;
}

static int add_skip(struct plan *p, const accel_device *d, const char *why)
{
	struct skip *s = realloc(p->skips, (p->n_skips + 1) * sizeof(*s));

	if (!s)
		return -ENOMEM;
	p->skips = s;
	p->skips[p->n_skips].d = d;
	p->skips[p->n_skips++].why = why;
	return 0;
}

static int make_plan(const accel_inventory *inv, const struct nova_config_opts *o, struct plan *p)
{
	size_t n = accel_inventory_n_devices(inv);
	int r = 0;

	memset(p, 0, sizeof(*p));
	p->specs = calloc(n ? n : 1, sizeof(*p->specs));
	if (!p->specs)
		return -ENOMEM;
	for (size_t i = 0; i < n && !r; i++) {
		const accel_device *d = accel_inventory_device(inv, i);
		struct spec *s;

		if (!d->resource_class || d->kind == ACCEL_KIND_DISPLAY)
			continue;
		if (d->vendor_id < 0 || d->device_id < 0) {
			r = add_skip(p, d, "its vendor and product ids are unknown");
			continue;
		}
		if (!strcmp(d->resource_class, "VGPU")) {
			r = add_skip(p, d,
				     "it hosts mediated devices: Nova gives its vGPUs through "
				     "[devices] enabled_mdev_types, not [pci]");
			continue;
		}
		if (vfs_listed(inv, d)) {
			r = add_skip(p, d,
				     "a physical function whose virtual functions are listed: "
				     "Nova reports a PF or its VFs, never both");
			continue;
		}
		s = &p->specs[p->n_specs++];
		s->d = d;
		s->dev_type = dev_type(d);
		if (!strcmp(o->resource_class, "nova"))
			accel_vocab_nova_pci_rc(d, s->rc, sizeof(s->rc));
		else
			snprintf(s->rc, sizeof(s->rc), "%s", d->resource_class);
		r = add_alias(p, s, o);
	}
	return r;
}

static void plan_clear(struct plan *p)
{
	free(p->specs);
	free(p->aliases);
	free(p->skips);
	memset(p, 0, sizeof(*p));
}

/* Comma-separated, as device_spec's "traits" tag is. */
static char *traits_csv(const accel_device *d)
{
	size_t n = 1;
	char *s;

	for (size_t i = 0; i < d->n_traits; i++)
		n += strlen(d->traits[i]) + 1;
	s = malloc(n);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (size_t i = 0; i < d->n_traits; i++) {
		if (i)
			strcat(s, ",");
		strcat(s, d->traits[i]);
	}
	return s;
}

static int add_str(json_object *o, const char *k, const char *v)
{
	json_object *s = json_object_new_string(v);

	return s ? accel_json_add(o, k, s) : -ENOMEM;
}

static int spec_json(const struct spec *s, json_object **out)
{
	json_object *o = json_object_new_object();
	char id[8], *traits = traits_csv(s->d);
	int r = o && traits ? 0 : -ENOMEM;

	if (!r)
		r = add_str(o, "address", s->d->address);
	snprintf(id, sizeof(id), "%04x", (unsigned)s->d->vendor_id);
	if (!r)
		r = add_str(o, "vendor_id", id);
	snprintf(id, sizeof(id), "%04x", (unsigned)s->d->device_id);
	if (!r)
		r = add_str(o, "product_id", id);
	if (!r)
		r = add_str(o, "resource_class", s->rc);
	if (!r && s->d->n_traits)
		r = add_str(o, "traits", traits);
	free(traits);
	if (r) {
		json_object_put(o);
		return -ENOMEM;
	}
	*out = o;
	return 0;
}

static int alias_json(const struct alias *a, json_object **out)
{
	json_object *o = json_object_new_object();
	char id[8];
	int r = o ? 0 : -ENOMEM;

	if (!r)
		r = add_str(o, "name", a->name);
	snprintf(id, sizeof(id), "%04x", (unsigned)a->vendor_id);
	if (!r)
		r = add_str(o, "vendor_id", id);
	snprintf(id, sizeof(id), "%04x", (unsigned)a->device_id);
	if (!r)
		r = add_str(o, "product_id", id);
	if (!r)
		r = add_str(o, "device_type", a->dev_type);
	/* a device anywhere on the host; accelsched:numa in the flavor is
	 * accelsched's stricter say (hw:pci_numa_affinity_policy overrides) */
	if (!r)
		r = add_str(o, "numa_policy", "preferred");
	if (!r)
		r = add_str(o, "resource_class", a->rc);
	/* Placement then hands out only this product under a shared class */
	if (!r && a->trait)
		r = add_str(o, "traits", a->trait);
	if (r) {
		json_object_put(o);
		return -ENOMEM;
	}
	*out = o;
	return 0;
}

/* One line of JSON, as nova.conf takes it; the caller frees. */
static char *line_of(int r, json_object *o)
{
	char *text = NULL;

	if (r)
		return NULL;
	if (accel_json_text(o, JSON_C_TO_STRING_SPACED, &text))
		return NULL;
	return text;
}

/* Free text for a comment: printable ASCII, the rest '?'. */
static void comment_text(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	for (; in && *in && n + 1 < cap; in++)
		out[n++] = (*in >= 0x20 && *in < 0x7f) ? *in : '?';
	out[n] = '\0';
}

static int print_text(const accel_inventory *inv, const struct plan *p)
{
	const char *host = accel_inventory_host(inv);
	char h[256];

	comment_text(host, h, sizeof(h));
	printf("# nova.conf on compute %s: its accelerators in Nova's PCI in Placement,\n"
	       "# described by accelsched (accelctl nova-config, accelsched %s).\n"
	       "# [pci] alias also goes into nova.conf of nova-api and nova-scheduler, with\n"
	       "# [filter_scheduler] pci_in_placement = True; accelsched.conf of this\n"
	       "# compute gets [placement] placement_owner = nova (docs/nova-pci.md).\n"
	       "[pci]\n"
	       "report_in_placement = True\n",
	       h, ACCELSCHED_VERSION);
	if (!p->n_specs)
		printf("# no accelerator to pass through on this node\n");
	for (size_t i = 0; i < p->n_specs; i++) {
		const struct spec *s = &p->specs[i];
		json_object *o = NULL;
		int r = spec_json(s, &o);
		char model[128], drv[64], *line = line_of(r, o);

		if (!line) {
			fprintf(stderr, "accelctl: nova-config: out of memory\n");
			return 1;
		}
		comment_text(s->d->model ? s->d->model : "unknown model", model, sizeof(model));
		printf("# %s: %s, alias %s", s->d->address, model, p->aliases[s->alias].name);
		if (s->d->numa_node >= 0)
			printf(", NUMA node %d", s->d->numa_node);
		printf("\n");
		if (!s->d->driver || strcmp(s->d->driver, "vfio-pci")) {
			comment_text(s->d->driver, drv, sizeof(drv));
			printf("# %s is bound to %s, not vfio-pci: bind it to vfio-pci before an "
			       "instance gets it\n",
			       s->d->address, s->d->driver ? drv : "no driver");
		}
		printf("device_spec = %s\n", line);
		free(line);
	}
	for (size_t i = 0; i < p->n_skips; i++)
		printf("# %s not listed: %s\n", p->skips[i].d->address, p->skips[i].why);
	for (size_t i = 0; i < p->n_aliases; i++) {
		const struct alias *a = &p->aliases[i];
		json_object *o = NULL;
		int r = alias_json(a, &o);
		char *line = line_of(r, o);

		if (!line) {
			fprintf(stderr, "accelctl: nova-config: out of memory\n");
			return 1;
		}
		printf("# flavors: pci_passthrough:alias=%s:N (%zu on this node)\n", a->name,
		       a->n_devices);
		printf("alias = %s\n", line);
		free(line);
	}
	return 0;
}

static int print_json(const struct plan *p)
{
	json_object *root = json_object_new_object(), *specs = json_object_new_array(),
		    *aliases = json_object_new_array();
	char *text = NULL;
	int r = root && specs && aliases ? 0 : -ENOMEM;

	for (size_t i = 0; i < p->n_specs && !r; i++) {
		json_object *o = NULL;

		r = spec_json(&p->specs[i], &o);
		if (!r)
			r = accel_json_append(specs, o);
	}
	for (size_t i = 0; i < p->n_aliases && !r; i++) {
		json_object *o = NULL;

		r = alias_json(&p->aliases[i], &o);
		if (!r)
			r = accel_json_append(aliases, o);
	}
	if (!r) {
		r = accel_json_add(root, "device_spec", specs);
		specs = NULL;
	}
	if (!r) {
		r = accel_json_add(root, "alias", aliases);
		aliases = NULL;
	}
	json_object_put(specs);
	json_object_put(aliases);
	if (!r)
		r = accel_json_text(root, JSON_C_TO_STRING_PRETTY, &text);
	else
		json_object_put(root);
	if (r) {
		fprintf(stderr, "accelctl: nova-config: writing JSON: %s\n", accel_strerror(r));
		return 1;
	}
	puts(text);
	free(text);
	return 0;
}

int cmd_nova_config(const accel_inventory *inv, const struct nova_config_opts *o)
{
	struct plan p;
	int r = make_plan(inv, o, &p);

	if (r) {
		plan_clear(&p);
		fprintf(stderr, "accelctl: nova-config: %s\n", accel_strerror(r));
		return 1;
	}
	r = strcmp(o->format, "json") ? print_text(inv, &p) : print_json(&p);
	plan_clear(&p);
	return r;
}
