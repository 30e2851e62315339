/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: the event source of acceld and accelctl watch
 * (drivers/events.c): kmod records through a FIFO and a capture file, the
 * debounce (quiet ends a burst, a cap bounds it), "rescan now", the
 * periodic timer, and one fd that poll() sees.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <accel/events.h>

#define SNAPSHOT                                                                                   \
	"v=1 type=begin gen=3\n"                                                                   \
	"v=1 type=dev addr=0000:00:01.0 vendor=1234 device=1111 class=030000\n"                    \
	"v=1 type=end gen=3 count=1\n"
#define ADD "v=1 type=add seq=%d addr=0000:01:00.0 vendor=1234 device=1111 class=030000\n"

struct fifo {
	char dir[64], path[96];
	int wfd;
};

static void fifo_open(struct fifo *f)
{
	strcpy(f->dir, "/tmp/accel-events-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/accelinv", f->dir);
	assert_int_equal(mkfifo(f->path, 0600), 0);
	f->wfd = -1;
}

static void fifo_close(struct fifo *f)
{
	if (f->wfd >= 0)
		close(f->wfd);
	unlink(f->path);
	rmdir(f->dir);
}

static void put(struct fifo *f, const char *s)
{
	assert_int_equal(write(f->wfd, s, strlen(s)), (ssize_t)strlen(s));
}

