/* SPDX-License-Identifier: Apache-2.0 */
/*
 * accelctl: the operator's view of a node's accelerators.
 *
 *   accelctl list [options] [-f table|json]
 *   accelctl show ADDRESS [options] [-f table|json]
 *   accelctl topo [options] [-f table|json|dot]
 *   accelctl report [--config FILE] [--create-root]
 *   accelctl schedule --hosts DIR -e KEY=VALUE... [-n N] [-f table|json]
 *   accelctl watch [--source kmod|uevent|poll] [--interval SEC] [--count N]
 *                  [--timeout SEC] [options]
 *   accelctl metrics [--proc-root DIR] [--sample SEC] [options] [-f table|json]
 *   accelctl nova-config [--alias-name-scheme model|product]
 *                        [--resource-class accelsched|nova] [options] [-f text|json]
 *   accelctl events --kafka SERVERS [--topic T]... [--from-beginning] [-n COUNT]
 *                   [--timeout SEC] [-f text|json]
 *
 * Exit status: 0 ok, 1 runtime error, 2 usage error. Errors go to stderr
 * and name the input at fault.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <accel/config.h>
#include <accel/discovery.h>
#include <accel/inventory.h>
#include <accel/util.h>
#include "cli.h"
#include "spec.h"

#define EXIT_USAGE 2

static const char usage_text[] =
	"usage: accelctl COMMAND [options]\n"
	"\n"
	"commands:\n"
	"  list               every accelerator on this node\n"
	"  show ADDRESS       one device in detail (e.g. 0000:17:00.0 or 17:00.0)\n"
	"  topo               link classes between devices, like nvidia-smi topo -m\n"
	"  report             the writes a sync with Placement would make (none made)\n"
	"  schedule           rank the hosts of --hosts DIR for a flavor's extra specs\n"
	"  watch              print device events as the kernel reports them, then the\n"
	"                     inventory's changes (one line each, flushed)\n"
	"  metrics            each device's telemetry now: utilization, memory, temperature,\n"
	"                     power, energy, clocks, error counts (-f json: metrics/v1)\n"
	"  nova-config        nova.conf's [pci] device_spec and alias lines for them, so\n"
	"                     that Nova reports them in Placement as accelsched describes\n"
	"                     them (-f text, the default, or json)\n"
	"  events             acceld's Kafka stream, one line a record (-f text or json)\n"
	"\n"
	"options:\n"
	"  --sysfs-root DIR   read DIR where /sys stands (DIR/bus/pci/devices/...)\n"
	"  --dev-root DIR     read DIR where /dev stands\n"
	"  --lspci-dump FILE  read PCI config space from an lspci -x dump instead\n"
	"  --host NAME        host name written in the inventory\n"
	"  --opencl MODE      auto (default: only on the real /sys), on, off\n"
	"  --pci-ids FILE     names for devices no vendor table knows (default: libpci's)\n"
	"  -f, --format FMT   table (default) or json; topo also takes dot, metrics prometheus\n"
	"  -q, --quiet        do not print warnings about malformed input\n"
	"  --config FILE      report: configuration (default " ACCEL_DEFAULT_CONFIG
	" if present);\n"
	"                     OS_* variables override its [placement], as in openstackclient\n"
	"  --create-root      report: plan the compute node's provider too if missing\n"
	"  --hosts DIR        schedule: a folder of inventory files, one per host\n"
	"  -e, --extra-spec KEY=VALUE\n"
	"                     schedule: a flavor extra spec (repeat), e.g.\n"
	"                     -e resources:PGPU=2 -e accelsched:p2p=PIX\n"
	"  -n, --limit N      schedule: show the N best hosts (default: all that pass);\n"
	"                     events: exit 0 after N records\n"
	"  --source SRC       watch: kmod (/dev/accelinv of accelinv.ko), uevent\n"
	"                     (netlink) or poll (a rescan every --interval seconds);\n"
	"                     default kmod when the device exists\n"
	"  --interval SEC     watch --source poll: seconds between rescans (default 60)\n"
	"  --kmod-path FILE   watch: read the kmod records from FILE (a FIFO, a capture)\n"
	"  --count N          watch: exit 0 after N events (and their rescan)\n"
	"  --timeout SEC      watch, events: exit after SEC seconds (default: at\n"
	"                     SIGINT/SIGTERM); events with -n: 1 when fewer came\n"
	"  --proc-root DIR    metrics: read DIR where /proc stands (DRM clients' fdinfo)\n"
	"  --sample SEC       metrics: read twice, SEC apart, for the rates (fdinfo busy time)\n"
	"  --alias-name-scheme S\n"
	"                     nova-config: alias names from the model (default, a100-sxm4-80gb)\n"
	"                     or the product ids (10de-20b2); a VF's end in -vf\n"
	"  --resource-class RC\n"
	"                     nova-config: accelsched's classes (default: PGPU, FPGA,\n"
	"                     CUSTOM_NPU, ...) or nova's (CUSTOM_PCI_<VENDOR>_<PRODUCT>)\n"
	"  --kafka SERVERS    events: the brokers (host:port,...)\n"
	"  --topic T          events: a topic to read (repeat; default\n"
	"                     " EVENTS_TOPIC_EVENTS " and " EVENTS_TOPIC_METRICS ";\n"
	"                     accelsched.inventory shows snapshots and retired hosts)\n"
	"  --from-beginning   events: from the topics' first records, not their end\n"
	"  -h, --help         this text\n"
	"  --version          print the version\n";

__attribute__((format(printf, 1, 2))) static void usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "accelctl: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nTry 'accelctl --help'.\n");
	va_end(ap);
}

struct opts {
	const struct verb *verb;
	const char *address;
	const char *sysfs_root;
	const char *dev_root;
	const char *dump;
	const char *host;
	const char *pci_ids;
	const char *config;
	bool create_root;
	const char *hosts_dir;
	struct cli_specs specs;
	long limit;
	const char *format;
	accel_opencl_mode opencl;
	bool quiet;
	struct watch_opts watch;
	struct metrics_opts metrics;
	struct nova_config_opts nova;
	struct events_opts events;
	accel_config *cfg; /* report: loaded by its setup */
	unsigned groups;   /* the option groups given (OG_*) */
};

