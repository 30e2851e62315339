/* SPDX-License-Identifier: Apache-2.0 */
/* accelctl list and accelctl show. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accel/util.h>
#include "cli.h"

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static const char *memory_str(int64_t mb, char *buf, size_t cap)
{
	if (mb < 0)
		return "-";
	if (mb >= 1024 && mb % 1024 == 0)
		snprintf(buf, cap, "%lld GiB", (long long)(mb / 1024));
	else
		snprintf(buf, cap, "%lld MiB", (long long)mb);
	return buf;
}

/* Print what a *_to_json call made (r its result) and free it. */
static int print_json(int r, char *text)
{
	if (r) {
		fprintf(stderr, "accelctl: writing JSON: %s\n", accel_strerror(r));
		return 1;
	}
	puts(text);
	free(text);
	return 0;
}

static void print_host_opencl(const accel_inventory *inv)
{
	size_t n = accel_inventory_n_host_opencl(inv);

	if (!n)
		return;
	printf("\nHost-level OpenCL devices (not matched to a PCI device):\n");
	printf("%-10s %-36s %-14s %6s %10s\n", "TYPE", "NAME", "PLATFORM", "UNITS", "MEMORY");
	for (size_t i = 0; i < n; i++) {
		const accel_host_opencl *h = accel_inventory_host_opencl(inv, i);
		char units[16] = "-", mem[32];

		if (h->compute_units >= 0)
			snprintf(units, sizeof(units), "%d", h->compute_units);
		printf("%-10s %-36s %-14.14s %6s %10s\n", or_dash(h->type), or_dash(h->name),
		       or_dash(h->platform), units, memory_str(h->global_mem_mb, mem, sizeof(mem)));
	}
}

int cmd_list(const accel_inventory *inv, const char *format)
{
	size_t n = accel_inventory_n_devices(inv);

	if (!strcmp(format, "json")) {
		char *text = NULL;
		int r = accel_inventory_to_json(inv, ACCEL_JSON_PRETTY, &text);

		return print_json(r, text);
	}
	if (!n) {
		printf("No accelerators found on %s.\n", accel_inventory_host(inv));
	} else {
		printf("%-13s %-7s %-7s %-30s %9s %4s %-12s %-8s %s\n", "ADDRESS", "KIND", "VENDOR",
		       "MODEL", "MEMORY", "NUMA", "DRIVER", "HEALTH", "RESOURCE");
		for (size_t i = 0; i < n; i++) {
			const accel_device *d = accel_inventory_device(inv, i);
			char numa[16] = "-", mem[32];

			if (d->numa_node >= 0)
				snprintf(numa, sizeof(numa), "%d", d->numa_node);
			printf("%-13s %-7s %-7s %-30.30s %9s %4s %-12.12s %-8s %s\n", d->address,
			       accel_kind_name(d->kind), or_dash(d->vendor), or_dash(d->model),
			       memory_str(d->memory_mb, mem, sizeof(mem)), numa, or_dash(d->driver),
			       accel_health_name(d->health), or_dash(d->resource_class));
		}
	}
	print_host_opencl(inv);
	return 0;
}

