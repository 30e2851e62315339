/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/openat2.h>

#include <accel/util.h>
#include "attr.h"

/* ---- roots ---- */

static bool force_walk;

void attr_root_force_walk(bool on)
{
	force_walk = on;
}

static long sys_openat2(int dfd, const char *path, int flags, unsigned long long resolve)
{
	struct open_how how = {.flags = (unsigned long long)flags, .resolve = resolve};

	return syscall(SYS_openat2, dfd, path, &how, sizeof(how));
}

int attr_root_open(struct attr_root *r, const char *path)
{
	size_t n = strlen(path);
	int fd;

	r->fd = -1;
	r->walk = force_walk;
	while (n > 0 && path[n - 1] == '/')
		n--;
	r->path = strndup(path, n);
	if (!r->path)
		return -ENOMEM;
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int e = -errno;

		attr_root_close(r);
		return e;
	}
	r->fd = fd;
	if (!r->walk) {
		/* ENOSYS before 5.6; EPERM or EINVAL from some seccomp filters */
		long t = sys_openat2(fd, ".", O_PATH | O_CLOEXEC, RESOLVE_IN_ROOT);

		if (t < 0)
			r->walk = true;
		else
			close((int)t);
	}
	return 0;
}

void attr_root_close(struct attr_root *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	free(r->path);
	r->path = NULL;
}

/* path below r->path, relative ("" for the root itself); NULL if not. */
static const char *rel_path(const struct attr_root *r, const char *path)
{
	size_t n = strlen(r->path);

	if (strncmp(path, r->path, n) || (path[n] && path[n] != '/'))
		return NULL;
	path += n;
	while (*path == '/')
		path++;
	return path;
}

static int open_flags(int flags)
{
	return (flags & O_PATH) ? (flags & (O_PATH | O_DIRECTORY)) | O_CLOEXEC
				: flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
}

/*
 * The walk: resolve rel inside root one component at a time, as
 * RESOLVE_IN_ROOT does. Directories are held open on a stack (".." pops
 * one, and stays at the root); each component is opened O_PATH|O_NOFOLLOW
 * and a link's target is spliced in front of what is left to walk (an
 * absolute one from the root). The last component is opened with flags,
 * O_NOFOLLOW again, so a link swapped in meanwhile is not followed.
 * canon (may be NULL) gets the resolved path relative to the root.
 * *escaped says whether a ".." or an absolute link tried to leave the root.
 */
