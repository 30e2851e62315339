/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every stage of a scan calls back on it: the scan's error, its
 * warnings, and pci.ids names. Below the stages: scan.c runs the stages,
 * the stages call these, and these call neither.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <pci/pci.h>

#include <accel/inventory.h>
#include "scan.h"

int scan_fail(struct scan *s, int code, const char *fmt, ...)
{
	va_list ap;

	s->ctx->err.code = code;
	va_start(ap, fmt);
	vsnprintf(s->ctx->err.msg, sizeof(s->ctx->err.msg), fmt, ap);
	va_end(ap);
	return code;
}

void scan_warn(struct scan *s, const char *path, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* Out of memory or past the limit: the first warnings stand. */
	(void)accel_inventory_add_warning(s->inv, path, "%s", buf);
}

/* pci.ids names for devices no vendor table knows. Loading pci.ids costs
 * more than the whole scan of a big server, so it happens on first use. */
const char *accel_pci_name(struct scan *s, int vendor, int device, char *buf, size_t cap)
{
	if (!s->ids_tried) {
		/* the file libpci would use, unless the caller named one */
		const char *path = s->ctx->pci_ids ? s->ctx->pci_ids
				   : s->pacc	   ? s->pacc->id_file_name
						   : NULL;

		s->ids_tried = true;
		/* like libpci, take pci.ids when pci.ids.gz is not there; a
		 * compressed-only database gives no names */
		if (path && pciids_open(&s->ids, path) != 0) {
			size_t n = strlen(path);

			if (n > 3 && !strcmp(path + n - 3, ".gz")) {
				char plain[PATH_MAX];

				snprintf(plain, sizeof(plain), "%.*s", (int)(n - 3), path);
				(void)pciids_open(&s->ids, plain);
			}
		}
	}
	return pciids_lookup(s->ids.data, s->ids.len, vendor, device, buf, cap);
}