static void row(const char *key, const char *fmt, ...) ACCEL_PRINTF(2, 3);
static void row(const char *key, const char *fmt, ...)
{
	va_list ap;

	printf("  %-17s ", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void print_strv(const char *key, char *const *v, size_t n, const char *sep)
{
	if (!n)
		return;
	printf("  %-17s ", key);
	for (size_t i = 0; i < n; i++)
		printf("%s%s", i ? sep : "", v[i]);
	putchar('\n');
}

static void show_pcie(const accel_device *d)
{
	const accel_pcie *p = &d->pcie;
	char a[32], b[32];

	if (p->speed_dgts || p->width)
		row("PCIe link:", "%s x%d (capable of %s x%d)",
		    or_dash(accel_speed_str(p->speed_dgts, a, sizeof(a))), p->width,
		    or_dash(accel_speed_str(p->max_speed_dgts, b, sizeof(b))), p->max_width);
	if (p->n_upstream || p->host_bridge) {
		printf("  %-17s ", "upstream:");
		for (size_t i = 0; i < p->n_upstream; i++)
			printf("%s -> ", p->upstream[i]);
		printf("%s\n", or_dash(p->host_bridge));
	}
}

static void show_table(const accel_inventory *inv, const accel_device *d)
{
	char buf[64];
	size_t nl = accel_inventory_n_links(inv);

	printf("%s  %s %s\n", d->address, or_dash(d->vendor_name), or_dash(d->model));
	row("kind:", "%s", accel_kind_name(d->kind));
	printf("  %-17s %04x:%04x", "PCI ids:", (unsigned)d->vendor_id, (unsigned)d->device_id);
	if (d->subsystem_vendor_id >= 0)
		printf(" subsystem %04x:%04x", (unsigned)d->subsystem_vendor_id,
		       (unsigned)d->subsystem_device_id);
	if (d->class_code >= 0)
		printf(" class %06x", (unsigned)d->class_code);
	if (d->revision >= 0)
		printf(" rev %02x", (unsigned)d->revision);
	putchar('\n');
	row("vendor driver:", "%s", or_dash(d->vendor));
	if (d->architecture)
		row("architecture:", "%s", d->architecture);
	if (d->compute_capability)
		row("compute cap.:", "%s", d->compute_capability);
	row("memory:", "%s", memory_str(d->memory_mb, buf, sizeof(buf)));
	row("bound driver:", "%s", d->driver ? d->driver : "(none)");
	if (d->numa_node >= 0)
		row("NUMA node:", "%d", d->numa_node);
	else
		row("NUMA node:", "unknown");
	if (d->cpu_affinity)
		row("local CPUs:", "%s", d->cpu_affinity);
	if (d->iommu_group >= 0)
		row("IOMMU group:", "%d", d->iommu_group);
	show_pcie(d);
	if (d->sriov.known) {
		if (d->sriov.physfn)
			row("SR-IOV:", "virtual function of %s", d->sriov.physfn);
		else
			row("SR-IOV:", "%d of %d VFs enabled", d->sriov.num_vfs,
			    d->sriov.total_vfs);
		print_strv("VFs:", d->sriov.vfs, d->sriov.n_vfs, " ");
	}
	for (size_t i = 0; i < d->n_mdev_types; i++) {
		const accel_mdev_type *m = &d->mdev_types[i];

		row(i ? "" : "mdev types:", "%-14s %-24s %d available", m->id, or_dash(m->name),
		    m->available);
	}
	if (d->drm.card || d->drm.render)
		row("DRM:", "%s %s (driver %s %s)", or_dash(d->drm.card), or_dash(d->drm.render),
		    or_dash(d->drm.driver), d->drm.version ? d->drm.version : "");
	if (d->accel_node)
		row("accel node:", "%s", d->accel_node);
	if (d->opencl.present)
		row("OpenCL:", "%s, %s, %d compute units, %lld MiB", or_dash(d->opencl.name),
		    or_dash(d->opencl.version), d->opencl.compute_units,
		    (long long)d->opencl.global_mem_mb);
	row("health:", "%s", accel_health_name(d->health));
	print_strv("", d->health_reasons, d->n_health_reasons, "\n                    ");
	row("resource class:", "%s", d->resource_class ? d->resource_class : "(none)");
	print_strv("traits:", d->traits, d->n_traits, "\n                    ");
	for (size_t i = 0, shown = 0; i < nl; i++) {
		const accel_link *l = accel_inventory_link(inv, i);
		const char *peer = !strcmp(l->a, d->address)   ? l->b
				   : !strcmp(l->b, d->address) ? l->a
							       : NULL;

		if (peer)
			row(shown++ ? "" : "links:", "%s %s", accel_link_class_name(l->cls), peer);
	}
}

int cmd_show(const accel_inventory *inv, const char *address, const char *format)
{
	const accel_device *d;
	char norm[ACCEL_ADDR_MAX];

	if (accel_pci_addr_normalize(address, norm)) {
		fprintf(stderr,
			"accelctl: '%s' is not a PCI address (expected DDDD:BB:DD.F or BB:DD.F)\n",
			address);
		return 2;
	}
	d = accel_inventory_find(inv, norm);
	if (!d) {
		fprintf(stderr, "accelctl: %s: no accelerator at this address on %s\n", norm,
			accel_inventory_host(inv));
		return 1;
	}
	if (!strcmp(format, "json")) {
		char *text = NULL;
		int r = accel_device_to_json(d, ACCEL_JSON_PRETTY, &text);

		return print_json(r, text);
	}
	show_table(inv, d);
	return 0;
}