static int walk(const struct attr_root *r, const char *rel, int flags, char *canon, size_t ccap,
		bool *escaped)
{
	/* what is left to walk: a pointer into one of two buffers, so that
	 * neither taking a component off nor putting a link's target in
	 * front copies a buffer onto itself */
	char buf[2][2 * PATH_MAX], name[NAME_MAX + 1], target[PATH_MAX];
	char *todo = buf[0];
	int stack[ATTR_MAX_DEPTH], depth = 0, hops = 0, ret;
	size_t clen = 0;
	const char *p;

	if (strlen(rel) >= sizeof(buf[0]))
		return -ENAMETOOLONG;
	strcpy(todo, rel);
	if (canon && ccap)
		canon[0] = '\0';
	stack[0] = r->fd; /* borrowed: never closed here */
	for (;;) {
		size_t n;
		struct stat st;
		bool last;
		int fd;

		p = todo;
		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n == 0) {
			/* the root itself, or a path ending in "/" or "." */
			ret = openat(stack[depth], ".", open_flags(flags));
			ret = ret < 0 ? -errno : ret;
			goto out;
		}
		if (n > NAME_MAX) {
			ret = -ENAMETOOLONG;
			goto out;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		p += n;
		while (*p == '/')
			p++;
		last = !*p;
		todo = (char *)p;
		if (!strcmp(name, ".")) {
			if (last) {
				ret = openat(stack[depth], ".", open_flags(flags));
				ret = ret < 0 ? -errno : ret;
				goto out;
			}
			continue;
		}
		if (!strcmp(name, "..")) {
			if (depth == 0) {
				*escaped = true;
			} else {
				close(stack[depth--]);
				if (canon) {
					char *slash;

					canon[clen] = '\0';
					slash = strrchr(canon, '/');
					clen = slash ? (size_t)(slash - canon) : 0;
					canon[clen] = '\0';
				}
			}
			if (last) {
				ret = openat(stack[depth], ".", open_flags(flags));
				ret = ret < 0 ? -errno : ret;
				goto out;
			}
			continue;
		}
		fd = openat(stack[depth], name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			ret = -errno;
			goto out;
		}
		if (fstat(fd, &st)) {
			ret = -errno;
			close(fd);
			goto out;
		}
		if (S_ISLNK(st.st_mode)) {
			ssize_t k;
			size_t rest = strlen(todo);

			if (++hops > ATTR_MAX_HOPS) {
				close(fd);
				ret = -ELOOP;
				goto out;
			}
			k = readlinkat(fd, "", target, sizeof(target) - 1);
			close(fd);
			if (k <= 0) {
				ret = k < 0 ? -errno : -ENOENT;
				goto out;
			}
			target[k] = '\0';
			if ((size_t)k + 1 + rest >= sizeof(buf[0])) {
				ret = -ENAMETOOLONG;
				goto out;
			}
			/* todo = target "/" todo, in the other buffer */
			{
				char *nb = todo >= buf[1] ? buf[0] : buf[1];

				memcpy(nb, target, (size_t)k);
				nb[k] = '\0';
				if (rest) {
					nb[k] = '/';
					memcpy(nb + k + 1, todo, rest + 1);
				}
				todo = nb;
			}
			if (target[0] == '/') {
				*escaped = true;
				while (depth > 0)
					close(stack[depth--]);
				clen = 0;
				if (canon && ccap)
					canon[0] = '\0';
			}
			continue;
		}
		if (canon) {
			if (clen + (clen ? 1 : 0) + n >= ccap) {
				close(fd);
				ret = -E2BIG;
				goto out;
			}
			if (clen)
				canon[clen++] = '/';
			memcpy(canon + clen, name, n + 1);
			clen += n;
		}
		if (!last) {
			if (!S_ISDIR(st.st_mode)) {
				close(fd);
				ret = -ENOTDIR;
				goto out;
			}
			if (depth + 1 == ATTR_MAX_DEPTH) {
				close(fd);
				ret = -ENAMETOOLONG;
				goto out;
			}
			stack[++depth] = fd;
			continue;
		}
		if (flags & O_PATH) {
			if ((flags & O_DIRECTORY) && !S_ISDIR(st.st_mode)) {
				close(fd);
				ret = -ENOTDIR;
				goto out;
			}
			ret = fd;
			goto out;
		}
		close(fd);
		ret = openat(stack[depth], name, open_flags(flags) | O_NOFOLLOW);
		if (ret < 0)
			ret = -errno;
		if (ret == -ELOOP && ++hops <= ATTR_MAX_HOPS) {
			/* it became a link since: walk it again */
			todo = buf[0];
			strcpy(todo, name);
			if (canon) {
				clen -= n;
				if (clen)
					clen--;
				canon[clen] = '\0';
			}
			continue;
		}
		goto out;
	}
out:
	while (depth > 0)
		close(stack[depth--]);
	return ret;
}

