/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The drm backend: card and render nodes of each listed PCI device, and its
 * DRM driver's name and version.
 *
 * On a real node (the dev root holds character devices) libdrm asks the
 * driver itself (drmGetVersion on the render node, which any user may
 * open). Only a character device with DRM's major (226) found inside the
 * dev root is opened, read-only (DRM_IOCTL_VERSION needs no write access):
 * a dri/cardN that leads to another device (a watchdog arms when opened)
 * is refused before it is opened. Under a fixture root nothing is opened: the sysfs walk names the
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
#include <sys/sysmacros.h>

#include <xf86drm.h>

#include <accel/util.h>
#include "attr.h"
#include "scan.h"

/* DRM's character major (include/uapi/drm/drm.h: DRM_MAJOR) */
#define ACCEL_DRM_MAJOR 226

static bool is_node(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);

	return !strncmp(name, prefix, n) && name[n] &&
	       strspn(name + n, "0123456789") == strlen(name + n) && strlen(name) < 32;
}

/* Open DEV/dri/<node> read-only if it is a DRM character device inside the
 * dev root; -errno, or -ENODEV (with a warning) for another kind of file. */
static int drm_open(struct scan *s, const char *node)
{
	char path[PATH_MAX], self[64];
	struct stat st, st2;
	int pfd, fd;

	snprintf(path, sizeof(path), "%s/dri/%s", s->dev.path, node);
	/* O_PATH opens nothing: look at what it is first */
	pfd = attr_open(&s->dev, path, O_PATH);
	if (pfd < 0) {
		if (pfd == -EXDEV)
			scan_warn(s, path, "leads outside %s; not opened", s->ctx->dev_root);
		return pfd;
	}
	if (fstat(pfd, &st)) {
		fd = -errno;
		close(pfd);
		return fd;
	}
	if (!S_ISCHR(st.st_mode)) {
		close(pfd);
		return -ENODEV; /* a fixture's placeholder: sysfs says the rest */
	}
	if (major(st.st_rdev) != ACCEL_DRM_MAJOR) {
		scan_warn(s, path, "character device %u:%u is not a DRM device (major %d); not opened",
			  major(st.st_rdev), minor(st.st_rdev), ACCEL_DRM_MAJOR);
		close(pfd);
		return -ENODEV;
	}
	/* Reopen that very inode: no second lookup a rename could redirect.
	 * Without /proc, reopen by name without following links and check it
	 * is the device looked at. */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	fd = open(self, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT) {
		fd = attr_open(&s->dev, path, O_RDONLY);
		if (fd >= 0 && (fstat(fd, &st2) || st2.st_rdev != st.st_rdev || !S_ISCHR(st2.st_mode))) {
			close(fd);
			fd = -ENODEV;
		}
	} else if (fd < 0) {
		fd = -errno;
	}
	close(pfd);
	return fd;
}

/* libdrm: true when it answered. */
static bool drm_ask(struct scan *s, accel_device *d, const char *node)
{
	char ver[64];
	drmVersionPtr v;
	int fd;

	if (s->dev.fd < 0)
		return false;
	fd = drm_open(s, node);
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

/* The name a link points to, if it resolves inside the sysfs root (sysfs.c
 * warns about those that do not). */
static int link_name(struct scan *s, const char *dir, const char *name, char *buf, size_t cap)
{
	char path[PATH_MAX];
	int r = attr_link_base(&s->sys, dir, name, buf, cap);

	if (r)
		return r;
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	return attr_access(&s->sys, path);
}

static void drm_sysfs(struct scan *s, struct scan_fn *f, accel_device *d)
{
	char mod[256], dir[PATH_MAX], buf[128];

	/* device/driver/module names the module; fall back to the driver */
	snprintf(dir, sizeof(dir), "%s/driver", f->sysfs_dir);
	if (link_name(s, dir, "module", mod, sizeof(mod)) &&
	    link_name(s, f->sysfs_dir, "driver", mod, sizeof(mod)))
		return;
	if (!accel_text_ok(mod, strlen(mod)))
		return;
	(void)accel_device_set(&d->drm.driver, mod);
	snprintf(dir, sizeof(dir), "%s/module/%s", s->ctx->sysfs_root, mod);
	if (attr_read(&s->sys, dir, "version", buf, sizeof(buf)) > 0 && attr_parse_text(buf) == 0)
		(void)accel_device_set(&d->drm.version, buf);
}

static void drm_device(struct scan *s, struct scan_fn *f)
{
	accel_device *d = f->dev;
	char path[PATH_MAX], card[32] = "", render[32] = "";
	struct dirent *e;
	DIR *dir;
	int err;

	snprintf(path, sizeof(path), "%s/drm", f->sysfs_dir);
	dir = attr_opendir(&s->sys, path, &err);
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
