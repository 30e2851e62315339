/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The event source of acceld and `accelctl watch` (include/accel/events.h):
 * accelinv.ko's stream and netlink uevents behind one epoll fd, the
 * debounce and the periodic timer behind one deadline.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include <accel/events.h>

struct accel_events {
	int epfd;
	accel_kmod *kmod;
	char *kmod_path;
	int kmod_efd;	 /* a capture file cannot be polled: an always-ready eventfd */
	bool resnapshot; /* an overflow: the snapshot after it calls for a rescan */
	int ufd;
	int64_t debounce, max_delay, interval;
	int64_t first, last; /* the burst's first and last events; -1 none */
	int64_t asked;	     /* accel_events_rescan_now's time; -1 none */
	int64_t periodic;    /* the next periodic rescan; -1 none */
};

int64_t accel_events_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int accel_events_new(accel_events **out, const struct accel_events_opts *o)
{
	accel_events *ev;

	if (o->debounce_ms < 0 || o->max_delay_ms < 0 || o->interval_ms < 0)
		return -EINVAL;
	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	ev->kmod_efd = ev->ufd = -1;
	ev->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ev->epfd < 0) {
		int r = -errno;

		free(ev);
		return r;
	}
	ev->debounce = o->debounce_ms;
	ev->max_delay = o->max_delay_ms ? o->max_delay_ms
					: (int64_t)o->debounce_ms * ACCEL_EVENTS_MAX_DELAY_FACTOR;
	if (ev->max_delay < ev->debounce)
		ev->max_delay = ev->debounce;
	ev->interval = o->interval_ms;
	ev->first = ev->last = ev->asked = -1;
	ev->periodic = ev->interval ? accel_events_now_ms() + ev->interval : -1;
	*out = ev;
	return 0;
}

static int watch_fd(accel_events *ev, int fd)
{
	struct epoll_event e = {.events = EPOLLIN, .data.fd = fd};

	return epoll_ctl(ev->epfd, EPOLL_CTL_ADD, fd, &e) ? -errno : 0;
}

static void close_kmod(accel_events *ev)
{
	accel_kmod_close(ev->kmod);
	ev->kmod = NULL;
	if (ev->kmod_efd >= 0)
		close(ev->kmod_efd);
	ev->kmod_efd = -1;
}

int accel_events_add_kmod(accel_events *ev, const char *path, accel_err *err)
{
	int r;

	if (ev->kmod)
		return accel_err_set(err, -EEXIST, "kmod: a stream is already open");
	r = accel_kmod_open(path, &ev->kmod, err);
	if (r)
		return r;
	free(ev->kmod_path);
	ev->kmod_path = strdup(accel_kmod_path(ev->kmod));
	if (!ev->kmod_path) {
		close_kmod(ev);
		return accel_err_set(err, -ENOMEM, "kmod: out of memory");
	}
	r = watch_fd(ev, accel_kmod_fd(ev->kmod));
	if (r == -EPERM) {
		/* a regular file (a capture) is always readable, to its end */
		ev->kmod_efd = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK);
		r = ev->kmod_efd < 0 ? -errno : watch_fd(ev, ev->kmod_efd);
	}
	if (r) {
		close_kmod(ev);
		return accel_err_set(err, r, "%s: epoll: %s", ev->kmod_path, strerror(-r));
	}
	return 0;
}

int accel_events_add_uevent(accel_events *ev, accel_err *err)
{
	int fd, r;

	if (ev->ufd >= 0)
		return accel_err_set(err, -EEXIST, "uevent: a socket is already open");
	fd = accel_uevent_open();
	if (fd < 0)
		return accel_err_set(err, fd, "netlink socket: %s", strerror(-fd));
	r = watch_fd(ev, fd);
	if (r) {
		close(fd);
		return accel_err_set(err, r, "netlink socket: epoll: %s", strerror(-r));
	}
	ev->ufd = fd;
	return 0;
}

bool accel_events_has_kmod(const accel_events *ev)
{
	return ev->kmod != NULL;
}

bool accel_events_has_uevent(const accel_events *ev)
{
	return ev->ufd >= 0;
}

int accel_events_fd(const accel_events *ev)
{
	return ev->epfd;
}

static void burst(accel_events *ev)
{
	int64_t now = accel_events_now_ms();

	if (ev->first < 0)
		ev->first = now;
	ev->last = now;
}

