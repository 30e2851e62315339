/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The record stream of accelinv.ko (docs/internals/kmod.md): a strict
 * parser for one record and a reader that splits reads into lines and
 * checks the snapshot and the sequence numbers that follow it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <accel/kmod.h>
#include <accel/util.h>

#define PREFIX "kmod record: "

/* A line can hold at most this many fields ("k=v" and a space each). */
#define MAX_FIELDS (ACCEL_KMOD_RECORD_MAX / 4 + 1)

#define F_IDS (ACCEL_KMOD_F_ADDR | ACCEL_KMOD_F_VENDOR | ACCEL_KMOD_F_DEVICE | ACCEL_KMOD_F_CLASS)

static const struct {
	const char *name;
	unsigned required, optional;
} types[] = {
	[ACCEL_KMOD_BEGIN] = {"begin", ACCEL_KMOD_F_GEN, 0},
	[ACCEL_KMOD_DEV] = {"dev", F_IDS, ACCEL_KMOD_F_DRIVER},
	[ACCEL_KMOD_END] = {"end", ACCEL_KMOD_F_GEN | ACCEL_KMOD_F_COUNT, 0},
	/* accelinv names the driver on bind only; elsewhere it is accepted, not required */
	[ACCEL_KMOD_ADD] = {"add", ACCEL_KMOD_F_SEQ | F_IDS, ACCEL_KMOD_F_DRIVER},
	[ACCEL_KMOD_DEL] = {"del", ACCEL_KMOD_F_SEQ | F_IDS, ACCEL_KMOD_F_DRIVER},
	[ACCEL_KMOD_BIND] = {"bind", ACCEL_KMOD_F_SEQ | F_IDS | ACCEL_KMOD_F_DRIVER, 0},
	[ACCEL_KMOD_UNBIND] = {"unbind", ACCEL_KMOD_F_SEQ | F_IDS, ACCEL_KMOD_F_DRIVER},
	[ACCEL_KMOD_OVERFLOW] = {"overflow", ACCEL_KMOD_F_LOST, 0},
};

/* In the order a missing field is reported. */
static const struct {
	const char *key;
	unsigned bit;
} keys[] = {
	{"gen", ACCEL_KMOD_F_GEN},	 {"seq", ACCEL_KMOD_F_SEQ},
	{"count", ACCEL_KMOD_F_COUNT},	 {"lost", ACCEL_KMOD_F_LOST},
	{"addr", ACCEL_KMOD_F_ADDR},	 {"vendor", ACCEL_KMOD_F_VENDOR},
	{"device", ACCEL_KMOD_F_DEVICE}, {"class", ACCEL_KMOD_F_CLASS},
	{"driver", ACCEL_KMOD_F_DRIVER},
};

#define N_TYPES (sizeof(types) / sizeof(types[0]))
#define N_KEYS	(sizeof(keys) / sizeof(keys[0]))

const char *accel_kmod_type_name(enum accel_kmod_type t)
{
	return (unsigned)t < N_TYPES && types[t].name ? types[t].name : "?";
}

bool accel_kmod_is_event(enum accel_kmod_type t)
{
	return t == ACCEL_KMOD_ADD || t == ACCEL_KMOD_DEL || t == ACCEL_KMOD_BIND ||
	       t == ACCEL_KMOD_UNBIND;
}

struct field {
	const char *key, *val;
	size_t klen, vlen;
};

static bool key_is(const struct field *f, const char *key)
{
	return f->klen == strlen(key) && !memcmp(f->key, key, f->klen);
}

/* Quote s for a message; buf of ACCEL_KMOD_RECORD_MAX bytes at least. */
static const char *q(const char *s, size_t len, char *buf)
{
	return accel_text_sanitize(s, len, buf, ACCEL_KMOD_RECORD_MAX);
}

