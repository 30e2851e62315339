/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device telemetry (include/accel/telemetry.h). Per device, from the most
 * direct source to the least, each reading taken from the first that has
 * it: NVML; the driver's sysfs attributes; hwmon; the DRM clients' fdinfo;
 * AER. Every read is confined to the sysfs root (and the proc root) as the
 * scan's are (attr.h).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <accel/telemetry.h>
#include <accel/util.h>

#include "attr.h"
#include "telemetry.h"

#define DEFAULT_PROC_ROOT "/proc"
/* fdinfo bookkeeping per device: (client, engine) busy times */
#define MAX_SAMPLES 4096
#define MAX_PROCS   65536 /* processes looked at per read */

struct sample {
	uint64_t client;
	char engine[FDINFO_NAME_MAX];
	uint64_t ns;
};

struct fd_state {
	char address[ACCEL_ADDR_MAX];
	uint64_t at_ns; /* when the samples were taken; 0: never */
	struct sample *s;
	size_t n, cap;
};

struct accel_telemetry {
	struct attr_root sys, proc;
	struct tel_nvml *nvml;
	char nvml_status[256];
	struct fd_state *fd;
	size_t n_fd, cap_fd;
};

/* ---- parsers ---- */

int tel_parse_dpm(const char *text, uint64_t *hz)
{
	const char *p = text;
	bool found = false;
	uint64_t cur = 0;

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		unsigned long long level, mhz;
		char unit[8], star[4];
		char line[128];
		int k;

		if (n >= sizeof(line))
			return -EINVAL;
		memcpy(line, p, n);
		line[n] = '\0';
		p = eol ? eol + 1 : p + n;
		if (!n)
			continue;
		/* "1: 1000Mhz *"; amdgpu writes Mhz, some kernels MHz */
		star[0] = '\0';
		k = sscanf(line, "%llu: %llu%7[A-Za-z] %3s", &level, &mhz, unit, star);
		if (k < 3 || strcasecmp(unit, "mhz") || !isdigit((unsigned char)line[0]) ||
		    mhz > 1000000 || (k == 4 && strcmp(star, "*")))
			return -EINVAL;
		if (k == 4) {
			if (found)
				return -EINVAL; /* two current levels */
			found = true;
			cur = mhz * 1000000ull;
		}
	}
	if (!found)
		return -ENODATA;
	*hz = cur;
	return 0;
}

/* "12345 ns" -> 12345; "1024 KiB" -> bytes. Digits, one space or tab,
 * then the unit; bytes without one. */
static int parse_amount(const char *v, bool ns, uint64_t *out)
{
	unsigned long long x = 0;
	size_t digits = 0;
	const char *p = v;

	while (*p == ' ' || *p == '\t')
		p++;
	for (; isdigit((unsigned char)*p); p++, digits++) {
		if (digits >= 19)
			return -EINVAL;
		x = x * 10 + (unsigned)(*p - '0');
	}
	if (!digits)
		return -EINVAL;
	while (*p == ' ' || *p == '\t')
		p++;
	if (ns) {
		if (strcmp(p, "ns"))
			return -EINVAL;
	} else if (!*p) {
		;
	} else if (!strcmp(p, "KiB")) {
		x <<= 10;
	} else if (!strcmp(p, "MiB")) {
		x <<= 20;
	} else if (!strcmp(p, "GiB")) {
		x <<= 30;
	} else {
		return -EINVAL;
	}
	*out = x;
	return 0;
}

/* Regions that are the device's own memory: amdgpu's vram, i915's and
 * xe's local0, local1... */
static bool device_region(const char *r)
{
	return !strcmp(r, "vram") || !strncmp(r, "local", 5);
}

