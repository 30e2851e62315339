/* SPDX-License-Identifier: Apache-2.0 */
/* acceld's Kafka spool: the file format and its rules are in spool.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <accel/util.h>

#include "spool.h"

#define MAGIC "ASP1"
#define HEAD 12 /* magic, length, checksum */
#define T_MSG 1
#define T_DONE 2
#define KEY_NULL 0xffffu /* the key's length when it has none */
#define LOAD_MAX (1ull << 32) /* a spool file larger than this is not ours */

struct entry {
	spool_msg m;
	uint32_t bytes; /* its record in the file */
	bool dead;	/* delivered: cleared but its seq, gone at the next squeeze */
};

struct wbuf {
	uint8_t *p;
	size_t n, cap;
	int err;
};

struct spool {
	char *dir, *path;
	int fd, lock_fd;
	uint64_t max_bytes, file_bytes, live_bytes;
	uint64_t next_seq, synced_seq;
	struct entry *base; /* the allocation: e[0] is base[head] */
	struct entry *e;    /* undelivered, by seq */
	size_t n, cap, head;
	size_t n_dead; /* entries among the n marked dead */
	uint64_t dropped[SPOOL_N_CLASSES];
	/* records appended and done marks not written yet: one write for
	 * them all at the next sync (or flush, compaction, close); file_bytes
	 * counts them; the last pend_msgs entries are theirs */
	struct wbuf pend;
	size_t pend_msgs;
	spool_warn_fn warn;
	void *arg;
};

static int flush_pend(spool *sp, accel_err *err);

/* CRC-32C (Castagnoli): tables built once, eight bytes a step
 * ("slicing-by-8"), so that loading a spool of many megabytes is quick */
static uint32_t crc_table[8][256];

static uint32_t crc32c_table(const uint8_t *p, size_t n);

#if defined(__x86_64__)
/* SSE 4.2's crc32 instruction computes CRC-32C itself: eight bytes an
 * instruction, where the CPU has it (the same checksum) */
__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(const uint8_t *p, size_t n)
{
	uint64_t c = 0xffffffffu;

	while (n >= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		c = __builtin_ia32_crc32di(c, v);
		p += 8;
		n -= 8;
	}
	while (n--)
		c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
	return (uint32_t)c ^ 0xffffffffu;
}
#endif

static uint32_t crc32c(const uint8_t *p, size_t n)
{
#if defined(__x86_64__)
	static int hw = -1;

	if (hw < 0) {
		__builtin_cpu_init();
		hw = __builtin_cpu_supports("sse4.2") ? 1 : 0;
	}
	if (hw)
		return crc32c_sse42(p, n);
#endif
	return crc32c_table(p, n);
}

static uint32_t crc32c_table(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	if (!crc_table[0][1]) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t v = i;

			for (int k = 0; k < 8; k++)
				v = v & 1 ? (v >> 1) ^ 0x82f63b78u : v >> 1;
			crc_table[0][i] = v;
		}
		for (uint32_t i = 0; i < 256; i++)
			for (int t = 1; t < 8; t++)
				crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^
						  crc_table[0][crc_table[t - 1][i] & 0xff];
	}
	while (n >= 8) {
		uint32_t lo = c ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
				   (uint32_t)p[3] << 24);
		uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
			      (uint32_t)p[7] << 24;

		c = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^
		    crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^
		    crc_table[3][hi & 0xff] ^ crc_table[2][(hi >> 8) & 0xff] ^
		    crc_table[1][(hi >> 16) & 0xff] ^ crc_table[0][hi >> 24];
		p += 8;
		n -= 8;
	}
	while (n--)
		c = crc_table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