static int parse_u64(const struct field *f, uint64_t *out, accel_err *err)
{
	char qb[ACCEL_KMOD_RECORD_MAX];
	uint64_t v = 0;

	if (f->vlen > 1 && f->val[0] == '0')
		goto bad;
	for (size_t i = 0; i < f->vlen; i++) {
		unsigned d = (unsigned)(f->val[i] - '0');

		if (d > 9)
			goto bad;
		if (v > (UINT64_MAX - d) / 10)
			return accel_err_set(err, -EBADMSG,
					     PREFIX "%.*s: '%s' is out of range (over %llu)",
					     (int)f->klen, f->key, q(f->val, f->vlen, qb),
					     (unsigned long long)UINT64_MAX);
		v = v * 10 + d;
	}
	*out = v;
	return 0;
bad:
	return accel_err_set(err, -EBADMSG, PREFIX "%.*s: '%s' is not a decimal number",
			     (int)f->klen, f->key, q(f->val, f->vlen, qb));
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly `width` hex digits, no prefix. */
static int parse_hex(const struct field *f, size_t width, uint32_t *out, accel_err *err)
{
	char qb[ACCEL_KMOD_RECORD_MAX];
	uint32_t v = 0;

	if (f->vlen != width)
		goto bad;
	for (size_t i = 0; i < width; i++) {
		int d = hex_digit(f->val[i]);

		if (d < 0)
			goto bad;
		v = v << 4 | (uint32_t)d;
	}
	*out = v;
	return 0;
bad:
	return accel_err_set(err, -EBADMSG, PREFIX "%.*s: '%s' is not %zu hex digits", (int)f->klen,
			     f->key, q(f->val, f->vlen, qb), width);
}

/* n hex digits from s into *v (lower-cased into *o); false if not hex. */
static bool hex_run(const char *s, size_t n, unsigned long *v, char **o)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		int d = hex_digit(s[i]);

		if (d < 0)
			return false;
		*v = *v << 4 | (unsigned long)d;
		*(*o)++ = "0123456789abcdef"[d];
	}
	return true;
}

/* DDDD:BB:DD.F as the kernel prints it (%04x:%02x:%02x.%d; VMD domains
 * have up to 8 digits), stored lower-cased. */
static int parse_addr(const struct field *f, char out[ACCEL_ADDR_MAX], accel_err *err)
{
	char qb[ACCEL_KMOD_RECORD_MAX], tmp[ACCEL_ADDR_MAX], *o = tmp;
	const char *s = f->val;
	size_t n = f->vlen, dl;
	unsigned long dom, bus, dev;

	/* the domain is all before the first colon */
	for (dl = 0; dl < n && s[dl] != ':'; dl++)
		;
	if (dl < 4 || dl > 8 || n != dl + 8 || !hex_run(s, dl, &dom, &o))
		goto bad;
	s += dl;
	if (s[0] != ':' || s[3] != ':' || s[6] != '.' || s[7] < '0' || s[7] > '7')
		goto bad;
	*o++ = ':';
	if (!hex_run(s + 1, 2, &bus, &o))
		goto bad;
	*o++ = ':';
	if (!hex_run(s + 4, 2, &dev, &o) || dev > 0x1f)
		goto bad;
	*o++ = '.';
	*o++ = s[7];
	*o = '\0';
	(void)dom;
	(void)bus;
	memcpy(out, tmp, ACCEL_ADDR_MAX);
	return 0;
bad:
	return accel_err_set(err, -EBADMSG, PREFIX "addr: '%s' is not a PCI address (DDDD:BB:DD.F)",
			     q(f->val, f->vlen, qb));
}