int tel_parse_fdinfo(const char *text, struct fdinfo *out)
{
	struct fdinfo f;
	bool pdev = false, client = false;
	const char *p = text;

	memset(&f, 0, sizeof(f));
	while (*p) {
		const char *start = p, *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		char line[256], *colon, *val;
		uint64_t x;

		p = eol ? eol + 1 : p + n;
		if (n < 4 || strncmp(start, "drm-", 4))
			continue; /* pos:, flags:, a driver's own keys */
		if (n >= sizeof(line))
			return -EINVAL;
		memcpy(line, start, n);
		line[n] = '\0';
		colon = strchr(line, ':');
		if (!colon)
			return -EINVAL;
		*colon = '\0';
		val = colon + 1;
		while (*val == ' ' || *val == '\t')
			val++;
		if (!strcmp(line, "drm-pdev")) {
			if (strlen(val) >= sizeof(f.pdev) || accel_pci_addr_normalize(val, f.pdev))
				return -EINVAL;
			pdev = true;
		} else if (!strcmp(line, "drm-client-id")) {
			if (parse_amount(val, false, &x) || strchr(val, 'B'))
				return -EINVAL;
			f.client_id = x;
			client = true;
		} else if (!strncmp(line, "drm-engine-capacity", 19)) {
			continue; /* engines of a class, not a time */
		} else if (!strncmp(line, "drm-engine-", 11)) {
			const char *name = line + 11;

			if (!*name || strlen(name) >= FDINFO_NAME_MAX ||
			    parse_amount(val, true, &x))
				return -EINVAL;
			if (f.n_engines < FDINFO_MAX_ENGINES) {
				snprintf(f.engine[f.n_engines].name, FDINFO_NAME_MAX, "%s", name);
				f.engine[f.n_engines++].ns = x;
			}
		} else if (!strncmp(line, "drm-total-", 10) || !strncmp(line, "drm-memory-", 11)) {
			bool total = line[4] == 't';
			const char *region = line + (total ? 10 : 11);

			if (parse_amount(val, false, &x))
				return -EINVAL;
			if (!device_region(region))
				continue;
			if (total) {
				f.mem_total += x;
				f.has_total = true;
			} else {
				f.mem_memory += x;
				f.has_memory = true;
			}
		}
		/* drm-driver, drm-cycles-*, drm-maxfreq-*, drm-shared-*, ...: not used */
	}
	if (!pdev || !client)
		return -ENODATA;
	*out = f;
	return 0;
}

/* ---- the object ---- */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int accel_telemetry_new(accel_telemetry **out, const char *sys, const char *proc_root,
			unsigned flags, accel_err *err)
{
	accel_telemetry *t = calloc(1, sizeof(*t));
	int r;

	*out = NULL;
	if (!t)
		return accel_err_set(err, -ENOMEM, "telemetry: out of memory");
	t->sys = (struct attr_root)ATTR_ROOT_INIT;
	t->proc = (struct attr_root)ATTR_ROOT_INIT;
	if (!sys)
		sys = ACCEL_DEFAULT_SYSFS_ROOT;
	r = attr_root_open(&t->sys, sys);
	if (r) {
		free(t);
		return accel_err_set(err, r, "telemetry: %s: %s", sys, accel_strerror(r));
	}
	if (!proc_root)
		proc_root = DEFAULT_PROC_ROOT;
	r = attr_root_open(&t->proc, proc_root);
	if (r) {
		attr_root_close(&t->sys);
		free(t);
		return accel_err_set(err, r, "telemetry: %s: %s", proc_root, accel_strerror(r));
	}
	if (flags & ACCEL_TELEMETRY_NO_NVML) {
		snprintf(t->nvml_status, sizeof(t->nvml_status), "NVML: not tried (turned off)");
	} else if (strcmp(sys, ACCEL_DEFAULT_SYSFS_ROOT)) {
		snprintf(t->nvml_status, sizeof(t->nvml_status),
			 "NVML: not tried (sysfs root %s is not this machine's)", sys);
	} else {
		char why[200];

		t->nvml = tel_nvml_open(why, sizeof(why));
		snprintf(t->nvml_status, sizeof(t->nvml_status), "NVML: %s%s", why,
			 t->nvml ? "" : "; NVIDIA devices get what sysfs has");
	}
	*out = t;
	return 0;
}

void accel_telemetry_free(accel_telemetry *t)
{
	if (!t)
		return;
	tel_nvml_close(t->nvml);
	attr_root_close(&t->sys);
	attr_root_close(&t->proc);
	for (size_t i = 0; i < t->n_fd; i++)
		free(t->fd[i].s);
	free(t->fd);
	free(t);
}

const char *accel_telemetry_nvml_status(const accel_telemetry *t)
{
	return t->nvml_status;
}

/* ---- sysfs sources ---- */

/* out = a "/" b; false when it does not fit (a path no sysfs has). */
static bool join(char *out, size_t cap, const char *a, const char *b)
{
	int n = snprintf(out, cap, "%s/%s", a, b);

	return n > 0 && (size_t)n < cap;
}

