/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The drm backend: card and render nodes of each listed PCI device, and its
 * DRM driver's name and version.
 *
 * On a real node (the dev root holds character devices) libdrm asks the
 * driver itself (drmGetVersion on the render node, which any user may
 * open). Under a fixture root nothing is opened: the sysfs walk names the
 * driver's module (device/driver/module) and reads its version from
 * ROOT/module/<name>/version, which out-of-tree drivers such as nvidia
 * provide and in-tree ones do not.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <xf86drm.h>

#include <accel/util.h>
#include "attr.h"
#include "scan.h"

static bool is_node(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);

	return !strncmp(name, prefix, n) && name[n] &&
	       strspn(name + n, "0123456789") == strlen(name + n) && strlen(name) < 32;
}

/* libdrm: true when it answered. */
static bool drm_ask(struct scan *s, accel_device *d, const char *node)
{
	char path[PATH_MAX], ver[64];
	drmVersionPtr v;
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/dri/%s", s->ctx->dev_root, node);
	if (stat(path, &st) || !S_ISCHR(st.st_mode))
		return false;
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return false;
	v = drmGetVersion(fd);
	close(fd);
	if (!v)
		return false;
	if (v->name && accel_text_ok(v->name, strlen(v->name)))
		(void)accel_device_set(&d->drm.driver, v->name);
	snprintf(ver, sizeof(ver), "%d.%d.%d", v->version_major, v->version_minor,
		 v->version_patchlevel);
	(void)accel_device_set(&d->drm.version, ver);
	drmFreeVersion(v);
	return true;
}

static void drm_sysfs(struct scan *s, struct scan_fn *f, accel_device *d)
{
	char mod[256], dir[PATH_MAX], buf[128];

	/* device/driver/module names the module; fall back to the driver */
	snprintf(dir, sizeof(dir), "%s/driver", f->sysfs_dir);
	if (attr_link_base(dir, "module", mod, sizeof(mod)) &&
	    attr_link_base(f->sysfs_dir, "driver", mod, sizeof(mod)))
		return;
	if (!accel_text_ok(mod, strlen(mod)))
		return;
	(void)accel_device_set(&d->drm.driver, mod);
	snprintf(dir, sizeof(dir), "%s/module/%s", s->ctx->sysfs_root, mod);
	if (attr_read(dir, "version", buf, sizeof(buf)) > 0 && attr_parse_text(buf) == 0)
		(void)accel_device_set(&d->drm.version, buf);
}

static void drm_device(struct scan *s, struct scan_fn *f)
{
	accel_device *d = f->dev;
	char path[PATH_MAX], card[32] = "", render[32] = "";
	struct dirent *e;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/drm", f->sysfs_dir);
	dir = opendir(path);
	if (!dir)
		return;
	/* the lowest-numbered node of each kind, as the kernel creates one */
	while ((e = readdir(dir))) {
		if (is_node(e->d_name, "card") &&
		    (!card[0] || atoi(e->d_name + 4) < atoi(card + 4)))
			strcpy(card, e->d_name);
		else if (is_node(e->d_name, "renderD") &&
			 (!render[0] || atoi(e->d_name + 7) < atoi(render + 7)))
			strcpy(render, e->d_name);
	}
	closedir(dir);
	if (!card[0] && !render[0])
		return;
	(void)accel_device_set(&d->drm.card, card[0] ? card : NULL);
	(void)accel_device_set(&d->drm.render, render[0] ? render : NULL);
	if (s->ctx->drm == ACCEL_DRM_AUTO && (drm_ask(s, d, render[0] ? render : card) ||
					      (render[0] && card[0] && drm_ask(s, d, card))))
		return;
	drm_sysfs(s, f, d);
}

static bool drm_applies(const struct scan *s)
{
	return !s->dump_mode;
}

static int drm_run(struct scan *s)
{
	for (size_t i = 0; i < s->n_fns; i++)
		if (s->fns[i].dev && !s->fns[i].gone)
			drm_device(s, &s->fns[i]);
	return 0;
}

const struct accel_backend accel_backend_drm = {
	.name = "drm",
	.applies = drm_applies,
	.run = drm_run,
};
