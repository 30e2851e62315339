/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The discovery context and the scan: runs the stages of scan.h in order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/utsname.h>

#include <pci/pci.h>

#include <accel/discovery.h>
#include <accel/util.h>
#include "scan.h"

int accel_ctx_new(accel_ctx **out)
{
	accel_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return -ENOMEM;
	ctx->sysfs_root = strdup(ACCEL_DEFAULT_SYSFS_ROOT);
	ctx->dev_root = strdup(ACCEL_DEFAULT_DEV_ROOT);
	if (!ctx->sysfs_root || !ctx->dev_root) {
		accel_ctx_free(ctx);
		return -ENOMEM;
	}
	*out = ctx;
	return 0;
}

void accel_ctx_free(accel_ctx *ctx)
{
	if (!ctx)
		return;
	free(ctx->sysfs_root);
	free(ctx->dev_root);
	free(ctx->lspci_dump);
	free(ctx->host);
	free(ctx->pci_ids);
	free(ctx);
}

static int set_path(char **field, const char *value, const char *dflt)
{
	char *copy;
	size_t n;

	if (!value)
		value = dflt;
	if (value && !*value)
		return -EINVAL;
	copy = value ? strdup(value) : NULL;
	if (value && !copy)
		return -ENOMEM;
	/* "DIR/" and "DIR" are the same root */
	n = copy ? strlen(copy) : 0;
	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = '\0';
	free(*field);
	*field = copy;
	return 0;
}

int accel_ctx_set_sysfs_root(accel_ctx *ctx, const char *dir)
{
	return set_path(&ctx->sysfs_root, dir, ACCEL_DEFAULT_SYSFS_ROOT);
}

int accel_ctx_set_dev_root(accel_ctx *ctx, const char *dir)
{
	return set_path(&ctx->dev_root, dir, ACCEL_DEFAULT_DEV_ROOT);
}

int accel_ctx_set_lspci_dump(accel_ctx *ctx, const char *file)
{
	return set_path(&ctx->lspci_dump, file, NULL);
}

int accel_ctx_set_host(accel_ctx *ctx, const char *host)
{
	if (host && (strlen(host) > 255 || !accel_text_ok(host, strlen(host))))
		return -EINVAL;
	return accel_device_set(&ctx->host, host);
}

int accel_ctx_set_pci_ids(accel_ctx *ctx, const char *file)
{
	return set_path(&ctx->pci_ids, file, NULL);
}

void accel_ctx_set_opencl(accel_ctx *ctx, accel_opencl_mode mode)
{
	ctx->opencl = mode;
}

void accel_ctx_set_drm(accel_ctx *ctx, accel_drm_mode mode)
{
	ctx->drm = mode;
}

const char *accel_ctx_sysfs_root(const accel_ctx *ctx)
{
	return ctx->sysfs_root;
}

const char *accel_ctx_dev_root(const accel_ctx *ctx)
{
	return ctx->dev_root;
}

const char *accel_ctx_error(const accel_ctx *ctx)
{
	return ctx->err.msg;
}

static void stage(struct scan *s, const char *name)
{
	if (s->ctx->stage_hook)
		s->ctx->stage_hook(name, s->ctx->stage_hook_arg);
}

static void set_collected_at(accel_inventory *inv)
{
	char buf[ACCEL_RFC3339_MAX];

	(void)accel_inventory_set_collected_at(inv, accel_rfc3339_now(buf));
}

static void scan_cleanup(struct scan *s)
{
	for (size_t i = 0; i < s->n_fns; i++) {
		free(s->fns[i].driver);
		free(s->fns[i].sysfs_dir);
		free(s->fns[i].real_path);
	}
	free(s->fns);
	free(s->pci_devices_dir);
	free(s->sysfs_real);
	attr_root_close(&s->sys);
	attr_root_close(&s->dev);
	if (s->pacc)
		pci_cleanup(s->pacc);
	pciids_close(&s->ids);
}

int accel_scan(accel_ctx *ctx, accel_inventory **out)
{
	static const struct accel_backend *const enrich[] = {
		&accel_backend_sysfs,
		&accel_backend_drm,
		&accel_backend_accel,
		&accel_backend_opencl,
		NULL,
	};
	struct scan s = {.ctx = ctx, .sys = ATTR_ROOT_INIT, .dev = ATTR_ROOT_INIT};
	struct utsname un;
	const char *host = ctx->host;
	int r;

	accel_err_clear(&ctx->err);
	if (!host) {
		host = uname(&un) == 0 ? un.nodename : "localhost";
	}
	r = accel_inventory_new(&s.inv, host);
	if (r)
		return scan_fail(&s, r, "out of memory");
	set_collected_at(s.inv);
	s.dump_mode = ctx->lspci_dump != NULL;
	s.real_root = !s.dump_mode && !strcmp(ctx->sysfs_root, ACCEL_DEFAULT_SYSFS_ROOT);
	if (!s.dump_mode) {
		r = attr_root_open(&s.sys, ctx->sysfs_root);
		if (r) {
			r = scan_fail(&s, r, "%s/bus/pci/devices: %s (is %s a sysfs tree?)",
				      ctx->sysfs_root, strerror(-r), ctx->sysfs_root);
			goto fail;
		}
		s.sysfs_real = strdup(s.sys.path);
		if (!s.sysfs_real) {
			r = scan_fail(&s, -ENOMEM, "out of memory");
			goto fail;
		}
		/* DRM nodes from the dev root that goes with the sysfs tree:
		 * /dev for /sys, or one given for another tree; never this
		 * host's /dev for a copied or fixture tree, whose nodes are
		 * not those devices. Without one, DRM falls back to sysfs. */
		if (ctx->drm == ACCEL_DRM_AUTO &&
		    (s.real_root || strcmp(ctx->dev_root, ACCEL_DEFAULT_DEV_ROOT)))
			(void)attr_root_open(&s.dev, ctx->dev_root);
	}

	r = accel_backend_pci.run(&s);
	if (r)
		goto fail;
	stage(&s, "pci");
	r = accel_classify(&s);
	if (r)
		goto fail;
	stage(&s, "classify");
	for (size_t i = 0; enrich[i]; i++) {
		if (enrich[i]->applies && !enrich[i]->applies(&s))
			continue;
		r = enrich[i]->run(&s);
		if (r)
			goto fail;
		stage(&s, enrich[i]->name);
	}
	for (size_t i = 0; i < s.n_fns; i++) {
		struct scan_fn *f = &s.fns[i];

		if (!f->dev)
			continue;
		if (f->drv && f->drv->enrich && !f->gone)
			f->drv->enrich(&s, f);
		accel_health_eval(&s, f);
		accel_finish_device(&s, f);
	}
	r = accel_topology(&s);
	if (r)
		goto fail;
	accel_inventory_sort(s.inv);
	scan_cleanup(&s);
	*out = s.inv;
	return 0;
fail:
	scan_cleanup(&s);
	accel_inventory_free(s.inv);
	return r;
}
