/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: kernel uevent messages (drivers/uevent.c), made-up malformed
 * ones and a real one from this kernel (a synthetic "change" written to a
 * PCI device's uevent file), when /sys lets us.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <accel/uevent.h>

#define MSG(s) s, sizeof(s) - 1

static void test_parse(void **state)
{
	struct accel_uevent ev;
	static const char bind[] = "bind@/devices/pci0000:00/0000:00:01.0/0000:01:00.0\0"
				   "ACTION=bind\0DEVPATH=/devices/pci0000:00/0000:00:01.0/"
				   "0000:01:00.0\0SUBSYSTEM=pci\0DRIVER=vfio-pci\0SEQNUM=4242";
	static const char drm[] = "add@/devices/pci0000:00/0000:00:02.0/drm/card0\0ACTION=add\0"
				  "SUBSYSTEM=drm\0DEVNAME=dri/card0\0";
	static const char usb[] = "add@/devices/usb1\0ACTION=add\0SUBSYSTEM=usb\0";

	(void)state;
	assert_int_equal(accel_uevent_parse(MSG(bind), &ev), 0);
	assert_string_equal(ev.action, "bind");
	assert_string_equal(ev.subsystem, "pci");
	assert_string_equal(ev.devpath, "/devices/pci0000:00/0000:00:01.0/0000:01:00.0");
	assert_true(accel_uevent_relevant(&ev));
	assert_int_equal(accel_uevent_parse(MSG(drm), &ev), 0);
	assert_true(accel_uevent_relevant(&ev));
	assert_int_equal(accel_uevent_parse(MSG(usb), &ev), 0);
	assert_false(accel_uevent_relevant(&ev));
}

static void test_malformed(void **state)
{
	struct accel_uevent ev;

	(void)state;
	/* udev's re-broadcast: a binary header, not ours */
	assert_int_equal(accel_uevent_parse(MSG("libudev\0\xfe\xed\xca\xfe"), &ev), -EINVAL);
	assert_int_equal(accel_uevent_parse(MSG("add@/x\0ACTION=add\0"), &ev), -EINVAL);
	assert_int_equal(accel_uevent_parse(MSG("add@/x"), &ev), -EINVAL); /* no NUL */
	assert_int_equal(accel_uevent_parse(MSG("@/x\0SUBSYSTEM=pci\0"), &ev), -EINVAL);
	assert_int_equal(accel_uevent_parse(MSG("add@\0SUBSYSTEM=pci\0"), &ev), -EINVAL);
	assert_int_equal(accel_uevent_parse(MSG("add@/x\0SUBSYSTEM=p\x01ci\0"), &ev), -EINVAL);
	assert_int_equal(accel_uevent_parse(MSG("add@/x\0SUBSYSTEM=\0"), &ev), 0 - EINVAL);
	assert_int_equal(accel_uevent_parse(MSG("averyveryverylongaction@/x\0SUBSYSTEM=pci\0"), &ev),
			 -EINVAL);
	assert_int_equal(accel_uevent_parse(NULL, 0, &ev), -EINVAL);
}

/* The running kernel: a synthetic uevent on a real PCI device. */
static void test_kernel(void **state)
{
	struct accel_uevent ev;
	char path[512], buf[8192];
	struct dirent *e;
	DIR *d;
	int fd, w, seen = 0;

	(void)state;
	fd = accel_uevent_open();
	if (fd < 0) {
		fprintf(stderr, "  (no netlink uevents here: %s; skipped)\n", strerror(-fd));
		skip();
	}
	d = opendir("/sys/bus/pci/devices");
	e = d ? readdir(d) : NULL;
	while (e && e->d_name[0] == '.')
		e = readdir(d);
	if (!e) {
		close(fd);
		if (d)
			closedir(d);
		skip();
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/uevent", e->d_name);
	closedir(d);
	w = open(path, O_WRONLY);
	if (w < 0 || write(w, "change", 6) != 6) {
		fprintf(stderr, "  (cannot write %s: %s; skipped)\n", path, strerror(errno));
		if (w >= 0)
			close(w);
		close(fd);
		skip();
	}
	close(w);
	for (int i = 0; i < 50 && !seen; i++) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
			if (accel_uevent_parse(buf, (size_t)n, &ev) == 0 &&
			    !strcmp(ev.action, "change") && !strcmp(ev.subsystem, "pci") &&
			    strstr(path, strrchr(ev.devpath, '/') + 1))
				seen = 1;
	}
	close(fd);
	assert_true(seen);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_kernel),
	};

	return cmocka_run_group_tests_name("uevent", tests, NULL, NULL);
}
