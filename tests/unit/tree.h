/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helpers: make sysfs trees in a temporary folder for the corner cases
 * real captures lack (malformed files, dangling links, removed devices), and
 * copy real fixtures into a sandbox (libgit2's cl_git_sandbox_init).
 */
#ifndef ACCEL_TESTS_TREE_H
#define ACCEL_TESTS_TREE_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static inline void tree_die(const char *what, const char *path)
{
	fprintf(stderr, "test setup: %s %s: %s\n", what, path, strerror(errno));
	abort();
}

static inline char *tree_path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline char *tree_path(const char *fmt, ...)
{
	static char bufs[8][PATH_MAX];
	static int next;
	char *b = bufs[next++ % 8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, PATH_MAX, fmt, ap);
	va_end(ap);
	return b;
}

static inline void tree_mkdirs(const char *path)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) && errno != EEXIST)
			tree_die("mkdir", tmp);
		*p = '/';
	}
	if (mkdir(tmp, 0755) && errno != EEXIST)
		tree_die("mkdir", tmp);
}

/* Write len bytes (len < 0: strlen) to path, creating its folder. */
static inline void tree_write(const char *path, const char *data, long len)
{
	char dir[PATH_MAX], *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		tree_mkdirs(dir);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		tree_die("open", path);
	if (len < 0)
		len = (long)strlen(data);
	if (write(fd, data, (size_t)len) != len)
		tree_die("write", path);
	close(fd);
}

static inline void tree_link(const char *target, const char *path)
{
	char dir[PATH_MAX], *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		tree_mkdirs(dir);
	}
	unlink(path);
	if (symlink(target, path))
		tree_die("symlink", path);
}

static inline char *tree_tmpdir(void)
{
	char tmpl[] = "/tmp/accel-test-XXXXXX";
	char *d = mkdtemp(tmpl);

	if (!d)
		tree_die("mkdtemp", tmpl);
	return strdup(d);
}

static inline int tree_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* Remove a tree below a tree_tmpdir() folder (or that folder itself). */
static inline void tree_rm_inner(const char *path)
{
	if (!path || strncmp(path, "/tmp/accel-test-", 16))
		return; /* only what tree_tmpdir made */
	nftw(path, tree_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static inline void tree_rm(const char *dir)
{
	tree_rm_inner(dir);
}

/* Copy a built fixture ($ACCEL_FIXTURES/<name>/sys) into a new sandbox and
 * return the sandbox's sys folder (malloc'ed). */
static inline char *tree_sandbox(const char *name)
{
	const char *fx = getenv("ACCEL_FIXTURES");
	char *dir = tree_tmpdir(), cmd[3 * PATH_MAX], *sys;

	if (!fx)
		fx = "build/fixtures";
	snprintf(cmd, sizeof(cmd), "cp -a '%s/%s/sys' '%s/sys'", fx, name, dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "test setup: fixture %s/%s missing (make fixtures)\n", fx, name);
		abort();
	}
	sys = strdup(tree_path("%s/sys", dir));
	free(dir);
	return sys;
}

/* The path of a built fixture's sys folder, read-only use (no copy). */
static inline const char *tree_fixture(const char *name)
{
	const char *fx = getenv("ACCEL_FIXTURES");

	return tree_path("%s/%s/sys", fx ? fx : "build/fixtures", name);
}

/*
 * A PCI function at ROOT/devices/<parent>/<addr> with the given IDs, and its
 * bus/pci/devices link. parent is "pci0000:00" or "pci0000:00/0000:00:01.0".
 */
static inline char *tree_pci(const char *root, const char *parent, const char *addr,
			     unsigned vendor, unsigned device, unsigned cls)
{
	static char dir[PATH_MAX];
	char buf[64], rel[PATH_MAX];
	int depth = 1;

	snprintf(dir, sizeof(dir), "%s/devices/%s/%s", root, parent, addr);
	tree_mkdirs(dir);
	snprintf(buf, sizeof(buf), "0x%04x\n", vendor);
	tree_write(tree_path("%s/vendor", dir), buf, -1);
	snprintf(buf, sizeof(buf), "0x%04x\n", device);
	tree_write(tree_path("%s/device", dir), buf, -1);
	snprintf(buf, sizeof(buf), "0x%06x\n", cls);
	tree_write(tree_path("%s/class", dir), buf, -1);
	tree_write(tree_path("%s/subsystem_vendor", dir), "0x0000\n", -1);
	tree_write(tree_path("%s/subsystem_device", dir), "0x0000\n", -1);
	tree_write(tree_path("%s/revision", dir), "0x01\n", -1);
	{
		/* the first 64 bytes of config space, as a user reads them */
		unsigned char cfg[64] = {0};

		cfg[0] = vendor & 0xff, cfg[1] = vendor >> 8;
		cfg[2] = device & 0xff, cfg[3] = device >> 8;
		cfg[8] = 0x01;
		cfg[9] = cls & 0xff, cfg[10] = (cls >> 8) & 0xff, cfg[11] = cls >> 16;
		cfg[0x0e] = (cls >> 8) == 0x0604 ? 1 : 0;
		tree_write(tree_path("%s/config", dir), (const char *)cfg, sizeof(cfg));
	}
	for (const char *p = parent; *p; p++)
		depth += *p == '/';
	/* bus/pci/devices/<addr> -> ../../../devices/<parent>/<addr> */
	snprintf(rel, sizeof(rel), "../../../devices/%s/%s", parent, addr);
	tree_link(rel, tree_path("%s/bus/pci/devices/%s", root, addr));
	(void)depth;
	return dir;
}

#endif
