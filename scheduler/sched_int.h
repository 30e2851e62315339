/* SPDX-License-Identifier: Apache-2.0 */
/* Internals of the scheduler core, shared by scheduler/ only. */
#ifndef ACCEL_SCHED_INT_H
#define ACCEL_SCHED_INT_H

#include <pthread.h>

#include <accel/sched.h>

#define SCHED_MAX_TRAITS 32 /* required or forbidden, per request */
#define SCHED_MAX_HOST_DEVICES 255
#define SCHED_MAX_PROFILES 65535
#define SCHED_PROFILE_CHUNK 256 /* profiles never move once published */

struct accel_sched_request {
	bool active;
	unsigned count;
	accel_kind kind;      /* NONE: any accelerator kind */
	char *rc;             /* resource class asked for, NULL: any */
	int vendor_id;        /* -1: any */
	char *vendor;         /* short name, NULL: any */
	char *model_glob;     /* NULL: any */
	int64_t min_memory_mb;
	int min_cc;           /* major*100 + minor, 0: any */
	accel_sched_numa numa;
	accel_link_class p2p; /* worst allowed; UNKNOWN: no constraint */
	accel_sched_policy policy;
	int max_utilization;  /* -1: no limit */
	char *required[SCHED_MAX_TRAITS];
	size_t n_required;
	char *forbidden[SCHED_MAX_TRAITS];
	size_t n_forbidden;
	/* Required traits of the unnumbered group: Placement lets any
	 * provider of the tree carry them, the root included. A device must
	 * carry one when some device of its host does; when none does, the
	 * trait is the root's and no device's business. */
	char *tree_required[SCHED_MAX_TRAITS];
	size_t n_tree_required;
};

/* What devices of one make share: interned once per table. */
struct sched_profile {
	accel_kind kind;
	int vendor_id;
	char *vendor;       /* short name */
	char *model;        /* as reported */
	char *rc;           /* resource class */
	int64_t memory_mb;  /* -1 unknown */
	int cc;             /* major*100 + minor, -1 unknown */
	char **traits;      /* sorted */
	size_t n_traits;
	uint64_t hash;
};

#define SDEV_IN_USE 0x01
#define SDEV_FAILED 0x02
#define SDEV_DEGRADED 0x04
#define SDEV_UTIL 0x08 /* utilization known */

struct sched_dev {
	uint16_t profile;
	uint8_t flags;
	uint8_t util;
	int16_t numa; /* -1 unknown */
};

/* A device's utilization for the policy's order and the score: 0 when
 * unknown. */
static inline unsigned sched_util(const struct sched_dev *d)
{
	return d->flags & SDEV_UTIL ? d->util : 0;
}

/* Device masks: one bit per device of the host, n_words words. */
#define SCHED_MAX_WORDS ((SCHED_MAX_HOST_DEVICES + 63) / 64)

/*
 * A PCIe group: devices every pair of which links within `level` (see
 * scheduler/evaluate.c for why such groups decide the p2p constraint
 * exactly). Groups whose devices sit on several NUMA nodes come again
 * split per node, for numa=strict.
 */
struct sched_group {
	uint8_t level; /* accel_link_class */
	int16_t numa;  /* the node of its devices whose node is known; -1 none
			  known, -2 several */
};

/*
 * One host, in one allocation: the header and dev[n_dev], then at the
 * offsets below the known-node mask, the group masks (n_groups x
 * n_words), the groups (sorted by level, tightest first), the devices by
 * utilization; then, cold, the devices' PCI addresses and the name. A
 * request reads about three cache lines of an 8-device host. Groups of a
 * single device are left out (a single device needs none), and so are
 * groups equal to a tighter one.
 */
struct sched_host {
	uint32_t gen;
	uint16_t n_dev, n_groups;
	uint8_t n_words;
	bool uniform_mem; /* all devices of one memory size */
	uint32_t off_known, off_masks, off_groups, off_uorder, off_addr, off_name;
	struct sched_dev dev[];
};

static inline const uint64_t *sched_known(const struct sched_host *h)
{
	return (const uint64_t *)((const char *)h + h->off_known);
}

static inline const uint64_t *sched_masks(const struct sched_host *h)
{
	return (const uint64_t *)((const char *)h + h->off_masks);
}

