/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device telemetry, read from the kernel's interfaces first: the driver's
 * sysfs attributes (amdgpu's gpu_busy_percent and mem_info_vram_*, its
 * pp_dpm clocks; i915's and xe's actual frequency), the device's hwmon
 * (temperature, power, energy, clocks), the DRM clients' fdinfo
 * (drm-engine-*, drm-memory-*, summed over the device's clients) and the
 * PCIe AER counters; NVIDIA's NVML when libnvidia-ml.so.1 can be loaded
 * (dlopen: never linked). What a source does not give is left unknown.
 */
#ifndef ACCEL_TELEMETRY_H
#define ACCEL_TELEMETRY_H

#include <accel/inventory.h>
#include <accel/metrics.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct accel_telemetry accel_telemetry;

/* Do not try NVML (tests; fixtures of another machine). NVML is never
 * tried when the sysfs root is not the machine's own. */
#define ACCEL_TELEMETRY_NO_NVML (1u << 0)

/*
 * Readings below sysfs_root (NULL: /sys; the scan's --sysfs-root) and
 * proc_root (NULL: /proc). -ENOMEM, or -errno with err naming a root that
 * cannot be opened.
 */
ACCEL_EXPORT int accel_telemetry_new(accel_telemetry **out, const char *sysfs_root,
				     const char *proc_root, unsigned flags, accel_err *err);
ACCEL_EXPORT void accel_telemetry_free(accel_telemetry *t);

/* Whether NVML is in use, or why not, for one line in a log:
 * "NVML: loaded (driver 550.54.15)", "NVML: libnvidia-ml.so.1: cannot open
 * shared object file...", "NVML: not tried (...)". */
ACCEL_EXPORT const char *accel_telemetry_nvml_status(const accel_telemetry *t);

/*
 * Read every device of inv now: out[i] for device i (room for
 * accel_inventory_n_devices(inv)). Utilization from fdinfo is a rate: a
 * device's first read has none, later reads give the busy fraction since
 * the one before. An attribute that cannot be read or parsed is a warning
 * in *warn (path the file) and that reading stays unknown; returns 0, or
 * -ENOMEM.
 */
ACCEL_EXPORT int accel_telemetry_read(accel_telemetry *t, const accel_inventory *inv,
				      accel_metrics *out, accel_warnings *warn, accel_err *err);
/* The same at `now_ns` on CLOCK_MONOTONIC's scale (tests). */
ACCEL_EXPORT int accel_telemetry_read_at(accel_telemetry *t, const accel_inventory *inv,
					 uint64_t now_ns, accel_metrics *out, accel_warnings *warn,
					 accel_err *err);

#ifdef __cplusplus
}
#endif
#endif
