/* SPDX-License-Identifier: Apache-2.0 */
/*
 * accelctl watch: what the kernel says of accelerators coming, going and
 * changing driver (accelinv.ko's record stream, else netlink uevents), and
 * after 100 ms of quiet what discovery now sees differently.
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
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>

#include <accel/kmod.h>
#include <accel/uevent.h>
#include <accel/util.h>
#include "cli.h"

#define DEBOUNCE_MS 100

struct watch {
	const struct watch_opts *o;
	cli_scan_fn scan;
	void *arg;
	accel_inventory *inv;
	uint64_t generation;
	long events;
	int64_t pending; /* rescan at this time (ms), 0 when none */
	bool resnapshot; /* kmod: an overflow, the next snapshot needs a rescan */
	int out_err;	 /* errno of a failed write to stdout, 0 if none */
	accel_kmod *kmod;
	int ufd;
	int64_t poll_ms; /* poll: between rescans; 0 for the event sources */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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

/* Rescan once DEBOUNCE_MS have passed without another reason to. */
static void rescan_soon(struct watch *w)
{
	w->pending = now_ms() + DEBOUNCE_MS;
}

static void event_seen(struct watch *w)
{
	w->events++;
	rescan_soon(w);
}

static bool count_reached(const struct watch *w)
{
	return w->o->count > 0 && w->events >= w->o->count;
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static const char *or_none(const char *s)
{
	return s && *s ? s : "none";
}

static bool same_device(const accel_device *a, const accel_device *b)
{
	return a->vendor_id == b->vendor_id && a->device_id == b->device_id;
}

/* The differences between the last inventory and this one, by address; a
 * device whose ids changed at the same address went and came. */
static void print_diff(struct watch *w, const accel_inventory *old, const accel_inventory *cur)
{
	size_t n_old = accel_inventory_n_devices(old), n_cur = accel_inventory_n_devices(cur);

	for (size_t i = 0; i < n_old; i++) {
		const accel_device *d = accel_inventory_device(old, i);
		const accel_device *c = accel_inventory_find(cur, d->address);

		if (!c || !same_device(d, c))
			say(w, "INVENTORY -%s", d->address);
	}
	for (size_t i = 0; i < n_cur; i++) {
		const accel_device *d = accel_inventory_device(cur, i);
		const accel_device *o = accel_inventory_find(old, d->address);

		if (!o || !same_device(o, d))
			say(w, "INVENTORY +%s %s %s driver=%s", d->address,
			    accel_kind_name(d->kind), or_dash(d->model), or_none(d->driver));
		else if (strcmp(or_none(o->driver), or_none(d->driver)))
			say(w, "INVENTORY ~%s driver=%s->%s", d->address, or_none(o->driver),
			    or_none(d->driver));
	}
}

static void rescan(struct watch *w)
{
	accel_inventory *inv = NULL;

	w->pending = 0;
	if (w->scan(w->arg, &inv)) {
		fprintf(stderr, "accelctl: watch: rescan failed; the last inventory stays\n");
		return;
	}
	print_diff(w, w->inv, inv);
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
		if (w->resnapshot) {
			w->resnapshot = false;
			rescan_soon(w);
		}
		break;
	case ACCEL_KMOD_OVERFLOW:
		say(w, "OVERFLOW lost=%llu", (unsigned long long)r->lost);
		w->resnapshot = true;
		break;
	case ACCEL_KMOD_BEGIN:
	case ACCEL_KMOD_DEV:
		break;
	default:
		say(w, "EVENT %s %s%s%s", accel_kmod_type_name(r->type), r->addr,
		    r->driver[0] ? " driver=" : "", r->driver);
		event_seen(w);
		break;
	}
}

/* Every record ready; 0, or the exit status when the stream is over. */
static int drain_kmod(struct watch *w)
{
	struct accel_kmod_record r;
	accel_err err;

	while (!count_reached(w) && !w->out_err) {
		int rc = accel_kmod_next(w->kmod, &r, &err);

		if (rc == 0)
			break;
		if (rc == 1) {
			kmod_record(w, &r);
		} else if (rc == -EBADMSG) {
			fprintf(stderr, "accelctl: watch: kmod: %s\n", err.msg);
		} else if (rc == -EPROTO) {
			/* the inventory is rescanned anyway: go on, and catch up */
			fprintf(stderr, "accelctl: watch: kmod: %s; rescanning\n", err.msg);
			rescan_soon(w);
		} else {
			fprintf(stderr, "accelctl: watch: kmod: %s\n", err.msg);
			return 1;
		}
	}
	return 0;
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

static void drain_uevents(struct watch *w)
{
	char addr[ACCEL_ADDR_MAX];
	struct accel_uevent ev;
	int r;

	while (!count_reached(w) && !w->out_err && (r = accel_uevent_next(w->ufd, &ev)) != 0) {
		if (r == -ENOBUFS) {
			fprintf(stderr, "accelctl: watch: uevent: events lost (receive "
					"buffer full); rescanning\n");
			rescan_soon(w);
			continue;
		}
		say(w, "EVENT %s %s subsystem=%s", ev.action, devpath_addr(ev.devpath, addr),
		    ev.subsystem);
		event_seen(w);
	}
}

static int open_source(struct watch *w, const char *source, const char *kmod_path)
{
	accel_err err;
	int r;

	if (!strcmp(source, "poll")) {
		w->poll_ms = (int64_t)((w->o->interval > 0 ? w->o->interval : 60) * 1000 + 0.5);
		return 0;
	}
	if (!strcmp(source, "kmod")) {
		r = accel_kmod_open(kmod_path, &w->kmod, &err);
		if (r) {
			fprintf(stderr, "accelctl: watch: kmod: %s\n", err.msg);
			return 1;
		}
		return 0;
	}
	w->ufd = accel_uevent_open();
	if (w->ufd < 0) {
		fprintf(stderr, "accelctl: watch: uevent: netlink socket: %s\n", strerror(-w->ufd));
		return 1;
	}
	return 0;
}

static int watch_loop(struct watch *w, int sfd)
{
	int64_t end = w->o->timeout > 0 ? now_ms() + (int64_t)(w->o->timeout * 1000 + 0.5) : 0;
	int src = w->kmod ? accel_kmod_fd(w->kmod) : w->ufd;

	for (;;) {
		struct pollfd pfd[2] = {{sfd, POLLIN, 0}, {src, POLLIN, 0}};
		int64_t now = now_ms(), wake = end;
		/* after the last event counted, only its rescan is left */
		nfds_t nfds = count_reached(w) || w->poll_ms ? 1 : 2;
		int timeout = -1, r;

		if (w->poll_ms && !w->pending)
			w->pending = now + w->poll_ms;
		if (w->out_err)
			return 1;
		if (end && now >= end)
			return 0;
		if (w->pending && now >= w->pending) {
			rescan(w);
			if (count_reached(w))
				return w->out_err ? 1 : 0;
			continue;
		}
		if (count_reached(w) && !w->pending)
			return 0;
		if (w->pending && (!wake || w->pending < wake))
			wake = w->pending;
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
		if (nfds > 1 && pfd[1].revents) {
			if (w->kmod) {
				r = drain_kmod(w);
				if (r)
					return r;
			} else {
				drain_uevents(w);
			}
		}
	}
}

int cmd_watch(const struct watch_opts *o, cli_scan_fn scan, void *arg)
{
	struct watch w = {.o = o, .scan = scan, .arg = arg, .ufd = -1};
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
	accel_kmod_close(w.kmod);
	if (w.ufd >= 0)
		close(w.ufd);
	close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}