static void warnf(spool *sp, const char *fmt, ...) ACCEL_PRINTF(2, 3);
static void warnf(spool *sp, const char *fmt, ...)
{
	char buf[600];
	va_list ap;

	if (!sp->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sp->warn(buf, sp->arg);
}

const char *spool_class_name(spool_class c)
{
	static const char *const names[] = { "metrics", "inventory", "events" };

	return (unsigned)c < SPOOL_N_CLASSES ? names[c] : "?";
}

void spool_msg_clear(spool_msg *m)
{
	free(m->topic);
	free(m->key);
	for (size_t i = 0; i < m->n_headers; i++) {
		free(m->headers[i].name);
		free(m->headers[i].value);
	}
	free(m->value);
	memset(m, 0, sizeof(*m));
}

/* ---- encoding ---- */

static void put(struct wbuf *w, const void *src, size_t n)
{
	if (w->err)
		return;
	if (w->n + n > w->cap) {
		size_t cap = w->cap ? w->cap : 256;
		uint8_t *np;

		while (cap < w->n + n)
			cap *= 2;
		np = realloc(w->p, cap);
		if (!np) {
			w->err = -ENOMEM;
			return;
		}
		w->p = np;
		w->cap = cap;
	}
	memcpy(w->p + w->n, src, n);
	w->n += n;
}

static void put_u(struct wbuf *w, uint64_t v, size_t bytes)
{
	uint8_t b[8];

	for (size_t i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put(w, b, bytes);
}

static void put_str16(struct wbuf *w, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	put_u(w, n, 2);
	put(w, s, n);
}

/* header then body: the checksum and length of the record that starts
 * at `start` filled in at the end */
static void seal(struct wbuf *w, size_t start)
{
	uint32_t len, crc;

	if (w->err)
		return;
	len = (uint32_t)(w->n - start - HEAD);
	crc = crc32c(w->p + start + HEAD, len);
	for (int i = 0; i < 4; i++) {
		w->p[start + 4 + i] = (uint8_t)(len >> (8 * i));
		w->p[start + 8 + i] = (uint8_t)(crc >> (8 * i));
	}
}

static int finish(struct wbuf *w, uint8_t **out, size_t *n)
{
	seal(w, 0);
	if (w->err) {
		free(w->p);
		return w->err;
	}
	*out = w->p;
	*n = w->n;
	return 0;
}

static bool field_ok(const char *s, size_t max)
{
	return s && strlen(s) <= max;
}

static int check_msg(const spool_msg *m, accel_err *err)
{
	if (!field_ok(m->topic, SPOOL_TOPIC_MAX) || !*m->topic)
		return accel_err_set(err, -EINVAL, "spool: a message needs a topic of 1 to %d bytes",
				     SPOOL_TOPIC_MAX);
	if (m->key && !field_ok(m->key, KEY_NULL - 1))
		return accel_err_set(err, -EINVAL, "spool: message key longer than %u bytes",
				     KEY_NULL - 1);
	if (m->n_headers > SPOOL_MAX_HEADERS)
		return accel_err_set(err, -EINVAL, "spool: more than %d headers", SPOOL_MAX_HEADERS);
	for (size_t i = 0; i < m->n_headers; i++)
		if (!field_ok(m->headers[i].name, 255) || !*m->headers[i].name ||
		    !field_ok(m->headers[i].value, UINT16_MAX))
			return accel_err_set(err, -EINVAL, "spool: header %zu: bad name or value", i);
	if (!m->value && m->value_len)
		return accel_err_set(err, -EINVAL, "spool: a NULL value of %zu bytes", m->value_len);
	if (m->value_len > SPOOL_RECORD_MAX - 1024)
		return accel_err_set(err, -E2BIG,
				     "spool: a message of %zu bytes: more than a record holds (%u)",
				     m->value_len, SPOOL_RECORD_MAX - 1024);
	if ((unsigned)m->cls >= SPOOL_N_CLASSES)
		return accel_err_set(err, -EINVAL, "spool: unknown message class %d", (int)m->cls);
	return 0;
}

/* m's record (checked) added to w */
static void encode_into(struct wbuf *w, const spool_msg *m)
{
	size_t start = w->n;

	put(w, MAGIC "\0\0\0\0\0\0\0\0", HEAD);
	put_u(w, T_MSG, 1);
	put_u(w, m->seq, 8);
	put_u(w, (uint64_t)m->cls, 1);
	put_str16(w, m->topic);
	if (m->key)
		put_str16(w, m->key);
	else
		put_u(w, KEY_NULL, 2);
	put_u(w, m->n_headers, 1);
	for (size_t i = 0; i < m->n_headers; i++) {
		put_str16(w, m->headers[i].name);
		put_str16(w, m->headers[i].value);
	}
	if (m->value) {
		put_u(w, m->value_len, 4);
		put(w, m->value, m->value_len);
	} else {
		put_u(w, SPOOL_VALUE_NULL, 4); /* a tombstone */
	}
	seal(w, start);
}

int spool_encode_msg(const spool_msg *m, uint8_t **out, size_t *n, accel_err *err)
{
	struct wbuf w = { 0 };
	int r = check_msg(m, err);

	if (r)
		return r;
	encode_into(&w, m);
	if (finish(&w, out, n))
		return accel_err_set(err, -ENOMEM, "out of memory");
	return 0;
}

static void encode_done_into(struct wbuf *w, uint64_t seq)
{
	size_t start = w->n;

	put(w, MAGIC "\0\0\0\0\0\0\0\0", HEAD);
	put_u(w, T_DONE, 1);
	put_u(w, seq, 8);
	seal(w, start);
}

/* ---- parsing ---- */

struct rbuf {
	const uint8_t *p;
	size_t n, off;
	const char *why;
};

static uint64_t get_u(struct rbuf *r, size_t bytes)
{
	uint64_t v = 0;

	if (r->why)
		return 0;
	if (r->n - r->off < bytes) {
		r->why = "a field runs past the record's end";
		return 0;
	}
	for (size_t i = 0; i < bytes; i++)
		v |= (uint64_t)r->p[r->off + i] << (8 * i);
	r->off += bytes;
	return v;
}

/* A string of a 16-bit length: NUL-terminated copy; no NUL inside. */
static char *get_str16(struct rbuf *r, size_t max, bool empty_ok)
{
	size_t n = (size_t)get_u(r, 2);
	char *s;

	if (r->why)
		return NULL;
	if (n > r->n - r->off) {
		r->why = "a string runs past the record's end";
		return NULL;
	}
	if (n > max || (!n && !empty_ok)) {
		r->why = "a string of a length out of range";
		return NULL;
	}
	if (memchr(r->p + r->off, '\0', n)) {
		r->why = "a NUL byte inside a string";
		return NULL;
	}
	s = malloc(n + 1);
	if (!s) {
		r->why = "out of memory";
		return NULL;
	}
	memcpy(s, r->p + r->off, n);
	s[n] = '\0';
	r->off += n;
	return s;
}

static const char *parse_msg(struct rbuf *r, spool_msg *m)
{
	size_t n;

	m->seq = get_u(r, 8);
	m->cls = (spool_class)get_u(r, 1);
	if (!r->why && (unsigned)m->cls >= SPOOL_N_CLASSES)
		return "an unknown message class";
	m->topic = get_str16(r, SPOOL_TOPIC_MAX, false);
	if (!r->why && r->n - r->off >= 2 && r->p[r->off] == 0xff && r->p[r->off + 1] == 0xff)
		r->off += 2; /* no key */
	else
		m->key = get_str16(r, KEY_NULL - 1, true);
	n = (size_t)get_u(r, 1);
	if (!r->why && n > SPOOL_MAX_HEADERS)
		return "more headers than a message may have";
	for (size_t i = 0; i < n && !r->why; i++) {
		m->headers[i].name = get_str16(r, 255, false);
		m->headers[i].value = get_str16(r, UINT16_MAX, true);
		m->n_headers = i + 1;
	}
	n = (size_t)get_u(r, 4);
	if (r->why)
		return r->why;
	if (n == SPOOL_VALUE_NULL) {
		/* NULL: nothing follows */
		if (r->off != r->n)
			return "bytes after a NULL value";
		return NULL;
	}
	if (n != r->n - r->off)
		return "the value's length is not what the record holds";
	m->value = malloc(n ? n : 1);
	if (!m->value)
		return "out of memory";
	memcpy(m->value, r->p + r->off, n);
	m->value_len = n;
	r->off += n;
	return NULL;
}

int spool_parse(const uint8_t *buf, size_t len, spool_msg_fn on_msg, spool_done_fn on_done,
		void *arg, size_t *good, char *why, size_t why_cap)
{
	uint64_t last_seq = 0;
	size_t off = 0;
	int r = 0;

	if (why_cap)
		why[0] = '\0';
	while (off < len) {
		const char *bad = NULL;
		uint32_t blen, crc;
		struct rbuf rb;
		unsigned type;

		if (len - off < HEAD) {
			bad = "a record header cut short";
		} else if (memcmp(buf + off, MAGIC, 4)) {
			bad = "no record starts here (magic)";
		} else {
			blen = (uint32_t)buf[off + 4] | (uint32_t)buf[off + 5] << 8 |
			       (uint32_t)buf[off + 6] << 16 | (uint32_t)buf[off + 7] << 24;
			crc = (uint32_t)buf[off + 8] | (uint32_t)buf[off + 9] << 8 |
			      (uint32_t)buf[off + 10] << 16 | (uint32_t)buf[off + 11] << 24;
			if (blen == 0 || blen > SPOOL_RECORD_MAX)
				bad = "a record length out of range";
			else if (blen > len - off - HEAD)
				bad = "a record cut short";
			else if (crc32c(buf + off + HEAD, blen) != crc)
				bad = "a record whose checksum does not match";
		}
		if (bad) {
			snprintf(why, why_cap, "%s", bad);
			break;
		}
		rb = (struct rbuf){ .p = buf + off + HEAD, .n = blen };
		type = (unsigned)get_u(&rb, 1);
		if (type == T_MSG) {
			spool_msg m = { 0 };

			bad = parse_msg(&rb, &m);
			if (!bad && m.seq <= last_seq)
				bad = "a message whose sequence number goes back";
			if (bad) {
				spool_msg_clear(&m);
			} else {
				last_seq = m.seq;
				r = on_msg ? on_msg(&m, arg) : 0;
				spool_msg_clear(&m);
			}
		} else if (type == T_DONE) {
			uint64_t seq = get_u(&rb, 8);

			if (rb.off != rb.n)
				bad = "a done mark of the wrong length";
			else
				r = on_done ? on_done(seq, arg) : 0;
		} else {
			bad = "an unknown record type";
		}
		if (bad) {
			snprintf(why, why_cap, "%s", bad);
			break;
		}
		off += HEAD + blen;
		if (r)
			break;
	}
	*good = off;
	return r;
}

/* ---- the spool ---- */

static size_t find(const spool *sp, uint64_t seq, bool *exact)
{
	size_t lo = 0, hi = sp->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sp->e[mid].m.seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	*exact = lo < sp->n && sp->e[lo].m.seq == seq;
	return lo;
}

/* Delivery reports come in order per partition, not across them: each
 * delivered message is marked dead where it is (no move), and the array is
 * squeezed, once for all of them, when it is next read by index. */
static void mark_dead(spool *sp, size_t i)
{
	uint64_t seq = sp->e[i].m.seq;

	sp->live_bytes -= sp->e[i].bytes;
	spool_msg_clear(&sp->e[i].m);
	sp->e[i].m.seq = seq; /* still sorted for find() */
	sp->e[i].dead = true;
	sp->n_dead++;
	/* dead ones at the front go now, without a move */
	while (sp->n && sp->e[0].dead) {
		sp->e++;
		sp->head++;
		sp->n--;
		sp->n_dead--;
	}
}

static void squeeze(spool *sp)
{
	size_t j = 0;

	if (!sp->n_dead)
		return;
	for (size_t i = 0; i < sp->n; i++)
		if (!sp->e[i].dead)
			sp->e[j++] = sp->e[i];
	sp->n = j;
	sp->n_dead = 0;
}

static void remove_at(spool *sp, size_t i)
{
	sp->live_bytes -= sp->e[i].bytes;
	spool_msg_clear(&sp->e[i].m);
	if (i == 0) {
		/* the usual case, reports come in order: no move */
		sp->e++;
		sp->head++;
	} else {
		memmove(&sp->e[i], &sp->e[i + 1], (sp->n - i - 1) * sizeof(sp->e[0]));
	}
	sp->n--;
}

static int add_entry(spool *sp, spool_msg *m, uint32_t bytes)
{
	if (sp->head + sp->n + 1 > sp->cap && sp->head) {
		memmove(sp->base, sp->e, sp->n * sizeof(sp->e[0]));
		sp->e = sp->base;
		sp->head = 0;
	}
	if (accel_grow(&sp->base, &sp->cap, sp->head + sp->n, sizeof(sp->e[0]), SIZE_MAX / 2))
		return -ENOMEM;
	sp->e = sp->base + sp->head;
	sp->e[sp->n].m = *m;
	sp->e[sp->n].bytes = bytes;
	sp->e[sp->n].dead = false;
	memset(m, 0, sizeof(*m));
	sp->n++;
	sp->live_bytes += bytes;
	return 0;
}

static size_t msg_record_bytes(const spool_msg *m)
{
	size_t n = HEAD + 1 + 8 + 1 + 2 + strlen(m->topic) + 2 + (m->key ? strlen(m->key) : 0) +
		   1 + 4 + m->value_len;

	for (size_t i = 0; i < m->n_headers; i++)
		n += 4 + strlen(m->headers[i].name) + strlen(m->headers[i].value);
	return n;
}

static int load_msg(spool_msg *m, void *arg)
{
	spool *sp = arg;

	if (m->seq >= sp->next_seq)
		sp->next_seq = m->seq + 1;
	return add_entry(sp, m, (uint32_t)msg_record_bytes(m));
}

static int load_done(uint64_t seq, void *arg)
{
	spool *sp = arg;
	bool exact;
	size_t i = find(sp, seq, &exact);

	if (exact && !sp->e[i].dead)
		mark_dead(sp, i);
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd))
		r = -errno;
	close(fd);
	return r;
}

