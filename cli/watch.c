/* SPDX-License-Identifier: Apache-2.0 */
/*
 * accelctl watch: what the kernel says of accelerators coming, going and
 * changing driver (accelinv.ko's record stream, else netlink uevents), and
 * after 100 ms of quiet what discovery now sees differently: the event
 * source and debounce of acceld (include/accel/events.h), the differences
 * of accel_inventory_diff(). A '~' line is printed for a driver change;
 * other fields that change show in the generation line only.
 *
 *   INVENTORY generation=0 devices=N          at start
 *   SNAPSHOT gen=G devices=N                  kmod: a snapshot ended
 *   OVERFLOW lost=N                           kmod: events lost, a snapshot follows
 *   EVENT <type> <addr> [driver=<d>]          kmod
 *   EVENT <action> <addr|devpath> subsystem=<s>   uevent
 *   INVENTORY +<addr> <kind> <model> driver=<d>
 *   INVENTORY -<addr>
 *   INVENTORY ~<addr> driver=<old>-><new>
 *   INVENTORY generation=<n> devices=<count>  after each rescan
 *
 * --source poll has no events: it rescans every --interval seconds, the
 * way a periodic agent does (the baseline the event sources are measured
 * against).
 *
 * Every line is flushed at once: a test harness reads it over a serial
 * console. Malformed records and broken sequences go to stderr.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>

#include <accel/events.h>
#include <accel/util.h>
#include "cli.h"

struct watch {
	const struct watch_opts *o;
	cli_scan_fn scan;
	void *arg;
	accel_inventory *inv;
	uint64_t generation;
	long events;
	int out_err; /* errno of a failed write to stdout, 0 if none */
	bool ended;  /* the kmod stream ended or failed: exit 1 */
	accel_events *ev;
};

/* One line on stdout, flushed. */
static void say(struct watch *w, const char *fmt, ...) ACCEL_PRINTF(2, 3);
static void say(struct watch *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if ((fflush(stdout) || ferror(stdout)) && !w->out_err)
		w->out_err = errno ? errno : EIO;
}

static bool count_reached(const struct watch *w)
{
	return w->o->count > 0 && w->events >= w->o->count;
}

static void rescan(struct watch *w)
{
	accel_inventory *inv = NULL;
	accel_inventory_changes *diff = NULL;
	char line[4096];
	int r;

	accel_events_rescanned(w->ev);
	if (w->scan(w->arg, &inv)) {
		fprintf(stderr, "accelctl: watch: rescan failed; the last inventory stays\n");
		return;
	}
	r = accel_inventory_diff(w->inv, inv, &diff);
	if (r) {
		fprintf(stderr, "accelctl: watch: comparing inventories: %s\n", accel_strerror(r));
		accel_inventory_free(inv);
		return;
	}
	for (size_t i = 0; i < accel_inventory_changes_n(diff); i++) {
		const accel_inventory_change *c = accel_inventory_changes_get(diff, i);

		if (c->op != '~' || (c->address && accel_inventory_change_has(c, "driver")))
			say(w, "INVENTORY %s", accel_inventory_change_str(c, line, sizeof(line)));
	}
	accel_inventory_changes_free(diff);
	accel_inventory_free(w->inv);
	w->inv = inv;
	say(w, "INVENTORY generation=%llu devices=%zu", (unsigned long long)++w->generation,
	    accel_inventory_n_devices(inv));
}

static void kmod_record(struct watch *w, const struct accel_kmod_record *r)
{
	switch (r->type) {
	case ACCEL_KMOD_END:
		say(w, "SNAPSHOT gen=%llu devices=%llu", (unsigned long long)r->gen,
		    (unsigned long long)r->count);
		break;
	case ACCEL_KMOD_OVERFLOW:
		say(w, "OVERFLOW lost=%llu", (unsigned long long)r->lost);
		break;
	case ACCEL_KMOD_BEGIN:
	case ACCEL_KMOD_DEV:
		break;
	default:
		say(w, "EVENT %s %s%s%s", accel_kmod_type_name(r->type), r->addr,
		    r->driver[0] ? " driver=" : "", r->driver);
		w->events++;
		break;
	}
}

/* The PCI function a devpath is about: its deepest DDDD:BB:DD.F part
 * ("/devices/pci0000:00/0000:00:01.0/0000:01:00.0/drm/card0"). */
static const char *devpath_addr(const char *devpath, char out[ACCEL_ADDR_MAX])
{
	const char *found = NULL, *p = devpath;
	char part[64];

	while (*p) {
		size_t n = strcspn(p, "/");

		if (n >= 12 && n < sizeof(part)) {
			memcpy(part, p, n);
			part[n] = '\0';
			/* the full form only: bus ids like "pci0000:00" are not */
			if (strchr(part, '.') && strchr(part, ':') != strrchr(part, ':') &&
			    !accel_pci_addr_normalize(part, out))
				found = out;
		}
		p += n;
		p += strspn(p, "/");
	}
	return found ? found : devpath;
}

/* One event of the source; non-zero stops the reading (the count is
 * reached, the output failed or the stream is over). */
