/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading and parsing sysfs attribute files. The parsers are pure functions
 * over untrusted text (fuzzed by fuzz/fuzz_sysfs_attr.c): every one returns
 * 0 or a negative errno and writes its output only on success.
 */
#ifndef ACCEL_DRIVERS_ATTR_H
#define ACCEL_DRIVERS_ATTR_H

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A root that paths are confined to, as chroot(2) would confine them: the
 * operator's --sysfs-root or --dev-root. Every path resolves inside it:
 * ".." stops at the root, and a symlink's target, absolute ones included,
 * is taken relative to the root. openat2(RESOLVE_IN_ROOT) does that where
 * the kernel has it (5.6+); elsewhere a walk opens one component at a time
 * with O_NOFOLLOW and resolves links itself (at most ATTR_MAX_HOPS).
 *
 * Functions taking a root accept root == NULL for an unconfined path (tests
 * and the fuzzers' /proc/self/fd). With a root, a path must be the root's
 * path as opened followed by "/..." (what callers build from it): another
 * path is -EXDEV. Besides open(2)'s errors they return
 *   -EXDEV        the path, or a link on it, leads outside the root (and
 *                 there is nothing at the same place inside it);
 *   ATTR_ENOTREG  (negated) not a regular file where one is read: a FIFO,
 *                 socket or device where sysfs has an attribute file.
 */
struct attr_root {
	int fd;	    /* O_PATH directory; -1 when not open */
	char *path; /* as the caller named it, no trailing '/' ("" for "/") */
	bool walk;  /* no openat2() here: resolve component by component */
};

#define ATTR_ROOT_INIT	{.fd = -1, .path = NULL, .walk = false}
#define ATTR_ENOTREG	EMEDIUMTYPE
#define ATTR_MAX_HOPS	40
#define ATTR_MAX_DEPTH	128

/* Open `path` (a directory; symlinks on it are followed: the operator named
 * it) as a root. 0 or a negative errno; r is closed on failure. */
int attr_root_open(struct attr_root *r, const char *path);
/* Accepts a never-opened ATTR_ROOT_INIT or a closed root. */
void attr_root_close(struct attr_root *r);
/* Tests only: resolve by walking even where openat2() works. */
void attr_root_force_walk(bool on);

/* Open a path inside r. flags: O_RDONLY or O_RDWR, optionally O_DIRECTORY,
 * or O_PATH; O_CLOEXEC is added, and O_NOCTTY|O_NONBLOCK unless O_PATH (a
 * FIFO opens without waiting for a writer). Returns an fd or -errno. */
int attr_open(const struct attr_root *r, const char *path, int flags);
/* attr_open of `dir/name`. */
int attr_open_in(const struct attr_root *r, const char *dir, const char *name, int flags);
/* An fd to read the regular file `dir/name`: -ATTR_ENOTREG for anything
 * else (a directory too). */
int attr_open_file(const struct attr_root *r, const char *dir, const char *name);
/* opendir(3) of a directory inside r; NULL with *err = -errno. */
DIR *attr_opendir(const struct attr_root *r, const char *path, int *err);
/* The canonical path of `path` inside r: r's path, then the components as
 * resolved inside it (no links, no "." or ".."). 0 or -errno (-ENOENT when
 * something on it is missing, -E2BIG when it does not fit cap). */
int attr_realpath(const struct attr_root *r, const char *path, char *out, size_t cap);

/* 0 when `path` resolves inside r (to anything), else -errno. */
int attr_access(const struct attr_root *r, const char *path);
/* readlink(2) of `dir/name`, dir resolved inside root: the target's length
 * (NUL-terminated in buf), or -errno (-EINVAL: not a link). */
int attr_readlink(const struct attr_root *root, const char *dir, const char *name, char *buf,
		  size_t cap);

/* Read `dir/name` (inside root) into buf (cap bytes, NUL-terminated),
 * without the one trailing newline sysfs appends. Returns the length, or
 *   -ENOENT  missing (or a dangling link), -ENOTDIR dir vanished,
 *   -E2BIG   longer than cap-1 bytes (oversized attribute),
 *   -EILSEQ  contains a NUL byte,
 *   -EXDEV, -ATTR_ENOTREG as above,
 *   -errno   other read errors (-ELOOP for looping links). */
int attr_read(const struct attr_root *root, const char *dir, const char *name, char *buf,
	      size_t cap);

/* Read a symlink `dir/name` (dir resolved inside root) and return its last
 * path component in buf. -ENOENT when absent, -EINVAL when not a link,
 * -E2BIG when too long. */
int attr_link_base(const struct attr_root *root, const char *dir, const char *name, char *buf,
		   size_t cap);

/* "0x10de" (the 0x is optional) within [0, max]. */
int attr_parse_hex(const char *s, unsigned max, unsigned *out);
/* Decimal integer within [min, max]. */
int attr_parse_int(const char *s, long long min, long long max, long long *out);
/* "16.0 GT/s PCIe", "8 GT/s", "2.5 GT/s" -> tenths of GT/s (160, 80, 25).
 * "Unknown", "Unknown speed" -> -ENODATA. */
int attr_parse_link_speed(const char *s, int *dgts);
/* "16" -> 16; 0 (the kernel's "unknown") -> -ENODATA. */
int attr_parse_link_width(const char *s, int *width);
/* A CPU list: "0-31,64-95". Validates; returns the number of CPUs. */
int attr_parse_cpulist(const char *s, unsigned max_cpu);
/* AER counter file: lines "NAME count"; *total = the TOTAL_ERR_* line, or
 * the sum of the others when there is none. */
int attr_parse_aer(const char *s, uint64_t *total);
/* Printable UTF-8 without control characters. */
int attr_parse_text(const char *s);
/* "226:0" -> major, minor. */
int attr_parse_devnum(const char *s, unsigned *major, unsigned *minor);

#endif