static inline const struct sched_group *sched_groups(const struct sched_host *h)
{
	return (const struct sched_group *)((const char *)h + h->off_groups);
}

static inline const uint8_t *sched_uorder(const struct sched_host *h)
{
	return (const uint8_t *)h + h->off_uorder;
}

static inline const char *sched_addr(const struct sched_host *h, unsigned i)
{
	return (const char *)h + h->off_addr + (size_t)i * ACCEL_ADDR_MAX;
}

static inline const char *sched_name(const struct sched_host *h)
{
	return (const char *)h + h->off_name;
}

/*
 * The hot record of a host of at most 8 devices and SMALL_GROUPS groups
 * (nearly every host): the same facts as struct sched_host with bytes for
 * masks, in one 128-byte slot of an array indexed by host id, so that a
 * request over ten thousand hosts streams through 1.3 MB instead of
 * chasing ten thousand pointers. Bigger hosts go by their sched_host.
 */
#define SMALL_DEVS 8
#define SMALL_GROUPS 22
#define NO_PROFILE 0xffff

enum { SLOT_NONE = 0, SLOT_SMALL, SLOT_BIG };

struct sched_small {
	uint32_t gen;
	uint8_t slot; /* SLOT_* */
	uint8_t n_dev, n_groups;
	uint8_t uniform_mem;
	uint16_t one_profile; /* the profile of every device, or NO_PROFILE */
	uint8_t usable;       /* neither failed nor in use */
	uint8_t in_use, failed, degraded;
	uint8_t util_known, known_numa;
	uint16_t profile[SMALL_DEVS];
	uint8_t util[SMALL_DEVS];
	int8_t numa[SMALL_DEVS];
	uint8_t uorder[SMALL_DEVS];
	uint8_t level_end[ACCEL_LINK_SYS + 1]; /* groups of level <= L: [0, end[L]) */
	uint8_t gmask[SMALL_GROUPS];
	uint8_t glevel[SMALL_GROUPS];
	int8_t gnuma[SMALL_GROUPS];
} __attribute__((aligned(64)));

/*
 * Host ids: the index of a host name in by_id, stable for the table's
 * life (a removed host's id waits for the name to come back). The open
 * hash `slots` maps names to ids + 1 (0: empty).
 *
 * Locking: `lock` guards the hosts (readers: a whole evaluation; writers:
 * a pointer swap). `wlock` serializes writers, who build a host's record
 * and intern its profiles outside `lock`. Profiles are appended into
 * chunks that never move and published by a release store of n_profiles,
 * so readers may use every profile below the count they load.
 */
struct accel_sched_hosts {
	pthread_rwlock_t lock;
	pthread_mutex_t wlock;
	uint32_t *slots;
	size_t n_slots, n_hosts;
	struct sched_host **by_id; /* NULL: removed */
	struct sched_small *small; /* cap_ids slots */
	char **id_name;
	uint64_t *id_hash;
	size_t n_ids, cap_ids;
	struct sched_profile *chunk[SCHED_MAX_PROFILES / SCHED_PROFILE_CHUNK + 1];
	size_t n_profiles;
	/* writers only: open hash of profile indices + 1 by profile hash */
	uint32_t *pindex;
	size_t n_pindex;
	uint32_t next_gen;
	bool small_layout; /* hot records for hosts that fit one; set at creation */
};

static inline const struct sched_profile *sched_profile(const accel_sched_hosts *t, size_t i)
{
	return &t->chunk[i / SCHED_PROFILE_CHUNK][i % SCHED_PROFILE_CHUNK];
}

/* A table that keeps every host in the general layout (SLOT_BIG), as
 * accel_sched_hosts_new() does for hosts too big for a hot record: tests
 * check one layout against the other with it. */
int sched_hosts_new_general(accel_sched_hosts **out);

uint64_t sched_hash(const char *s);
/* The id of a host name, -1 when never seen (called with a lock held). */
int32_t sched_find_id(const accel_sched_hosts *t, const char *name);
/* The profile of a device, interned (called with wlock held). */
int sched_profile_of(accel_sched_hosts *t, const accel_device *d, uint16_t *out);

#endif
