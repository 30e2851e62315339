/* SPDX-License-Identifier: Apache-2.0 */
/* PCI config space parsing (untrusted bytes from sysfs or a dump). */
#ifndef ACCEL_DRIVERS_PCICFG_H
#define ACCEL_DRIVERS_PCICFG_H

#include <stdint.h>

struct pcicfg_link {
	int speed_dgts, width;	       /* Link Status */
	int max_speed_dgts, max_width; /* Link Capabilities */
};

/* Find the PCI Express capability in the first len bytes of config space
 * and read its link fields. -ENODATA when there is none. */
int pcicfg_link(const uint8_t *cfg, int len, struct pcicfg_link *out);

#endif
