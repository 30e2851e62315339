/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Names from a pci.ids file (the pciutils database), for devices that no
 * vendor table knows. libpci parses and hashes the whole 1.3 MB file on
 * first lookup (13 ms, more than a whole scan); a scan needs a handful of
 * names, so this maps the file and searches it line by line instead.
 */
#ifndef ACCEL_DRIVERS_PCIIDS_H
#define ACCEL_DRIVERS_PCIIDS_H

#include <stddef.h>

struct pciids {
	const char *data; /* the file, mapped; NULL if it could not be */
	size_t len;
};

/* Map `path`; on failure ids->data is NULL and lookups find nothing. */
int pciids_open(struct pciids *ids, const char *path);
void pciids_close(struct pciids *ids);

/* The name of a vendor (device < 0) or of a device, copied into buf as
 * printable UTF-8; NULL when pci.ids does not know it. Works on any bytes:
 * a malformed file finds nothing or a wrong name, never reads out of it. */
const char *pciids_lookup(const char *data, size_t len, int vendor, int device, char *buf,
			  size_t cap);

#endif