int spool_compact(spool *sp, accel_err *err)
{
	char tmp[4200];
	struct wbuf w = { 0 };
	uint64_t bytes = 0;
	int fd, r = 0;

	squeeze(sp);
	snprintf(tmp, sizeof(tmp), "%s.new", sp->path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return accel_err_set(err, -errno, "%s: %s", tmp, strerror(errno));
	/* the records encoded into one buffer, written a megabyte or so at
	 * a time */
	for (size_t i = 0; i < sp->n && !r; i++) {
		r = check_msg(&sp->e[i].m, err);
		if (r)
			break;
		encode_into(&w, &sp->e[i].m);
		if (w.err) {
			r = accel_err_set(err, w.err, "out of memory");
			break;
		}
		if (w.n >= (1u << 20) || i + 1 == sp->n) {
			r = write_all(fd, w.p, w.n);
			if (r)
				accel_err_set(err, r, "%s: %s", tmp, strerror(-r));
			bytes += w.n;
			w.n = 0;
		}
	}
	free(w.p);
	if (!r && fdatasync(fd))
		r = accel_err_set(err, -errno, "%s: %s", tmp, strerror(errno));
	if (r) {
		close(fd);
		unlink(tmp);
		return r;
	}
	if (rename(tmp, sp->path)) {
		r = accel_err_set(err, -errno, "%s: %s", sp->path, strerror(errno));
		close(fd);
		unlink(tmp);
		return r;
	}
	(void)sync_dir(sp->dir);
	if (sp->fd >= 0)
		close(sp->fd);
	/* the new file, for appends */
	sp->fd = fd;
	if (lseek(fd, 0, SEEK_END) < 0)
		return accel_err_set(err, -errno, "%s: %s", sp->path, strerror(errno));
	sp->file_bytes = bytes;
	sp->live_bytes = bytes;
	/* what was not written yet is in the new file, synced */
	sp->pend.n = 0;
	sp->pend_msgs = 0;
	if (sp->n)
		sp->synced_seq = sp->e[sp->n - 1].m.seq;
	return 0;
}

/* One message to drop so that `need` more bytes fit, by the order of
 * spool.h; `incoming` is the message coming (an inventory record of its
 * host supersedes the older ones). SIZE_MAX: none left. */
static size_t victim(const spool *sp, const spool_msg *incoming)
{
	for (size_t i = 0; i < sp->n; i++)
		if (sp->e[i].m.cls == SPOOL_METRICS)
			return i;
	for (size_t i = 0; i < sp->n; i++) {
		const spool_msg *m = &sp->e[i].m;

		if (m->cls != SPOOL_INVENTORY)
			continue;
		if (incoming && incoming->cls == SPOOL_INVENTORY && incoming->key && m->key &&
		    !strcmp(incoming->key, m->key) && !strcmp(incoming->topic, m->topic))
			return i;
		for (size_t j = i + 1; j < sp->n; j++)
			if (sp->e[j].m.cls == SPOOL_INVENTORY && m->key && sp->e[j].m.key &&
			    !strcmp(sp->e[j].m.key, m->key) && !strcmp(sp->e[j].m.topic, m->topic))
				return i;
	}
	for (size_t i = 0; i < sp->n; i++)
		if (sp->e[i].m.cls == SPOOL_EVENTS)
			return i;
	return sp->n ? 0 : SIZE_MAX;
}

/* Drop until `need` more bytes fit under max_bytes besides the live ones. */
static void shrink(spool *sp, uint64_t need, const spool_msg *incoming)
{
	squeeze(sp);
	while (sp->live_bytes + need > sp->max_bytes) {
		size_t i = victim(sp, incoming);
		const spool_msg *m;

		if (i == SIZE_MAX)
			break;
		m = &sp->e[i].m;
		sp->dropped[m->cls]++;
		warnf(sp,
		      "%s: full (spool_max_bytes = %llu): dropped an undelivered %s message (%s, "
		      "key %s); %llu %s messages dropped so far",
		      sp->path, (unsigned long long)sp->max_bytes, spool_class_name(m->cls), m->topic,
		      m->key ? m->key : "none", (unsigned long long)sp->dropped[m->cls],
		      spool_class_name(m->cls));
		remove_at(sp, i);
	}
}

/* Room for `need` more bytes in the file: compacted, and what the bound
 * cannot hold dropped, with a sixteenth of the bound more, so that a full
 * spool is not rewritten at every message. */
static int make_room(spool *sp, uint64_t need, const spool_msg *incoming, accel_err *err)
{
	uint64_t slack = sp->max_bytes / 16;
	int r;

	if (sp->file_bytes + need <= sp->max_bytes)
		return 0;
	/* the file as the entries say before any is dropped */
	r = flush_pend(sp, err);
	if (r)
		return r;
	if (sp->live_bytes + need > sp->max_bytes)
		shrink(sp, need + slack < sp->max_bytes ? need + slack : need, incoming);
	return spool_compact(sp, err);
}

int spool_open(spool **out, const char *dir, uint64_t max_bytes, spool_warn_fn warn, void *arg,
	       accel_err *err)
{
	spool *sp = calloc(1, sizeof(*sp));
	uint8_t *buf = NULL;
	struct stat st;
	size_t len = 0, good = 0;
	char why[128];
	int r;

	if (!sp)
		return accel_err_set(err, -ENOMEM, "out of memory");
	sp->fd = sp->lock_fd = -1;
	sp->max_bytes = max_bytes;
	sp->next_seq = 1;
	sp->warn = warn;
	sp->arg = arg;
	if (!(sp->dir = strdup(dir)) || asprintf(&sp->path, "%s/%s", dir, SPOOL_FILE) < 0) {
		sp->path = NULL;
		spool_close(sp);
		return accel_err_set(err, -ENOMEM, "out of memory");
	}
	if (mkdir(dir, 0700) && errno != EEXIST) {
		r = accel_err_set(err, -errno, "%s: %s (the Kafka spool's folder, [kafka] spool_dir)",
				  dir, strerror(errno));
		spool_close(sp);
		return r;
	}
	/* the lock on a file of its own: compaction replaces the spool's */
	{
		char lock[4200];

		snprintf(lock, sizeof(lock), "%s/%s", dir, SPOOL_LOCK_FILE);
		sp->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (sp->lock_fd < 0) {
			r = accel_err_set(err, -errno, "%s: %s", lock, strerror(errno));
			spool_close(sp);
			return r;
		}
		if (flock(sp->lock_fd, LOCK_EX | LOCK_NB)) {
			r = errno == EWOULDBLOCK
				    ? accel_err_set(err, -EBUSY,
						    "%s: in use by another process (an acceld "
						    "running with this [kafka] spool_dir?): stop "
						    "it first",
						    sp->path)
				    : accel_err_set(err, -errno, "%s: %s", lock, strerror(errno));
			spool_close(sp);
			return r;
		}
	}
	sp->fd = open(sp->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (sp->fd < 0 || fstat(sp->fd, &st)) {
		r = accel_err_set(err, -errno, "%s: %s", sp->path, strerror(errno));
		spool_close(sp);
		return r;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > LOAD_MAX) {
		spool_close(sp);
		return accel_err_set(err, -EINVAL, "%s: not a regular file of at most 4 GiB",
				     sp->path);
	}
	len = (size_t)st.st_size;
	buf = malloc(len ? len : 1);
	if (!buf) {
		spool_close(sp);
		return accel_err_set(err, -ENOMEM, "out of memory");
	}
	for (size_t got = 0; got < len;) {
		ssize_t n = pread(sp->fd, buf + got, len - got, (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = accel_err_set(err, n < 0 ? -errno : -EIO, "%s: reading: %s", sp->path,
					  n < 0 ? strerror(errno) : "shorter than its size");
			free(buf);
			spool_close(sp);
			return r;
		}
		got += (size_t)n;
	}
	r = spool_parse(buf, len, load_msg, load_done, sp, &good, why, sizeof(why));
	free(buf);
	squeeze(sp);
	if (r) {
		spool_close(sp);
		return accel_err_set(err, r, "%s: %s", sp->path, strerror(-r));
	}
	if (good < len)
		warnf(sp,
		      "%s: %s at offset %zu (a crash in the middle of a write?): dropped the last "
		      "%zu bytes; %zu undelivered messages kept",
		      sp->path, why, good, len - good, sp->n);
	sp->synced_seq = sp->n ? sp->e[sp->n - 1].m.seq : 0;
	/* the file as it should be: what was read whole and undelivered,
	 * within the bound (which may be lower than when it was written);
	 * rewritten only when it is not that already (done marks, a torn
	 * tail, messages dropped): a spool left by an outage is all live, and
	 * rewriting it would cost its size again, and an fdatasync */
	shrink(sp, 0, NULL);
	if (len && (good < len || sp->live_bytes != len)) {
		r = spool_compact(sp, err);
	} else if (lseek(sp->fd, 0, SEEK_END) < 0) {
		r = accel_err_set(err, -errno, "%s: %s", sp->path, strerror(errno));
	} else {
		sp->file_bytes = len;
		r = 0;
	}
	if (r) {
		spool_close(sp);
		return r;
	}
	*out = sp;
	return 0;
}

void spool_close(spool *sp)
{
	if (!sp)
		return;
	if (sp->fd >= 0) {
		accel_err err;

		/* appended, not synced: in the file as before (not durable) */
		(void)flush_pend(sp, &err);
		close(sp->fd);
	}
	free(sp->pend.p);
	if (sp->lock_fd >= 0)
		close(sp->lock_fd);
	for (size_t i = 0; i < sp->n; i++)
		spool_msg_clear(&sp->e[i].m);
	free(sp->base);
	free(sp->path);
	free(sp->dir);
	free(sp);
}

/* What was appended and marked done since the last write, written with
 * one write (not synced). When it fails, the file is as it was and the
 * messages of it are dropped: none of them was synced, so none was
 * handed over. */
static int flush_pend(spool *sp, accel_err *err)
{
	int r;

	if (!sp->pend.n)
		return 0;
	r = write_all(sp->fd, sp->pend.p, sp->pend.n);
	if (r) {
		uint64_t before = sp->file_bytes - sp->pend.n;

		/* no half record left behind for the next open to warn about */
		if (ftruncate(sp->fd, (off_t)before) || lseek(sp->fd, (off_t)before, SEEK_SET) < 0) {
			/* the next open drops it */
		}
		sp->file_bytes = before;
		squeeze(sp);
		for (; sp->pend_msgs && sp->n; sp->pend_msgs--) {
			sp->n--;
			sp->live_bytes -= sp->e[sp->n].bytes;
			spool_msg_clear(&sp->e[sp->n].m);
		}
	}
	sp->pend.n = 0;
	sp->pend_msgs = 0;
	/* a buffer grown by a burst not kept for good */
	if (sp->pend.cap > (1u << 20)) {
		free(sp->pend.p);
		sp->pend.p = NULL;
		sp->pend.cap = 0;
	}
	return r ? accel_err_set(err, r, "%s: %s", sp->path, strerror(-r)) : 0;
}

int spool_flush(spool *sp, accel_err *err)
{
	return flush_pend(sp, err);
}

int spool_append(spool *sp, spool_msg *m, accel_err *err)
{
	size_t n, start;
	int r;

	m->seq = sp->next_seq;
	r = check_msg(m, err);
	if (r) {
		spool_msg_clear(m);
		return r;
	}
	n = msg_record_bytes(m);
	if (n > sp->max_bytes) {
		spool_msg_clear(m);
		return accel_err_set(err, -E2BIG,
				     "%s: a message of %zu bytes is larger than the whole spool "
				     "([kafka] spool_max_bytes = %llu)",
				     sp->path, n, (unsigned long long)sp->max_bytes);
	}
	r = make_room(sp, n, m, err);
	if (r) {
		spool_msg_clear(m);
		return r;
	}
	start = sp->pend.n;
	encode_into(&sp->pend, m);
	if (!sp->pend.err && sp->pend.n - start != n)
		sp->pend.err = -EIO; /* msg_record_bytes and the encoder disagree */
	r = sp->pend.err;
	if (!r)
		r = add_entry(sp, m, (uint32_t)n);
	if (r) {
		sp->pend.n = start;
		sp->pend.err = 0;
		spool_msg_clear(m);
		if (r == -ENOMEM)
			return accel_err_set(err, r, "out of memory");
		return accel_err_set(err, r, "%s: %s", sp->path, strerror(-r));
	}
	sp->file_bytes += n;
	sp->pend_msgs++;
	sp->next_seq++;
	return 0;
}

int spool_sync(spool *sp, accel_err *err)
{
	int r = flush_pend(sp, err);

	if (r)
		return r;
	if (!sp->n || sp->e[sp->n - 1].m.seq <= sp->synced_seq)
		return 0;
	if (fdatasync(sp->fd))
		return accel_err_set(err, -errno, "%s: %s", sp->path, strerror(errno));
	sp->synced_seq = sp->e[sp->n - 1].m.seq;
	return 0;
}

int spool_done(spool *sp, uint64_t seq, accel_err *err)
{
	bool exact;
	size_t i = find(sp, seq, &exact), start;

	if (!exact || sp->e[i].dead)
		return 0; /* dropped meanwhile, or twice */
	mark_dead(sp, i);
	if (sp->n == sp->n_dead) {
		squeeze(sp);
		/* all delivered: empty (a crash half way leaves it whole,
		 * sent again and dropped by id); what was not written yet
		 * is done marks only (every message is delivered) */
		sp->pend.n = 0;
		sp->pend_msgs = 0;
		if (ftruncate(sp->fd, 0) || lseek(sp->fd, 0, SEEK_SET) < 0)
			return accel_err_set(err, -errno, "%s: %s", sp->path, strerror(errno));
		sp->file_bytes = 0;
		return 0;
	}
	/* mostly delivered records in a file past half its bound: rewrite
	 * (a few live ones are cheap). Not below that: a replay's reports
	 * would rewrite the rest again and again (half, a quarter, ...)
	 * while it drains to the empty file anyway. */
	if (sp->file_bytes > 2 * sp->live_bytes + (1u << 20) && sp->file_bytes > sp->max_bytes / 2)
		return spool_compact(sp, err);
	/* the mark, written with the others of this poll (spool_flush) */
	start = sp->pend.n;
	encode_done_into(&sp->pend, seq);
	if (sp->pend.err) {
		sp->pend.n = start;
		sp->pend.err = 0;
		return accel_err_set(err, -ENOMEM, "out of memory");
	}
	if (sp->file_bytes + (sp->pend.n - start) > sp->max_bytes) {
		sp->pend.n = start;
		return spool_compact(sp, err);
	}
	sp->file_bytes += sp->pend.n - start;
	return 0;
}

size_t spool_n(spool *sp)
{
	bool exact;
	size_t i;

	squeeze(sp);
	i = find(sp, sp->synced_seq, &exact);

	return exact ? i + 1 : i;
}

const spool_msg *spool_get(spool *sp, size_t i)
{
	return i < spool_n(sp) ? &sp->e[i].m : NULL;
}

size_t spool_after(spool *sp, uint64_t seq)
{
	bool exact;
	size_t i;

	squeeze(sp);
	i = find(sp, seq, &exact);

	return exact ? i + 1 : i;
}

uint64_t spool_dropped(const spool *sp, spool_class c)
{
	return (unsigned)c < SPOOL_N_CLASSES ? sp->dropped[c] : 0;
}

uint64_t spool_file_bytes(const spool *sp)
{
	return sp->file_bytes;
}

const char *spool_path(const spool *sp)
{
	return sp->path;
}
