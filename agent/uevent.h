/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel uevents (NETLINK_KOBJECT_UEVENT): "ACTION@DEVPATH\0KEY=VALUE\0...".
 * The parser takes untrusted bytes (fuzzed by fuzz/fuzz_uevent.c).
 */
#ifndef ACCEL_AGENT_UEVENT_H
#define ACCEL_AGENT_UEVENT_H

#include <stdbool.h>
#include <stddef.h>

struct uevent {
	char action[16];     /* add, remove, bind, unbind, change, ... */
	char subsystem[32];  /* pci, drm, accel, ... */
	char devpath[256];
};

/* Parse one message; -EINVAL when it is not a kernel uevent (udev's
 * "libudev" messages and anything malformed). */
int uevent_parse(const char *buf, size_t len, struct uevent *out);

/* Does this event change what discovery sees? (pci, drm, accel) */
bool uevent_relevant(const struct uevent *ev);

/* A netlink socket subscribed to kernel uevents, non-blocking; -errno if
 * the kernel refuses (no netlink in a container, no permission). */
int uevent_open(void);

#endif
