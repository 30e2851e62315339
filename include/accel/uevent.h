/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel uevents (NETLINK_KOBJECT_UEVENT): "ACTION@DEVPATH\0KEY=VALUE\0...".
 * The parser takes untrusted bytes (fuzzed by fuzz/fuzz_uevent.c). acceld
 * and accelctl watch read it, with accelinv.ko's stream, through
 * accel_events (include/accel/events.h).
 */
#ifndef ACCEL_UEVENT_H
#define ACCEL_UEVENT_H

#include <accel/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct accel_uevent {
	char action[16];     /* add, remove, bind, unbind, change, ... */
	char subsystem[32];  /* pci, drm, accel, ... */
	char devpath[256];
};

/* Parse one message; -EINVAL when it is not a kernel uevent (udev's
 * "libudev" messages and anything malformed). */
ACCEL_EXPORT int accel_uevent_parse(const char *buf, size_t len, struct accel_uevent *out);

/* Does this event change what discovery sees? (pci, drm, accel) */
ACCEL_EXPORT bool accel_uevent_relevant(const struct accel_uevent *ev);

/* A netlink socket subscribed to kernel uevents, non-blocking; -errno if
 * the kernel refuses (no netlink in a container, no permission). */
ACCEL_EXPORT int accel_uevent_open(void);

/* The next relevant kernel uevent from that socket: 1 with *out filled;
 * 0 when nothing is left to read; -ENOBUFS when the receive buffer
 * overflowed and events were lost (call again to go on). Messages not
 * from the kernel, truncated, malformed or not relevant are skipped. */
ACCEL_EXPORT int accel_uevent_next(int fd, struct accel_uevent *out);

#ifdef __cplusplus
}
#endif
#endif
