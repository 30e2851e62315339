/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pci backend: enumerate every PCI function through libpci, either its
 * sysfs method under the caller's root or its dump method over an
 * `lspci -x` file.
 *
 * libpci reports fatal errors through a hook that must not return (its
 * default prints and exits the process). Ours records the message and
 * longjmp()s back to the guard around the libpci call that failed, so one
 * broken device fails that device, and a broken tree fails the scan with a
 * message, never the process. Only calls that cannot leak when unwound are
 * made under a guard: no resource files are asked for (libpci leaks a FILE
 * when it fails to parse one).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pci/pci.h>

#include <accel/util.h>
#include "attr.h"
#include "pcicfg.h"
#include "scan.h"

struct pci_guard {
	jmp_buf jb;
	struct pci_guard *prev;
};

static __thread struct pci_guard *cur_guard;
static __thread char pci_msg[256];
static __thread struct scan *cur_scan;

static void __attribute__((noreturn)) hook_error(char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	vsnprintf(pci_msg, sizeof(pci_msg), msg, ap);
	va_end(ap);
	if (cur_guard)
		longjmp(cur_guard->jb, 1);
	/* Every libpci call is made under a guard; reaching here is a bug. */
	abort();
}

static void hook_warning(char *msg, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, msg);
	vsnprintf(buf, sizeof(buf), msg, ap);
	va_end(ap);
	if (cur_scan)
		scan_warn(cur_scan, cur_scan->dump_mode ? cur_scan->ctx->lspci_dump
							: cur_scan->pci_devices_dir,
			  "libpci: %s", buf);
}

static void hook_debug(char *msg, ...)
{
	(void)msg;
}

void accel_pci_names_hooks(struct pci_access *a)
{
	a->error = hook_error;
	a->warning = hook_warning;
	a->debug = hook_debug;
}

/* Run under a guard: setjmp in the caller's frame, so these are macros. */
#define GUARD_ENTER(g) ((g).prev = cur_guard, cur_guard = &(g), setjmp((g).jb) == 0)
#define GUARD_LEAVE(g) (cur_guard = (g).prev)

/* Name lookups may load pci.ids; guard them like every libpci call. */
const char *accel_pci_lookup(struct pci_access *a, char *buf, size_t cap, int flags,
			     int vendor, int device)
{
	struct pci_guard g;
	const char *volatile r = NULL;

	if (GUARD_ENTER(g))
		r = pci_lookup_name(a, buf, (int)cap,
				    flags | PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB, vendor,
				    device);
	GUARD_LEAVE(g);
	return r;
}

/* Read and cross-check one function. Returns false when it vanished. */
static bool fill_one(struct scan *s, struct pci_dev *d, struct scan_fn *f)
{
	struct pci_guard g;
	volatile bool ok = true;

	f->domain = (unsigned)d->domain;
	f->bus = d->bus;
	f->slot = d->dev;
	f->func = d->func;
	snprintf(f->addr, sizeof(f->addr), "%04x:%02x:%02x.%u", f->domain, f->bus, f->slot,
		 f->func);
	f->vendor_id = f->device_id = f->subsys_vendor = f->subsys_device = -1;
	f->class_code = f->revision = f->header_type = -1;
	f->sec_bus = f->sub_bus = -1;
	f->numa_node = f->iommu_group = -1;
	f->parent = -1;

	if (GUARD_ENTER(g)) {
		pci_fill_info(d, PCI_FILL_IDENT | PCI_FILL_CLASS | PCI_FILL_CLASS_EXT |
					 PCI_FILL_SUBSYS);
		f->vendor_id = d->vendor_id;
		f->device_id = d->device_id;
		f->class_code = (d->device_class << 8) | d->prog_if;
		f->revision = d->rev_id;
		if (d->known_fields & PCI_FILL_SUBSYS) {
			f->subsys_vendor = d->subsys_vendor_id;
			f->subsys_device = d->subsys_id;
		}
		if (s->dump_mode) {
			/* lspci -x holds 64 bytes, -xxx 256: a block past the
			 * end reads as all-ones, which no real header has */
			pci_read_block(d, 0, f->config, 64);
			f->config_len = 64;
			pci_read_block(d, 64, f->config + 64, 192);
			for (int i = 64; i < 256; i++)
				if (f->config[i] != 0xff) {
					f->config_len = 256;
					break;
				}
		}
	} else {
		ok = false;
	}
	GUARD_LEAVE(g);
	if (!ok) {
		/* In sysfs the ID files vanish with the device; say so and go on. */
		scan_warn(s, f->sysfs_dir ? f->sysfs_dir : f->addr,
			  "%s: device vanished during the scan (%s)", f->addr, pci_msg);
		f->gone = true;
	}
	return ok;
}

/* libpci reads the sysfs ID files with strtol(), which takes "garbage" for
 * 0. Check them against config space and read them strictly on mismatch. */
