/* SPDX-License-Identifier: Apache-2.0 */
/*
 * acceld: discovery kept in sync with Placement on one node.
 *
 *   acceld --config FILE [--once] [--dry-run] [--create-root]
 *   acceld --config FILE --retire
 *
 * --once: discover, sync, exit 0 when in sync, 1 with the reason.
 * Otherwise a daemon: rescans when the kernel says a PCI, DRM or accel
 * device came, went or changed driver (netlink uevents, debounced), on
 * SIGHUP and every rescan_interval; syncs when the inventory changed or the
 * last sync failed (retrying with backoff until Placement is back; after
 * Keystone refused the credentials, once per auth_retry_interval); exits
 * cleanly on SIGTERM or SIGINT, within a second even in the middle of a
 * sync (its waits and its request in flight are cut short).
 *
 * With a [kafka] section, every inventory that changed also goes to Kafka
 * (stream.h, docs/kafka.md): the host's inventory record and one event per
 * device change, through a crash-safe spool; --once then waits up to
 * [kafka] flush_timeout for the brokers to take them.
 *
 * --retire: the operator's word that the host leaves service. With the
 * daemon stopped (the spool's lock says so), sends what the spool still
 * holds, then the host's tombstone (key the host, a NULL value) on the
 * inventory topic, waits for the brokers to acknowledge it and exits 0, or
 * 1 naming the brokers and the topic. Nothing else ever sends a tombstone:
 * a stop or a restart of acceld does not.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <accel/config.h>
#include <accel/discovery.h>
#include <accel/log.h>
#include <accel/placement.h>
#include <accel/util.h>
#include <accel/events.h>

#include <accel/metrics.h>
#include <accel/telemetry.h>

#include "metrics_http.h"
#include "stream.h"

#define EXIT_USAGE 2

static const char usage_text[] =
	"usage: acceld [--config FILE] [--once] [--dry-run] [--create-root]\n"
	"       acceld [--config FILE] --retire\n"
	"\n"
	"  --config FILE   configuration (default " ACCEL_DEFAULT_CONFIG ")\n"
	"  --once          discover, sync with Placement, exit: 0 in sync, 1 not\n"
	"  --dry-run       read Placement and log the writes a sync would make\n"
	"  --create-root   create the compute node's provider if Nova has not\n"
	"  --retire        the host leaves service: its tombstone on the Kafka\n"
	"                  inventory topic (acceld stopped first), exit 0 when the\n"
	"                  brokers have it\n"
	"  -h, --help      this text\n";

struct agent {
	accel_config *cfg;
	accel_ctx *ctx;
	accel_placement *pl;
	stream *stream;		   /* NULL without [kafka] */
	accel_telemetry *tel;	   /* NULL with [telemetry] interval = 0 */
	struct metrics_http *http; /* NULL without [metrics] listen */
	accel_metrics *metrics;	   /* the last read, for the last inventory's devices */
	size_t n_metrics;
	double next_tel; /* when the next read is due (mono()) */
	bool tel_warned; /* telemetry warnings said once, then at debug level */
	char state_file[4096];
	bool dry_run, create_root;
	accel_inventory *last; /* the last inventory, to see what changed */
	uint64_t generation;
	/* the last "some devices not as they are" (-EEXIST) message: the same
	 * one again at every retry is logged at debug level only */
	char last_partial[sizeof(((accel_err *)0)->msg)];
	bool partial_again; /* the last sync said it again */
};

/* SIGTERM and SIGINT set `stop_signal`, which cancels a sync where it is
 * (accel_sync_opts.cancel); SIGHUP sets `hup`. Either writes a byte to the
 * self-pipe that the main loop polls. The handlers run whatever the
 * process is doing: a signal only read in the main loop would wait for the
 * sync, retries and all, to finish. */
static volatile sig_atomic_t stop_signal, hup;
static int sig_pipe[2] = {-1, -1};

static void on_signal(int signo)
{
	int saved = errno;

	if (signo == SIGHUP)
		hup = 1;
	else
		stop_signal = signo;
	if (sig_pipe[1] >= 0 && write(sig_pipe[1], "", 1) < 0) {
		/* full: the loop wakes up anyway */
	}
	errno = saved;
}

/* No SA_RESTART: a signal interrupts the wait it comes in (poll, libcurl's
 * poll, a backoff's nanosleep), which then looks at the flags. */
static int setup_signals(bool daemon)
{
	struct sigaction sa = {.sa_handler = on_signal};

	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK)) {
		accel_error("pipe: %s", strerror(errno));
		return -errno;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (daemon)
		sigaction(SIGHUP, &sa, NULL);
	return 0;
}

