/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Link classes between devices, as `nvidia-smi topo -m` defines them:
 *   PIX  the paths meet at one bridge or one PCIe switch (two downstream
 *        ports of one switch, or functions of one device);
 *   PXB  they meet below a root port but cross more than one switch;
 *   PHB  they meet only at the host bridge (same root bus, other ports);
 *   NODE different host bridges, same NUMA node;
 *   SYS  different NUMA nodes.
 *
 * Links are listed between accelerators, and between an accelerator and an
 * RDMA NIC: what scheduling (P2P groups) and operators (GPUDirect RDMA
 * placement) use. NIC pairs are left out: a host with hundreds of SR-IOV
 * VFs would otherwise list hundreds of thousands of links (8 GPUs and 700
 * VFs made a 22 MB inventory). So links grow with the accelerators:
 * A(A-1)/2 + A*N for A accelerators and N NICs. `accelctl topo` classifies
 * NIC pairs itself from the NICs' paths when it prints them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <accel/util.h>
#include "scan.h"

static bool same_slot(const char *a, const char *b)
{
	const char *da = strrchr(a, '.'), *db = strrchr(b, '.');

	return da && db && da - a == db - b && !strncmp(a, b, (size_t)(da - a));
}

accel_link_class accel_topo_classify(const accel_topo_node *a, const accel_topo_node *b,
				     bool single_node)
{
	size_t la = a->n_upstream, lb = b->n_upstream, k = 0;
	int na = a->numa_node, nb = b->numa_node;

	if (!a->host_bridge || !b->host_bridge)
		return ACCEL_LINK_UNKNOWN;
	if (!strcmp(a->host_bridge, b->host_bridge)) {
		if (same_slot(a->address, b->address))
			return ACCEL_LINK_PIX;
		/* common bridges, counted from the root port down */
		while (k < la && k < lb &&
		       !strcmp(a->upstream[la - 1 - k], b->upstream[lb - 1 - k]))
			k++;
		if (k == 0)
			return ACCEL_LINK_PHB;
		/* below the deepest common bridge, a switch's downstream port
		 * at most on each side: one switch */
		return (la - k <= 1 && lb - k <= 1) ? ACCEL_LINK_PIX : ACCEL_LINK_PXB;
	}
	if (single_node) {
		na = na < 0 ? 0 : na;
		nb = nb < 0 ? 0 : nb;
	}
	if (na < 0 || nb < 0)
		return ACCEL_LINK_UNKNOWN;
	return na == nb ? ACCEL_LINK_NODE : ACCEL_LINK_SYS;
}

int accel_topology(struct scan *s)
{
	accel_topo_node *nodes;
	bool *nic;
	size_t n = 0;
	int r = 0;

	nodes = calloc(s->n_fns ? s->n_fns : 1, sizeof(*nodes));
	nic = calloc(s->n_fns ? s->n_fns : 1, sizeof(*nic));
	if (!nodes || !nic) {
		free(nodes);
		free(nic);
		return scan_fail(s, -ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < s->n_fns; i++) {
		const struct scan_fn *f = &s->fns[i];
		const accel_pcie *p;

		if (f->dev && f->dev->kind != ACCEL_KIND_DISPLAY) {
			p = &f->dev->pcie;
			nodes[n].numa_node = f->dev->numa_node;
		} else if (f->nic) {
			p = &f->nic->pcie;
			nodes[n].numa_node = f->nic->numa_node;
			nic[n] = true;
		} else {
			continue;
		}
		nodes[n].address = f->addr;
		nodes[n].upstream = (const char *const *)p->upstream;
		nodes[n].n_upstream = p->n_upstream;
		nodes[n].host_bridge = p->host_bridge;
		n++;
	}
	for (size_t i = 0; i < n && !r; i++)
		for (size_t j = i + 1; j < n && !r; j++) {
			accel_link_class c;

			if (nic[i] && nic[j])
				continue;
			c = accel_topo_classify(&nodes[i], &nodes[j], s->numa_nodes == 1);
			if (c != ACCEL_LINK_UNKNOWN)
				r = accel_inventory_add_link(s->inv, nodes[i].address,
							     nodes[j].address, c);
		}
	free(nodes);
	free(nic);
	if (r)
		return scan_fail(s, r, "topology: %s", accel_strerror(r));
	return 0;
}
