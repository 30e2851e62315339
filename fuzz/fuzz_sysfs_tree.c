/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: a whole scan of a sysfs tree (and a dev tree) built
 * from the input: directories, files with contents, symlinks (inside the
 * root, escaping it with "..", absolute) and FIFOs. The scan must not
 * crash, hang (libFuzzer's -timeout) or read anything outside its roots:
 * next to the roots lie a file, a directory and a link target whose names
 * and contents hold a marker, and neither the inventory nor its warnings
 * may ever show it.
 *
 * Input: lines, one entry each (paths relative to the sandbox's top, where
 * sys/ and dev/ are the roots; a path with a ".." component is skipped so
 * that nothing is created outside the sandbox; link targets are free):
 *   d PATH            a directory
 *   f PATH TEXT       a file; "\n" in TEXT is a newline
 *   l PATH TARGET     a symlink
 *   p PATH            a FIFO
 *   c PATH            a PCI function: PATH is sys/devices/.../ADDR; writes
 *                     an A100's vendor, device, class and config and the
 *                     bus/pci/devices link (later "f" lines may replace them)
 * An input of odd length is scanned with attr.c's component walk, one of
 * even length with openat2().
 * Directories above a PATH are created as needed; at most 64 entries. No
 * PATH or TEXT may hold the marker (a TARGET may), so that only a read
 * outside the roots can show it.
 */

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <accel/discovery.h>
#include <accel/inventory.h>

#include "attr.h"
#include "../tests/unit/tree.h" /* tree_rm_one */

#define MARKER "FZSECRET"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char top[PATH_MAX]; /* the sandbox: top/sys, top/dev */
static char outside[PATH_MAX];

static void mkparents(char *path)
{
	for (char *p = path + strlen(top) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		(void)mkdir(path, 0755);
		*p = '/';
	}
}

/* top/rel, or false when rel could leave the sandbox. */
static void cleanup(void)
{
	if (outside[0])
		nftw(outside, tree_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static bool sandbox_path(const char *rel, size_t n, char *out, size_t cap)
{
	size_t i = 0;

	if (!n || rel[0] == '/' || n >= 512)
		return false;
	while (i < n) {
		size_t j = i;

		while (j < n && rel[j] != '/')
			j++;
		if (j - i == 2 && rel[i] == '.' && rel[i + 1] == '.')
			return false;
		i = j + 1;
	}
	if (memchr(rel, '\0', n) || memmem(rel, n, MARKER, sizeof(MARKER) - 1))
		return false;
	return snprintf(out, cap, "%s/%.*s", top, (int)n, rel) < (int)cap;
}

static void write_file(const char *path, const char *text, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_NONBLOCK, 0644);

	if (fd < 0)
		return;
	if (write(fd, text, n) < 0) {
		/* a short tree is still a tree */
	}
	close(fd);
}

/* A PCI function at path (…/devices/…/ADDR) with a bus/pci/devices link. */
static void pci_function(char *path)
{
	static const uint8_t cfg[64] = {0xde, 0x10, 0xb5, 0x20, [8] = 0xa1, [9] = 0x00,
					[10] = 0x02, [11] = 0x03};
	const char *addr = strrchr(path, '/') + 1, *devs = strstr(path, "/sys/devices/");
	char file[PATH_MAX + 32], link[PATH_MAX], target[PATH_MAX];

	if (!devs)
		return;
	mkparents(path);
	(void)mkdir(path, 0755);
	snprintf(file, sizeof(file), "%s/vendor", path);
	write_file(file, "0x10de\n", 7);
	snprintf(file, sizeof(file), "%s/device", path);
	write_file(file, "0x20b5\n", 7);
	snprintf(file, sizeof(file), "%s/class", path);
	write_file(file, "0x030200\n", 9);
	snprintf(file, sizeof(file), "%s/config", path);
	write_file(file, (const char *)cfg, sizeof(cfg));
	snprintf(link, sizeof(link), "%s/sys/bus/pci/devices/%s", top, addr);
	snprintf(target, sizeof(target), "../../..%s", devs + 4);
	mkparents(link);
	(void)symlink(target, link);
}

static void build(const uint8_t *data, size_t size)
{
	size_t i = 0, entries = 0;

	while (i < size && entries++ < 64) {
		const char *line = (const char *)data + i, *eol = memchr(line, '\n', size - i);
		size_t n = eol ? (size_t)(eol - line) : size - i, plen;
		const char *arg, *sp;
		char path[PATH_MAX];

		i += n + 1;
		if (n < 3 || line[1] != ' ')
			continue;
		arg = line + 2;
		sp = memchr(arg, ' ', n - 2);
		plen = sp ? (size_t)(sp - arg) : n - 2;
		if (!sandbox_path(arg, plen, path, sizeof(path)))
			continue;
		mkparents(path);
		if (line[0] == 'f' || line[0] == 'l' || line[0] == 'p')
			(void)unlink(path); /* a later line replaces an earlier one */
		switch (line[0]) {
		case 'd':
			(void)mkdir(path, 0755);
			break;
		case 'f': {
			char text[4200];
			size_t k = 0;

			for (const char *p = sp ? sp + 1 : arg + plen; p < line + n && k < sizeof(text);
			     p++) {
				if (p[0] == '\\' && p + 1 < line + n && p[1] == 'n') {
					text[k++] = '\n';
					p++;
				} else {
					text[k++] = *p;
				}
			}
			if (!memmem(text, k, MARKER, sizeof(MARKER) - 1))
				write_file(path, text, k);
			break;
		}
		case 'l': {
			char target[PATH_MAX];
			size_t tl = sp ? n - 2 - plen - 1 : 0;

			if (!tl || tl >= sizeof(target) || memchr(sp + 1, '\0', tl))
				break;
			memcpy(target, sp + 1, tl);
			target[tl] = '\0';
			(void)symlink(target, path);
			break;
		}
		case 'p':
			(void)mkfifo(path, 0600);
			break;
		case 'c':
			pci_function(path);
			break;
		default:
			break;
		}
	}
}

static void check(const char *text)
{
	if (text && strstr(text, MARKER)) {
		fprintf(stderr, "read outside the root: %s\n", text);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char sys[PATH_MAX + 8], dev[PATH_MAX + 8], *json = NULL;
	accel_inventory *inv = NULL;
	accel_ctx *ctx = NULL;

	if (!top[0]) {
		char tmpl[] = "/tmp/fuzz-sysfs-tree-XXXXXX";
		char file[PATH_MAX + 64];

		if (!mkdtemp(tmpl))
			abort();
		snprintf(top, sizeof(top), "%s/t", tmpl);
		/* what must never show: beside the sandbox, and at /MARKER-named
		 * places an absolute link would reach outside a root */
		snprintf(outside, sizeof(outside), "%s", tmpl);
		atexit(cleanup);
		snprintf(file, sizeof(file), "%s/" MARKER, outside);
		write_file(file, MARKER "\n", sizeof(MARKER));
		snprintf(file, sizeof(file), "%s/" MARKER "dir", outside);
		(void)mkdir(file, 0755);
		snprintf(file, sizeof(file), "%s/" MARKER "dir/" MARKER "0", outside);
		(void)mkdir(file, 0755);
		snprintf(file, sizeof(file), "%s/" MARKER "dir/numa_node", outside);
		write_file(file, MARKER "\n", sizeof(MARKER));
	}
	nftw(top, tree_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (mkdir(top, 0755))
		abort();
	snprintf(sys, sizeof(sys), "%s/sys", top);
	snprintf(dev, sizeof(dev), "%s/dev", top);
	(void)mkdir(sys, 0755);
	(void)mkdir(dev, 0755);
	build(data, size);

	/* both resolvers: openat2(RESOLVE_IN_ROOT) and the walk without it */
	attr_root_force_walk(size & 1);
	if (accel_ctx_new(&ctx))
		return 0;
	accel_ctx_set_sysfs_root(ctx, sys);
	accel_ctx_set_dev_root(ctx, dev);
	accel_ctx_set_host(ctx, "fuzz");
	accel_ctx_set_opencl(ctx, ACCEL_OPENCL_OFF);
	accel_ctx_set_pci_ids(ctx, "/nonexistent/pci.ids");
	if (accel_scan(ctx, &inv) == 0) {
		if (accel_inventory_to_json(inv, 0, &json) != 0)
			abort();
		check(json);
		free(json);
		accel_inventory_free(inv);
	} else {
		check(accel_ctx_error(ctx));
	}
	accel_ctx_free(ctx);
	return 0;
}