int attr_open(const struct attr_root *r, const char *path, int flags)
{
	const char *rel;
	bool escaped = false;
	int fd;

	if (!r) {
		fd = open(path, open_flags(flags));
		return fd < 0 ? -errno : fd;
	}
	if (r->fd < 0)
		return -EBADF;
	rel = rel_path(r, path);
	if (!rel)
		return -EXDEV;
	if (r->walk) {
		fd = walk(r, rel, flags, NULL, 0, &escaped);
	} else {
		int tries = 0;
		long t;

		do /* EAGAIN: a rename raced the lookup */
			t = sys_openat2(r->fd, *rel ? rel : ".", open_flags(flags),
					RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
		while (t < 0 && errno == EAGAIN && ++tries < 8);
		fd = t < 0 ? -errno : (int)t;
		/* Missing inside the root: did a link or ".." try to leave it?
		 * RESOLVE_BENEATH refuses both with EXDEV. */
		if (fd == -ENOENT) {
			t = sys_openat2(r->fd, rel, O_PATH | O_CLOEXEC,
					RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
			if (t >= 0)
				close((int)t);
			else
				escaped = errno == EXDEV;
		}
	}
	if (fd == -ENOENT && escaped)
		return -EXDEV;
	return fd;
}

int attr_open_in(const struct attr_root *r, const char *dir, const char *name, int flags)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	return attr_open(r, path, flags);
}

int attr_open_file(const struct attr_root *r, const char *dir, const char *name)
{
	struct stat st;
	int fd = attr_open_in(r, dir, name, O_RDONLY);

	if (fd < 0)
		return fd;
	if (fstat(fd, &st)) {
		int e = -errno;

		close(fd);
		return e;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -ATTR_ENOTREG;
	}
	return fd;
}

DIR *attr_opendir(const struct attr_root *r, const char *path, int *err)
{
	int fd = attr_open(r, path, O_RDONLY | O_DIRECTORY);
	DIR *d;

	if (fd < 0) {
		*err = fd;
		return NULL;
	}
	d = fdopendir(fd);
	if (!d) {
		*err = -errno;
		close(fd);
	}
	return d;
}

int attr_realpath(const struct attr_root *r, const char *path, char *out, size_t cap)
{
	char canon[PATH_MAX];
	const char *rel;
	bool escaped = false;
	int fd, n;

	rel = rel_path(r, path);
	if (!rel)
		return -EXDEV;
	fd = walk(r, rel, O_PATH, canon, sizeof(canon), &escaped);
	if (fd < 0)
		return fd == -ENOENT && escaped ? -EXDEV : fd;
	close(fd);
	n = snprintf(out, cap, "%s%s%s", r->path, *canon ? "/" : "", canon);
	if (n < 0 || (size_t)n >= cap)
		return -E2BIG;
	return 0;
}

/* ---- attribute files ---- */

int attr_read(const struct attr_root *root, const char *dir, const char *name, char *buf,
	      size_t cap)
{
	size_t len = 0;
	int fd, n;

	if (cap < 2)
		return -EINVAL;
	fd = attr_open_file(root, dir, name);
	if (fd < 0)
		return fd;
	/* Read one byte past cap-1 to tell "fits" from "oversized". */
	for (;;) {
		ssize_t r = read(fd, buf + len, cap - len);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return n;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len >= cap) {
			close(fd);
			return -E2BIG;
		}
	}
	close(fd);
	if (memchr(buf, '\0', len))
		return -EILSEQ;
	if (len && buf[len - 1] == '\n')
		len--;
	buf[len] = '\0';
	return (int)len;
}

int attr_access(const struct attr_root *r, const char *path)
{
	int fd = attr_open(r, path, O_PATH);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int attr_readlink(const struct attr_root *root, const char *dir, const char *name, char *buf,
		  size_t cap)
{
	ssize_t n;
	int dfd;

	if (strchr(name, '/') || cap < 2)
		return -EINVAL;
	dfd = attr_open(root, dir, O_PATH | O_DIRECTORY);
	if (dfd < 0)
		return dfd;
	n = readlinkat(dfd, name, buf, cap);
	if (n < 0)
		n = -errno;
	close(dfd);
	if (n >= (ssize_t)cap)
		return -ENAMETOOLONG;
	if (n >= 0)
		buf[n] = '\0';
	return (int)n;
}

int attr_link_base(const struct attr_root *root, const char *dir, const char *name, char *buf,
		   size_t cap)
{
	char target[PATH_MAX];
	const char *base;
	int n = attr_readlink(root, dir, name, target, sizeof(target));

	if (n < 0)
		return n;
	while (n > 1 && target[n - 1] == '/')
		target[--n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (!*base || strlen(base) >= cap)
		return -E2BIG;
	strcpy(buf, base);
	return 0;
}

/* Skip leading/trailing blanks: sysfs writes none, fixtures and humans do. */
static const char *trim(const char *s, size_t *len)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n'))
		n--;
	*len = n;
	return s;
}

int attr_parse_hex(const char *s, unsigned max, unsigned *out)
{
	unsigned long long v = 0;
	size_t len, i = 0;

	s = trim(s, &len);
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		i = 2;
	if (i == len || len - i > 16)
		return -EINVAL;
	for (; i < len; i++) {
		int c = (unsigned char)s[i];

		if (!isxdigit(c))
			return -EINVAL;
		v = v * 16 + (unsigned)(isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10));
		if (v > max)
			return -ERANGE;
	}
	*out = (unsigned)v;
	return 0;
}

