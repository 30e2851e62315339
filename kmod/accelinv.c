// SPDX-License-Identifier: GPL-2.0
/*
 * accelinv: the PCI devices of accelerator classes, as a snapshot and then
 * as a stream of changes, for accelsched's discovery.
 *
 * A PCI bus notifier (device added, removed, driver bound, unbound)
 * appends events to a bounded ring with a generation counter. Each open of
 * /dev/accelinv gets a consistent snapshot of the matching
 * devices, an end-of-snapshot record with the generation, then the events
 * from that generation on. A reader that falls more than ring_size events
 * behind gets an overflow record and a new snapshot. The record format is
 * documented in docs/internals/kmod.md.
 *
 * Consistency: the notifier and the snapshot take the same mutex, so every
 * event is either reflected in a snapshot or numbered at or after its end
 * generation, never both and never neither.
 *
 * Snapshots come from the module's own table of matching devices, kept by
 * the same notifier, not from the live devices: a device's driver is the
 * name copied when it bound (BUS_NOTIFY_BOUND_DRIVER, called with the
 * device locked and the driver pinned), so a snapshot never shows a driver
 * that is still probing (and may fail) and never reads a driver's name
 * that its module may be unloading. A probe that fails
 * (BUS_NOTIFY_DRIVER_NOT_BOUND) is reported as an unbind.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>

#define REC_MAX 256		/* one record, with its newline and a NUL */
#define MAX_CLASSES 16
#define MAX_IDS 16

enum ev_type { EV_ADD, EV_DEL, EV_BIND, EV_UNBIND };

static const char *const ev_names[] = {
	[EV_ADD] = "add", [EV_DEL] = "del", [EV_BIND] = "bind", [EV_UNBIND] = "unbind",
};

struct ev {
	u64 seq;
	enum ev_type type;
	u16 vendor, device;
	u32 class;
	char addr[16];
	char driver[48];
};

/* A matching device as snapshots show it. */
struct devrec {
	struct list_head node;
	const struct pci_dev *pdev;	/* identity only, never dereferenced */
	bool gone;		/* deleted while the load walk ran: do not add */
	u16 vendor, device;
	u32 class;
	char addr[16];
	char driver[48];	/* copied at bind; empty when none */
};

static unsigned int classes[MAX_CLASSES] = { 0x0300, 0x0302, 0x0380, 0x0b40, 0x1200 };
static int n_classes = 5;
module_param_array(classes, uint, &n_classes, 0444);
MODULE_PARM_DESC(classes, "PCI base class and subclass (16 bits) of accelerators");

static char *ids[MAX_IDS];
static int n_ids;
module_param_array(ids, charp, &n_ids, 0444);
MODULE_PARM_DESC(ids, "extra vvvv:dddd vendor:device ids (hex) that count as accelerators");

static unsigned int ring_size = 256;
module_param(ring_size, uint, 0444);
MODULE_PARM_DESC(ring_size, "events kept for readers that fall behind (a power of two, 16..65536)");

static u32 id_list[MAX_IDS];	/* vendor << 16 | device */
static int n_id_list;

static DEFINE_MUTEX(lock);	/* the ring, gen, and snapshots against events */
static struct ev *ring;
static u32 ring_mask;		/* ring_size - 1: a u64 modulo does not link on 32-bit */
static u64 gen;			/* events appended since load */
static LIST_HEAD(devs);		/* struct devrec, under lock */
static bool loading;		/* the load walk runs: keep tombstones of deleted devices */
static DECLARE_WAIT_QUEUE_HEAD(readers_wq);

struct reader {
	struct mutex rlock;	/* one read() at a time per open file */
	char *buf;		/* formatted records not yet read */
	size_t len, off, cap;
	u64 next;		/* the next event to hand out; valid once snapped */
	bool snapped;
};

static bool matches(struct pci_dev *pdev)
{
	u32 id = (u32)pdev->vendor << 16 | pdev->device;
	int i;

	for (i = 0; i < n_classes; i++)
		if (pdev->class >> 8 == classes[i])
			return true;
	for (i = 0; i < n_id_list; i++)
		if (id_list[i] == id)
			return true;
	return false;
}

/*
 * The name of the driver of a device the caller holds locked (the device
 * lock: its driver cannot unbind, so the driver and its name stay).
 */
static const char *driver_of(struct pci_dev *pdev)
{
	struct device_driver *drv = pdev->dev.driver;

	return drv ? drv->name : NULL;
}

