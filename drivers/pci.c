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
 *
 * libpci's dump reader trusts the numbers it parses (an offset of
 * 0x80000000 writes outside its buffer), so it never reads the caller's
 * file: the dump is checked line by line (lspci_dump.c) into a memfd, and
 * libpci reads that, through /proc/self/fd.
 */
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pci/pci.h>

#include <accel/util.h>
#include "attr.h"
#include "lspci_dump.h"
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
		scan_warn(cur_scan,
			  cur_scan->dump_mode ? cur_scan->ctx->lspci_dump
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

static void init_fn(struct scan_fn *f, const struct pci_dev *d)
{
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
}

/* IDs, class, revision and subsystem from config space bytes. */
static void ids_from_config(struct scan_fn *f)
{
	const uint8_t *c = f->config;

	if (f->config_len < 0x10)
		return;
	f->vendor_id = c[0] | c[1] << 8;
	f->device_id = c[2] | c[3] << 8;
	f->revision = c[8];
	f->class_code = c[9] | c[10] << 8 | c[11] << 16;
	/* the subsystem of a type 0 header; bridges keep theirs elsewhere */
	if (f->config_len >= 0x30 && (c[0x0e] & 0x7f) == 0) {
		f->subsys_vendor = c[0x2c] | c[0x2d] << 8;
		f->subsys_device = c[0x2e] | c[0x2f] << 8;
	}
}

/* A dump: config space through libpci's dump method. lspci -x holds 64
 * bytes, -xxx 256: a block past the end reads as all-ones, which no real
 * header has in all of 64..255. */
static bool dump_config(struct scan *s, struct pci_dev *d, struct scan_fn *f)
{
	struct pci_guard g;
	volatile bool ok = true;

	if (GUARD_ENTER(g)) {
		pci_read_block(d, 0, f->config, 64);
		f->config_len = 64;
		pci_read_block(d, 64, f->config + 64, 192);
		for (int i = 64; i < 256; i++)
			if (f->config[i] != 0xff) {
				f->config_len = 256;
				break;
			}
	} else {
		ok = false;
		scan_warn(s, s->ctx->lspci_dump, "%s: %s", f->addr, pci_msg);
	}
	GUARD_LEAVE(g);
	if (ok)
		ids_from_config(f);
	return ok;
}

/* Config space from sysfs: 64 bytes for users, 256 or 4096 for root. */
static int sysfs_config(struct scan *s, struct scan_fn *f)
{
	ssize_t n;
	int fd = attr_open_file(&s->sys, f->sysfs_dir, "config");

	if (fd < 0)
		return fd;
	n = pread(fd, f->config, sizeof(f->config), 0);
	close(fd);
	if (n < 0)
		return -errno;
	f->config_len = (int)n;
	return 0;
}

/* A sysfs ID file read strictly: libpci's strtol() would take "garbage"
 * for 0. Returns 0, -ENOENT when the device is gone, or another error
 * after a warning naming the file. */
static int id_file(struct scan *s, struct scan_fn *f, const char *name, unsigned max, int *out)
{
	char buf[64], shown[64];
	unsigned v;
	int r = attr_read(&s->sys, f->sysfs_dir, name, buf, sizeof(buf));

	if (r == -ENOENT || r == -ENOTDIR)
		return -ENOENT;
	if (r < 0 && r != -E2BIG) { /* buf holds nothing read */
		scan_warn(s, f->sysfs_dir, "%s: %s", name,
			  r == -EXDEV	       ? "leads outside the sysfs root; not read"
			  : r == -ATTR_ENOTREG ? "not a regular file; not read"
					       : accel_strerror(r));
		return r;
	}
	if (r >= 0)
		r = attr_parse_hex(buf, max, &v);
	if (r == 0) {
		*out = (int)v;
		return 0;
	}
	scan_warn(s, f->sysfs_dir, "%s: malformed value '%s' (%s)", name,
		  r == -E2BIG ? "(oversized)"
			      : accel_text_sanitize(buf, strlen(buf), shown, sizeof(shown)),
		  accel_strerror(r));
	return r;
}

/* sysfs: the kernel's ID files are the truth (quirks fix a few broken
 * devices' classes); config space gives the header, subsystem, bus numbers
 * and link registers, unless it disagrees with the files (then it is not
 * this device's, or corrupt, and is ignored) or reads all-ones (the device
 * stopped answering). Returns false when the device vanished. */
static bool sysfs_fn(struct scan *s, struct scan_fn *f)
{
	int r = sysfs_config(s, f), v = -1, d = -1, c = -1, rv, rd, rc;

	if (r == -ENOENT || r == -ENOTDIR) {
		if (attr_access(&s->sys, f->sysfs_dir) != 0)
			goto gone;
		scan_warn(s, f->sysfs_dir, "config: missing; IDs from the sysfs files");
	} else if (r) {
		scan_warn(s, f->sysfs_dir, "config: %s; IDs from the sysfs files",
			  r == -EXDEV	       ? "leads outside the sysfs root, not read"
			  : r == -ATTR_ENOTREG ? "not a regular file, not read"
					       : accel_strerror(r));
	}
	rv = id_file(s, f, "vendor", 0xffff, &v);
	rd = id_file(s, f, "device", 0xffff, &d);
	rc = id_file(s, f, "class", 0xffffff, &c);
	if ((rv == -ENOENT || rd == -ENOENT || rc == -ENOENT) &&
	    attr_access(&s->sys, f->sysfs_dir) != 0)
		goto gone;
	if (f->config_len >= 0x10) {
		int cv = f->config[0] | f->config[1] << 8, cd = f->config[2] | f->config[3] << 8;

		if (cv == 0xffff && cd == 0xffff) {
			f->all_ones = true;
			f->config_len = 0;
		} else if (rv == 0 && rd == 0 && (cv != v || cd != d)) {
			scan_warn(s, f->sysfs_dir,
				  "config: IDs %04x:%04x differ from the vendor and device files "
				  "(%04x:%04x); config space ignored",
				  cv, cd, v, d);
			f->config_len = 0;
		}
	}
	ids_from_config(f);
	if (f->config_len < 0x10) {
		(void)id_file(s, f, "revision", 0xff, &f->revision);
		(void)id_file(s, f, "subsystem_vendor", 0xffff, &f->subsys_vendor);
		(void)id_file(s, f, "subsystem_device", 0xffff, &f->subsys_device);
	}
	if (rv == 0)
		f->vendor_id = v;
	if (rd == 0)
		f->device_id = d;
	if (rc == 0)
		f->class_code = c;
	return true;
gone:
	/* nothing is known of it, not even what it was */
	scan_warn(s, f->sysfs_dir, "%s: device vanished during the scan", f->addr);
	return false;
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

/*
 * The caller's dump, checked, into a memfd (*fd) that libpci is to read at
 * path instead. The message of a refusal names the file and the line.
 */
static int checked_dump(struct scan *s, int *fd, char *path, size_t cap)
{
	const char *name = s->ctx->lspci_dump;
	char msg[256];
	FILE *in, *out;
	int r, mfd;

	msg[0] = '\0';
	in = fopen(name, "re");
	if (!in)
		return scan_fail(s, -errno, "%s: %s", name, strerror(errno));
	mfd = memfd_create("accel-lspci-dump", MFD_CLOEXEC);
	if (mfd < 0 || !(out = fdopen(mfd, "w"))) {
		r = -errno;
		if (mfd >= 0)
			close(mfd);
		fclose(in);
		return scan_fail(s, r, "%s: cannot copy it for libpci: %s", name, strerror(-r));
	}
	/* out's own descriptor goes with fclose(); libpci reads a duplicate */
	*fd = dup(mfd);
	r = *fd < 0 ? -errno
		    : accel_lspci_dump_check(in, out, ACCEL_MAX_PCI_FUNCTIONS, msg, sizeof(msg));
	fclose(in);
	if (fclose(out) && !r)
		r = -errno;
	if (r) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		if (msg[0])
			return scan_fail(s, r, "%s: %s", name, msg);
		return scan_fail(s, r, "%s: %s", name, strerror(-r));
	}
	snprintf(path, cap, "/proc/self/fd/%d", *fd);
	return 0;
}

static int open_access(struct scan *s, int *dump_fd)
{
	struct pci_access *a;
	char path[PATH_MAX], dump_path[64];
	DIR *dir;
	int err = 0;
	int r;

	if (s->dump_mode) {
		r = checked_dump(s, dump_fd, dump_path, sizeof(dump_path));
		if (r)
			return r;
	} else {
		if (snprintf(path, sizeof(path), "%s/bus/pci/devices", s->ctx->sysfs_root) >=
		    (int)sizeof(path))
			return scan_fail(s, -ENAMETOOLONG, "%s: path too long", s->ctx->sysfs_root);
		dir = attr_opendir(&s->sys, path, &err);
		if (!dir)
			return scan_fail(s, err, "%s: %s (is %s a sysfs tree?)", path,
					 err == -EXDEV ? "leads outside the root" : strerror(-err),
					 s->ctx->sysfs_root);
		/* libpci fails on an entry it cannot parse, and leaks its open
		 * directory when its error hook does not return: check first */
		for (struct dirent *e; (e = readdir(dir));) {
			char norm[ACCEL_ADDR_MAX];

			/* libpci takes only the full DDDD:BB:DD.F the kernel writes */
			if (e->d_name[0] == '.' ||
			    (accel_pci_addr_normalize(e->d_name, norm) == 0 && !strcmp(norm, e->d_name)))
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
		pci_set_param(a, "dump.name", dump_path);
	} else {
		/* libpci lists <path>/devices itself: give it the path as
		 * resolved inside the root */
		snprintf(path, sizeof(path), "%s/bus/pci", s->ctx->sysfs_root);
		if (attr_realpath(&s->sys, path, path, sizeof(path)))
			return scan_fail(s, -ENOENT, "%s/bus/pci: vanished", s->ctx->sysfs_root);
		a->method = PCI_ACCESS_SYS_BUS_PCI;
		pci_set_param(a, "sysfs.path", path);
	}
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
	int r, dump_fd = -1;

	r = open_access(s, &dump_fd);
	if (r) {
		if (dump_fd >= 0)
			close(dump_fd);
		return r;
	}
	input = s->dump_mode ? s->ctx->lspci_dump : s->pci_devices_dir;
	cur_scan = s;
	r = init_and_scan(s, input);
	if (dump_fd >= 0)
		close(dump_fd); /* libpci has read it all in pci_init() */
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
		init_fn(f, d);
		if (!(s->dump_mode ? dump_config(s, d, f) : sysfs_fn(s, f))) {
			free(f->sysfs_dir);
			memset(f, 0, sizeof(*f));
			continue;
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
	static const int dgts[] = {0, 25, 50, 80, 160, 320, 640};

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
