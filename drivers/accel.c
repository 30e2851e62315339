/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The accel backend: ROOT/class/accel, Linux's compute-accelerator class
 * (Intel NPU, Habana Gaudi, AMD XDNA, ...). Each accelN links to its device
 * directory, whose parent is the PCI function that owns it.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accel/util.h>
#include "scan.h"

static struct scan_fn *owner(struct scan *s, const char *real)
{
	char parent[PATH_MAX], *slash;

	/* .../0000:3b:00.0/accel/accel0 -> .../0000:3b:00.0 */
	snprintf(parent, sizeof(parent), "%s", real);
	for (int up = 0; up < 2; up++) {
		slash = strrchr(parent, '/');
		if (!slash)
			return NULL;
		*slash = '\0';
	}
	for (size_t i = 0; i < s->n_fns; i++)
		if (s->fns[i].real_path && !strcmp(s->fns[i].real_path, parent))
			return &s->fns[i];
	return NULL;
}

static bool accel_applies(const struct scan *s)
{
	return !s->dump_mode;
}

static int accel_run(struct scan *s)
{
	char dirpath[PATH_MAX], link[PATH_MAX], real[PATH_MAX];
	struct dirent *e;
	DIR *dir;
	int err;

	snprintf(dirpath, sizeof(dirpath), "%s/class/accel", s->ctx->sysfs_root);
	dir = attr_opendir(&s->sys, dirpath, &err);
	if (!dir)
		return 0; /* no accel class: a kernel before 6.2, or none here */
	while ((e = readdir(dir))) {
		struct scan_fn *f;

		if (strncmp(e->d_name, "accel", 5) || !e->d_name[5] ||
		    strspn(e->d_name + 5, "0123456789") != strlen(e->d_name + 5) ||
		    strlen(e->d_name) > 16)
			continue;
		if (snprintf(link, sizeof(link), "%s/%s", dirpath, e->d_name) >= (int)sizeof(link))
			continue;
		err = attr_realpath(&s->sys, link, real, sizeof(real));
		if (err) {
			scan_warn(s, link, "%s link (%s); left out",
				  err == -EXDEV	  ? "out-of-root"
				  : err == -ELOOP ? "looping"
						  : "dangling",
				  accel_strerror(err));
			continue;
		}
		f = owner(s, real);
		if (!f) {
			/* a platform NPU, or a PCI function we do not list */
			continue;
		}
		if (!f->dev || f->gone)
			continue;
		if (!f->dev->accel_node || strcmp(e->d_name, f->dev->accel_node) < 0)
			(void)accel_device_set(&f->dev->accel_node, e->d_name);
	}
	closedir(dir);
	return 0;
}

const struct accel_backend accel_backend_accel = {
	.name = "accel",
	.applies = accel_applies,
	.run = accel_run,
};
