/* SPDX-License-Identifier: Apache-2.0 */
/*
 * accelctl topo: the matrix of `nvidia-smi topo -m` for every accelerator
 * and RDMA NIC, with CPU and NUMA affinity; as JSON; or as Graphviz.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include <accel/discovery.h>

#include "cli.h"

struct node {
	char label[32];
	const char *address;
	const char *what; /* model, or NIC name */
	const char *cpus;
	const char *host_bridge;
	int numa;
	const accel_nic *nic; /* NULL for an accelerator */
};

static const char *kind_label(accel_kind k)
{
	switch (k) {
	case ACCEL_KIND_GPU:
		return "GPU";
	case ACCEL_KIND_FPGA:
		return "FPGA";
	case ACCEL_KIND_NPU:
		return "NPU";
	default:
		return "ACC";
	}
}

/* Accelerators first (by address, as nvidia-smi orders GPUs by bus id),
 * then NICs; each kind numbered from 0. */
static size_t collect(const accel_inventory *inv, struct node **out)
{
	size_t nd = accel_inventory_n_devices(inv), nn = accel_inventory_n_nics(inv), n = 0;
	static const accel_kind kinds[] = {ACCEL_KIND_GPU, ACCEL_KIND_FPGA, ACCEL_KIND_NPU,
					   ACCEL_KIND_ACCEL};
	struct node *v = calloc(nd + nn + 1, sizeof(*v));

	if (!v)
		return 0;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		int idx = 0;

		for (size_t i = 0; i < nd; i++) {
			const accel_device *d = accel_inventory_device(inv, i);

			if (d->kind != kinds[k])
				continue;
			snprintf(v[n].label, sizeof(v[n].label), "%s%d", kind_label(d->kind),
				 idx++);
			v[n].address = d->address;
			v[n].what = d->model ? d->model : "";
			v[n].cpus = d->cpu_affinity;
			v[n].numa = d->numa_node;
			v[n].host_bridge = d->pcie.host_bridge;
			n++;
		}
	}
	for (size_t i = 0; i < nn; i++) {
		const accel_nic *c = accel_inventory_nic(inv, i);

		snprintf(v[n].label, sizeof(v[n].label), "NIC%zu", i);
		v[n].address = c->address;
		v[n].what = c->name ? c->name : "";
		v[n].cpus = c->cpu_affinity;
		v[n].numa = c->numa_node;
		v[n].host_bridge = c->pcie.host_bridge;
		v[n].nic = c;
		n++;
	}
	*out = v;
	return n;
}

/* As discovery's "one NUMA node" rule: no function knows its node, and a
 * link across host bridges says NODE. */
static bool single_node(const accel_inventory *inv)
{
	for (size_t i = 0; i < accel_inventory_n_devices(inv); i++)
		if (accel_inventory_device(inv, i)->numa_node >= 0)
			return false;
	for (size_t i = 0; i < accel_inventory_n_nics(inv); i++)
		if (accel_inventory_nic(inv, i)->numa_node >= 0)
			return false;
	for (size_t i = 0; i < accel_inventory_n_links(inv); i++)
		if (accel_inventory_link(inv, i)->cls == ACCEL_LINK_NODE)
			return true;
	return false;
}

/* The inventory lists links that involve an accelerator; NIC pairs are
 * classified here from their paths, the same rules discovery uses. */
static accel_link_class pair_class(const accel_inventory *inv, const struct node *a,
				   const struct node *b)
{
	if (a->nic && b->nic) {
		accel_topo_node x = {a->address, (const char *const *)a->nic->pcie.upstream,
				     a->nic->pcie.n_upstream, a->nic->pcie.host_bridge,
				     a->nic->numa_node};
		accel_topo_node y = {b->address, (const char *const *)b->nic->pcie.upstream,
				     b->nic->pcie.n_upstream, b->nic->pcie.host_bridge,
				     b->nic->numa_node};

		static const accel_inventory *seen;
		static bool single;

		if (seen != inv) { /* once per inventory, not per cell */
			single = single_node(inv);
			seen = inv;
		}
		return accel_topo_classify(&x, &y, single);
	}
	return accel_inventory_link_class(inv, a->address, b->address);
}

static const char *cell(const accel_inventory *inv, const struct node *a, const struct node *b)
{
	accel_link_class c;

	if (a == b)
		return "X";
	c = pair_class(inv, a, b);
	return c == ACCEL_LINK_UNKNOWN ? "?" : accel_link_class_name(c);
}