static int parse_value(const struct field *f, unsigned bit, struct accel_kmod_record *r,
		       accel_err *err)
{
	char qb[ACCEL_KMOD_RECORD_MAX];
	uint32_t v;
	int rc;

	switch (bit) {
	case ACCEL_KMOD_F_GEN:
		return parse_u64(f, &r->gen, err);
	case ACCEL_KMOD_F_SEQ:
		return parse_u64(f, &r->seq, err);
	case ACCEL_KMOD_F_COUNT:
		return parse_u64(f, &r->count, err);
	case ACCEL_KMOD_F_LOST:
		return parse_u64(f, &r->lost, err);
	case ACCEL_KMOD_F_ADDR:
		return parse_addr(f, r->addr, err);
	case ACCEL_KMOD_F_VENDOR:
	case ACCEL_KMOD_F_DEVICE:
		rc = parse_hex(f, 4, &v, err);
		if (!rc && bit == ACCEL_KMOD_F_VENDOR)
			r->vendor = (uint16_t)v;
		else if (!rc)
			r->device = (uint16_t)v;
		return rc;
	case ACCEL_KMOD_F_CLASS:
		return parse_hex(f, 6, &r->class_code, err);
	case ACCEL_KMOD_F_DRIVER:
		if (f->vlen >= sizeof(r->driver))
			return accel_err_set(err, -EBADMSG,
					     PREFIX "driver: '%s' is longer than %zu bytes",
					     q(f->val, f->vlen, qb), sizeof(r->driver) - 1);
		memcpy(r->driver, f->val, f->vlen);
		r->driver[f->vlen] = '\0';
		return 0;
	}
	return -EINVAL;
}

/* Split s (n bytes, no newline) at single spaces into key=value fields. */
static int split(const char *s, size_t n, struct field *fv, size_t *nf, accel_err *err)
{
	char qb[ACCEL_KMOD_RECORD_MAX];
	size_t i = 0;

	*nf = 0;
	while (i <= n) {
		const char *sp = memchr(s + i, ' ', n - i);
		size_t e = sp ? (size_t)(sp - s) : n;
		struct field *f = &fv[*nf];
		const char *eq;

		if (e == i && i == 0)
			return accel_err_set(err, -EBADMSG, PREFIX "leading space");
		if (e == i && i == n)
			return accel_err_set(err, -EBADMSG, PREFIX "trailing space");
		if (e == i)
			return accel_err_set(err, -EBADMSG, PREFIX "two spaces at offset %zu",
					     i - 1);
		for (size_t j = i; j < e; j++)
			if ((unsigned char)s[j] < 0x21 || (unsigned char)s[j] > 0x7e)
				return accel_err_set(err, -EBADMSG,
						     PREFIX
						     "'%s': control or non-ASCII byte 0x%02x",
						     q(s + i, e - i, qb), (unsigned char)s[j]);
		eq = memchr(s + i, '=', e - i);
		if (!eq || eq == s + i)
			return accel_err_set(err, -EBADMSG, PREFIX "field '%s' is not key=value",
					     q(s + i, e - i, qb));
		f->key = s + i;
		f->klen = (size_t)(eq - f->key);
		f->val = eq + 1;
		f->vlen = (size_t)(s + e - f->val);
		if (!f->vlen)
			return accel_err_set(err, -EBADMSG, PREFIX "%.*s: empty value",
					     (int)f->klen, f->key);
		if (memchr(f->val, '=', f->vlen))
			return accel_err_set(err, -EBADMSG, PREFIX "%.*s: '%s' holds '='",
					     (int)f->klen, f->key, q(f->val, f->vlen, qb));
		for (size_t k = 0; k < *nf; k++)
			if (fv[k].klen == f->klen && !memcmp(fv[k].key, f->key, f->klen))
				return accel_err_set(err, -EBADMSG, PREFIX "duplicate key '%.*s'",
						     (int)f->klen, f->key);
		(*nf)++;
		i = e + 1;
		if (!sp)
			break;
		if (*nf == MAX_FIELDS) /* cannot happen within the length limit */
			return accel_err_set(err, -EBADMSG, PREFIX "too many fields");
	}
	return 0;
}

