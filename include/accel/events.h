/* SPDX-License-Identifier: Apache-2.0 */
/*
 * When to rescan: the one event source of acceld and `accelctl watch`.
 *
 * Sources: accelinv.ko's record stream, netlink uevents and a periodic
 * timer, any of them. The object reads them, hands every event to the
 * caller (to print or log), and keeps one deadline: when the next rescan
 * is due. The caller polls one fd (accel_events_fd) beside its own (a
 * signal pipe, say) with accel_events_timeout() as poll's timeout, calls
 * accel_events_read() when the fd is readable, rescans when
 * accel_events_due() says so, and then calls accel_events_rescanned().
 *
 * The debounce policy (one for both tools): an event that calls for a
 * rescan starts or extends a burst; the rescan comes when the sources have
 * been quiet for debounce_ms (a driver rebind or a hot-add is a burst of
 * kmod records and uevents: one rescan sees its end state), and at the
 * latest max_delay_ms after the burst's first event (a device that flaps
 * forever cannot hold rescans off). debounce_ms 0 rescans at the first
 * event. acceld takes debounce_ms from its configuration (default 500),
 * watch uses ACCEL_EVENTS_DEBOUNCE_MS.
 *
 * What calls for a rescan: kmod add, del, bind and unbind records, an
 * overflow and the snapshot after it, a malformed record or a broken
 * sequence (what it hid may have been an event), the end of the stream;
 * every relevant uevent, and lost uevents. A snapshot's begin, dev and end
 * records do not (they describe what the first scan sees anyway).
 *
 * Times are CLOCK_MONOTONIC milliseconds. Not thread-safe; one per loop.
 */
#ifndef ACCEL_EVENTS_H
#define ACCEL_EVENTS_H

#include <accel/common.h>
#include <accel/kmod.h>
#include <accel/uevent.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ACCEL_EVENTS_DEBOUNCE_MS 100
/* max_delay_ms 0: this many times debounce_ms */
#define ACCEL_EVENTS_MAX_DELAY_FACTOR 10

struct accel_events_opts {
	int debounce_ms;  /* quiet that ends a burst; >= 0 */
	int max_delay_ms; /* a burst's rescan at the latest; 0: FACTOR * debounce_ms */
	int interval_ms;  /* periodic rescan this long after the last; 0: none */
};

typedef struct accel_events accel_events;

/* Without sources; add them with the two calls below. -ENOMEM, -EINVAL
 * for negative times, -errno of epoll_create1. */
ACCEL_EXPORT int accel_events_new(accel_events **out, const struct accel_events_opts *o);

/* accelinv.ko's stream at path (NULL: ACCEL_KMOD_DEFAULT_PATH; a FIFO or a
 * capture file works too). -errno with err naming the path, as
 * accel_kmod_open (-ENOENT: the module is not loaded). */
ACCEL_EXPORT int accel_events_add_kmod(accel_events *ev, const char *path, accel_err *err);

/* Netlink kernel uevents. -errno with err saying "netlink socket: ..."
 * (no netlink in a container, no permission). */
ACCEL_EXPORT int accel_events_add_uevent(accel_events *ev, accel_err *err);

/* Which sources are open now (the kmod one closes when its stream ends). */
ACCEL_EXPORT bool accel_events_has_kmod(const accel_events *ev);
ACCEL_EXPORT bool accel_events_has_uevent(const accel_events *ev);

/* Readable (POLLIN) when a source has something; owned by ev. */
ACCEL_EXPORT int accel_events_fd(const accel_events *ev);

enum accel_event_kind {
	ACCEL_EVENT_KMOD = 1, /* a record of the stream: .kmod */
	ACCEL_EVENT_UEVENT,   /* a relevant kernel uevent: .uevent */
	ACCEL_EVENT_LOST,     /* uevents lost: the receive buffer overflowed */
	ACCEL_EVENT_BAD,      /* kmod: .code -EBADMSG (a record skipped) or -EPROTO
			       * (the sequence broke), .err says what */
	ACCEL_EVENT_CLOSED,   /* kmod: the stream ended (-ENODATA) or failed; the
			       * source is closed; .code, .err */
};

struct accel_event {
	enum accel_event_kind kind;
	bool rescan;	    /* this one calls for a rescan */
	int code;	    /* BAD, CLOSED: -errno */
	const char *source; /* the kmod path, or "uevent" */
	struct accel_kmod_record kmod;
	struct accel_uevent uevent;
	accel_err err;
};

/* Called for each event; a non-zero return stops accel_events_read (what
 * is left stays for the next call) and is returned by it. */
typedef int (*accel_events_fn)(const struct accel_event *e, void *arg);

/* Read what the sources have now, without blocking; fn may be NULL. */
ACCEL_EXPORT int accel_events_read(accel_events *ev, accel_events_fn fn, void *arg);

/* Reasons for a rescan, as accel_events_due returns them. */
#define ACCEL_RESCAN_EVENTS   (1u << 0) /* a burst of events settled or ran long */
#define ACCEL_RESCAN_PERIODIC (1u << 1) /* the interval (or accel_events_rescan_in) */
#define ACCEL_RESCAN_ASKED    (1u << 2) /* accel_events_rescan_now */

/* The reasons a rescan is due now; 0 when none is. */
ACCEL_EXPORT unsigned accel_events_due(const accel_events *ev);

/* When the next rescan is due (CLOCK_MONOTONIC ms), -1 when nothing is
 * pending and there is no interval. */
ACCEL_EXPORT int64_t accel_events_deadline(const accel_events *ev);

/* For poll(): milliseconds until the deadline (0 when due, -1 none). */
ACCEL_EXPORT int accel_events_timeout(const accel_events *ev);

/* A rescan now ("rescan now": SIGHUP, a caller's own reason). */
ACCEL_EXPORT void accel_events_rescan_now(accel_events *ev);

/* The next periodic rescan in ms from now instead of after the interval
 * (a retry's backoff, a hold); pending events still rescan when due. */
ACCEL_EXPORT void accel_events_rescan_in(accel_events *ev, int64_t ms);

/* The caller rescanned: the burst and the request are cleared, the next
 * periodic rescan is an interval from now. */
ACCEL_EXPORT void accel_events_rescanned(accel_events *ev);

/* CLOCK_MONOTONIC in milliseconds, the clock of the deadlines. */
ACCEL_EXPORT int64_t accel_events_now_ms(void);

/* Close the sources and free. Accepts NULL. */
ACCEL_EXPORT void accel_events_free(accel_events *ev);

#ifdef __cplusplus
}
#endif
#endif
