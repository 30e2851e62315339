/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The record stream of accelinv.ko (/dev/accelinv), version 1: one line of
 * space-separated key=value fields per record, a snapshot (begin, dev...,
 * end) and then the events from the snapshot's gen on. The contract is
 * docs/internals/kmod.md. The parser takes untrusted bytes (fuzzed by
 * fuzz/fuzz_kmod.c).
 */
#ifndef ACCEL_KMOD_H
#define ACCEL_KMOD_H

#include <accel/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Where the module's device lives unless the caller says otherwise. */
#define ACCEL_KMOD_DEFAULT_PATH ACCEL_DEFAULT_DEV_ROOT "/accelinv"

#define ACCEL_KMOD_VERSION    1
#define ACCEL_KMOD_RECORD_MAX 255 /* bytes of one record, its newline included */
#define ACCEL_KMOD_DRIVER_MAX 64  /* driver name with its NUL */

enum accel_kmod_type {
	ACCEL_KMOD_BEGIN = 1, /* gen */
	ACCEL_KMOD_DEV,	      /* addr vendor device class [driver] */
	ACCEL_KMOD_END,	      /* gen count */
	ACCEL_KMOD_ADD,	      /* seq addr vendor device class [driver] */
	ACCEL_KMOD_DEL,	      /* seq addr vendor device class [driver] */
	ACCEL_KMOD_BIND,      /* seq addr vendor device class driver */
	ACCEL_KMOD_UNBIND,    /* seq addr vendor device class [driver] */
	ACCEL_KMOD_OVERFLOW,  /* lost */
};

/* Bits of accel_kmod_record.fields: which fields the record had. Only the
 * fields of the record's type are read; others are ignored like unknown
 * keys (a later minor version may add some). driver is read where
 * docs/internals/kmod.md lists it and, when present, on add, del and
 * unbind too: the module names the driver of any event that has one. */
#define ACCEL_KMOD_F_GEN    (1u << 0)
#define ACCEL_KMOD_F_SEQ    (1u << 1)
#define ACCEL_KMOD_F_COUNT  (1u << 2)
#define ACCEL_KMOD_F_LOST   (1u << 3)
#define ACCEL_KMOD_F_ADDR   (1u << 4)
#define ACCEL_KMOD_F_VENDOR (1u << 5)
#define ACCEL_KMOD_F_DEVICE (1u << 6)
#define ACCEL_KMOD_F_CLASS  (1u << 7)
#define ACCEL_KMOD_F_DRIVER (1u << 8)

struct accel_kmod_record {
	enum accel_kmod_type type;
	unsigned version;		/* always ACCEL_KMOD_VERSION */
	unsigned fields;		/* ACCEL_KMOD_F_* present */
	uint64_t gen, seq, count, lost; /* 0 when absent */
	char addr[ACCEL_ADDR_MAX];	/* "0000:00:02.0", lower case; "" when absent */
	uint16_t vendor, device;
	uint32_t class_code;		    /* 24 bits: base, sub, prog-if */
	char driver[ACCEL_KMOD_DRIVER_MAX]; /* "" when absent */
};

/* The record's type as the stream spells it ("bind"), "?" if unknown. */
ACCEL_EXPORT const char *accel_kmod_type_name(enum accel_kmod_type t);

/* True for add, del, bind and unbind: the records that carry a seq. */
ACCEL_EXPORT bool accel_kmod_is_event(enum accel_kmod_type t);

/*
 * Parse one record, with or without its trailing newline. Strict: "v=1"
 * first and "type=" second; every field of the type present, once; hex ids
 * of exactly 4 (vendor, device) and 6 (class) digits; decimal numbers
 * without sign, leading zero or overflow; addr a PCI address
 * DDDD:BB:DD.F (4 to 8 domain digits); values printable ASCII, not empty,
 * without '='; fields separated by one space, none before the first or
 * after the last. Unknown keys are ignored (but still checked for
 * duplicates and printable text).
 *
 * Returns 0 and fills *out; -EBADMSG when malformed, -E2BIG when longer
 * than ACCEL_KMOD_RECORD_MAX with its newline; *out is untouched on
 * failure and err (if not NULL) names the field and value at fault:
 * "kmod record: vendor: '12x4' is not 4 hex digits".
 */
ACCEL_EXPORT int accel_kmod_parse(const char *line, size_t len, struct accel_kmod_record *out,
				  accel_err *err);

/* A reader of the stream: one open of the device, its own snapshot. */
typedef struct accel_kmod accel_kmod;

/*
 * Open path (NULL: ACCEL_KMOD_DEFAULT_PATH) read-only, non-blocking,
 * close-on-exec. -errno with err naming the path when it cannot be
 * opened (-ENOENT when the module is not loaded, -EACCES when not root).
 * *out is the caller's, for accel_kmod_close().
 */
ACCEL_EXPORT int accel_kmod_open(const char *path, accel_kmod **out, accel_err *err);

/* The file descriptor to poll() for POLLIN; owned by the reader. */
ACCEL_EXPORT int accel_kmod_fd(const accel_kmod *k);

/*
 * The next record. Reads (4096 bytes or more at a time) only when no whole
 * line is buffered; a line split across reads is kept until its newline
 * comes. Returns:
 *   1         a record in *out;
 *   0         nothing ready (EAGAIN): poll() the fd and call again;
 *   -EBADMSG  a malformed or over-long record, skipped; err names it and
 *             the next call goes on with the record after it;
 *   -EPROTO   the stream broke its contract: a seq gap (after "end gen=G"
 *             the events are seq G, G+1, ...), an event before the
 *             snapshot's end, a dev outside a snapshot, an end whose count
 *             is not the number of dev records, a begin without an
 *             overflow before it. err says what; the record that showed it
 *             is returned by the next call, and checking goes on from it
 *             (the caller may instead close and reopen for a new snapshot);
 *   -ENODATA  end of file: the kernel never ends the stream, a file or a
 *             FIFO does (a partial last line is reported as -EBADMSG
 *             first);
 *   other     -errno of read(), err naming the path.
 * An overflow record resets the checks: a new snapshot follows it.
 */
ACCEL_EXPORT int accel_kmod_next(accel_kmod *k, struct accel_kmod_record *out, accel_err *err);

/* The path given to accel_kmod_open(); borrowed. */
ACCEL_EXPORT const char *accel_kmod_path(const accel_kmod *k);

/* Close the file and free the reader. Accepts NULL. */
ACCEL_EXPORT void accel_kmod_close(accel_kmod *k);

#ifdef __cplusplus
}
#endif
#endif
