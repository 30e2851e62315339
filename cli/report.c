/* SPDX-License-Identifier: Apache-2.0 */
/*
 * accelctl report: the writes a sync with Placement would make for this
 * node, without making them (reads only). Credentials from the config file
 * and OS_* variables, as openstackclient takes them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <accel/config.h>
#include <accel/placement.h>
#include "cli.h"

static void print_write(const char *line, void *arg)
{
	unsigned *n = arg;

	puts(line);
	(*n)++;
}

int cmd_report(const accel_inventory *inv, accel_config *cfg, bool create_root)
{
	accel_sync_opts o = { .dry_run = true, .create_root = create_root };
	accel_placement *pl = NULL;
	accel_sync_stats st;
	accel_err err;
	unsigned n = 0;
	int r;

	r = accel_placement_new(&pl, cfg, &err);
	if (r) {
		fprintf(stderr, "accelctl: %s\n", err.msg);
		return 1;
	}
	o.on_write = print_write;
	o.arg = &n;
	r = accel_placement_sync(pl, inv, &o, &st, &err);
	accel_placement_free(pl);
	if (r && r != -EEXIST && !(r == -EAGAIN && create_root)) {
		fprintf(stderr, "accelctl: %s\n", err.msg);
		accel_sync_stats_release(&st);
		return 1;
	}
	/* each device not reported as it is on its own line (err holds as
	 * many as fit in it) */
	for (size_t i = 0; r == -EEXIST && i < st.warnings.n; i++)
		if (strcmp(st.warnings.v[i].path, o.state_file ? o.state_file : ""))
			fprintf(stderr, "accelctl: %s: %s\n", st.warnings.v[i].path,
				st.warnings.v[i].message);
	printf("%u write%s for %s (%u reads made to plan them)\n", n, n == 1 ? "" : "s",
	       cfg->host, st.reads);
	accel_sync_stats_release(&st);
	return r == -EEXIST ? 1 : 0;
}
