/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sysfs backend: what the kernel says about each listed device beyond
 * config space. Bound driver, NUMA node, local CPUs, IOMMU group, PCIe link,
 * SR-IOV, mdev types, AER counters, and the chain of upstream bridges from
 * the device's canonical path. Also finds RDMA NICs for the topology.
 *
 * Every attribute is optional: a missing one leaves its field unknown, a
 * malformed one does too and adds a warning naming the file.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <accel/util.h>
#include "attr.h"
#include "pcicfg.h"
#include "scan.h"

static void warn_attr(struct scan *s, const char *dir, const char *name, const char *val, int r)
{
	char path[PATH_MAX], shown[96];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (r == -EXDEV)
		scan_warn(s, path, "leads outside %s (read as if %s were /); field left out",
			  s->ctx->sysfs_root, s->ctx->sysfs_root);
	else if (r == -ATTR_ENOTREG)
		scan_warn(s, path, "not a regular file (a FIFO, socket or device?); not read");
	else if (r == -E2BIG)
		scan_warn(s, path, "oversized attribute (more than %d bytes); field left out",
			  ACCEL_MAX_ATTR_BYTES - 1);
	else if (r == -EILSEQ && !val)
		scan_warn(s, path, "attribute holds a NUL byte; field left out");
	else if (val)
		scan_warn(s, path, "malformed value '%s' (%s); field left out",
			  accel_text_sanitize(val, strlen(val), shown, sizeof(shown)),
			  accel_strerror(r));
	else
		scan_warn(s, path, "unreadable (%s); field left out", accel_strerror(r));
}

/* A directory inside the root; NULL when missing (silent) or when it leads
 * outside the root or loops (a warning). */
static DIR *get_dir(struct scan *s, const char *path)
{
	int err = 0;
	DIR *d = attr_opendir(&s->sys, path, &err);

	if (!d && err == -EXDEV)
		scan_warn(s, path, "leads outside %s; not listed", s->ctx->sysfs_root);
	else if (!d && err == -ELOOP)
		scan_warn(s, path, "looping link; not listed");
	return d;
}

/* Read an attribute. Returns its length, or a negative errno; missing files
 * are silent, other failures warn. */
static int get_attr(struct scan *s, const char *dir, const char *name, char *buf, size_t cap)
{
	int r = attr_read(&s->sys, dir, name, buf, cap);

	if (r < 0 && r != -ENOENT && r != -ENOTDIR)
		warn_attr(s, dir, name, NULL, r);
	return r;
}

static int get_int(struct scan *s, const char *dir, const char *name, long long min, long long max,
		   long long *out)
{
	char buf[ACCEL_MAX_ATTR_BYTES];
	int r = get_attr(s, dir, name, buf, sizeof(buf));

	if (r < 0)
		return r;
	r = attr_parse_int(buf, min, max, out);
	if (r)
		warn_attr(s, dir, name, buf, r);
	return r;
}

static int get_text(struct scan *s, const char *dir, const char *name, char **out)
{
	char buf[ACCEL_MAX_ATTR_BYTES];
	int r = get_attr(s, dir, name, buf, sizeof(buf));

	if (r < 0)
		return r;
	r = attr_parse_text(buf);
	if (r == -ENODATA)
		return r; /* empty: nothing to say */
	if (r || strlen(buf) > ACCEL_MAX_STRING) {
		warn_attr(s, dir, name, buf, r ? r : -E2BIG);
		return r ? r : -E2BIG;
	}
	return accel_device_set(out, buf);
}

/* A link's target name (driver, iommu_group, physfn, virtfnN). */
static int get_link(struct scan *s, const char *dir, const char *name, char *buf, size_t cap)
{
	char path[PATH_MAX];
	int r = attr_link_base(&s->sys, dir, name, buf, cap);

	if (r == -ENOENT || r == -ENOTDIR)
		return r;
	if (r) {
		warn_attr(s, dir, name, NULL, r);
		return r;
	}
	/* A link whose target is gone (or loops, or lies outside the root)
	 * says nothing true. */
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	r = attr_access(&s->sys, path);
	if (r == -EXDEV) {
		scan_warn(s, path, "link leads outside %s; left out", s->ctx->sysfs_root);
		return r;
	}
	if (r) {
		scan_warn(s, path, "%s link (%s); left out", r == -ELOOP ? "looping" : "dangling",
			  accel_strerror(r));
		return r;
	}
	if (!accel_text_ok(buf, strlen(buf))) {
		warn_attr(s, dir, name, buf, -EILSEQ);
		return -EILSEQ;
	}
	return 0;
}