static void put_add(struct fifo *f, int seq)
{
	char buf[128];

	snprintf(buf, sizeof(buf), ADD, seq);
	put(f, buf);
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

struct seen {
	int kmod, events, bad, closed;
	enum accel_kmod_type last;
};

static int count(const struct accel_event *e, void *arg)
{
	struct seen *s = arg;

	if (e->kind == ACCEL_EVENT_KMOD) {
		s->kmod++;
		s->last = e->kmod.type;
		s->events += accel_kmod_is_event(e->kmod.type);
	} else if (e->kind == ACCEL_EVENT_BAD) {
		s->bad++;
	} else if (e->kind == ACCEL_EVENT_CLOSED) {
		s->closed++;
	}
	return 0;
}

/* A reader on a FIFO: the reader's open first (non-blocking), then ours. */
static accel_events *with_fifo(struct fifo *f, int debounce, int max_delay)
{
	struct accel_events_opts o = {.debounce_ms = debounce, .max_delay_ms = max_delay};
	accel_events *ev;
	accel_err err;

	fifo_open(f);
	assert_int_equal(accel_events_new(&ev, &o), 0);
	assert_int_equal(accel_events_add_kmod(ev, f->path, &err), 0);
	f->wfd = open(f->path, O_WRONLY | O_CLOEXEC);
	assert_true(f->wfd >= 0);
	assert_true(accel_events_has_kmod(ev));
	assert_false(accel_events_has_uevent(ev));
	return ev;
}

static bool readable(accel_events *ev, int ms)
{
	struct pollfd p = {accel_events_fd(ev), POLLIN, 0};

	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

static void test_snapshot_is_no_event(void **state)
{
	struct fifo f;
	accel_events *ev = with_fifo(&f, 50, 0);
	struct seen s = {0};

	(void)state;
	assert_int_equal(accel_events_deadline(ev), -1);
	assert_int_equal(accel_events_timeout(ev), -1);
	assert_false(readable(ev, 0));
	put(&f, SNAPSHOT);
	assert_true(readable(ev, 1000));
	assert_int_equal(accel_events_read(ev, count, &s), 0);
	assert_int_equal(s.kmod, 3);
	assert_int_equal(s.last, ACCEL_KMOD_END);
	assert_false(readable(ev, 0));
	/* what the first scan sees anyway: nothing to rescan for */
	assert_int_equal(accel_events_deadline(ev), -1);
	assert_int_equal(accel_events_due(ev), 0);
	accel_events_free(ev);
	fifo_close(&f);
}

static void test_quiet_ends_a_burst(void **state)
{
	struct fifo f;
	accel_events *ev = with_fifo(&f, 300, 10000);
	struct seen s = {0};
	int64_t t0;

	(void)state;
	put(&f, SNAPSHOT);
	accel_events_read(ev, count, &s);
	t0 = accel_events_now_ms();
	put_add(&f, 3);
	assert_true(readable(ev, 1000));
	accel_events_read(ev, count, &s);
	assert_int_equal(accel_events_due(ev), 0);
	assert_true(accel_events_timeout(ev) > 0 && accel_events_timeout(ev) <= 300);
	/* another event 40 ms later moves the rescan: 300 ms after it */
	sleep_ms(40);
	put_add(&f, 4);
	accel_events_read(ev, count, &s);
	assert_int_equal(s.events, 2);
	assert_true(accel_events_deadline(ev) >= t0 + 40 + 300);
	assert_int_equal(accel_events_due(ev), 0);
	sleep_ms(accel_events_timeout(ev) + 1);
	assert_int_equal(accel_events_due(ev), ACCEL_RESCAN_EVENTS);
	assert_int_equal(accel_events_timeout(ev), 0);
	accel_events_rescanned(ev);
	assert_int_equal(accel_events_due(ev), 0);
	assert_int_equal(accel_events_deadline(ev), -1);
	accel_events_free(ev);
	fifo_close(&f);
}

static void test_a_burst_is_capped(void **state)
{
	struct fifo f;
	accel_events *ev = with_fifo(&f, 200, 500);
	struct seen s = {0};
	int64_t t0 = 0;
	int seq = 3;

	(void)state;
	put(&f, SNAPSHOT);
	accel_events_read(ev, count, &s);
	/* an event every 20 ms, for ever: never 200 ms of quiet */
	while (!accel_events_due(ev)) {
		put_add(&f, seq++);
		accel_events_read(ev, count, &s);
		if (!t0)
			t0 = accel_events_now_ms();
		assert_true(accel_events_now_ms() - t0 < 3000);
		sleep_ms(20);
	}
	assert_true(accel_events_now_ms() - t0 >= 500);
	assert_true(accel_events_now_ms() - t0 < 500 + 400);
	accel_events_free(ev);
	fifo_close(&f);
}

static void test_debounce_zero_is_at_once(void **state)
{
	struct fifo f;
	accel_events *ev = with_fifo(&f, 0, 0);
	struct seen s = {0};

	(void)state;
	put(&f, SNAPSHOT);
	put_add(&f, 3);
	assert_true(readable(ev, 1000));
	accel_events_read(ev, count, &s);
	assert_int_equal(accel_events_due(ev), ACCEL_RESCAN_EVENTS);
	accel_events_free(ev);
	fifo_close(&f);
}

static void test_bad_records_and_the_end(void **state)
{
	struct fifo f;
	accel_events *ev = with_fifo(&f, 50, 0);
	struct seen s = {0};

	(void)state;
	put(&f, SNAPSHOT "v=1 type=add seq=3 vendor=12x4\n");
	assert_true(readable(ev, 1000));
	accel_events_read(ev, count, &s);
	/* what it hid may have been an event */
	assert_int_equal(s.bad, 1);
	assert_true(accel_events_deadline(ev) >= 0);
	close(f.wfd);
	f.wfd = -1;
	assert_true(readable(ev, 1000));
	accel_events_read(ev, count, &s);
	assert_int_equal(s.closed, 1);
	assert_false(accel_events_has_kmod(ev));
	accel_events_free(ev);
	fifo_close(&f);
}

static void test_overflow_and_its_snapshot(void **state)
{
	struct fifo f;
	accel_events *ev = with_fifo(&f, 50, 0);
	struct seen s = {0};

	(void)state;
	put(&f, SNAPSHOT "v=1 type=overflow lost=9\n");
	assert_true(readable(ev, 1000));
	accel_events_read(ev, count, &s);
	assert_true(accel_events_deadline(ev) >= 0);
	accel_events_rescanned(ev);
	/* the snapshot after an overflow calls for a rescan too */
	put(&f, "v=1 type=begin gen=12\nv=1 type=end gen=12 count=0\n");
	assert_true(readable(ev, 1000));
	accel_events_read(ev, count, &s);
	assert_true(accel_events_deadline(ev) >= 0);
	accel_events_free(ev);
	fifo_close(&f);
}

static void test_capture_file(void **state)
{
	char path[] = "/tmp/accel-events-capture-XXXXXX";
	int fd = mkstemp(path);
	struct accel_events_opts o = {.debounce_ms = 10};
	accel_events *ev;
	struct seen s = {0};
	accel_err err;
	char add[128];

	(void)state;
	assert_true(fd >= 0);
	snprintf(add, sizeof(add), ADD, 3);
	assert_int_equal(write(fd, SNAPSHOT, strlen(SNAPSHOT)), (ssize_t)strlen(SNAPSHOT));
	assert_int_equal(write(fd, add, strlen(add)), (ssize_t)strlen(add));
	close(fd);
	assert_int_equal(accel_events_new(&ev, &o), 0);
	/* epoll refuses regular files; the object does not */
	assert_int_equal(accel_events_add_kmod(ev, path, &err), 0);
	assert_true(readable(ev, 0));
	accel_events_read(ev, count, &s);
	assert_int_equal(s.kmod, 4);
	assert_int_equal(s.events, 1);
	assert_int_equal(s.closed, 1); /* the end of the file */
	assert_false(readable(ev, 0));
	accel_events_free(ev);
	unlink(path);
}

static void test_missing_device(void **state)
{
	struct accel_events_opts o = {0};
	accel_events *ev;
	accel_err err;

	(void)state;
	assert_int_equal(accel_events_new(&ev, &o), 0);
	assert_int_equal(accel_events_add_kmod(ev, "/nonexistent/accelinv", &err), -ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent/accelinv"));
	assert_false(accel_events_has_kmod(ev));
	accel_events_free(ev);
	accel_events_free(NULL);
	o.debounce_ms = -1;
	assert_int_equal(accel_events_new(&ev, &o), -EINVAL);
}

static void test_rescan_now_and_periodic(void **state)
{
	struct accel_events_opts o = {.debounce_ms = 100, .interval_ms = 60};
	accel_events *ev;
	int64_t t0 = accel_events_now_ms();

	(void)state;
	assert_int_equal(accel_events_new(&ev, &o), 0);
	assert_true(accel_events_deadline(ev) >= t0 + 60);
	assert_int_equal(accel_events_due(ev), 0);
	accel_events_rescan_now(ev);
	assert_int_equal(accel_events_due(ev), ACCEL_RESCAN_ASKED);
	assert_int_equal(accel_events_timeout(ev), 0);
	accel_events_rescanned(ev);
	assert_int_equal(accel_events_due(ev), 0);
	sleep_ms(accel_events_timeout(ev) + 1);
	assert_int_equal(accel_events_due(ev), ACCEL_RESCAN_PERIODIC);
	accel_events_rescanned(ev);
	/* a retry's backoff instead of the interval */
	accel_events_rescan_in(ev, 5000);
	assert_true(accel_events_timeout(ev) > 4000);
	accel_events_rescan_in(ev, 0);
	assert_int_equal(accel_events_due(ev), ACCEL_RESCAN_PERIODIC);
	accel_events_free(ev);
}

static void test_uevent_socket(void **state)
{
	struct accel_events_opts o = {.debounce_ms = 100};
	accel_events *ev;
	accel_err err;
	int r;

	(void)state;
	assert_int_equal(accel_events_new(&ev, &o), 0);
	r = accel_events_add_uevent(ev, &err);
	if (r) {
		/* a container without netlink */
		assert_non_null(strstr(err.msg, "netlink socket: "));
		accel_events_free(ev);
		skip();
	}
	assert_true(accel_events_has_uevent(ev));
	assert_int_equal(accel_events_add_uevent(ev, &err), -EEXIST);
	assert_int_equal(accel_events_read(ev, NULL, NULL), 0);
	accel_events_free(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot_is_no_event),
		cmocka_unit_test(test_quiet_ends_a_burst),
		cmocka_unit_test(test_a_burst_is_capped),
		cmocka_unit_test(test_debounce_zero_is_at_once),
		cmocka_unit_test(test_bad_records_and_the_end),
		cmocka_unit_test(test_overflow_and_its_snapshot),
		cmocka_unit_test(test_capture_file),
		cmocka_unit_test(test_missing_device),
		cmocka_unit_test(test_rescan_now_and_periodic),
		cmocka_unit_test(test_uevent_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