/*
 * Options every command takes (the discovery roots, --host, -f, -q, and
 * report's --config and --create-root, which the others ignore) are
 * always allowed; these groups only with the commands that name them.
 */
enum {
	OG_WATCH = 1u << 0, /* --source, --kmod-path, --count, --interval */
	OG_HOSTS = 1u << 1, /* --hosts */
	OG_SPECS = 1u << 2, /* -e */
	OG_METRICS = 1u << 3, /* --proc-root, --sample */
	OG_NOVA = 1u << 4,    /* --alias-name-scheme, --resource-class */
	OG_EVENTS = 1u << 5,  /* --kafka, --topic, --from-beginning */
	OG_LIMIT = 1u << 6,   /* -n */
	OG_TIMEOUT = 1u << 7, /* --timeout */
};

static const struct {
	unsigned group;
	const char *misplaced; /* given to a command that does not take it */
	const char *missing;   /* not given to a command that needs it */
} option_groups[] = {
	{OG_WATCH, "--source, --kmod-path, --count and --interval go with watch only", NULL},
	{OG_HOSTS, "--hosts goes with schedule only", "schedule: missing --hosts DIR"},
	{OG_SPECS, "-e goes with schedule only", NULL},
	{OG_METRICS, "--proc-root and --sample go with metrics only", NULL},
	{OG_NOVA, "--alias-name-scheme and --resource-class go with nova-config only", NULL},
	{OG_EVENTS, "--kafka, --topic and --from-beginning go with events only",
	 "events: missing --kafka SERVERS"},
	{OG_LIMIT, "-n goes with schedule and events only", NULL},
	{OG_TIMEOUT, "--timeout goes with watch and events only", NULL},
};

/* Where stdout's write errors are checked once the command has run. */
enum out_check {
	OUT_ALWAYS,  /* a full disk or a closed pipe is an error, not a silent success */
	OUT_IF_OK,   /* only when the command itself succeeded */
	OUT_BY_VERB, /* the command checks each line it writes */
};

/* One accelctl command. */
struct verb {
	const char *name;
	unsigned groups; /* the option groups it takes */
	unsigned needs;	 /* the option groups it cannot do without */
	const char *arg; /* its one positional argument (show: "ADDRESS"), or NULL */
	bool dot;	 /* -f dot is a format of it */
	bool prom;	 /* -f prometheus is a format of it */
	bool text;	 /* -f text is a format of it (its default) */
	bool scan;	 /* runs on an inventory scanned with the command line's options */
	enum out_check out;
	/* its own checks of the command line; an exit status, -1 to go on */
	int (*check)(const struct opts *o);
	/* before the scan; an exit status, 0 to go on */
	int (*setup)(struct opts *o);
	/* the command; inv is the scan's, or NULL when it does not scan */
	int (*run)(struct opts *o, const accel_inventory *inv);
};