/* A driver name as a record value: no spaces, '=' or control characters. */
static void copy_name(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; src && src[i] && i + 1 < size; i++)
		dst[i] = (src[i] <= ' ' || src[i] == '=' || src[i] > '~') ? '_' : src[i];
	dst[i] = '\0';
}

static struct devrec *find_rec(const struct pci_dev *pdev)
{
	struct devrec *d;

	list_for_each_entry(d, &devs, node)
		if (d->pdev == pdev)
			return d;
	return NULL;
}

static void fill_rec(struct devrec *d, struct pci_dev *pdev)
{
	d->pdev = pdev;
	d->gone = false;
	d->vendor = pdev->vendor;
	d->device = pdev->device;
	d->class = pdev->class;
	strscpy(d->addr, pci_name(pdev), sizeof(d->addr));
	d->driver[0] = '\0';
}

/*
 * Bring the device's record in line with an event; spare is a free record
 * to use if it has none (it is taken: *spare becomes NULL). Under lock.
 */
static void update_rec(struct pci_dev *pdev, enum ev_type type, const char *driver,
		       struct devrec **spare)
{
	struct devrec *d = find_rec(pdev);

	if (type == EV_DEL) {
		if (!d && loading && *spare) {
			d = *spare;
			*spare = NULL;
			fill_rec(d, pdev);
			list_add_tail(&d->node, &devs);
		}
		if (d && loading) {
			d->gone = true;	/* the load walk may still meet it */
		} else if (d) {
			list_del(&d->node);
			kfree(d);
		}
		return;
	}
	if (!d || (type == EV_ADD && d->gone)) {
		if (!d) {
			if (!*spare) {
				pr_warn_ratelimited("%s: no memory for its record; snapshots miss it\n",
						    pci_name(pdev));
				return;
			}
			d = *spare;
			*spare = NULL;
			list_add_tail(&d->node, &devs);
		}
		fill_rec(d, pdev);
	}
	if (d->gone)
		return;
	if (type == EV_BIND)
		strscpy(d->driver, driver, sizeof(d->driver));
	else if (type == EV_UNBIND)
		d->driver[0] = '\0';
}

static int pci_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	struct pci_dev *pdev = to_pci_dev((struct device *)data);
	struct devrec *spare;
	struct ev *e;
	enum ev_type type;
	char driver[48] = "";

	switch (action) {
	case BUS_NOTIFY_ADD_DEVICE:
		type = EV_ADD;
		break;
	case BUS_NOTIFY_DEL_DEVICE:
		type = EV_DEL;
		break;
	case BUS_NOTIFY_BOUND_DRIVER:
		type = EV_BIND;
		break;
	case BUS_NOTIFY_UNBOUND_DRIVER:
	case BUS_NOTIFY_DRIVER_NOT_BOUND:	/* a probe failed: what bound is gone */
		type = EV_UNBIND;
		break;
	default:
		return NOTIFY_DONE;
	}
	if (!matches(pdev))
		return NOTIFY_DONE;
	/* called with the device locked: the bound driver is pinned */
	if (type == EV_BIND)
		copy_name(driver, sizeof(driver), driver_of(pdev));
	spare = kzalloc(sizeof(*spare), GFP_KERNEL);

	mutex_lock(&lock);
	update_rec(pdev, type, driver, &spare);
	e = &ring[gen & ring_mask];
	e->seq = gen;
	e->type = type;
	e->vendor = pdev->vendor;
	e->device = pdev->device;
	e->class = pdev->class;
	strscpy(e->addr, pci_name(pdev), sizeof(e->addr));
	strscpy(e->driver, driver, sizeof(e->driver));
	gen++;
	mutex_unlock(&lock);
	kfree(spare);
	wake_up_interruptible(&readers_wq);
	return NOTIFY_OK;
}

static struct notifier_block pci_nb = {
	.notifier_call = pci_notify,
};

static int reserve(struct reader *r, size_t need)
{
	char *nbuf;
	size_t cap = r->cap;

	if (r->len + need <= r->cap)
		return 0;
	while (cap < r->len + need)
		cap = cap ? cap * 2 : 4096;
	nbuf = kvmalloc(cap, GFP_KERNEL);
	if (!nbuf)
		return -ENOMEM;
	if (r->len)
		memcpy(nbuf, r->buf, r->len);
	kvfree(r->buf);
	r->buf = nbuf;
	r->cap = cap;
	return 0;
}

static __printf(2, 3) int emit(struct reader *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (reserve(r, REC_MAX))
		return -ENOMEM;
	va_start(ap, fmt);
	n = vsnprintf(r->buf + r->len, REC_MAX, fmt, ap);
	va_end(ap);
	if (n >= REC_MAX)
		n = REC_MAX - 1;	/* cannot happen with these fields */
	r->len += n;
	return 0;
}

