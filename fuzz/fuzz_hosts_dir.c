/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the scheduler's --hosts directory loader
 * (accel_sched_hosts_load_dir: every *.json in a folder, one inventory per
 * host) over a folder built from the input, then a request evaluated over
 * what loaded.
 *
 * The input is a list of entries, each starting with a line
 *   "@@ NAME"            a file NAME holding the lines up to the next entry
 *   "@@ NAME -> TARGET"  a symbolic link NAME to TARGET (inside the folder:
 *                        dangling, looping or to a folder)
 *   "@@ NAME/"           a folder NAME
 * (names: [A-Za-z0-9._-], at most 64 characters, not . or ..). A refusal
 * must say why and name the folder or its file; what loads must be at most
 * one host per file loaded.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <accel/sched.h>
#include <accel/util.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ENTRIES 32

static char base[64];
static unsigned long serial;

static bool clean_name(const char *s, size_t n, char *out)
{
	if (!n || n > 64 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
		out[i] = c;
	}
	out[n] = '\0';
	return true;
}

/* One "@@ ..." header and its body into dir (nothing when a name is not clean). */
static void make_entry(const char *dir, const char *head, size_t hl, const char *body, size_t bl)
{
	char name[65], target[65], path[256];
	const char *arrow = NULL;

	for (size_t i = 0; i + 4 <= hl; i++)
		if (!memcmp(head + i, " -> ", 4)) {
			arrow = head + i;
			break;
		}
	if (arrow) {
		if (!clean_name(head, (size_t)(arrow - head), name) ||
		    !clean_name(arrow + 4, hl - (size_t)(arrow + 4 - head), target))
			return;
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		(void)!symlink(target, path);
	} else if (hl && head[hl - 1] == '/') {
		if (!clean_name(head, hl - 1, name))
			return;
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		(void)!mkdir(path, 0700);
	} else {
		FILE *f;

		if (!clean_name(head, hl, name))
			return;
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		f = fopen(path, "wx");
		if (!f)
			return;
		fwrite(body, 1, bl, f);
		fclose(f);
	}
}

static void remove_dir(const char *dir, char names[][65], size_t n)
{
	char path[256];

	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (unlink(path) && (errno == EISDIR || errno == EPERM))
			rmdir(path);
	}
	rmdir(dir);
}

/* strstr() without libFuzzer's hook on it: the folder's random name must
 * not reach the mutation dictionary (make fuzz-regress is deterministic). */
static bool contains(const char *s, const char *part)
{
	size_t n = strlen(part);

	for (; *s; s++) {
		size_t i = 0;

		while (i < n && s[i] == part[i])
			i++;
		if (i == n)
			return true;
	}
	return false;
}

static void remove_base(void)
{
	rmdir(base);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {"accelsched:count"}, *const values[] = {"1"};
	char dir[128], names[MAX_ENTRIES][65];
	const char *p = (const char *)data, *end = p + size;
	accel_sched_hosts *t = NULL;
	accel_sched_request *rq = NULL;
	size_t n_names = 0;
	accel_err err;
	int r;

	if (size > 65536)
		return 0;
	if (!base[0]) {
		snprintf(base, sizeof(base), "%s/fuzz-hosts-XXXXXX",
			 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (!mkdtemp(base) || strlen(base) > 60)
			abort();
		atexit(remove_base);
	}
	snprintf(dir, sizeof(dir), "%s/%lu", base, serial++);
	if (mkdir(dir, 0700))
		abort();
	/* entries: "@@ " at the start of the input or of a line */
	while (p < end && n_names < MAX_ENTRIES) {
		const char *head, *eol, *body, *next = NULL;
		size_t hl;

		if (end - p < 3 || memcmp(p, "@@ ", 3)) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));

			p = nl ? nl + 1 : end;
			continue;
		}
		head = p + 3;
		eol = memchr(head, '\n', (size_t)(end - head));
		hl = (size_t)((eol ? eol : end) - head);
		body = eol ? eol + 1 : end;
		for (const char *q = body; q < end; q++)
			if ((q == body || q[-1] == '\n') && end - q >= 3 && !memcmp(q, "@@ ", 3)) {
				next = q;
				break;
			}
		if (!next)
			next = end;
		make_entry(dir, head, hl, body, (size_t)(next - body));
		{
			const char *arrow = memchr(head, ' ', hl);
			size_t nl = arrow ? (size_t)(arrow - head) : hl;

			if (nl && head[nl - 1] == '/')
				nl--;
			if (clean_name(head, nl, names[n_names]))
				n_names++;
		}
		p = next;
	}

	if (accel_sched_hosts_new(&t))
		abort();
	r = accel_sched_hosts_load_dir(t, dir, &err);
	if (r < 0) {
		if (!err.msg[0] || !contains(err.msg, dir))
			abort();
	} else {
		char **hosts = NULL;
		size_t n = 0;

		if (accel_sched_hosts_count(t) > (size_t)r)
			abort();
		if (accel_sched_hosts_names(t, &hosts, &n) == 0 && n) {
			accel_sched_result *res = calloc(n, sizeof(*res));

			if (res && accel_sched_request_parse(keys, values, 1, &rq, &err) == 0) {
				if (accel_sched_evaluate(t, rq, (const char *const *)hosts, n, res))
					abort();
				accel_sched_request_free(rq);
			}
			free(res);
		}
		accel_strv_free(hosts, n);
	}
	accel_sched_hosts_free(t);
	remove_dir(dir, names, n_names);
	return 0;
}