static void get_link_info(struct scan *s, struct scan_fn *f, accel_pcie *p)
{
	static const struct {
		const char *name;
		bool speed;
		size_t off;
	} files[] = {
		{"current_link_speed", true, offsetof(accel_pcie, speed_dgts)},
		{"current_link_width", false, offsetof(accel_pcie, width)},
		{"max_link_speed", true, offsetof(accel_pcie, max_speed_dgts)},
		{"max_link_width", false, offsetof(accel_pcie, max_width)},
	};
	struct pcicfg_link cfg;
	char buf[128];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		int *field = (int *)((char *)p + files[i].off);
		int r = get_attr(s, f->sysfs_dir, files[i].name, buf, sizeof(buf));

		if (r < 0)
			continue;
		r = files[i].speed ? attr_parse_link_speed(buf, field)
				   : attr_parse_link_width(buf, field);
		if (r && r != -ENODATA)
			warn_attr(s, f->sysfs_dir, files[i].name, buf, r);
	}
	/* Older kernels and some fixtures lack the files: config space knows. */
	if ((!p->speed_dgts || !p->width) && pcicfg_link(f->config, f->config_len, &cfg) == 0) {
		if (!p->speed_dgts)
			p->speed_dgts = cfg.speed_dgts;
		if (!p->width)
			p->width = cfg.width;
		if (!p->max_speed_dgts)
			p->max_speed_dgts = cfg.max_speed_dgts;
		if (!p->max_width)
			p->max_width = cfg.max_width;
	}
}

/* From ROOT/devices/pci0000:00/0000:00:01.1/0000:01:00.0 learn the host
 * bridge and the bridges above the device, nearest first. */
/* The canonical directory of f, resolved inside the sysfs root. sysfs
 * links bus/pci/devices/<addr> to "../../../devices/<path>": taken as
 * written, that is one readlink() and one open instead of a walk of every
 * component; anything else is walked (attr_realpath). */
static int canonical(struct scan *s, struct scan_fn *f, char *real, size_t cap)
{
	static const char rel[] = "../../../devices/";
	char target[PATH_MAX];
	int n = s->pci_devices_dir ? attr_readlink(&s->sys, s->pci_devices_dir, f->addr, target,
						   sizeof(target))
				   : -ENOENT;

	if (n > 0) {
		const char *tail = target + sizeof(rel) - 1;

		if (!strncmp(target, rel, sizeof(rel) - 1) && strncmp(tail, "..", 2) &&
		    !strstr(tail, "/..") && !strstr(tail, "/./") && !strstr(tail, "//") &&
		    snprintf(real, cap, "%s/devices/%s", s->sysfs_real, tail) < (int)cap)
			return attr_access(&s->sys, real);
	}
	return attr_realpath(&s->sys, f->sysfs_dir, real, cap);
}

