/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The inventory's links, classified by the rules of common/topology.c
 * (accel_topo_classify).
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

#include <accel/model.h>
#include <accel/util.h>
#include "scan.h"

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