struct rd {
	accel_telemetry *t;
	accel_warnings *warn;
	int oom; /* -ENOMEM once a warning could not be kept */
};

static void warn_attr(struct rd *rd, const char *dir, const char *name, const char *fmt, ...)
	ACCEL_PRINTF(4, 5);
static void warn_attr(struct rd *rd, const char *dir, const char *name, const char *fmt, ...)
{
	char path[4096], msg[256];
	va_list ap;

	if (!rd->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (accel_warnings_add(rd->warn, path, "%s", msg) == -ENOMEM)
		rd->oom = -ENOMEM;
}

/* An integer attribute: false when absent (quietly) or malformed (a
 * warning naming it). */
static bool read_int(struct rd *rd, const char *dir, const char *name, long long min, long long max,
		     long long *v)
{
	char buf[64];
	int r = attr_read(&rd->t->sys, dir, name, buf, sizeof(buf));

	if (r == -ENOENT || r == -ENOTDIR || r == -ENODEV || r == -EOPNOTSUPP || r == -ENODATA)
		return false; /* absent, or the driver has no value now */
	if (r < 0) {
		warn_attr(rd, dir, name, "unreadable: %s", accel_strerror(r));
		return false;
	}
	r = attr_parse_int(buf, min, max, v);
	if (r) {
		char shown[64];

		warn_attr(rd, dir, name, "not an integer in [%lld, %lld]: '%s'", min, max,
			  accel_text_sanitize(buf, strlen(buf), shown, sizeof(shown)));
		return false;
	}
	return true;
}

static void read_dpm(struct rd *rd, const char *dir, const char *name, accel_metrics *m,
		     accel_metric which)
{
	char buf[2048];
	uint64_t hz;
	int r = attr_read(&rd->t->sys, dir, name, buf, sizeof(buf));

	if (r == -ENOENT || r == -ENOTDIR || r == -ENODEV || r == -EOPNOTSUPP)
		return;
	if (r < 0) {
		warn_attr(rd, dir, name, "unreadable: %s", accel_strerror(r));
		return;
	}
	r = tel_parse_dpm(buf, &hz);
	if (r == -ENODATA)
		return;
	if (r) {
		warn_attr(rd, dir, name,
			  "malformed: want lines \"N: <MHz>Mhz\" with '*' after one");
		return;
	}
	accel_metrics_set(m, which, (double)hz, ACCEL_MS_SYSFS);
}

/* amdgpu's attributes on the PCI device; i915's and xe's frequency. */
static void read_driver(struct rd *rd, const char *dev, accel_metrics *m)
{
	long long v, total;
	char path[4096];
	DIR *d;
	int e;

	if (read_int(rd, dev, "gpu_busy_percent", 0, 100, &v))
		accel_metrics_set(m, ACCEL_M_UTILIZATION, v / 100.0, ACCEL_MS_SYSFS);
	if (read_int(rd, dev, "mem_info_vram_total", 0, 1ll << 50, &total)) {
		accel_metrics_set(m, ACCEL_M_MEMORY_LIMIT, (double)total, ACCEL_MS_SYSFS);
		if (read_int(rd, dev, "mem_info_vram_used", 0, total, &v))
			accel_metrics_set(m, ACCEL_M_MEMORY_USAGE, (double)v, ACCEL_MS_SYSFS);
	}
	read_dpm(rd, dev, "pp_dpm_sclk", m, ACCEL_M_CLOCK_GRAPHICS);
	read_dpm(rd, dev, "pp_dpm_mclk", m, ACCEL_M_CLOCK_MEMORY);
	/* xe: tile0/gt0/freq0/act_freq (MHz) */
	if (join(path, sizeof(path), dev, "tile0/gt0/freq0") &&
	    read_int(rd, path, "act_freq", 0, 1000000, &v))
		accel_metrics_set(m, ACCEL_M_CLOCK_GRAPHICS, v * 1e6, ACCEL_MS_SYSFS);
	/* i915: drm/cardN/gt_act_freq_mhz */
	if (!join(path, sizeof(path), dev, "drm"))
		return;
	d = attr_opendir(&rd->t->sys, path, &e);
	if (!d)
		return;
	for (struct dirent *de; (de = readdir(d));) {
		char card[4096];

		if (strncmp(de->d_name, "card", 4) || !isdigit((unsigned char)de->d_name[4]) ||
		    strchr(de->d_name, '-'))
			continue;
		if (!join(card, sizeof(card), path, de->d_name))
			continue;
		if (read_int(rd, card, "gt_act_freq_mhz", 0, 1000000, &v))
			accel_metrics_set(m, ACCEL_M_CLOCK_GRAPHICS, v * 1e6, ACCEL_MS_SYSFS);
		break;
	}
	closedir(d);
}

/* The device's hwmon: temp1 (the first sensor: amdgpu's "edge", the
 * board's on others), power1 (average, else input), energy1, and the
 * clocks amdgpu labels sclk and mclk. */
static void read_hwmon(struct rd *rd, const char *dev, accel_metrics *m)
{
	char path[4096];
	DIR *d;
	int e;

	if (!join(path, sizeof(path), dev, "hwmon"))
		return;
	d = attr_opendir(&rd->t->sys, path, &e);
	if (!d)
		return;
	for (struct dirent *de; (de = readdir(d));) {
		char hw[4096];
		long long v;

		if (strncmp(de->d_name, "hwmon", 5) || !isdigit((unsigned char)de->d_name[5]))
			continue;
		if (!join(hw, sizeof(hw), path, de->d_name))
			continue;
		if (read_int(rd, hw, "temp1_input", -273150, 1000000, &v)) /* millidegrees */
			accel_metrics_set(m, ACCEL_M_TEMPERATURE, v / 1000.0, ACCEL_MS_HWMON);
		if (read_int(rd, hw, "power1_average", 0, 1ll << 40, &v) ||
		    read_int(rd, hw, "power1_input", 0, 1ll << 40, &v)) /* microwatts */
			accel_metrics_set(m, ACCEL_M_POWER, v / 1e6, ACCEL_MS_HWMON);
		if (read_int(rd, hw, "energy1_input", 0, 1ll << 62, &v)) /* microjoules */
			accel_metrics_set(m, ACCEL_M_ENERGY, v / 1e6, ACCEL_MS_HWMON);
		for (int i = 1; i <= 2; i++) {
			char name[32], label[32];
			int r;

			snprintf(name, sizeof(name), "freq%d_label", i);
			r = attr_read(&rd->t->sys, hw, name, label, sizeof(label));
			if (r < 0)
				continue;
			snprintf(name, sizeof(name), "freq%d_input", i);
			if (!strcmp(label, "sclk") &&
			    read_int(rd, hw, name, 0, 1000000000000ll, &v)) /* Hz */
				accel_metrics_set(m, ACCEL_M_CLOCK_GRAPHICS, (double)v,
						  ACCEL_MS_HWMON);
			else if (!strcmp(label, "mclk") &&
				 read_int(rd, hw, name, 0, 1000000000000ll, &v))
				accel_metrics_set(m, ACCEL_M_CLOCK_MEMORY, (double)v,
						  ACCEL_MS_HWMON);
		}
		break; /* one hwmon per device */
	}
	closedir(d);
}

static bool read_aer(struct rd *rd, const char *dev, const char *name, uint64_t *v)
{
	char buf[4096];
	int r = attr_read(&rd->t->sys, dev, name, buf, sizeof(buf));

	if (r == -ENOENT || r == -ENOTDIR || r == -ENODEV)
		return false;
	if (r < 0) {
		warn_attr(rd, dev, name, "unreadable: %s", accel_strerror(r));
		return false;
	}
	if (attr_parse_aer(buf, v)) {
		warn_attr(rd, dev, name, "malformed: want lines \"NAME count\"");
		return false;
	}
	return true;
}

static void read_errors(struct rd *rd, const char *dev, accel_metrics *m)
{
	uint64_t cor, fatal = 0, nonfatal = 0;
	bool f, nf;

	if (read_aer(rd, dev, "aer_dev_correctable", &cor))
		accel_metrics_set(m, ACCEL_M_ERRORS_CORRECTED, (double)cor, ACCEL_MS_AER);
	f = read_aer(rd, dev, "aer_dev_fatal", &fatal);
	nf = read_aer(rd, dev, "aer_dev_nonfatal", &nonfatal);
	if (f || nf)
		accel_metrics_set(m, ACCEL_M_ERRORS_UNCORRECTED, (double)(fatal + nonfatal),
				  ACCEL_MS_AER);
}

/* ---- fdinfo ---- */

static bool seen(const struct fdinfo *c, size_t n, const struct fdinfo *f)
{
	for (size_t i = 0; i < n; i++)
		if (c[i].client_id == f->client_id && !strcmp(c[i].pdev, f->pdev))
			return true;
	return false;
}

/* Every DRM client of every process under the proc root, once per client
 * (dup'd and inherited fds share a client id): *out, *n. */
static int read_clients(struct rd *rd, struct fdinfo **out, size_t *n_out)
{
	const struct attr_root *proc = &rd->t->proc;
	struct fdinfo *c = NULL;
	size_t n = 0, cap = 0, procs = 0;
	DIR *pd;
	int e, r = 0;

	*out = NULL;
	*n_out = 0;
	pd = attr_opendir(proc, proc->path, &e);
	if (!pd)
		return 0; /* no proc here: no fdinfo source */
	for (struct dirent *de; (de = readdir(pd)) && !r && procs < MAX_PROCS;) {
		char fddir[512], infodir[512];
		DIR *fds;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		procs++;
		snprintf(fddir, sizeof(fddir), "%s/%s/fd", proc->path, de->d_name);
		snprintf(infodir, sizeof(infodir), "%s/%s/fdinfo", proc->path, de->d_name);
		fds = attr_opendir(proc, fddir, &e);
		if (!fds)
			continue; /* gone, or not ours to read */
		for (struct dirent *fe; (fe = readdir(fds)) && !r;) {
			char target[256], text[4096];
			struct fdinfo f;
			int len;

			if (!isdigit((unsigned char)fe->d_name[0]))
				continue;
			/* only DRM nodes: the link names /dev/dri/... */
			len = attr_readlink(proc, fddir, fe->d_name, target, sizeof(target));
			if (len < 0 || strncmp(target, "/dev/dri/", 9))
				continue;
			len = attr_read(proc, infodir, fe->d_name, text, sizeof(text));
			if (len < 0)
				continue; /* closed meanwhile */
			if (tel_parse_fdinfo(text, &f)) {
				/* a malformed drm- line: say which file */
				if (len >= 0 && strstr(text, "drm-pdev"))
					warn_attr(rd, infodir, fe->d_name,
						  "malformed DRM usage stats; ignored");
				continue;
			}
			if (seen(c, n, &f))
				continue;
			r = accel_grow(&c, &cap, n, sizeof(*c), MAX_SAMPLES);
			if (r == -E2BIG) {
				r = 0;
				break;
			}
			if (!r)
				c[n++] = f;
		}
		closedir(fds);
	}
	closedir(pd);
	if (r) {
		free(c);
		return r;
	}
	*out = c;
	*n_out = n;
	return 0;
}

static struct fd_state *fd_state_of(accel_telemetry *t, const char *address)
{
	for (size_t i = 0; i < t->n_fd; i++)
		if (!strcmp(t->fd[i].address, address))
			return &t->fd[i];
	if (accel_grow(&t->fd, &t->cap_fd, t->n_fd, sizeof(*t->fd), ACCEL_MAX_DEVICES))
		return NULL;
	memset(&t->fd[t->n_fd], 0, sizeof(t->fd[0]));
	snprintf(t->fd[t->n_fd].address, ACCEL_ADDR_MAX, "%s", address);
	return &t->fd[t->n_fd++];
}

static const struct sample *find_sample(const struct fd_state *st, uint64_t client,
					const char *engine)
{
	for (size_t i = 0; i < st->n; i++)
		if (st->s[i].client == client && !strcmp(st->s[i].engine, engine))
			return &st->s[i];
	return NULL;
}

/* This device's clients: memory (the sum over them) now, and utilization
 * as the busiest engine's busy time since the last read over the time
 * passed (clients present both times). */
static int fdinfo_device(struct rd *rd, const struct fdinfo *c, size_t n, const accel_device *d,
			 uint64_t now, accel_metrics *m)
{
	const char *address = d->address;
	struct fd_state *st = fd_state_of(rd->t, address);
	struct sample *next = NULL;
	size_t nn = 0, cap = 0;
	char names[FDINFO_MAX_ENGINES][FDINFO_NAME_MAX];
	uint64_t busy[FDINFO_MAX_ENGINES] = {0}, mem = 0;
	unsigned n_names = 0;
	bool any = false, any_mem = false;
	int r = 0;

	if (!st)
		return -ENOMEM;
	for (size_t i = 0; i < n && !r; i++) {
		const struct fdinfo *f = &c[i];

		if (strcmp(f->pdev, address))
			continue;
		any = true;
		if (f->has_total || f->has_memory) {
			mem += f->has_total ? f->mem_total : f->mem_memory;
			any_mem = true;
		}
		for (unsigned e = 0; e < f->n_engines && !r; e++) {
			const struct sample *prev =
				find_sample(st, f->client_id, f->engine[e].name);
			unsigned k;

			for (k = 0; k < n_names && strcmp(names[k], f->engine[e].name); k++)
				;
			if (k == n_names && n_names < FDINFO_MAX_ENGINES)
				snprintf(names[n_names++], FDINFO_NAME_MAX, "%s",
					 f->engine[e].name);
			if (prev && k < n_names && f->engine[e].ns >= prev->ns)
				busy[k] += f->engine[e].ns - prev->ns;
			r = accel_grow(&next, &cap, nn, sizeof(*next), MAX_SAMPLES);
			if (r == -E2BIG) {
				r = 0;
				break;
			}
			if (!r) {
				next[nn].client = f->client_id;
				snprintf(next[nn].engine, FDINFO_NAME_MAX, "%s", f->engine[e].name);
				next[nn++].ns = f->engine[e].ns;
			}
		}
	}
	if (r) {
		free(next);
		return r;
	}
	if (any_mem)
		accel_metrics_set(m, ACCEL_M_MEMORY_USAGE, (double)mem, ACCEL_MS_FDINFO);
	if (any && st->at_ns && now > st->at_ns) {
		uint64_t top = 0;
		double u;

		for (unsigned k = 0; k < n_names; k++)
			top = busy[k] > top ? busy[k] : top;
		u = (double)top / (double)(now - st->at_ns);
		accel_metrics_set(m, ACCEL_M_UTILIZATION, u > 1 ? 1 : u, ACCEL_MS_FDINFO);
	} else if (!any && st->at_ns && now > st->at_ns && (d->drm.card || d->drm.render)) {
		/* a DRM device with no client now: none busy since the last read */
		accel_metrics_set(m, ACCEL_M_UTILIZATION, 0, ACCEL_MS_FDINFO);
	}
	free(st->s);
	st->s = next;
	st->n = nn;
	st->at_ns = now;
	return 0;
}

int accel_telemetry_read_at(accel_telemetry *t, const accel_inventory *inv, uint64_t now_ns,
			    accel_metrics *out, accel_warnings *warn, accel_err *err)
{
	struct rd rd = {.t = t, .warn = warn};
	size_t n = accel_inventory_n_devices(inv), n_clients = 0;
	struct fdinfo *clients = NULL;
	bool drm = false;
	int r = 0;

	/* Only DRM and accel nodes have clients with fdinfo: a node of
	 * passthrough (vfio-pci) devices walks no /proc at all. */
	for (size_t i = 0; i < n && !drm; i++) {
		const accel_device *d = accel_inventory_device(inv, i);

		drm = d->drm.card || d->drm.render || d->accel_node;
	}
	if (drm)
		r = read_clients(&rd, &clients, &n_clients);
	if (r)
		return accel_err_set(err, r, "telemetry: out of memory");
	for (size_t i = 0; i < n && !r; i++) {
		const accel_device *d = accel_inventory_device(inv, i);
		accel_metrics *m = &out[i];
		char dev[4096];

		memset(m, 0, sizeof(*m));
		snprintf(m->address, sizeof(m->address), "%s", d->address);
		snprintf(dev, sizeof(dev), "%s/bus/pci/devices/%s", t->sys.path, d->address);
		if (t->nvml && d->vendor_id == 0x10de)
			tel_nvml_read(t->nvml, d->address, m);
		read_driver(&rd, dev, m);
		read_hwmon(&rd, dev, m);
		r = fdinfo_device(&rd, clients, n_clients, d, now_ns, m);
		read_errors(&rd, dev, m);
	}
	free(clients);
	if (!r)
		r = rd.oom;
	if (r)
		return accel_err_set(err, r, "telemetry: out of memory");
	return 0;
}

int accel_telemetry_read(accel_telemetry *t, const accel_inventory *inv, accel_metrics *out,
			 accel_warnings *warn, accel_err *err)
{
	return accel_telemetry_read_at(t, inv, mono_ns(), out, warn, err);
}