/* One step of the kmod stream into *e: 0 nothing ready, 1 an event. */
static int kmod_step(accel_events *ev, struct accel_event *e)
{
	int r = accel_kmod_next(ev->kmod, &e->kmod, &e->err);

	if (r == 0)
		return 0;
	e->source = ev->kmod_path;
	e->code = r < 0 ? r : 0;
	if (r == 1) {
		enum accel_kmod_type t = e->kmod.type;

		e->kind = ACCEL_EVENT_KMOD;
		e->rescan = accel_kmod_is_event(t) || t == ACCEL_KMOD_OVERFLOW ||
			    (t == ACCEL_KMOD_END && ev->resnapshot);
		if (t == ACCEL_KMOD_OVERFLOW)
			ev->resnapshot = true;
		else if (t == ACCEL_KMOD_END)
			ev->resnapshot = false;
	} else if (r == -EBADMSG || r == -EPROTO) {
		e->kind = ACCEL_EVENT_BAD;
		e->rescan = true;
	} else {
		if (!e->err.msg[0])
			accel_err_set(&e->err, r, "%s: %s", ev->kmod_path, strerror(-r));
		e->kind = ACCEL_EVENT_CLOSED;
		e->rescan = true;
		close_kmod(ev);
	}
	return 1;
}

/* One step of the uevent socket into *e: 0 nothing ready, 1 an event. */
static int uevent_step(accel_events *ev, struct accel_event *e)
{
	int r = accel_uevent_next(ev->ufd, &e->uevent);

	if (r == 0)
		return 0;
	e->source = "uevent";
	e->kind = r == 1 ? ACCEL_EVENT_UEVENT : ACCEL_EVENT_LOST;
	e->code = r < 0 ? r : 0;
	e->rescan = true;
	return 1;
}

int accel_events_read(accel_events *ev, accel_events_fn fn, void *arg)
{
	struct accel_event e;

	for (int src = 0; src < 2; src++) {
		for (;;) {
			int r;

			memset(&e, 0, sizeof(e));
			if (src == 0)
				r = ev->kmod ? kmod_step(ev, &e) : 0;
			else
				r = ev->ufd >= 0 ? uevent_step(ev, &e) : 0;
			if (!r)
				break;
			if (e.rescan)
				burst(ev);
			r = fn ? fn(&e, arg) : 0;
			if (r)
				return r;
		}
	}
	return 0;
}

int64_t accel_events_deadline(const accel_events *ev)
{
	int64_t d = ev->periodic;

	if (ev->first >= 0) {
		int64_t b = ev->last + ev->debounce;

		if (b > ev->first + ev->max_delay)
			b = ev->first + ev->max_delay;
		if (d < 0 || b < d)
			d = b;
	}
	if (ev->asked >= 0 && (d < 0 || ev->asked < d))
		d = ev->asked;
	return d;
}

unsigned accel_events_due(const accel_events *ev)
{
	int64_t now = accel_events_now_ms();
	unsigned why = 0;

	if (ev->asked >= 0)
		why |= ACCEL_RESCAN_ASKED;
	if (ev->first >= 0 && (now >= ev->last + ev->debounce || now >= ev->first + ev->max_delay))
		why |= ACCEL_RESCAN_EVENTS;
	if (ev->periodic >= 0 && now >= ev->periodic)
		why |= ACCEL_RESCAN_PERIODIC;
	return why;
}

int accel_events_timeout(const accel_events *ev)
{
	int64_t d = accel_events_deadline(ev), left;

	if (d < 0)
		return -1;
	left = d - accel_events_now_ms();
	if (left <= 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

void accel_events_rescan_now(accel_events *ev)
{
	if (ev->asked < 0)
		ev->asked = accel_events_now_ms();
}

void accel_events_rescan_in(accel_events *ev, int64_t ms)
{
	ev->periodic = accel_events_now_ms() + (ms > 0 ? ms : 0);
}

void accel_events_rescanned(accel_events *ev)
{
	ev->first = ev->last = ev->asked = -1;
	ev->periodic = ev->interval ? accel_events_now_ms() + ev->interval : -1;
}

void accel_events_free(accel_events *ev)
{
	if (!ev)
		return;
	close_kmod(ev);
	free(ev->kmod_path);
	if (ev->ufd >= 0)
		close(ev->ufd);
	close(ev->epfd);
	free(ev);
}