static int watch_check(const struct opts *o);
static int events_check(const struct opts *o);
static int report_setup(struct opts *o);
static int run_list(struct opts *o, const accel_inventory *inv);
static int run_show(struct opts *o, const accel_inventory *inv);
static int run_topo(struct opts *o, const accel_inventory *inv);
static int run_report(struct opts *o, const accel_inventory *inv);
static int run_schedule(struct opts *o, const accel_inventory *inv);
static int run_watch(struct opts *o, const accel_inventory *inv);
static int run_metrics(struct opts *o, const accel_inventory *inv);
static int run_nova_config(struct opts *o, const accel_inventory *inv);
static int run_events(struct opts *o, const accel_inventory *inv);

static const struct verb verbs[] = {
	{.name = "list", .scan = true, .out = OUT_ALWAYS, .run = run_list},
	{.name = "show", .arg = "ADDRESS", .scan = true, .out = OUT_ALWAYS, .run = run_show},
	{.name = "topo", .dot = true, .scan = true, .out = OUT_ALWAYS, .run = run_topo},
	{.name = "report",
	 .scan = true,
	 .out = OUT_ALWAYS,
	 .setup = report_setup,
	 .run = run_report},
	{.name = "schedule",
	 .groups = OG_HOSTS | OG_SPECS | OG_LIMIT,
	 .needs = OG_HOSTS,
	 .out = OUT_IF_OK,
	 .run = run_schedule},
	{.name = "watch",
	 .groups = OG_WATCH | OG_TIMEOUT,
	 .out = OUT_BY_VERB,
	 .check = watch_check,
	 .run = run_watch},
	{.name = "metrics",
	 .groups = OG_METRICS,
	 .prom = true,
	 .scan = true,
	 .out = OUT_ALWAYS,
	 .run = run_metrics},
	{.name = "nova-config",
	 .groups = OG_NOVA,
	 .text = true,
	 .scan = true,
	 .out = OUT_ALWAYS,
	 .run = run_nova_config},
	{.name = "events",
	 .groups = OG_EVENTS | OG_LIMIT | OG_TIMEOUT,
	 .needs = OG_EVENTS,
	 .text = true,
	 .out = OUT_BY_VERB,
	 .check = events_check,
	 .run = run_events},
};

#define N_VERBS (sizeof(verbs) / sizeof(verbs[0]))

/* "list, show, topo, report, schedule, watch, metrics or events" */
static const char *verb_names(void)
{
	static char buf[128];

	if (!*buf)
		for (size_t i = 0; i < N_VERBS; i++)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
				 i == 0		   ? ""
				 : i + 1 < N_VERBS ? ", "
						   : " or ",
				 verbs[i].name);
	return buf;
}

static const struct verb *verb_find(const char *name)
{
	for (size_t i = 0; i < N_VERBS; i++)
		if (!strcmp(verbs[i].name, name))
			return &verbs[i];
	return NULL;
}

static int parse_count(const char *arg, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(arg, &end, 10);
	return errno || *end || end == arg ? -EINVAL : 0;
}

static int parse_seconds(const char *arg, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(arg, &end);
	return errno || *end || end == arg || !isfinite(*out) ? -EINVAL : 0;
}

