// SPDX-License-Identifier: GPL-2.0
/*
 * failalloc: test-only fault injection for tests/vm. Debian's kernel has no
 * CONFIG_FAULT_INJECTION (no failslab, fail_page_alloc or fail_function),
 * so a kretprobe on kvmalloc_node makes the next `fail` calls whose return
 * address lies in [lo, hi) (a module's core, from /proc/modules) return
 * NULL; the memory they got is freed at once. `failed` counts them.
 *
 *     insmod failalloc.ko lo=0x... hi=0x... fail=1
 */
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

static unsigned long lo, hi;
module_param(lo, ulong, 0444);
module_param(hi, ulong, 0444);
static int fail;
module_param(fail, int, 0644);
static int failed;
module_param(failed, int, 0444);
static DEFINE_SPINLOCK(fail_lock);

static int entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	/* at the probed function's entry: the caller's return address */
	unsigned long ra = *(unsigned long *)kernel_stack_pointer(regs);
	bool hit = false;

	if (ra < lo || ra >= hi)
		return 1;	/* not ours: no return handler */
	spin_lock(&fail_lock);
	if (fail > 0) {
		fail--;
		hit = true;
	}
	spin_unlock(&fail_lock);
	return hit ? 0 : 1;
}

static int ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	void *p = (void *)regs_return_value(regs);

	if (p && is_vmalloc_addr(p)) {
		/* vfree may sleep: let this one through, fail the next */
		spin_lock(&fail_lock);
		fail++;
		spin_unlock(&fail_lock);
		return 0;
	}
	kfree(p);
	regs_set_return_value(regs, 0);
	spin_lock(&fail_lock);
	failed++;
	spin_unlock(&fail_lock);
	return 0;
}

static struct kretprobe krp = {
	.kp.symbol_name = "kvmalloc_node",
	.entry_handler = entry,
	.handler = ret,
	.maxactive = 16,
};

static int __init failalloc_init(void)
{
	if (!lo || hi <= lo)
		return -EINVAL;
	return register_kretprobe(&krp);
}

static void __exit failalloc_exit(void)
{
	unregister_kretprobe(&krp);
}

module_init(failalloc_init);
module_exit(failalloc_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("tests/vm: make a module's kvmalloc calls fail");