static int on_event(const struct accel_event *e, void *arg)
{
	struct watch *w = arg;
	char addr[ACCEL_ADDR_MAX];

	switch (e->kind) {
	case ACCEL_EVENT_KMOD:
		kmod_record(w, &e->kmod);
		break;
	case ACCEL_EVENT_UEVENT:
		say(w, "EVENT %s %s subsystem=%s", e->uevent.action,
		    devpath_addr(e->uevent.devpath, addr), e->uevent.subsystem);
		w->events++;
		break;
	case ACCEL_EVENT_LOST:
		fprintf(stderr, "accelctl: watch: uevent: events lost (receive "
				"buffer full); rescanning\n");
		break;
	case ACCEL_EVENT_BAD:
		/* the inventory is rescanned anyway: go on, and catch up */
		fprintf(stderr, "accelctl: watch: kmod: %s%s\n", e->err.msg,
			e->code == -EPROTO ? "; rescanning" : "");
		break;
	case ACCEL_EVENT_CLOSED:
		fprintf(stderr, "accelctl: watch: kmod: %s\n", e->err.msg);
		w->ended = true;
		break;
	}
	return w->ended || w->out_err || count_reached(w);
}

static int open_source(struct watch *w, const char *source, const char *kmod_path)
{
	struct accel_events_opts eo = { .debounce_ms = ACCEL_EVENTS_DEBOUNCE_MS };
	accel_err err;
	int r;

	if (!strcmp(source, "poll"))
		eo.interval_ms = (int)((w->o->interval > 0 ? w->o->interval : 60) * 1000 + 0.5);
	r = accel_events_new(&w->ev, &eo);
	if (r) {
		fprintf(stderr, "accelctl: watch: %s\n", accel_strerror(r));
		return 1;
	}
	if (!strcmp(source, "poll"))
		return 0;
	if (!strcmp(source, "kmod")) {
		r = accel_events_add_kmod(w->ev, kmod_path, &err);
		if (r) {
			fprintf(stderr, "accelctl: watch: kmod: %s\n", err.msg);
			return 1;
		}
		return 0;
	}
	r = accel_events_add_uevent(w->ev, &err);
	if (r) {
		fprintf(stderr, "accelctl: watch: uevent: %s\n", err.msg);
		return 1;
	}
	return 0;
}

static int watch_loop(struct watch *w, int sfd)
{
	int64_t end = w->o->timeout > 0
			      ? accel_events_now_ms() + (int64_t)(w->o->timeout * 1000 + 0.5)
			      : 0;
	bool events = accel_events_has_kmod(w->ev) || accel_events_has_uevent(w->ev);

	for (;;) {
		struct pollfd pfd[2] = {{sfd, POLLIN, 0}, {accel_events_fd(w->ev), POLLIN, 0}};
		int64_t now = accel_events_now_ms(), wake = end, due = accel_events_deadline(w->ev);
		/* after the last event counted, only its rescan is left */
		nfds_t nfds = count_reached(w) || !events ? 1 : 2;
		int timeout = -1, r;

		if (w->out_err)
			return 1;
		if (w->ended)
			return 1;
		if (end && now >= end)
			return 0;
		if (accel_events_due(w->ev)) {
			rescan(w);
			if (count_reached(w))
				return w->out_err ? 1 : 0;
			continue;
		}
		if (count_reached(w) && due < 0)
			return 0;
		if (due >= 0 && (!wake || due < wake))
			wake = due;
		if (wake)
			timeout = wake - now > 3600000 ? 3600000 : (int)(wake - now);
		r = poll(pfd, nfds, timeout);
		if (r < 0 && errno != EINTR) {
			fprintf(stderr, "accelctl: watch: poll: %s\n", strerror(errno));
			return 1;
		}
		if (r <= 0)
			continue;
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si))
				return 0; /* SIGINT or SIGTERM: a normal end */
		}
		if (nfds > 1 && pfd[1].revents)
			accel_events_read(w->ev, on_event, w);
	}
}

int cmd_watch(const struct watch_opts *o, cli_scan_fn scan, void *arg)
{
	struct watch w = {.o = o, .scan = scan, .arg = arg};
	const char *source = o->source, *kmod_path = o->kmod_path;
	char path[4096];
	sigset_t mask, old;
	int sfd, r;

	if (!kmod_path && o->dev_root) {
		snprintf(path, sizeof(path), "%s/accelinv", o->dev_root);
		kmod_path = path;
	} else if (!kmod_path) {
		kmod_path = ACCEL_KMOD_DEFAULT_PATH;
	}
	if (!source)
		source = access(kmod_path, F_OK) == 0 ? "kmod" : "uevent";

	/* signals come through poll(): no handler races a half-printed line */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, &old);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		fprintf(stderr, "accelctl: watch: signalfd: %s\n", strerror(errno));
		sigprocmask(SIG_SETMASK, &old, NULL);
		return 1;
	}
	/* subscribe before the first scan, so that no change falls between */
	r = open_source(&w, source, kmod_path);
	if (!r)
		r = scan(arg, &w.inv);
	if (!r) {
		say(&w, "INVENTORY generation=0 devices=%zu", accel_inventory_n_devices(w.inv));
		r = watch_loop(&w, sfd);
	}
	if (w.out_err) {
		fprintf(stderr, "accelctl: writing output: %s\n", strerror(w.out_err));
		r = 1;
	}
	accel_inventory_free(w.inv);
	accel_events_free(w.ev);
	close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}
