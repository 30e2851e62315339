/* SPDX-License-Identifier: Apache-2.0 */
/*
 * accelctl metrics: each device's telemetry now (telemetry.h), as a table
 * or as metrics/v1 JSON. With --sample SEC, two reads SEC apart, so that
 * sources that give a rate (fdinfo's busy time) have one.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <accel/telemetry.h>
#include <accel/util.h>
#include "cli.h"

static const char *num(const accel_metrics *m, accel_metric k, double scale, const char *fmt,
		       char *buf, size_t cap)
{
	if (!(m->have >> k & 1))
		return "-";
	snprintf(buf, cap, fmt, m->value[k] * scale);
	return buf;
}

static void table(const accel_inventory *inv, const accel_metrics *m, size_t n)
{
	printf("%-13s %-5s %-24s %5s %19s %6s %7s %10s %6s %6s %9s\n", "ADDRESS", "KIND", "MODEL",
	       "UTIL", "MEMORY (MiB)", "TEMP", "POWER", "ENERGY", "SCLK", "MCLK", "ERRORS");
	for (size_t i = 0; i < n; i++) {
		const accel_device *d = accel_inventory_device(inv, i);
		const accel_metrics *x = &m[i];
		char a[32], b[32], c[80], t[32], p[32], e[32], s[32], k[32], u[32], v[32], er[80];

		if ((x->have >> ACCEL_M_MEMORY_USAGE & 1) || (x->have >> ACCEL_M_MEMORY_LIMIT & 1))
			snprintf(c, sizeof(c), "%s / %s",
				 num(x, ACCEL_M_MEMORY_USAGE, 1.0 / 1048576, "%.0f", a, sizeof(a)),
				 num(x, ACCEL_M_MEMORY_LIMIT, 1.0 / 1048576, "%.0f", b, sizeof(b)));
		else
			snprintf(c, sizeof(c), "-");
		snprintf(er, sizeof(er), "%s/%s",
			 num(x, ACCEL_M_ERRORS_CORRECTED, 1, "%.0f", u, sizeof(u)),
			 num(x, ACCEL_M_ERRORS_UNCORRECTED, 1, "%.0f", v, sizeof(v)));
		printf("%-13s %-5s %-24.24s %5s %19s %6s %7s %10s %6s %6s %9s\n", d->address,
		       accel_kind_name(d->kind), d->model ? d->model : "-",
		       num(x, ACCEL_M_UTILIZATION, 100, "%.0f%%", a, sizeof(a)), c,
		       num(x, ACCEL_M_TEMPERATURE, 1, "%.0fC", t, sizeof(t)),
		       num(x, ACCEL_M_POWER, 1, "%.1fW", p, sizeof(p)),
		       num(x, ACCEL_M_ENERGY, 1, "%.0fJ", e, sizeof(e)),
		       num(x, ACCEL_M_CLOCK_GRAPHICS, 1e-6, "%.0f", s, sizeof(s)),
		       num(x, ACCEL_M_CLOCK_MEMORY, 1e-6, "%.0f", k, sizeof(k)), er);
	}
	printf("\nUTIL busy fraction; SCLK/MCLK MHz; ERRORS corrected/uncorrected; - unknown\n");
}

int cmd_metrics(const accel_inventory *inv, const struct metrics_opts *o)
{
	size_t n = accel_inventory_n_devices(inv);
	accel_warnings warn = {0};
	accel_telemetry *t = NULL;
	accel_metrics *m = NULL;
	accel_err err;
	int rc = 1;

	if (accel_telemetry_new(&t, o->sysfs_root, o->proc_root, 0, &err)) {
		fprintf(stderr, "accelctl: %s\n", err.msg);
		goto out;
	}
	m = calloc(n ? n : 1, sizeof(*m));
	if (!m) {
		fprintf(stderr, "accelctl: out of memory\n");
		goto out;
	}
	if (!o->quiet && !o->sysfs_root)
		fprintf(stderr, "accelctl: %s\n", accel_telemetry_nvml_status(t));
	if (o->sample > 0) {
		struct timespec ts = {.tv_sec = (time_t)o->sample,
				      .tv_nsec = (long)((o->sample - floor(o->sample)) * 1e9)};

		/* the first read only sets the rates' starting point */
		if (accel_telemetry_read(t, inv, m, NULL, &err)) {
			fprintf(stderr, "accelctl: %s\n", err.msg);
			goto out;
		}
		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
	if (accel_telemetry_read(t, inv, m, &warn, &err)) {
		fprintf(stderr, "accelctl: %s\n", err.msg);
		goto out;
	}
	if (!o->quiet)
		for (size_t i = 0; i < warn.n; i++)
			fprintf(stderr, "accelctl: warning: %s: %s\n", warn.v[i].path,
				warn.v[i].message);
	if (!strcmp(o->format, "json")) {
		char ts[ACCEL_RFC3339_MAX], *text;

		accel_rfc3339_now(ts);
		if (accel_metrics_to_json(accel_inventory_host(inv), ts, m, n, &text, &err)) {
			fprintf(stderr, "accelctl: %s\n", err.msg);
			goto out;
		}
		puts(text);
		free(text);
	} else if (!strcmp(o->format, "prometheus")) {
		char *text;

		if (accel_metrics_to_prometheus(inv, m, n, &text)) {
			fprintf(stderr, "accelctl: out of memory\n");
			goto out;
		}
		fputs(text, stdout);
		free(text);
	} else {
		table(inv, m, n);
	}
	rc = 0;
out:
	accel_warnings_free(&warn);
	free(m);
	accel_telemetry_free(t);
	return rc;
}