static int get_path(struct scan *s, struct scan_fn *f, accel_pcie *p)
{
	char real[PATH_MAX], *comp[64], *save = NULL, *tok, *rest;
	size_t n = 0, plen;
	int r;

	r = canonical(s, f, real, sizeof(real));
	if (r) {
		if (r == -ENOENT || r == -ENOTDIR) {
			f->gone = true;
			return r;
		}
		if (r == -EXDEV)
			scan_warn(s, f->sysfs_dir, "link leads outside %s; topology unknown",
				  s->ctx->sysfs_root);
		else
			scan_warn(s, f->sysfs_dir, "%s (%s); topology unknown",
				  r == -ELOOP ? "looping link" : "cannot resolve",
				  accel_strerror(r));
		return r;
	}
	if (!f->real_path && !(f->real_path = strdup(real)))
		return -ENOMEM;
	plen = strlen(s->sysfs_real);
	if (strncmp(real, s->sysfs_real, plen) || strncmp(real + plen, "/devices/", 9)) {
		scan_warn(s, f->sysfs_dir, "points outside %s/devices (%s); topology unknown",
			  s->ctx->sysfs_root, real);
		return -EXDEV;
	}
	rest = real + plen + 9;
	for (tok = strtok_r(rest, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (n == sizeof(comp) / sizeof(comp[0])) {
			scan_warn(s, f->sysfs_dir, "path deeper than %zu levels; topology unknown",
				  n);
			return -E2BIG;
		}
		comp[n++] = tok;
	}
	if (!n || strcmp(comp[n - 1], f->addr)) {
		scan_warn(s, f->sysfs_dir, "canonical path does not end in %s; topology unknown",
			  f->addr);
		return -EINVAL;
	}
	/* The first "pciDDDD:BB" is the host bridge; components that are not
	 * PCI addresses (a VMD domain's "pci10000:00") are skipped. */
	for (size_t i = 0; i < n - 1 && !p->host_bridge; i++)
		if (!strncmp(comp[i], "pci", 3) && (r = accel_device_set(&p->host_bridge, comp[i])))
			return r;
	for (size_t i = n - 1; i-- > 0;) {
		char norm[ACCEL_ADDR_MAX];

		if (accel_pci_addr_normalize(comp[i], norm) == 0 &&
		    (r = accel_strv_add(&p->upstream, &p->n_upstream, norm)))
			return r;
	}
	return 0;
}

/* What a device and a NIC share: path, NUMA node, CPUs, driver, link. */
static void get_common(struct scan *s, struct scan_fn *f, accel_pcie *p, int *numa, char **cpus,
		       char **driver)
{
	char buf[256];
	long long v;

	if (get_path(s, f, p) && f->gone)
		return;
	if (get_int(s, f->sysfs_dir, "numa_node", -1, 4095, &v) == 0)
		*numa = (int)v;
	if (get_attr(s, f->sysfs_dir, "local_cpulist", buf, sizeof(buf)) >= 0) {
		int r = attr_parse_cpulist(buf, 1u << 20);

		if (r < 0)
			warn_attr(s, f->sysfs_dir, "local_cpulist", buf, r);
		else if (r > 0)
			(void)accel_device_set(cpus, buf);
	}
	if (get_link(s, f->sysfs_dir, "driver", buf, sizeof(buf)) == 0)
		(void)accel_device_set(driver, buf);
	get_link_info(s, f, p);
}

static int cmp_vfn(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;

	/* "virtfn10" after "virtfn9" */
	return atoi(*x + 6) - atoi(*y + 6);
}

static void get_sriov(struct scan *s, struct scan_fn *f, accel_device *d)
{
	char buf[64], *names[ACCEL_MAX_LIST];
	size_t n = 0;
	long long v;
	struct dirent *e;
	DIR *dir;

	if (get_int(s, f->sysfs_dir, "sriov_totalvfs", 0, 65535, &v) == 0) {
		d->sriov.known = true;
		d->sriov.total_vfs = (int)v;
	}
	if (get_int(s, f->sysfs_dir, "sriov_numvfs", 0, 65535, &v) == 0) {
		d->sriov.known = true;
		d->sriov.num_vfs = (int)v;
	}
	if (get_link(s, f->sysfs_dir, "physfn", buf, sizeof(buf)) == 0) {
		char norm[ACCEL_ADDR_MAX];

		d->sriov.known = true;
		if (accel_pci_addr_normalize(buf, norm) == 0)
			(void)accel_device_set(&d->sriov.physfn, norm);
		else
			warn_attr(s, f->sysfs_dir, "physfn", buf, -EINVAL);
	}
	if (d->sriov.total_vfs <= 0)
		return;
	dir = get_dir(s, f->sysfs_dir);
	if (!dir)
		return;
	while ((e = readdir(dir)) && n < ACCEL_MAX_LIST) {
		if (strncmp(e->d_name, "virtfn", 6) || !e->d_name[6] ||
		    strspn(e->d_name + 6, "0123456789") != strlen(e->d_name + 6) ||
		    strlen(e->d_name) > 12)
			continue;
		names[n] = strdup(e->d_name);
		if (names[n])
			n++;
	}
	closedir(dir);
	qsort(names, n, sizeof(names[0]), cmp_vfn);
	for (size_t i = 0; i < n; i++) {
		char norm[ACCEL_ADDR_MAX];

		if (get_link(s, f->sysfs_dir, names[i], buf, sizeof(buf)) == 0) {
			if (accel_pci_addr_normalize(buf, norm) == 0)
				(void)accel_strv_add(&d->sriov.vfs, &d->sriov.n_vfs, norm);
			else
				warn_attr(s, f->sysfs_dir, names[i], buf, -EINVAL);
		}
		free(names[i]);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Entries of dir/sub (mediated devices of a type); -1 if unreadable. */
static int count_entries(struct scan *s, const char *dir, const char *sub)
{
	char path[PATH_MAX];
	struct dirent *e;
	int n = 0;
	DIR *d;

	if (snprintf(path, sizeof(path), "%s/%s", dir, sub) >= (int)sizeof(path))
		return -1;
	d = get_dir(s, path);
	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void get_mdev(struct scan *s, struct scan_fn *f, accel_device *d)
{
	char path[PATH_MAX], *names[ACCEL_MAX_LIST];
	struct dirent *e;
	size_t n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/mdev_supported_types", f->sysfs_dir);
	dir = get_dir(s, path);
	if (!dir)
		return;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == ACCEL_MAX_LIST) {
			scan_warn(s, path, "more than %d mdev types; the rest left out",
				  ACCEL_MAX_LIST);
			break;
		}
		if (!accel_text_ok(e->d_name, strlen(e->d_name))) {
			scan_warn(s, path, "mdev type with a non-UTF-8 name; left out");
			continue;
		}
		names[n] = strdup(e->d_name);
		if (names[n])
			n++;
	}
	closedir(dir);
	qsort(names, n, sizeof(names[0]), cmp_str);
	d->mdev_types = calloc(n ? n : 1, sizeof(*d->mdev_types));
	for (size_t i = 0; i < n; i++) {
		char tdir[PATH_MAX];
		accel_mdev_type *m;
		long long v;

		if (!d->mdev_types) {
			free(names[i]);
			continue;
		}
		m = &d->mdev_types[d->n_mdev_types++];
		m->id = names[i]; /* takes ownership */
		m->available = -1;
		m->created = -1;
		if (snprintf(tdir, sizeof(tdir), "%s/%s", path, names[i]) >= (int)sizeof(tdir))
			continue;
		m->created = count_entries(s, tdir, "devices");
		(void)get_text(s, tdir, "name", &m->name);
		(void)get_text(s, tdir, "device_api", &m->device_api);
		if (get_int(s, tdir, "available_instances", 0, INT32_MAX, &v) == 0)
			m->available = (int)v;
	}
}

static void get_aer(struct scan *s, struct scan_fn *f)
{
	static const char *const files[] = {"aer_dev_correctable", "aer_dev_nonfatal",
					    "aer_dev_fatal"};
	uint64_t *out[] = {&f->aer_cor, &f->aer_nonfatal, &f->aer_fatal};
	char buf[ACCEL_MAX_ATTR_BYTES];

	for (size_t i = 0; i < 3; i++) {
		int r = get_attr(s, f->sysfs_dir, files[i], buf, sizeof(buf));

		if (r < 0)
			continue;
		r = attr_parse_aer(buf, out[i]);
		if (r)
			warn_attr(s, f->sysfs_dir, files[i], buf, r);
		else
			f->aer_known = true;
	}
}

static void enrich_device(struct scan *s, struct scan_fn *f)
{
	accel_device *d = f->dev;
	char buf[64];
	long long v;

	get_common(s, f, &d->pcie, &d->numa_node, &d->cpu_affinity, &d->driver);
	if (f->gone)
		return;
	if (get_link(s, f->sysfs_dir, "iommu_group", buf, sizeof(buf)) == 0) {
		if (attr_parse_int(buf, 0, INT32_MAX, &v) == 0)
			d->iommu_group = (int)v;
		else
			warn_attr(s, f->sysfs_dir, "iommu_group", buf, -EINVAL);
	}
	get_sriov(s, f, d);
	get_mdev(s, f, d);
	get_aer(s, f);
	/* The device may have left while we read it. */
	if (f->real_path && attr_access(&s->sys, f->real_path) == -ENOENT)
		f->gone = true;
}

/* An RDMA-capable network function: an infiniband/<name> directory. */
static void find_nic(struct scan *s, struct scan_fn *f)
{
	char path[PATH_MAX], name[256] = "";
	struct dirent *e;
	accel_nic *nic;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/infiniband", f->sysfs_dir);
	dir = get_dir(s, path);
	if (!dir)
		return;
	while ((e = readdir(dir)))
		if (e->d_name[0] != '.' && accel_text_ok(e->d_name, strlen(e->d_name)) &&
		    strlen(e->d_name) < sizeof(name)) {
			strcpy(name, e->d_name);
			break;
		}
	closedir(dir);
	if (!name[0])
		return;
	if (accel_inventory_add_nic(s->inv, f->addr, &nic)) {
		if (!s->nics_full)
			scan_warn(s, f->sysfs_dir, "more than %d RDMA NICs; the rest left out",
				  ACCEL_MAX_DEVICES);
		s->nics_full = true;
		return;
	}
	f->nic = nic;
	(void)accel_device_set(&nic->name, name);
	get_common(s, f, &nic->pcie, &nic->numa_node, &nic->cpu_affinity, &nic->driver);
}

static void count_numa_nodes(struct scan *s)
{
	char dir[PATH_MAX], buf[256];
	int r;

	snprintf(dir, sizeof(dir), "%s/devices/system/node", s->ctx->sysfs_root);
	r = attr_read(&s->sys, dir, "online", buf, sizeof(buf));
	if (r < 0)
		return;
	r = attr_parse_cpulist(buf, 4095);
	if (r < 0)
		warn_attr(s, dir, "online", buf, r);
	else
		s->numa_nodes = r;
}

static bool sysfs_applies(const struct scan *s)
{
	return !s->dump_mode;
}

static int sysfs_run(struct scan *s)
{
	count_numa_nodes(s);
	for (size_t i = 0; i < s->n_fns; i++) {
		struct scan_fn *f = &s->fns[i];

		if (f->gone)
			continue;
		if (f->dev)
			enrich_device(s, f);
		else if (f->class_code >= 0 && ACCEL_CLASS_BASE(f->class_code) == 0x02)
			find_nic(s, f);
	}
	return 0;
}

const struct accel_backend accel_backend_sysfs = {
	.name = "sysfs",
	.applies = sysfs_applies,
	.run = sysfs_run,
};