int accel_kmod_parse(const char *line, size_t len, struct accel_kmod_record *out, accel_err *err)
{
	struct field fv[MAX_FIELDS];
	struct accel_kmod_record r;
	char qb[ACCEL_KMOD_RECORD_MAX];
	const char *nul;
	size_t nf;
	unsigned t, missing;
	uint64_t ver;
	int rc;

	if (!line)
		len = 0;
	if (len && line[len - 1] == '\n')
		len--;
	if (len + 1 > ACCEL_KMOD_RECORD_MAX)
		return accel_err_set(err, -E2BIG,
				     PREFIX "%zu bytes with the newline, over the limit of %d",
				     len + 1, ACCEL_KMOD_RECORD_MAX);
	if (!len)
		return accel_err_set(err, -EBADMSG, PREFIX "empty");
	nul = memchr(line, '\0', len);
	if (nul)
		return accel_err_set(err, -EBADMSG, PREFIX "NUL byte at offset %zu",
				     (size_t)(nul - line));
	rc = split(line, len, fv, &nf, err);
	if (rc)
		return rc;

	memset(&r, 0, sizeof(r));
	if (!key_is(&fv[0], "v"))
		return accel_err_set(err, -EBADMSG,
				     PREFIX "first field is '%.*s', not v=", (int)fv[0].klen,
				     fv[0].key);
	rc = parse_u64(&fv[0], &ver, err);
	if (rc)
		return rc;
	if (ver != ACCEL_KMOD_VERSION)
		return accel_err_set(err, -EBADMSG,
				     PREFIX "v: version %llu is not supported (%d is)",
				     (unsigned long long)ver, ACCEL_KMOD_VERSION);
	r.version = ACCEL_KMOD_VERSION;
	if (nf < 2 || !key_is(&fv[1], "type"))
		return accel_err_set(err, -EBADMSG, PREFIX "second field is not type=");
	for (t = 1; t < N_TYPES; t++)
		if (strlen(types[t].name) == fv[1].vlen &&
		    !memcmp(types[t].name, fv[1].val, fv[1].vlen))
			break;
	if (t == N_TYPES)
		return accel_err_set(err, -EBADMSG, PREFIX "type: '%s' is not a record type",
				     q(fv[1].val, fv[1].vlen, qb));
	r.type = (enum accel_kmod_type)t;

	for (size_t i = 2; i < nf; i++) {
		for (size_t k = 0; k < N_KEYS; k++) {
			/* a field of another type is as unknown as a new one */
			if (!key_is(&fv[i], keys[k].key) ||
			    !((types[t].required | types[t].optional) & keys[k].bit))
				continue;
			rc = parse_value(&fv[i], keys[k].bit, &r, err);
			if (rc)
				return rc;
			r.fields |= keys[k].bit;
		}
	}
	missing = types[t].required & ~r.fields;
	for (size_t k = 0; k < N_KEYS; k++)
		if (missing & keys[k].bit)
			return accel_err_set(err, -EBADMSG, PREFIX "type=%s: missing %s",
					     types[t].name, keys[k].key);
	*out = r;
	accel_err_clear(err);
	return 0;
}

/*
 * The reader. The buffer holds at most one partial line (under
 * ACCEL_KMOD_RECORD_MAX bytes) before each read, so every read asks for
 * at least READ_MIN bytes and the kernel's 256-byte minimum is always met.
 */
#define READ_MIN 4096
#define BUF_SIZE (READ_MIN + 2 * ACCEL_KMOD_RECORD_MAX)

enum kmod_state {
	WAIT_BEGIN,  /* after open or an overflow */
	IN_SNAPSHOT, /* after begin: dev records, then end */
	IN_EVENTS,   /* after end: events from next_seq on */
};

struct accel_kmod {
	int fd;
	char *path;
	size_t pos, len; /* unconsumed bytes are buf[pos, len) */
	bool skipping;	 /* dropping the rest of an over-long line */
	bool eof;
	uint64_t lineno; /* records read, from 1, for messages */
	enum kmod_state state;
	uint64_t next_seq, n_dev;
	bool held; /* hold is returned by the next call (after -EPROTO) */
	struct accel_kmod_record hold;
	char buf[BUF_SIZE];
};