static void close_signals(void)
{
	for (int i = 0; i < 2; i++)
		if (sig_pipe[i] >= 0) {
			close(sig_pipe[i]);
			sig_pipe[i] = -1;
		}
}

static void log_write(const char *line, void *arg)
{
	bool dry = *(bool *)arg;

	accel_log(dry ? ACCEL_LOG_INFO : ACCEL_LOG_DEBUG, "%s%s", dry ? "would write: " : "", line);
}

static int setup(struct agent *a, const char *config_path)
{
	accel_err err;
	int r;

	r = accel_config_load(&a->cfg, config_path, &err);
	if (r) {
		accel_error("%s", err.msg);
		return r;
	}
	accel_log_set_level(a->cfg->log_level);
	for (size_t i = 0; i < a->cfg->warnings.n; i++)
		accel_warning("%s: %s", a->cfg->warnings.v[i].path, a->cfg->warnings.v[i].message);
	r = accel_ctx_new(&a->ctx);
	if (!r)
		r = accel_ctx_set_sysfs_root(a->ctx, a->cfg->sysfs_root);
	if (!r)
		r = accel_ctx_set_dev_root(a->ctx, a->cfg->dev_root);
	if (!r)
		r = accel_ctx_set_host(a->ctx, a->cfg->host);
	if (r) {
		accel_error("discovery: %s", accel_strerror(r));
		return r;
	}
	r = accel_placement_new(&a->pl, a->cfg, &err);
	if (r) {
		accel_error("%s", err.msg);
		return r;
	}
	/* the sync cache; without it a sync costs more reads, nothing else */
	if (mkdir(a->cfg->state_dir, 0700) && errno != EEXIST)
		accel_warning("%s: %s; syncing without a cache", a->cfg->state_dir,
			      strerror(errno));
	else {
		/* the host name is the file's name: no '/' in it */
		char host[256];

		snprintf(host, sizeof(host), "%s", a->cfg->host);
		for (char *p = host; *p; p++)
			if (*p == '/')
				*p = '_';
		snprintf(a->state_file, sizeof(a->state_file), "%s/placement-%s.json",
			 a->cfg->state_dir, host);
	}
	if (a->cfg->kafka.enabled && !a->dry_run) {
		r = stream_open(&a->stream, a->cfg, &err);
		if (r) {
			accel_error("kafka: %s", err.msg);
			return r;
		}
		accel_info("kafka: producing to %s (%s, %s), spool %s",
			   a->cfg->kafka.bootstrap_servers, a->cfg->kafka.topic_inventory,
			   a->cfg->kafka.topic_events, stream_spool_path(a->stream));
	}
	if (a->cfg->telemetry_interval > 0) {
		r = accel_telemetry_new(&a->tel, a->cfg->sysfs_root, a->cfg->proc_root, 0, &err);
		if (r) {
			accel_error("telemetry: %s", err.msg);
			return r;
		}
		accel_info("telemetry: every %d s; %s", a->cfg->telemetry_interval,
			   accel_telemetry_nvml_status(a->tel));
	}
	if (a->cfg->metrics_listen && *a->cfg->metrics_listen && !a->dry_run) {
		if (!a->tel) {
			accel_error("[metrics] listen needs [telemetry] interval > 0: there is "
				    "nothing to serve");
			return -EINVAL;
		}
		r = metrics_http_start(&a->http, a->cfg->metrics_listen, &err);
		if (r) {
			accel_error("%s", err.msg);
			return r;
		}
		accel_info("metrics: serving http://%s/metrics (port %u)", a->cfg->metrics_listen,
			   metrics_http_port(a->http));
	}
	return 0;
}

static void teardown(struct agent *a)
{
	metrics_http_stop(a->http);
	accel_telemetry_free(a->tel);
	free(a->metrics);
	stream_close(a->stream);
	accel_placement_free(a->pl);
	accel_ctx_free(a->ctx);
	accel_config_free(a->cfg);
	accel_inventory_free(a->last);
}

/* The changes and the new inventory record to Kafka. A failure here (the
 * spool's disk full or unwritable) is logged; Placement's sync goes on. */
