/* SPDX-License-Identifier: Apache-2.0 */
/* accelctl's commands; each returns the exit status. */
#ifndef ACCEL_CLI_H
#define ACCEL_CLI_H

#include <accel/inventory.h>

int cmd_list(const accel_inventory *inv, const char *format);
int cmd_show(const accel_inventory *inv, const char *address, const char *format);
int cmd_topo(const accel_inventory *inv, const char *format);

struct accel_config;
int cmd_report(const accel_inventory *inv, struct accel_config *cfg, bool create_root);

int cmd_schedule(const char *dir, const char *const *keys, const char *const *values,
		 size_t n_specs, long limit, const char *format);

/* watch: a scan with accelctl's options, as the first and every rescan;
 * returns an exit status, having printed what failed. */
typedef int (*cli_scan_fn)(void *arg, accel_inventory **out);

struct watch_opts {
	const char *source;    /* "kmod", "uevent", "poll"; NULL: kmod when its device exists */
	const char *kmod_path; /* NULL: DEV_ROOT/accelinv */
	const char *dev_root;  /* NULL: ACCEL_DEFAULT_DEV_ROOT */
	long count;	       /* exit after this many events; <= 0: no limit */
	double timeout;	       /* exit after this many seconds; <= 0: at SIGINT/SIGTERM */
	double interval;       /* poll: seconds between rescans; 0: 60 */
};

int cmd_watch(const struct watch_opts *o, cli_scan_fn scan, void *arg);

struct metrics_opts {
	const char *sysfs_root; /* NULL: the machine's */
	const char *proc_root;	/* NULL: /proc */
	double sample;		/* > 0: two reads this many seconds apart */
	const char *format;	/* table or json */
	bool quiet;
};

int cmd_metrics(const accel_inventory *inv, const struct metrics_opts *o);

struct nova_config_opts {
	const char *format;	    /* text (table) or json */
	const char *alias_names;    /* model (default) or product */
	const char *resource_class; /* accelsched (PGPU, FPGA, ...) or nova (CUSTOM_PCI_<V>_<P>) */
};

int cmd_nova_config(const accel_inventory *inv, const struct nova_config_opts *o);

/* events: acceld's Kafka stream, one line a record (cli/events.c) */
#define EVENTS_MAX_TOPICS 16
#define EVENTS_TOPIC_EVENTS "accelsched.events.info"
#define EVENTS_TOPIC_METRICS "accelsched.metrics.info"

struct events_opts {
	const char *servers; /* --kafka */
	const char *topics[EVENTS_MAX_TOPICS];
	size_t n_topics;     /* 0: the events and metrics topics */
	bool from_beginning;
	long count;	     /* exit after this many records; <= 0: no limit */
	double timeout;	     /* exit after this many seconds; <= 0: at SIGINT/SIGTERM */
	bool json;
};

int cmd_events(const struct events_opts *o);

#endif