static void check_ids(struct scan *s, struct scan_fn *f)
{
	static const struct {
		const char *file;
		int off, bytes;
	} ids[] = {
		{ "vendor", 0, 2 }, { "device", 2, 2 }, { "class", 9, 3 },
	};
	char buf[64];
	unsigned v;

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		int *field = i == 0 ? &f->vendor_id : i == 1 ? &f->device_id : &f->class_code;
		int cfg = -1, r;

		if (f->config_len >= ids[i].off + ids[i].bytes) {
			cfg = 0;
			for (int k = ids[i].bytes - 1; k >= 0; k--)
				cfg = (cfg << 8) | f->config[ids[i].off + k];
		}
		if (cfg >= 0 && cfg == *field)
			continue;
		r = attr_read(f->sysfs_dir, ids[i].file, buf, sizeof(buf));
		if (r == -ENOENT || r == -ENOTDIR) {
			f->gone = true;
			return;
		}
		if (r >= 0)
			r = attr_parse_hex(buf, i == 2 ? 0xffffff : 0xffff, &v);
		if (r == 0) {
			*field = (int)v;
			continue;
		}
		{
			char shown[64];

			scan_warn(s, f->sysfs_dir, "%s: malformed value '%s' (%s)%s", ids[i].file,
				  r == -E2BIG ? "(oversized)"
					      : accel_text_sanitize(buf, strlen(buf), shown,
								    sizeof(shown)),
				  accel_strerror(r),
				  cfg >= 0 ? "; using config space" : "; unknown");
		}
		*field = cfg;
	}
}

/* Config space from sysfs: 64 bytes for users, 256 or 4096 for root. */
static void read_config(struct scan_fn *f)
{
	char path[PATH_MAX];
	FILE *fp;
	size_t n;

	if (snprintf(path, sizeof(path), "%s/config", f->sysfs_dir) >= (int)sizeof(path))
		return;
	fp = fopen(path, "rbe");
	if (!fp)
		return;
	n = fread(f->config, 1, sizeof(f->config), fp);
	fclose(fp);
	f->config_len = (int)n;
}

static void header_fields(struct scan_fn *f)
{
	if (f->config_len < 0x1c)
		return;
	f->header_type = f->config[0x0e];
	if ((f->header_type & 0x7f) == 1) {
		f->sec_bus = f->config[0x19];
		f->sub_bus = f->config[0x1a];
	}
	if (f->config[0] == 0xff && f->config[1] == 0xff && f->config[2] == 0xff &&
	    f->config[3] == 0xff)
		f->all_ones = true;
}

/* In a dump the tree comes from the bridges' bus numbers. */
static void dump_parents(struct scan *s)
{
	for (size_t i = 0; i < s->n_fns; i++) {
		struct scan_fn *f = &s->fns[i];

		for (size_t j = 0; j < s->n_fns; j++) {
			const struct scan_fn *b = &s->fns[j];

			if (j != i && b->sec_bus >= 0 && b->domain == f->domain &&
			    (unsigned)b->sec_bus == f->bus) {
				f->parent = (int)j;
				break;
			}
		}
	}
	/* Break cycles a malformed dump could make (a bridge below itself). */
	for (size_t i = 0; i < s->n_fns; i++) {
		size_t steps = 0;

		for (int p = s->fns[i].parent; p >= 0; p = s->fns[p].parent) {
			if (++steps > s->n_fns) {
				scan_warn(s, s->ctx->lspci_dump,
					  "%s: bridge bus numbers form a loop; tree ignored",
					  s->fns[i].addr);
				s->fns[i].parent = -1;
				break;
			}
		}
	}
}

static int open_access(struct scan *s)
{
	struct pci_access *a;
	char path[PATH_MAX];
	DIR *dir;

	if (s->dump_mode) {
		FILE *fp = fopen(s->ctx->lspci_dump, "re");

		if (!fp)
			return scan_fail(s, -errno, "%s: %s", s->ctx->lspci_dump, strerror(errno));
		fclose(fp);
	} else {
		if (snprintf(path, sizeof(path), "%s/bus/pci/devices", s->ctx->sysfs_root) >=
		    (int)sizeof(path))
			return scan_fail(s, -ENAMETOOLONG, "%s: path too long", s->ctx->sysfs_root);
		dir = opendir(path);
		if (!dir)
			return scan_fail(s, -errno, "%s: %s (is %s a sysfs tree?)", path,
					 strerror(errno), s->ctx->sysfs_root);
		/* libpci fails on an entry it cannot parse, and leaks its open
		 * directory when its error hook does not return: check first */
		for (struct dirent *e; (e = readdir(dir));) {
			char norm[ACCEL_ADDR_MAX];

			if (e->d_name[0] == '.' || accel_pci_addr_normalize(e->d_name, norm) == 0)
				continue;
			{
				char shown[64];

				accel_text_sanitize(e->d_name, strlen(e->d_name), shown,
						    sizeof(shown));
				closedir(dir);
				return scan_fail(s, -EINVAL, "%s: entry '%s' is not a PCI address",
						 path, shown);
			}
		}
		closedir(dir);
		s->pci_devices_dir = strdup(path);
		if (!s->pci_devices_dir)
			return scan_fail(s, -ENOMEM, "out of memory");
	}
	a = pci_alloc();
	if (!a)
		return scan_fail(s, -ENOMEM, "out of memory");
	s->pacc = a;
	accel_pci_names_hooks(a);
	if (s->dump_mode) {
		a->method = PCI_ACCESS_DUMP;
		pci_set_param(a, "dump.name", s->ctx->lspci_dump);
	} else {
		snprintf(path, sizeof(path), "%s/bus/pci", s->ctx->sysfs_root);
		a->method = PCI_ACCESS_SYS_BUS_PCI;
		pci_set_param(a, "sysfs.path", path);
	}
	if (s->ctx->pci_ids)
		pci_set_name_list_path(a, s->ctx->pci_ids, 0);
	return 0;
}

