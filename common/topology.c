/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PCIe topology rules, in one place: the class of a pair of devices
 * (discovery's links, `accelctl topo`) and the group keys the scheduler
 * checks a request's p2p constraint with. Link classes, as
 * `nvidia-smi topo -m` defines them:
 *   PIX  the paths meet at one bridge or one PCIe switch (two downstream
 *        ports of one switch, or functions of one device);
 *   PXB  they meet below a root port but cross more than one switch;
 *   PHB  they meet only at the host bridge (same root bus, other ports);
 *   NODE different host bridges, same NUMA node;
 *   SYS  different NUMA nodes.
 * A fix to one function here is a fix to the other:
 * tests/unit/test_sched.c checks the groups against a brute force over
 * device subsets with accel_topo_classify's pair classes.
 */
#include <stdio.h>
#include <string.h>

#include <accel/model.h>

/* Length of an address without its function ("0000:00:05" of
 * "0000:00:05.1"); 0 when it has none. */
static size_t slot_len(const char *a)
{
	const char *dot = strrchr(a, '.');

	return dot ? (size_t)(dot - a) : 0;
}

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

void accel_topo_names_of(const accel_topo_node *n, accel_topo_names *out)
{
	memset(out, 0, sizeof(*out));
	if (n->n_upstream >= 1) {
		out->parent = n->upstream[0];
		out->root = n->upstream[n->n_upstream - 1];
	}
	if (n->n_upstream >= 2)
		out->gparent = n->upstream[1];
	out->host_bridge = n->host_bridge;
	if (n->n_upstream == 0 && n->host_bridge) {
		/* a root-bus device: only its own functions are PIX (same_slot) */
		snprintf(out->slot, sizeof(out->slot), "%.*s", (int)slot_len(n->address),
			 n->address);
	}
}

/*
 * Why "every pair within X" is membership of one group:
 *   SYS  all devices;
 *   NODE one NUMA node (a device whose node is unknown pairs only within
 *        its host bridge, as accel_topo_classify says);
 *   PHB  one host bridge;
 *   PXB  one root port (two devices with a common bridge have the same
 *        root port, and the same root port means a common bridge);
 *   PIX  below one bridge G, as its children or grandchildren: with a the
 *        deepest of a set at depth m, every other must share a's first
 *        m-1 bridges (the class needs the common part to leave at most one
 *        bridge on each side), so the set lies within two levels below
 *        a's grandparent G; and any such set qualifies. Functions of one
 *        device on a root bus form their own group.
 */
size_t accel_topo_group_keys(const accel_topo_ids *d, accel_link_class level, uint32_t keys[3])
{
	size_t n = 0;

	switch (level) {
	case ACCEL_LINK_PIX:
		/* G's children and grandchildren: one namespace for both */
		if (d->parent)
			keys[n++] = 0x100000u | d->parent;
		if (d->gparent)
			keys[n++] = 0x100000u | d->gparent;
		if (d->slot)
			keys[n++] = 0x300000u | d->slot;
		break;
	case ACCEL_LINK_PXB:
		if (d->root)
			keys[n++] = 0x400000u | d->root;
		else if (d->slot)
			keys[n++] = 0x300000u | d->slot;
		break;
	case ACCEL_LINK_PHB:
		if (d->host_bridge)
			keys[n++] = 0x500000u | d->host_bridge;
		break;
	case ACCEL_LINK_NODE:
		if (d->numa >= 0)
			keys[n++] = 0x600000u | (uint32_t)d->numa;
		else if (d->host_bridge)
			keys[n++] = 0x500000u | d->host_bridge;
		break;
	default:
		keys[n++] = 0x700000u;
		break;
	}
	return n;
}