/*
 * Replace the reader's pending text by a snapshot (after an overflow record
 * when lost > 0) and point it at the events from the snapshot's generation.
 * Called with the reader's rlock held; takes the global lock. On failure
 * (no memory) the reader is left as it was, without the snapshot: the next
 * read tries again.
 */
static int snapshot(struct reader *r, u64 lost)
{
	const struct devrec *d;
	unsigned int count = 0;
	int err = 0;

	r->len = 0;
	r->off = 0;
	mutex_lock(&lock);
	if (lost)
		err = emit(r, "v=1 type=overflow lost=%llu\n", lost);
	if (!err)
		err = emit(r, "v=1 type=begin gen=%llu\n", gen);
	list_for_each_entry(d, &devs, node) {
		if (err)
			break;
		if (d->gone)
			continue;
		err = emit(r, "v=1 type=dev addr=%s vendor=%04x device=%04x class=%06x%s%s\n",
			   d->addr, d->vendor, d->device, d->class,
			   d->driver[0] ? " driver=" : "", d->driver);
		count++;
	}
	if (!err)
		err = emit(r, "v=1 type=end gen=%llu count=%u\n", gen, count);
	if (!err) {
		r->next = gen;
		r->snapped = true;
	}
	mutex_unlock(&lock);
	if (err)
		r->len = 0;
	return err;
}

/* Move the reader's due events from the ring into its buffer. */
static int fill_events(struct reader *r)
{
	int err = 0;
	u64 oldest;

	mutex_lock(&lock);
	oldest = gen > ring_size ? gen - ring_size : 0;
	if (r->next < oldest) {
		u64 lost = oldest - r->next;

		mutex_unlock(&lock);
		return snapshot(r, lost);
	}
	r->len = 0;
	r->off = 0;
	while (!err && r->next < gen && r->len < 64 * REC_MAX) {
		const struct ev *e = &ring[r->next & ring_mask];

		err = emit(r, "v=1 type=%s seq=%llu addr=%s vendor=%04x device=%04x class=%06x%s%s\n",
			   ev_names[e->type], e->seq, e->addr, e->vendor, e->device, e->class,
			   e->driver[0] ? " driver=" : "", e->driver);
		if (!err)
			r->next++;
	}
	mutex_unlock(&lock);
	return err;
}

static bool readable(struct reader *r)
{
	return r->off < r->len || !r->snapped || READ_ONCE(gen) > r->next;
}

static ssize_t accelinv_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	struct reader *r = file->private_data;
	ssize_t done = 0;
	int err;

	if (count < REC_MAX)
		return -EINVAL;
	if (mutex_lock_interruptible(&r->rlock))
		return -ERESTARTSYS;
	for (;;) {
		if (r->off == r->len) {
			err = r->snapped ? fill_events(r) : snapshot(r, 0);
			if (err) {
				done = err;
				break;
			}
		}
		if (r->off < r->len) {
			/* whole records only: cut at the last newline that fits */
			size_t n = min(count, r->len - r->off);

			while (n && r->buf[r->off + n - 1] != '\n')
				n--;
			if (copy_to_user(ubuf, r->buf + r->off, n)) {
				done = -EFAULT;
				break;
			}
			r->off += n;
			done = n;
			break;
		}
		if (file->f_flags & O_NONBLOCK) {
			done = -EAGAIN;
			break;
		}
		mutex_unlock(&r->rlock);
		if (wait_event_interruptible(readers_wq, READ_ONCE(gen) > r->next))
			return -ERESTARTSYS;
		if (mutex_lock_interruptible(&r->rlock))
			return -ERESTARTSYS;
	}
	mutex_unlock(&r->rlock);
	return done;
}

static __poll_t accelinv_poll(struct file *file, poll_table *wait)
{
	struct reader *r = file->private_data;

	poll_wait(file, &readers_wq, wait);
	return readable(r) ? EPOLLIN | EPOLLRDNORM : 0;
}

static int accelinv_open(struct inode *inode, struct file *file)
{
	struct reader *r;

	/* Who may read is the node's owner, group and mode: root only as
	 * created (accelinv_dev.mode), the group accelsched with
	 * 60-accelinv.rules, so that acceld runs with no capability. The
	 * records say what sysfs and netlink uevents tell every user. */
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	mutex_init(&r->rlock);
	file->private_data = r;
	return nonseekable_open(inode, file);
}