/* libpci's init and bus scan, under one guard. */
static int init_and_scan(struct scan *s, const char *input)
{
	struct pci_guard g;
	volatile int r = 0;

	if (GUARD_ENTER(g)) {
		pci_init(s->pacc);
		pci_scan_bus(s->pacc);
	} else {
		r = scan_fail(s, -EINVAL, "%s: %s", input, pci_msg);
	}
	GUARD_LEAVE(g);
	return r;
}

static int pci_run(struct scan *s)
{
	struct pci_dev *d;
	const char *input;
	size_t n = 0, i = 0;
	int r;

	r = open_access(s);
	if (r)
		return r;
	input = s->dump_mode ? s->ctx->lspci_dump : s->pci_devices_dir;
	cur_scan = s;
	r = init_and_scan(s, input);
	if (r)
		goto out;

	for (d = s->pacc->devices; d; d = d->next)
		if (++n > ACCEL_MAX_PCI_FUNCTIONS) {
			r = scan_fail(s, -E2BIG, "%s: more than %d PCI functions", input,
				      ACCEL_MAX_PCI_FUNCTIONS);
			goto out;
		}
	s->fns = calloc(n ? n : 1, sizeof(*s->fns));
	if (!s->fns) {
		r = scan_fail(s, -ENOMEM, "out of memory");
		goto out;
	}
	for (d = s->pacc->devices; d; d = d->next) {
		struct scan_fn *f = &s->fns[i];
		char addr[ACCEL_ADDR_MAX];

		snprintf(addr, sizeof(addr), "%04x:%02x:%02x.%u", d->domain, d->bus, d->dev,
			 d->func);
		if (!s->dump_mode) {
			char path[PATH_MAX];

			snprintf(path, sizeof(path), "%s/%s", s->pci_devices_dir, addr);
			f->sysfs_dir = strdup(path);
			if (!f->sysfs_dir) {
				r = scan_fail(s, -ENOMEM, "out of memory");
				goto out;
			}
		}
		if (!fill_one(s, d, f)) {
			/* Nothing is known of it, not even what it was. */
			free(f->sysfs_dir);
			memset(f, 0, sizeof(*f));
			continue;
		}
		if (!s->dump_mode) {
			read_config(f);
			check_ids(s, f);
		}
		header_fields(f);
		i++;
	}
	s->n_fns = i;
	if (s->dump_mode)
		dump_parents(s);
out:
	cur_scan = NULL;
	return r;
}

const struct accel_backend accel_backend_pci = {
	.name = "pci",
	.run = pci_run,
};

/* ---- PCI Express capability in config space ---- */

static int speed_code_dgts(unsigned code)
{
	static const int dgts[] = { 0, 25, 50, 80, 160, 320, 640 };

	return code < sizeof(dgts) / sizeof(dgts[0]) ? dgts[code] : 0;
}

int pcicfg_link(const uint8_t *cfg, int len, struct pcicfg_link *out)
{
	unsigned pos, steps = 0;

	if (len < 0x40 || !(cfg[0x06] & 0x10)) /* no capability list */
		return -ENODATA;
	pos = cfg[0x34] & 0xfc;
	while (pos >= 0x40 && pos + 0x14 <= (unsigned)len && steps++ < 48) {
		if (cfg[pos] == 0x10) { /* PCI Express */
			uint32_t cap = (uint32_t)cfg[pos + 0x0c] | (uint32_t)cfg[pos + 0x0d] << 8 |
				       (uint32_t)cfg[pos + 0x0e] << 16 |
				       (uint32_t)cfg[pos + 0x0f] << 24;
			uint16_t sta = (uint16_t)(cfg[pos + 0x12] | cfg[pos + 0x13] << 8);

			out->max_speed_dgts = speed_code_dgts(cap & 0xf);
			out->max_width = (int)((cap >> 4) & 0x3f);
			out->speed_dgts = speed_code_dgts(sta & 0xf);
			out->width = (sta >> 4) & 0x3f;
			return 0;
		}
		pos = cfg[pos + 1] & 0xfc;
	}
	return -ENODATA;
}