static void table(const accel_inventory *inv, const struct node *v, size_t n)
{
	printf("%-8s", "");
	for (size_t j = 0; j < n; j++)
		printf("%-8s", v[j].label);
	printf("%-16s%s\n", "CPU Affinity", "NUMA Affinity");
	for (size_t i = 0; i < n; i++) {
		char numa[16] = "N/A";

		if (v[i].numa >= 0)
			snprintf(numa, sizeof(numa), "%d", v[i].numa);
		printf("%-8s", v[i].label);
		for (size_t j = 0; j < n; j++)
			printf("%-8s", i == j ? " X" : cell(inv, &v[i], &v[j]));
		printf("%-16s%s\n", v[i].cpus ? v[i].cpus : "N/A", numa);
	}
	printf("\nLegend:\n\n"
	       "  X    = Self\n"
	       "  SYS  = Connection traversing PCIe as well as the SMP interconnect between NUMA "
	       "nodes\n"
	       "  NODE = Connection traversing PCIe as well as the interconnect between PCIe Host "
	       "Bridges within a NUMA node\n"
	       "  PHB  = Connection traversing PCIe as well as a PCIe Host Bridge (typically the "
	       "CPU)\n"
	       "  PXB  = Connection traversing multiple PCIe bridges (without traversing the PCIe "
	       "Host Bridge)\n"
	       "  PIX  = Connection traversing at most a single PCIe bridge\n"
	       "  ?    = Unknown (an lspci dump does not say which NUMA node a host bridge is on)\n"
	       "\nDevices:\n\n");
	for (size_t i = 0; i < n; i++)
		printf("  %-6s %s  %s\n", v[i].label, v[i].address, v[i].what);
}

static int json(const accel_inventory *inv, const struct node *v, size_t n)
{
	json_object *root = json_object_new_object(), *nodes = json_object_new_array(),
		    *matrix = json_object_new_object();

	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_new_object(), *row = json_object_new_object();

		json_object_object_add(o, "label", json_object_new_string(v[i].label));
		json_object_object_add(o, "address", json_object_new_string(v[i].address));
		json_object_object_add(o, "name", json_object_new_string(v[i].what));
		json_object_object_add(o, "numa_node",
				       v[i].numa >= 0 ? json_object_new_int(v[i].numa) : NULL);
		json_object_object_add(o, "cpu_affinity",
				       v[i].cpus ? json_object_new_string(v[i].cpus) : NULL);
		json_object_array_add(nodes, o);
		for (size_t j = 0; j < n; j++)
			if (i != j)
				json_object_object_add(
					row, v[j].address,
					json_object_new_string(cell(inv, &v[i], &v[j])));
		json_object_object_add(matrix, v[i].address, row);
	}
	json_object_object_add(root, "host", json_object_new_string(accel_inventory_host(inv)));
	json_object_object_add(root, "nodes", nodes);
	json_object_object_add(root, "matrix", matrix);
	puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_SPACED |
							  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	return 0;
}

/* Graphviz: NUMA nodes and host bridges as clusters (they carry NODE and
 * SYS), edges for the PCIe paths below a host bridge (PIX, PXB, PHB). */
static void dot(const accel_inventory *inv, const struct node *v, size_t n)
{
	printf("graph \"%s\" {\n  graph [compound=true, fontname=\"Helvetica\"];\n"
	       "  node [shape=box, fontname=\"Helvetica\"];\n",
	       accel_inventory_host(inv));
	for (int numa = -1; numa < 4096; numa++) {
		bool any = false;

		for (size_t i = 0; i < n; i++)
			any |= v[i].numa == numa;
		if (!any)
			continue;
		if (numa >= 0)
			printf("  subgraph \"cluster_numa%d\" {\n    label=\"NUMA node %d\";\n",
			       numa, numa);
		else
			printf("  subgraph \"cluster_numa_unknown\" {\n    label=\"NUMA node "
			       "unknown\";\n");
		for (size_t i = 0; i < n; i++) {
			if (v[i].numa != numa)
				continue;
			printf("    \"%s\" [label=\"%s\\n%s\\n%s\"%s];\n", v[i].address, v[i].label,
			       v[i].address, v[i].what,
			       !strncmp(v[i].label, "NIC", 3) ? ", shape=ellipse" : "");
		}
		printf("  }\n");
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			accel_link_class c = pair_class(inv, &v[i], &v[j]);
			const char *style = c == ACCEL_LINK_PIX	  ? "bold"
					    : c == ACCEL_LINK_PXB ? "solid"
					    : c == ACCEL_LINK_PHB ? "dashed"
								  : NULL;

			if (style)
				printf("  \"%s\" -- \"%s\" [label=\"%s\", style=%s];\n",
				       v[i].address, v[j].address, accel_link_class_name(c), style);
		}
	printf("}\n");
}

int cmd_topo(const accel_inventory *inv, const char *format)
{
	struct node *v = NULL;
	size_t n = collect(inv, &v);

	if (!v) {
		fprintf(stderr, "accelctl: out of memory\n");
		return 1;
	}
	if (!strcmp(format, "json"))
		json(inv, v, n);
	else if (!strcmp(format, "dot"))
		dot(inv, v, n);
	else if (!n)
		printf("No accelerators found on %s.\n", accel_inventory_host(inv));
	else
		table(inv, v, n);
	free(v);
	return 0;
}