static int accelinv_release(struct inode *inode, struct file *file)
{
	struct reader *r = file->private_data;

	kvfree(r->buf);
	mutex_destroy(&r->rlock);
	kfree(r);
	return 0;
}

static const struct file_operations accelinv_fops = {
	.owner = THIS_MODULE,
	.open = accelinv_open,
	.release = accelinv_release,
	.read = accelinv_read,
	.poll = accelinv_poll,
	.llseek = no_llseek,
};

static struct miscdevice accelinv_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "accelinv",
	.fops = &accelinv_fops,
	.mode = 0600,
};

static int parse_ids(void)
{
	int i;

	for (i = 0; i < n_ids; i++) {
		unsigned int v, d;
		char tail;

		if (sscanf(ids[i], "%4x:%4x%c", &v, &d, &tail) != 2 || strlen(ids[i]) != 9) {
			pr_err("ids: '%s' is not vvvv:dddd (hex)\n", ids[i]);
			return -EINVAL;
		}
		id_list[n_id_list++] = v << 16 | d;
	}
	return 0;
}

/* After the notifier is removed: nothing else touches the table. */
static void free_devs(void)
{
	struct devrec *d, *t;

	list_for_each_entry_safe(d, t, &devs, node) {
		list_del(&d->node);
		kfree(d);
	}
}

/*
 * The devices present at load, each read with the device locked (so that
 * its driver, if any, has bound and stays while its name is copied), after
 * the notifier is in place: a device an event has already recorded (or
 * marked deleted) keeps that record.
 */
static int __init load_devices(void)
{
	struct pci_dev *pdev = NULL;
	struct devrec *d, *t;

	while ((pdev = pci_get_device(PCI_ANY_ID, PCI_ANY_ID, pdev))) {
		struct devrec *rec;
		char drv[48];

		if (!matches(pdev))
			continue;
		rec = kzalloc(sizeof(*rec), GFP_KERNEL);
		if (!rec) {
			pci_dev_put(pdev);
			return -ENOMEM;
		}
		device_lock(&pdev->dev);
		copy_name(drv, sizeof(drv), driver_of(pdev));
		mutex_lock(&lock);
		if (!find_rec(pdev)) {
			fill_rec(rec, pdev);
			strscpy(rec->driver, drv, sizeof(rec->driver));
			list_add_tail(&rec->node, &devs);
			rec = NULL;
		}
		mutex_unlock(&lock);
		device_unlock(&pdev->dev);
		kfree(rec);
	}
	mutex_lock(&lock);
	loading = false;
	list_for_each_entry_safe(d, t, &devs, node)
		if (d->gone) {
			list_del(&d->node);
			kfree(d);
		}
	mutex_unlock(&lock);
	return 0;
}

static int __init accelinv_init(void)
{
	int err, i;

	if (ring_size < 16 || ring_size > 65536) {
		pr_err("ring_size: %u is not within 16..65536\n", ring_size);
		return -EINVAL;
	}
	if (!is_power_of_2(ring_size)) {
		pr_err("ring_size: %u is not a power of two\n", ring_size);
		return -EINVAL;
	}
	ring_mask = ring_size - 1;
	for (i = 0; i < n_classes; i++)
		if (classes[i] > 0xffff) {
			pr_err("classes: 0x%x is more than 16 bits (base class, subclass)\n",
			       classes[i]);
			return -EINVAL;
		}
	err = parse_ids();
	if (err)
		return err;
	ring = kvcalloc(ring_size, sizeof(*ring), GFP_KERNEL);
	if (!ring)
		return -ENOMEM;
	loading = true;
	err = bus_register_notifier(&pci_bus_type, &pci_nb);
	if (err)
		goto free_ring;
	err = load_devices();
	if (err)
		goto unnotify;
	err = misc_register(&accelinv_dev);
	if (err)
		goto unnotify;
	pr_info("watching %d classes and %d ids, ring of %u events\n", n_classes, n_id_list,
		ring_size);
	return 0;
unnotify:
	bus_unregister_notifier(&pci_bus_type, &pci_nb);
	free_devs();
free_ring:
	kvfree(ring);
	return err;
}

static void __exit accelinv_exit(void)
{
	/* no open file is left (each holds a module reference) */
	misc_deregister(&accelinv_dev);
	bus_unregister_notifier(&pci_bus_type, &pci_nb);
	free_devs();
	kvfree(ring);
}

module_init(accelinv_init);
module_exit(accelinv_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("accelsched");
MODULE_DESCRIPTION("PCI accelerator inventory: a snapshot, then changes as they happen");
