/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include <accel/uevent.h>

static bool copy(char *dst, size_t cap, const char *src, size_t n)
{
	if (n == 0 || n >= cap)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)src[i] < 0x20 || (unsigned char)src[i] >= 0x7f)
			return false;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return true;
}

int accel_uevent_parse(const char *buf, size_t len, struct accel_uevent *out)
{
	const char *end = buf + len, *p, *at, *nul;

	memset(out, 0, sizeof(*out));
	if (!buf || len < 3)
		return -EINVAL;
	nul = memchr(buf, '\0', len);
	if (!nul)
		return -EINVAL;
	at = memchr(buf, '@', (size_t)(nul - buf));
	/* udev's re-broadcasts start with "libudev": not ours to parse */
	if (!at || !copy(out->action, sizeof(out->action), buf, (size_t)(at - buf)) ||
	    !copy(out->devpath, sizeof(out->devpath), at + 1, (size_t)(nul - at - 1)))
		return -EINVAL;
	for (p = nul + 1; p < end;) {
		const char *e = memchr(p, '\0', (size_t)(end - p));
		size_t n = e ? (size_t)(e - p) : (size_t)(end - p);

		if (n > 10 && !memcmp(p, "SUBSYSTEM=", 10) &&
		    !copy(out->subsystem, sizeof(out->subsystem), p + 10, n - 10))
			return -EINVAL;
		p += n + 1;
	}
	return out->subsystem[0] ? 0 : -EINVAL;
}

bool accel_uevent_relevant(const struct accel_uevent *ev)
{
	return !strcmp(ev->subsystem, "pci") || !strcmp(ev->subsystem, "drm") ||
	       !strcmp(ev->subsystem, "accel");
}

int accel_uevent_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 /* kernel */ };
	int fd, size = 1 << 20;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT);
	if (fd < 0)
		return -errno;
	/* bursts (a rescan of a whole bus) must not overflow it */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

int accel_uevent_next(int fd, struct accel_uevent *out)
{
	char buf[8192];

	for (;;) {
		struct sockaddr_nl sa;
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = { .msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = &iov,
				     .msg_iovlen = 1 };
		ssize_t n = recvmsg(fd, &mh, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == ENOBUFS ? -ENOBUFS : 0;
		}
		/* only the kernel speaks on this group */
		if (sa.nl_pid != 0 || (mh.msg_flags & MSG_TRUNC))
			continue;
		if (accel_uevent_parse(buf, (size_t)n, out) == 0 && accel_uevent_relevant(out))
			return 1;
	}
}