int accel_kmod_open(const char *path, accel_kmod **out, accel_err *err)
{
	accel_kmod *k;
	int r;

	if (!path)
		path = ACCEL_KMOD_DEFAULT_PATH;
	k = calloc(1, sizeof(*k));
	if (!k || !(k->path = strdup(path))) {
		free(k);
		return accel_err_set(err, -ENOMEM, "%s: out of memory", path);
	}
	k->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->fd < 0) {
		r = -errno;
		accel_err_set(err, r, "%s: %s", path, strerror(-r));
		free(k->path);
		free(k);
		return r;
	}
	k->state = WAIT_BEGIN;
	*out = k;
	accel_err_clear(err);
	return 0;
}

int accel_kmod_fd(const accel_kmod *k)
{
	return k->fd;
}

const char *accel_kmod_path(const accel_kmod *k)
{
	return k->path;
}

void accel_kmod_close(accel_kmod *k)
{
	if (!k)
		return;
	if (k->fd >= 0)
		close(k->fd);
	free(k->path);
	free(k);
}

/* What the stream's contract says of r here; 0 or a reason in why. */
static int check(const accel_kmod *k, const struct accel_kmod_record *r, char *why, size_t cap)
{
	const char *name = accel_kmod_type_name(r->type);

	switch (r->type) {
	case ACCEL_KMOD_BEGIN:
		if (k->state == WAIT_BEGIN)
			return 0;
		snprintf(why, cap, "%s",
			 k->state == IN_SNAPSHOT ? "begin inside a snapshot that did not end"
						 : "begin without an overflow before it");
		return -EPROTO;
	case ACCEL_KMOD_DEV:
		if (k->state == IN_SNAPSHOT)
			return 0;
		snprintf(why, cap, "dev %s outside a snapshot", r->addr);
		return -EPROTO;
	case ACCEL_KMOD_END:
		if (k->state != IN_SNAPSHOT) {
			snprintf(why, cap, "end outside a snapshot");
			return -EPROTO;
		}
		if (r->count != k->n_dev) {
			snprintf(why, cap, "end count=%llu, but %llu dev records came",
				 (unsigned long long)r->count, (unsigned long long)k->n_dev);
			return -EPROTO;
		}
		return 0;
	case ACCEL_KMOD_OVERFLOW:
		return 0;
	default:
		break;
	}
	if (k->state != IN_EVENTS) {
		snprintf(why, cap, "%s seq=%llu before the snapshot's end", name,
			 (unsigned long long)r->seq);
		return -EPROTO;
	}
	if (r->seq > k->next_seq) {
		uint64_t gap = r->seq - k->next_seq;

		snprintf(why, cap,
			 "seq gap: expected seq=%llu, got seq=%llu (%llu event%s missing)",
			 (unsigned long long)k->next_seq, (unsigned long long)r->seq,
			 (unsigned long long)gap, gap == 1 ? "" : "s");
		return -EPROTO;
	}
	if (r->seq < k->next_seq) {
		snprintf(why, cap, "seq went back: expected seq=%llu, got seq=%llu",
			 (unsigned long long)k->next_seq, (unsigned long long)r->seq);
		return -EPROTO;
	}
	return 0;
}

static void apply(accel_kmod *k, const struct accel_kmod_record *r)
{
	switch (r->type) {
	case ACCEL_KMOD_BEGIN:
		k->state = IN_SNAPSHOT;
		k->n_dev = 0;
		break;
	case ACCEL_KMOD_DEV:
		k->n_dev++;
		break;
	case ACCEL_KMOD_END:
		k->state = IN_EVENTS;
		k->next_seq = r->gen;
		break;
	case ACCEL_KMOD_OVERFLOW:
		k->state = WAIT_BEGIN;
		break;
	default:
		k->state = IN_EVENTS;
		k->next_seq = r->seq + 1;
		break;
	}
}