int attr_parse_int(const char *s, long long min, long long max, long long *out)
{
	size_t len, i = 0;
	long long v = 0;
	bool neg = false;

	s = trim(s, &len);
	if (len && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == len || len - i > 19)
		return -EINVAL;
	for (; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		if (v > (LLONG_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (s[i] - '0');
	}
	if (neg)
		v = -v;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int attr_parse_link_speed(const char *s, int *dgts)
{
	unsigned whole = 0, frac = 0, digits = 0;
	size_t len, i = 0;

	s = trim(s, &len);
	if (len >= 7 && !strncmp(s, "Unknown", 7))
		return -ENODATA;
	while (i < len && isdigit((unsigned char)s[i]) && digits < 4) {
		whole = whole * 10 + (unsigned)(s[i++] - '0');
		digits++;
	}
	if (!digits)
		return -EINVAL;
	if (i < len && s[i] == '.') {
		i++;
		if (i >= len || !isdigit((unsigned char)s[i]))
			return -EINVAL;
		frac = (unsigned)(s[i++] - '0');
		/* the kernel prints one decimal; a second one is not a speed */
		if (i < len && isdigit((unsigned char)s[i]))
			return -EINVAL;
	}
	if (len - i < 5 || strncmp(s + i, " GT/s", 5))
		return -EINVAL;
	i += 5;
	/* newer kernels append " PCIe"; nothing else may follow */
	if (i != len && !(len - i == 5 && !strncmp(s + i, " PCIe", 5)))
		return -EINVAL;
	if (whole == 0 && frac == 0)
		return -EINVAL;
	if (whole > 1000)
		return -ERANGE;
	*dgts = (int)(whole * 10 + frac);
	return 0;
}

int attr_parse_link_width(const char *s, int *width)
{
	long long v;
	int r = attr_parse_int(s, 0, 32, &v);

	if (r)
		return r;
	if (v == 0)
		return -ENODATA;
	*width = (int)v;
	return 0;
}

int attr_parse_cpulist(const char *s, unsigned max_cpu)
{
	size_t len, i = 0;
	int count = 0;

	s = trim(s, &len);
	if (!len)
		return 0; /* no local CPUs: memory-only node */
	while (i < len) {
		unsigned long a = 0, b;
		size_t start = i;

		while (i < len && isdigit((unsigned char)s[i]) && i - start < 7)
			a = a * 10 + (unsigned long)(s[i++] - '0');
		if (i == start)
			return -EINVAL;
		b = a;
		if (i < len && s[i] == '-') {
			size_t st2 = ++i;

			b = 0;
			while (i < len && isdigit((unsigned char)s[i]) && i - st2 < 7)
				b = b * 10 + (unsigned long)(s[i++] - '0');
			if (i == st2 || b < a)
				return -EINVAL;
		}
		if (b > max_cpu)
			return -ERANGE;
		count += (int)(b - a + 1);
		if (i < len) {
			if (s[i] != ',' || i + 1 == len)
				return -EINVAL;
			i++;
		}
	}
	return count;
}

int attr_parse_aer(const char *s, uint64_t *out)
{
	uint64_t sum = 0, total = 0;
	bool have_total = false, any = false;
	const char *p = s;

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		const char *sp = memchr(p, ' ', n);
		unsigned long long v = 0;
		size_t k, digits = 0;

		if (n == 0) {
			p = eol ? eol + 1 : p + n;
			continue;
		}
		if (!sp || sp == p)
			return -EINVAL;
		for (k = 0; k < (size_t)(sp - p); k++)
			if (!isalnum((unsigned char)p[k]) && p[k] != '_')
				return -EINVAL;
		for (k = (size_t)(sp - p) + 1; k < n; k++, digits++) {
			if (!isdigit((unsigned char)p[k]) || digits >= 19)
				return -EINVAL;
			v = v * 10 + (unsigned)(p[k] - '0');
		}
		if (!digits)
			return -EINVAL;
		if (!strncmp(p, "TOTAL_ERR_", 10)) {
			total = v;
			have_total = true;
		} else {
			sum = sum + v < sum ? UINT64_MAX : sum + v;
		}
		any = true;
		p = eol ? eol + 1 : p + n;
	}
	if (!any)
		return -EINVAL;
	*out = have_total ? total : sum;
	return 0;
}

int attr_parse_text(const char *s)
{
	size_t len = strlen(s);

	if (!len)
		return -ENODATA;
	return accel_text_ok(s, len) ? 0 : -EILSEQ;
}

int attr_parse_devnum(const char *s, unsigned *major, unsigned *minor)
{
	const char *colon = strchr(s, ':');
	char maj[16];
	long long a, b;

	if (!colon || (size_t)(colon - s) >= sizeof(maj))
		return -EINVAL;
	memcpy(maj, s, (size_t)(colon - s));
	maj[colon - s] = '\0';
	if (attr_parse_int(maj, 0, 4095, &a) || attr_parse_int(colon + 1, 0, 1048575, &b))
		return -EINVAL;
	*major = (unsigned)a;
	*minor = (unsigned)b;
	return 0;
}