static void to_stream(struct agent *a, const accel_inventory *inv,
		      const accel_inventory_changes *diff)
{
	accel_err err;

	if (stream_changes(a->stream, inv, diff, &err) || stream_inventory(a->stream, inv, &err) ||
	    stream_commit(a->stream, &err))
		accel_error("kafka: %s", err.msg);
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read the telemetry of inv's devices: kept for the next inventory's
 * utilization, served on [metrics] listen, and with [kafka] one
 * accelerator.metrics event per device. A source that cannot be read is a
 * warning (debug after the first time: it would say the same every
 * interval); the read goes on. */
static void read_telemetry(struct agent *a, const accel_inventory *inv)
{
	size_t n = accel_inventory_n_devices(inv);
	accel_warnings warn = {0};
	accel_metrics *m;
	char ts[ACCEL_RFC3339_MAX], *text;
	accel_err err;

	if (!a->tel)
		return;
	m = calloc(n ? n : 1, sizeof(*m));
	if (!m) {
		accel_error("telemetry: out of memory");
		return;
	}
	if (accel_telemetry_read(a->tel, inv, m, &warn, &err)) {
		accel_error("%s", err.msg);
		free(m);
		accel_warnings_free(&warn);
		return;
	}
	for (size_t i = 0; i < warn.n; i++)
		accel_log(a->tel_warned ? ACCEL_LOG_DEBUG : ACCEL_LOG_WARNING, "telemetry: %s: %s",
			  warn.v[i].path, warn.v[i].message);
	a->tel_warned = a->tel_warned || warn.n;
	accel_warnings_free(&warn);
	free(a->metrics);
	a->metrics = m;
	a->n_metrics = n;
	if (a->http) {
		if (accel_metrics_to_prometheus(inv, m, n, &text) == 0)
			metrics_http_publish(a->http, text);
		else
			accel_error("metrics: out of memory");
	}
	if (a->stream) {
		accel_rfc3339_now(ts);
		if (stream_metrics(a->stream, inv, ts, m, n, &err) ||
		    stream_commit(a->stream, &err))
			accel_error("kafka: %s", err.msg);
	}
}

/* The last read's utilization into inv's devices (percent), by address. */
static void fill_utilization(const struct agent *a, accel_inventory *inv)
{
	for (size_t i = 0; i < a->n_metrics; i++) {
		const accel_metrics *m = &a->metrics[i];
		accel_device *d = (accel_device *)accel_inventory_find(inv, m->address);

		if (d && (m->have >> ACCEL_M_UTILIZATION & 1))
			d->utilization = (int)(m->value[ACCEL_M_UTILIZATION] * 100 + 0.5);
	}
}

/* Discover into a->last (borrowed by *out until the next discovery);
 * *changed when the inventory differs from the last one, field by field,
 * each difference logged. */
static int discover(struct agent *a, accel_inventory **out, bool *changed)
{
	accel_inventory_changes *diff = NULL;
	accel_inventory *inv;
	int r;

	r = accel_scan(a->ctx, &inv);
	if (r) {
		accel_error("discovery: %s", accel_ctx_error(a->ctx));
		return r;
	}
	for (size_t i = 0; i < accel_inventory_n_warnings(inv); i++) {
		const accel_warning *w = accel_inventory_warning(inv, i);

		accel_warning("discovery: %s: %s", w->path, w->message);
	}
	/* the first scan: a read now, so that its inventory has utilization */
	if (a->tel && !a->metrics) {
		read_telemetry(a, inv);
		a->next_tel = mono() + a->cfg->telemetry_interval;
	}
	fill_utilization(a, inv);
	/* the stream announces every device at the first scan (old NULL) */
	if (a->last || a->stream) {
		r = accel_inventory_diff(a->last, inv, &diff);
		if (r) {
			accel_error("discovery: comparing inventories: %s", accel_strerror(r));
			accel_inventory_free(inv);
			return r;
		}
	}
	*changed = !a->last || accel_inventory_changes_n(diff) > 0;
	if (*changed) {
		a->generation++;
		accel_info("inventory generation %llu: %zu accelerators",
			   (unsigned long long)a->generation, accel_inventory_n_devices(inv));
		for (size_t i = 0; i < accel_inventory_changes_n(diff); i++) {
			char line[4096];

			accel_info("inventory: %s",
				   accel_inventory_change_str(accel_inventory_changes_get(diff, i),
							      line, sizeof(line)));
		}
	}
	accel_inventory_set_generation(inv, a->generation);
	if (*changed && a->stream)
		to_stream(a, inv, diff);
	accel_inventory_changes_free(diff);
	accel_inventory_free(a->last);
	a->last = inv;
	*out = inv;
	return 0;
}

static int sync_once(struct agent *a, const accel_inventory *inv)
{
	accel_sync_opts o = {
		.dry_run = a->dry_run,
		.create_root = a->create_root,
		.state_file = a->state_file[0] && !a->dry_run ? a->state_file : NULL,
		.on_write = log_write,
		.arg = &a->dry_run,
		.cancel = &stop_signal,
	};
	accel_sync_stats st;
	accel_err err;
	int r;

	r = accel_placement_sync(a->pl, inv, &o, &st, &err);
	for (size_t i = 0; i < st.warnings.n; i++)
		if (!strcmp(st.warnings.v[i].path, o.state_file ? o.state_file : ""))
			accel_warning("sync cache: %s: %s", st.warnings.v[i].path,
				      st.warnings.v[i].message);
	accel_log(r == 0 ? ACCEL_LOG_INFO : ACCEL_LOG_DEBUG,
		  "placement sync: %u requests (%u reads, %u writes, %u retries, %u conflicts); "
		  "%u created, %u updated, %u deleted, %u reserved; %u keystone requests",
		  st.requests, st.reads, st.writes, st.retries, st.conflicts, st.created,
		  st.updated, st.deleted, st.reserved, st.keystone_requests);
	a->partial_again = r == -EEXIST && !strcmp(err.msg, a->last_partial);
	if (a->partial_again) {
		accel_debug("placement sync: still: %s", err.msg);
	} else if (r == -EEXIST) {
		/* each device on its own line: err holds only as many as fit */
		for (size_t i = 0; i < st.warnings.n; i++)
			if (strcmp(st.warnings.v[i].path, o.state_file ? o.state_file : ""))
				accel_error("placement sync: %s: %s", st.warnings.v[i].path,
					    st.warnings.v[i].message);
	} else if (r) {
		accel_error("placement sync: %s", err.msg);
	}
	if (r == -EEXIST)
		snprintf(a->last_partial, sizeof(a->last_partial), "%s", err.msg);
	else if (r == 0)
		a->last_partial[0] = '\0';
	accel_sync_stats_release(&st);
	return r;
}

static int run_once(struct agent *a)
{
	accel_inventory *inv;
	bool changed;
	int r;

	r = discover(a, &inv, &changed);
	if (r)
		return 1;
	r = sync_once(a, inv);
	if (a->stream && !stop_signal) {
		size_t left = stream_flush(a->stream, a->cfg->kafka.flush_timeout * 1000,
					   &stop_signal);

		if (left) {
			accel_error("kafka: %zu messages not acknowledged within %d s ([kafka] "
				    "flush_timeout); kept in %s for the next run",
				    left, a->cfg->kafka.flush_timeout,
				    stream_spool_path(a->stream));
			r = r ? r : -ETIMEDOUT;
		}
	}
	if (stop_signal)
		accel_info("signal %d: stopped", (int)stop_signal);
	return r ? 1 : 0;
}

/* What the sources say, logged; every one that calls for a rescan has
 * started or extended the object's burst already. */
static int on_event(const struct accel_event *e, void *arg)
{
	(void)arg;
	switch (e->kind) {
	case ACCEL_EVENT_KMOD:
		if (e->rescan)
			accel_debug("kmod: %s %s", accel_kmod_type_name(e->kmod.type),
				    e->kmod.addr);
		break;
	case ACCEL_EVENT_UEVENT:
		accel_debug("uevent: %s %s (%s)", e->uevent.action, e->uevent.devpath,
			    e->uevent.subsystem);
		break;
	case ACCEL_EVENT_LOST:
		accel_debug("uevent: events lost; rescanning");
		break;
	case ACCEL_EVENT_BAD:
		accel_warning("%s", e->err.msg);
		break;
	case ACCEL_EVENT_CLOSED:
		accel_warning("%s; going on with uevents", e->err.msg);
		break;
	}
	return 0;
}

/* The sources: netlink uevents, accelinv.ko when loaded (device changes
 * the moment they happen, from DEV_ROOT/accelinv), the rescan interval;
 * debounced as include/accel/events.h says. */
static int open_events(struct agent *a, accel_events **out)
{
	struct accel_events_opts o = {
		.debounce_ms = a->cfg->debounce_ms,
		.interval_ms = a->cfg->rescan_interval * 1000,
	};
	char path[4096];
	accel_events *ev;
	accel_err err = {0};
	int r;

	r = accel_events_new(&ev, &o);
	if (r) {
		accel_error("events: %s", accel_strerror(r));
		return r;
	}
	r = accel_events_add_uevent(ev, &err);
	if (r)
		accel_warning("kernel uevents unavailable (%s): rescanning every %d s only",
			      strerror(-r), a->cfg->rescan_interval);
	snprintf(path, sizeof(path), "%s/accelinv", a->cfg->dev_root);
	r = accel_events_add_kmod(ev, path, &err);
	if (r && r != -ENOENT)
		accel_warning("%s", err.msg);
	*out = ev;
	return 0;
}

static int run_daemon(struct agent *a)
{
	struct pollfd pfd[3];
	accel_events *ev;
	double retry_delay = 1, auth_hold = 0;

	if (open_events(a, &ev))
		return 1;
	pfd[0] = (struct pollfd){.fd = sig_pipe[0], .events = POLLIN};
	pfd[1] = (struct pollfd){.fd = accel_events_fd(ev), .events = POLLIN};
	pfd[2] = (struct pollfd){.fd = a->stream ? stream_fd(a->stream) : -1, .events = POLLIN};
	accel_info("started: host %s, rescan every %d s, uevents %s, accelinv %s", a->cfg->host,
		   a->cfg->rescan_interval, accel_events_has_uevent(ev) ? "on" : "off",
		   accel_events_has_kmod(ev) ? "on" : "off");
	accel_events_rescan_now(ev); /* the first sync */
	while (!stop_signal) {
		unsigned why;
		int timeout = accel_events_timeout(ev);

		if (a->stream) {
			int st = stream_timeout(a->stream);

			if (st >= 0 && (timeout < 0 || st < timeout))
				timeout = st;
		}
		if (a->tel && a->last) {
			double left = a->next_tel - mono();
			int tt = left <= 0 ? 0 : (int)(left * 1000) + 1;

			if (timeout < 0 || tt < timeout)
				timeout = tt;
		}
		if (poll(pfd, 3, timeout) < 0 && errno != EINTR) {
			accel_error("poll: %s", strerror(errno));
			break;
		}
		if (pfd[0].revents & POLLIN) {
			char buf[64];

			while (read(sig_pipe[0], buf, sizeof(buf)) > 0)
				;
		}
		if (stop_signal)
			break;
		if (a->stream)
			stream_poll(a->stream);
		if (hup) {
			hup = 0;
			accel_info("SIGHUP: rescanning");
			accel_events_rescan_now(ev);
		}
		if (pfd[1].revents & POLLIN)
			accel_events_read(ev, on_event, a);
		if (a->tel && a->last && mono() >= a->next_tel) {
			read_telemetry(a, a->last);
			a->next_tel = mono() + a->cfg->telemetry_interval;
		}
		why = accel_events_due(ev);
		if (why) {
			double now = mono();
			accel_inventory *inv;
			bool changed = false;

			accel_debug("rescan:%s%s%s", why & ACCEL_RESCAN_EVENTS ? " events" : "",
				    why & ACCEL_RESCAN_PERIODIC ? " timer" : "",
				    why & ACCEL_RESCAN_ASKED ? " asked" : "");
			accel_events_rescanned(ev);
			/* Every rescan syncs, changed or not: it also repairs
			 * what someone changed behind our back, and costs one
			 * read when nothing did. */
			if (discover(a, &inv, &changed) != 0)
				continue;
			if (now < auth_hold) {
				/* a rescan (uevent, SIGHUP) while Keystone's
				 * refusal holds: the sync waits for its time */
				accel_debug("credentials refused: next attempt in %.0f s",
					    auth_hold - now);
				accel_events_rescan_in(ev, (int64_t)((auth_hold - now) * 1000) + 1);
			} else {
				int r = sync_once(a, inv);

				if (r == -EKEYREJECTED) {
					/* asking Keystone again soon would not
					 * help, and might lock the account */
					auth_hold = mono() + a->cfg->placement.auth_retry_interval;
					accel_events_rescan_in(
						ev, (int64_t)a->cfg->placement.auth_retry_interval *
							    1000);
					accel_info("next attempt in %d s",
						   a->cfg->placement.auth_retry_interval);
				} else if (r && r != -ECANCELED) {
					/* Placement or Keystone away, or the root
					 * not there yet: try again soon */
					accel_events_rescan_in(ev, (int64_t)(retry_delay * 1000));
					accel_log(a->partial_again ? ACCEL_LOG_DEBUG
								   : ACCEL_LOG_INFO,
						  "next attempt in %.0f s", retry_delay);
					retry_delay = retry_delay * 2 > 60 ? 60 : retry_delay * 2;
				} else {
					retry_delay = 1;
				}
			}
		}
	}
	if (stop_signal)
		accel_info("signal %d: stopping", (int)stop_signal);
	if (a->stream && stream_flush(a->stream, 500, NULL))
		accel_info("kafka: %zu messages not delivered yet: kept in %s",
			   stream_pending(a->stream), stream_spool_path(a->stream));
	accel_events_free(ev);
	accel_info("stopped");
	return 0;
}

/* acceld --retire: the spool's undelivered messages, then the tombstone,
 * acknowledged; no discovery, no Placement. */
static int run_retire(const char *config_path)
{
	accel_config *cfg = NULL;
	stream *st = NULL;
	accel_err err;
	size_t left;
	int r = 1;

	if (accel_config_load(&cfg, config_path, &err)) {
		accel_error("%s", err.msg);
		return 1;
	}
	accel_log_set_level(cfg->log_level);
	for (size_t i = 0; i < cfg->warnings.n; i++)
		accel_warning("%s: %s", cfg->warnings.v[i].path, cfg->warnings.v[i].message);
	if (!cfg->kafka.enabled) {
		accel_error("%s: --retire sends the host's tombstone to Kafka: it needs a [kafka] "
			    "section with bootstrap_servers (docs/kafka.md)",
			    cfg->path ? cfg->path : config_path);
		goto out;
	}
	if (setup_signals(false))
		goto out;
	/* the spool's folder is in it by default, as for the daemon */
	if (mkdir(cfg->state_dir, 0700) && errno != EEXIST)
		accel_warning("%s: %s", cfg->state_dir, strerror(errno));
	if (stream_open(&st, cfg, &err)) {
		accel_error("kafka: %s", err.msg);
		goto out;
	}
	if (stream_tombstone(st, &err) || stream_commit(st, &err)) {
		accel_error("kafka: %s", err.msg);
		goto out;
	}
	left = stream_flush(st, cfg->kafka.flush_timeout * 1000, &stop_signal);
	if (left) {
		const char *why = stream_last_error(st);

		accel_error("kafka: the tombstone of host %s on topic %s%s was not acknowledged by "
			    "%s %s%s%s; it stays in %s (%zu undelivered messages): run acceld --retire "
			    "again once the brokers answer",
			    cfg->host, cfg->kafka.topic_inventory,
			    left > 1 ? " (and the messages before it)" : "",
			    cfg->kafka.bootstrap_servers,
			    stop_signal ? "before the signal" : "within [kafka] flush_timeout",
			    *why ? ": " : "", why, stream_spool_path(st), left);
		goto out;
	} else {
		int32_t part;
		int64_t off;

		stream_tombstone_delivered(st, &part, &off);
		accel_info("kafka: host %s retired: its tombstone is on %s, partition %d, offset "
			   "%lld (%s)",
			   cfg->host, cfg->kafka.topic_inventory, (int)part, (long long)off,
			   cfg->kafka.bootstrap_servers);
		r = 0;
	}
out:
	stream_close(st);
	accel_config_free(cfg);
	close_signals();
	return r;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'}, {"once", no_argument, NULL, 'o'},
		{"dry-run", no_argument, NULL, 'n'},	  {"create-root", no_argument, NULL, 'r'},
		{"retire", no_argument, NULL, 'R'},	  {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct agent a = {0};
	const char *config = ACCEL_DEFAULT_CONFIG;
	bool once = false, retire = false;
	int c, r;

	accel_log_init("acceld", ACCEL_LOG_INFO);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'o':
			once = true;
			break;
		case 'n':
			a.dry_run = true;
			break;
		case 'r':
			a.create_root = true;
			break;
		case 'R':
			retire = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case ':':
			fprintf(stderr, "acceld: %s: missing argument\n", argv[optind - 1]);
			return EXIT_USAGE;
		default:
			fprintf(stderr, "acceld: %s: unknown option\nTry 'acceld --help'.\n",
				argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "acceld: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (retire) {
		if (once || a.dry_run || a.create_root) {
			fprintf(stderr, "acceld: --retire goes alone (with --config): not with "
					"--once, --dry-run or --create-root\n");
			return EXIT_USAGE;
		}
		return run_retire(config);
	}
	if (setup(&a, config)) {
		teardown(&a);
		return 1;
	}
	if (setup_signals(!(once || a.dry_run))) {
		teardown(&a);
		return 1;
	}
	r = once || a.dry_run ? run_once(&a) : run_daemon(&a);
	teardown(&a);
	close_signals();
	return r;
}