/* One whole line (n bytes with its newline) at s. */
static int deliver(accel_kmod *k, const char *s, size_t n, struct accel_kmod_record *out,
		   accel_err *err)
{
	struct accel_kmod_record r;
	char qb[ACCEL_KMOD_RECORD_MAX], why[256];
	accel_err perr;
	int rc;

	rc = accel_kmod_parse(s, n, &r, &perr);
	if (rc) {
		const char *msg = perr.msg;

		if (!strncmp(msg, PREFIX, strlen(PREFIX)))
			msg += strlen(PREFIX);
		if (rc == -E2BIG)
			return accel_err_set(err, -EBADMSG,
					     "%s: record %llu '%.60s...': %s; skipped", k->path,
					     (unsigned long long)k->lineno, q(s, n - 1, qb), msg);
		return accel_err_set(err, -EBADMSG, "%s: record %llu '%s': %s; skipped", k->path,
				     (unsigned long long)k->lineno, q(s, n - 1, qb), msg);
	}
	rc = check(k, &r, why, sizeof(why));
	if (rc) {
		k->hold = r;
		k->held = true;
		return accel_err_set(err, rc, "%s: record %llu '%s': %s", k->path,
				     (unsigned long long)k->lineno, q(s, n - 1, qb), why);
	}
	apply(k, &r);
	*out = r;
	accel_err_clear(err);
	return 1;
}

int accel_kmod_next(accel_kmod *k, struct accel_kmod_record *out, accel_err *err)
{
	char qb[ACCEL_KMOD_RECORD_MAX];

	if (k->held) {
		k->held = false;
		apply(k, &k->hold);
		*out = k->hold;
		accel_err_clear(err);
		return 1;
	}
	for (;;) {
		char *s = k->buf + k->pos, *nl;
		size_t avail = k->len - k->pos;
		ssize_t n;

		nl = memchr(s, '\n', avail);
		if (k->skipping) {
			/* the rest of an over-long line, already reported */
			if (nl) {
				k->skipping = false;
				k->pos += (size_t)(nl - s) + 1;
				continue;
			}
			k->pos = k->len;
			avail = 0;
		} else if (nl) {
			k->pos += (size_t)(nl - s) + 1;
			k->lineno++;
			return deliver(k, s, (size_t)(nl - s) + 1, out, err);
		} else if (avail >= ACCEL_KMOD_RECORD_MAX) {
			k->lineno++;
			k->skipping = true;
			k->pos = k->len;
			return accel_err_set(err, -EBADMSG,
					     "%s: record %llu '%.60s...': no newline within %d "
					     "bytes; skipped",
					     k->path, (unsigned long long)k->lineno,
					     q(s, avail, qb), ACCEL_KMOD_RECORD_MAX);
		}
		if (k->eof) {
			if (avail) {
				k->lineno++;
				k->pos = k->len;
				return accel_err_set(err, -EBADMSG,
						     "%s: record %llu '%s': cut short by the end "
						     "of the stream; skipped",
						     k->path, (unsigned long long)k->lineno,
						     q(s, avail, qb));
			}
			return accel_err_set(err, -ENODATA, "%s: end of stream", k->path);
		}
		memmove(k->buf, s, avail);
		k->pos = 0;
		k->len = avail;
		n = read(k->fd, k->buf + k->len, sizeof(k->buf) - k->len);
		if (n < 0) {
			int r = -errno;

			if (r == -EINTR)
				continue;
			if (r == -EAGAIN || r == -EWOULDBLOCK) {
				accel_err_clear(err);
				return 0;
			}
			return accel_err_set(err, r, "%s: read: %s", k->path, strerror(-r));
		}
		if (n == 0)
			k->eof = true;
		k->len += (size_t)n;
	}
}