/* Returns -1 to go on, else the exit status. GNU getopt permutes argv, so
 * options may come before or after the command. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	enum {
		OPT_SYSFS = 256,
		OPT_DEV,
		OPT_DUMP,
		OPT_HOST,
		OPT_OPENCL,
		OPT_IDS,
		OPT_VERSION,
		OPT_CONFIG,
		OPT_ROOT,
		OPT_HOSTS,
		OPT_SOURCE,
		OPT_KMOD_PATH,
		OPT_COUNT,
		OPT_TIMEOUT,
		OPT_INTERVAL,
		OPT_PROC,
		OPT_SAMPLE,
		OPT_ALIAS_NAMES,
		OPT_RC,
		OPT_KAFKA,
		OPT_TOPIC,
		OPT_FROM_BEGINNING
	};
	static const struct option longopts[] = {
		{"sysfs-root", required_argument, NULL, OPT_SYSFS},
		{"dev-root", required_argument, NULL, OPT_DEV},
		{"lspci-dump", required_argument, NULL, OPT_DUMP},
		{"host", required_argument, NULL, OPT_HOST},
		{"opencl", required_argument, NULL, OPT_OPENCL},
		{"pci-ids", required_argument, NULL, OPT_IDS},
		{"config", required_argument, NULL, OPT_CONFIG},
		{"create-root", no_argument, NULL, OPT_ROOT},
		{"hosts", required_argument, NULL, OPT_HOSTS},
		{"source", required_argument, NULL, OPT_SOURCE},
		{"kmod-path", required_argument, NULL, OPT_KMOD_PATH},
		{"count", required_argument, NULL, OPT_COUNT},
		{"timeout", required_argument, NULL, OPT_TIMEOUT},
		{"interval", required_argument, NULL, OPT_INTERVAL},
		{"proc-root", required_argument, NULL, OPT_PROC},
		{"sample", required_argument, NULL, OPT_SAMPLE},
		{"alias-name-scheme", required_argument, NULL, OPT_ALIAS_NAMES},
		{"resource-class", required_argument, NULL, OPT_RC},
		{"kafka", required_argument, NULL, OPT_KAFKA},
		{"topic", required_argument, NULL, OPT_TOPIC},
		{"from-beginning", no_argument, NULL, OPT_FROM_BEGINNING},
		{"extra-spec", required_argument, NULL, 'e'},
		{"limit", required_argument, NULL, 'n'},
		{"format", required_argument, NULL, 'f'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	const struct verb *v;
	int c, npos;

	memset(o, 0, sizeof(*o));
	o->format = "table";
	o->limit = -1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:qhe:n:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case OPT_VERSION:
			printf("accelctl %s\n", ACCELSCHED_VERSION);
			return 0;
		case OPT_SYSFS:
			o->sysfs_root = optarg;
			break;
		case OPT_DEV:
			o->dev_root = optarg;
			break;
		case OPT_DUMP:
			o->dump = optarg;
			break;
		case OPT_HOST:
			o->host = optarg;
			break;
		case OPT_IDS:
			o->pci_ids = optarg;
			break;
		case OPT_CONFIG:
			o->config = optarg;
			break;
		case OPT_ROOT:
			o->create_root = true;
			break;
		case OPT_HOSTS:
			o->hosts_dir = optarg;
			o->groups |= OG_HOSTS;
			break;
		case OPT_SOURCE:
			if (strcmp(optarg, "kmod") && strcmp(optarg, "uevent") &&
			    strcmp(optarg, "poll")) {
				usage_error("--source: expected kmod, uevent or poll, got '%s'",
					    optarg);
				return EXIT_USAGE;
			}
			o->watch.source = optarg;
			o->groups |= OG_WATCH;
			break;
		case OPT_KMOD_PATH:
			o->watch.kmod_path = optarg;
			o->groups |= OG_WATCH;
			break;
		case OPT_COUNT:
			if (parse_count(optarg, &o->watch.count) || o->watch.count < 1) {
				usage_error("--count: '%s' is not a number of events (1 or more)",
					    optarg);
				return EXIT_USAGE;
			}
			o->groups |= OG_WATCH;
			break;
		case OPT_INTERVAL:
			if (parse_seconds(optarg, &o->watch.interval) || o->watch.interval < 0.1 ||
			    o->watch.interval > 86400.0) {
				usage_error("--interval: '%s' is not a number of seconds (0.1 to "
					    "86400)",
					    optarg);
				return EXIT_USAGE;
			}
			o->groups |= OG_WATCH;
			break;
		case OPT_PROC:
			o->metrics.proc_root = optarg;
			o->groups |= OG_METRICS;
			break;
		case OPT_SAMPLE:
			if (parse_seconds(optarg, &o->metrics.sample) || o->metrics.sample < 0.01 ||
			    o->metrics.sample > 3600.0) {
				usage_error("--sample: '%s' is not a number of seconds (0.01 to "
					    "3600)",
					    optarg);
				return EXIT_USAGE;
			}
			o->groups |= OG_METRICS;
			break;
		case OPT_ALIAS_NAMES:
			if (strcmp(optarg, "model") && strcmp(optarg, "product")) {
				usage_error("--alias-name-scheme: expected model or product, got "
					    "'%s'",
					    optarg);
				return EXIT_USAGE;
			}
			o->nova.alias_names = optarg;
			o->groups |= OG_NOVA;
			break;
		case OPT_RC:
			if (strcmp(optarg, "accelsched") && strcmp(optarg, "nova")) {
				usage_error("--resource-class: expected accelsched or nova, got '%s'",
					    optarg);
				return EXIT_USAGE;
			}
			o->nova.resource_class = optarg;
			o->groups |= OG_NOVA;
			break;
		case OPT_TIMEOUT:
			/* up to a year; a longer one is a typo, not a wish */
			if (parse_seconds(optarg, &o->watch.timeout) || o->watch.timeout <= 0 ||
			    o->watch.timeout > 366 * 86400.0) {
				usage_error("--timeout: '%s' is not a number of seconds (more "
					    "than 0)",
					    optarg);
				return EXIT_USAGE;
			}
			o->groups |= OG_TIMEOUT;
			break;
		case OPT_KAFKA:
			if (!*optarg) {
				usage_error("%s", "--kafka: empty; expected host:port[,host:port...]");
				return EXIT_USAGE;
			}
			o->events.servers = optarg;
			o->groups |= OG_EVENTS;
			break;
		case OPT_TOPIC:
			if (!*optarg || strlen(optarg) > 249) {
				usage_error("--topic: '%s' is not a Kafka topic name (1 to 249 bytes)",
					    optarg);
				return EXIT_USAGE;
			}
			if (o->events.n_topics >= EVENTS_MAX_TOPICS) {
				usage_error("--topic: at most %d topics", EVENTS_MAX_TOPICS);
				return EXIT_USAGE;
			}
			o->events.topics[o->events.n_topics++] = optarg;
			o->groups |= OG_EVENTS;
			break;
		case OPT_FROM_BEGINNING:
			o->events.from_beginning = true;
			o->groups |= OG_EVENTS;
			break;
		case 'e': {
			int r = cli_specs_add(&o->specs, optarg);

			if (r == -EINVAL) {
				usage_error("-e %s: expected KEY=VALUE (e.g. accelsched:count=2)",
					    optarg);
				return EXIT_USAGE;
			}
			if (r == -E2BIG) {
				usage_error("-e %s: too many extra specs", optarg);
				return EXIT_USAGE;
			}
			if (r) {
				fprintf(stderr, "accelctl: out of memory\n");
				return 1;
			}
			o->groups |= OG_SPECS;
			break;
		}
		case 'n':
			if (parse_count(optarg, &o->limit) || o->limit < 0) {
				usage_error("-n: '%s' is not a number (of hosts, of records)", optarg);
				return EXIT_USAGE;
			}
			o->groups |= OG_LIMIT;
			break;
		case OPT_OPENCL:
			if (!strcmp(optarg, "auto"))
				o->opencl = ACCEL_OPENCL_AUTO;
			else if (!strcmp(optarg, "on"))
				o->opencl = ACCEL_OPENCL_ON;
			else if (!strcmp(optarg, "off"))
				o->opencl = ACCEL_OPENCL_OFF;
			else {
				usage_error("--opencl: expected auto, on or off, got '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'f':
			o->format = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case ':':
			usage_error("%s: missing argument", argv[optind - 1]);
			return EXIT_USAGE;
		default:
			usage_error("%s: unknown option", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	npos = argc - optind;
	if (npos < 1) {
		usage_error("missing command (%s)", verb_names());
		return EXIT_USAGE;
	}
	v = verb_find(argv[optind]);
	if (!v) {
		usage_error("unknown command '%s' (%s)", argv[optind], verb_names());
		return EXIT_USAGE;
	}
	o->verb = v;
	if (v->check && (c = v->check(o)) >= 0)
		return c;
	/* an option of another command first, then one this command needs */
	for (size_t i = 0; i < sizeof(option_groups) / sizeof(option_groups[0]); i++) {
		unsigned g = option_groups[i].group;

		if ((o->groups & g) && !(v->groups & g)) {
			usage_error("%s", option_groups[i].misplaced);
			return EXIT_USAGE;
		}
	}
	for (size_t i = 0; i < sizeof(option_groups) / sizeof(option_groups[0]); i++) {
		unsigned g = option_groups[i].group;

		if ((v->needs & g) && !(o->groups & g)) {
			usage_error("%s", option_groups[i].missing);
			return EXIT_USAGE;
		}
	}
	if (v->arg) {
		if (npos != 2) {
			usage_error(npos < 2 ? "%s: missing %s" : "%s: one %s only", v->name,
				    v->arg);
			return EXIT_USAGE;
		}
		o->address = argv[optind + 1];
	} else if (npos > 1) {
		usage_error("unexpected argument '%s'", argv[optind + 1]);
		return EXIT_USAGE;
	}
	if (strcmp(o->format, "table") && strcmp(o->format, "json") &&
	    (strcmp(o->format, "dot") || !v->dot) && (strcmp(o->format, "prometheus") || !v->prom) &&
	    (strcmp(o->format, "text") || !v->text)) {
		usage_error("unknown format '%s' (table or json; topo also takes dot, metrics "
			    "prometheus, nova-config and events text)",
			    o->format);
		return EXIT_USAGE;
	}
	if (o->dump && (o->sysfs_root || o->dev_root)) {
		usage_error("%s", "--lspci-dump reads config space only: it does not go with "
				  "--sysfs-root or --dev-root");
		return EXIT_USAGE;
	}
	return -1;
}

static int watch_check(const struct opts *o)
{
	if (o->dump) {
		usage_error("%s", "watch: --lspci-dump does not change; watch reads sysfs");
		return EXIT_USAGE;
	}
	if (strcmp(o->format, "table")) {
		usage_error("watch prints one line per change: -f %s does not go with it",
			    o->format);
		return EXIT_USAGE;
	}
	if (o->watch.kmod_path && o->watch.source && strcmp(o->watch.source, "kmod")) {
		usage_error("--kmod-path goes with --source kmod, not %s", o->watch.source);
		return EXIT_USAGE;
	}
	if (o->watch.interval && (!o->watch.source || strcmp(o->watch.source, "poll"))) {
		usage_error("%s", "--interval goes with --source poll");
		return EXIT_USAGE;
	}
	return -1;
}

static int events_check(const struct opts *o)
{
	/* --topic alone is of events' group too: the servers are a must */
	if (!o->events.servers) {
		usage_error("%s", "events: missing --kafka SERVERS");
		return EXIT_USAGE;
	}
	if (o->limit == 0) {
		usage_error("%s", "events: -n 0: a number of records, 1 or more");
		return EXIT_USAGE;
	}
	return -1;
}

static int scan(const struct opts *o, accel_inventory **inv)
{
	accel_ctx *ctx = NULL;
	int r;

	r = accel_ctx_new(&ctx);
	if (!r && o->sysfs_root)
		r = accel_ctx_set_sysfs_root(ctx, o->sysfs_root);
	if (!r && o->dev_root)
		r = accel_ctx_set_dev_root(ctx, o->dev_root);
	if (!r && o->dump)
		r = accel_ctx_set_lspci_dump(ctx, o->dump);
	if (!r && o->pci_ids)
		r = accel_ctx_set_pci_ids(ctx, o->pci_ids);
	if (!r && o->host && (r = accel_ctx_set_host(ctx, o->host)) == -EINVAL) {
		fprintf(stderr, "accelctl: --host: not a host name\n");
		accel_ctx_free(ctx);
		return EXIT_USAGE;
	}
	if (r) {
		fprintf(stderr, "accelctl: %s\n", accel_strerror(r));
		accel_ctx_free(ctx);
		return 1;
	}
	accel_ctx_set_opencl(ctx, o->opencl);
	r = accel_scan(ctx, inv);
	if (r) {
		fprintf(stderr, "accelctl: %s\n", accel_ctx_error(ctx));
		accel_ctx_free(ctx);
		return 1;
	}
	accel_ctx_free(ctx);
	if (!o->quiet) {
		size_t n = accel_inventory_n_warnings(*inv);

		for (size_t i = 0; i < n; i++) {
			const accel_warning *w = accel_inventory_warning(*inv, i);

			fprintf(stderr, "accelctl: warning: %s: %s\n", w->path, w->message);
		}
	}
	return 0;
}

/* watch: the first scan and every rescan, with the command line's options */
static int watch_scan(void *arg, accel_inventory **inv)
{
	return scan(arg, inv);
}

/* report: the config file (if any), then OS_* over it; the discovery
 * roots and host from it unless given on the command line. */
static int report_setup(struct opts *o)
{
	const char *path = o->config;
	accel_config **out = &o->cfg;
	accel_err err;
	int r;

	if (!path && access(ACCEL_DEFAULT_CONFIG, F_OK) == 0)
		path = ACCEL_DEFAULT_CONFIG;
	r = path ? accel_config_load(out, path, &err) : accel_config_new(out, &err);
	if (!r)
		r = accel_config_apply_env(*out, &err);
	if (r) {
		fprintf(stderr, "accelctl: %s\n", err.msg);
		return 1;
	}
	if (!o->quiet)
		for (size_t i = 0; i < (*out)->warnings.n; i++)
			fprintf(stderr, "accelctl: warning: %s: %s\n", (*out)->warnings.v[i].path,
				(*out)->warnings.v[i].message);
	if (!o->sysfs_root && !o->dump)
		o->sysfs_root = (*out)->sysfs_root;
	if (!o->dev_root && !o->dump)
		o->dev_root = (*out)->dev_root;
	if (o->host)
		accel_device_set(&(*out)->host, o->host);
	else
		o->host = (*out)->host;
	return 0;
}

static int run_list(struct opts *o, const accel_inventory *inv)
{
	return cmd_list(inv, o->format);
}

static int run_show(struct opts *o, const accel_inventory *inv)
{
	return cmd_show(inv, o->address, o->format);
}

static int run_topo(struct opts *o, const accel_inventory *inv)
{
	return cmd_topo(inv, o->format);
}

static int run_report(struct opts *o, const accel_inventory *inv)
{
	return cmd_report(inv, o->cfg, o->create_root);
}

static int run_schedule(struct opts *o, const accel_inventory *inv)
{
	(void)inv;
	return cmd_schedule(o->hosts_dir, o->specs.keys, o->specs.values, o->specs.n, o->limit,
			    o->format);
}

static int run_watch(struct opts *o, const accel_inventory *inv)
{
	(void)inv;
	o->watch.dev_root = o->dev_root;
	/* every rescan would load the ICDs, for fields watch never prints */
	if (o->opencl == ACCEL_OPENCL_AUTO)
		o->opencl = ACCEL_OPENCL_OFF;
	return cmd_watch(&o->watch, watch_scan, o);
}

static int run_metrics(struct opts *o, const accel_inventory *inv)
{
	o->metrics.sysfs_root = o->sysfs_root;
	o->metrics.format = o->format;
	o->metrics.quiet = o->quiet;
	return cmd_metrics(inv, &o->metrics);
}

static int run_nova_config(struct opts *o, const accel_inventory *inv)
{
	o->nova.format = o->format;
	if (!o->nova.alias_names)
		o->nova.alias_names = "model";
	if (!o->nova.resource_class)
		o->nova.resource_class = "accelsched";
	return cmd_nova_config(inv, &o->nova);
}

static int run_events(struct opts *o, const accel_inventory *inv)
{
	(void)inv;
	if (!o->events.n_topics) {
		o->events.topics[o->events.n_topics++] = EVENTS_TOPIC_EVENTS;
		o->events.topics[o->events.n_topics++] = EVENTS_TOPIC_METRICS;
	}
	o->events.count = o->limit > 0 ? o->limit : 0;
	o->events.timeout = o->watch.timeout;
	o->events.json = !strcmp(o->format, "json");
	return cmd_events(&o->events);
}

static int check_output(int r)
{
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "accelctl: writing output: %s\n", strerror(errno));
		return 1;
	}
	return r;
}

int main(int argc, char **argv)
{
	accel_inventory *inv = NULL;
	const struct verb *v;
	struct opts o;
	int r = parse_args(argc, argv, &o);

	if (r >= 0) {
		cli_specs_clear(&o.specs);
		return r == 0 ? check_output(r) : r;
	}
	v = o.verb;
	r = v->setup ? v->setup(&o) : 0;
	if (!r && v->scan)
		r = scan(&o, &inv);
	if (!r)
		r = v->run(&o, inv);
	accel_inventory_free(inv);
	accel_config_free(o.cfg);
	cli_specs_clear(&o.specs);
	if (v->out == OUT_ALWAYS || (v->out == OUT_IF_OK && r == 0))
		r = check_output(r);
	return r;
}
