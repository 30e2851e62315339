/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device telemetry as data: what each reading is called, its unit, and
 * its JSON form (metrics/v1). Named after OpenTelemetry's hardware
 * semantic conventions (hw.gpu.*, hw.power, hw.energy, hw.temperature,
 * hw.errors); the clocks have no OpenTelemetry name yet and carry
 * accelsched's own. Reading the machine is discovery's (telemetry.h);
 * this part is pure, so the scheduler and the stream can use it.
 */
#ifndef ACCEL_METRICS_H
#define ACCEL_METRICS_H

#include <accel/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum accel_metric {
	ACCEL_M_UTILIZATION,	    /* hw.gpu.utilization: busy fraction, 0..1 */
	ACCEL_M_MEMORY_USAGE,	    /* hw.gpu.memory.usage: bytes in use */
	ACCEL_M_MEMORY_LIMIT,	    /* hw.gpu.memory.limit: bytes in all */
	ACCEL_M_TEMPERATURE,	    /* hw.temperature: degrees Celsius */
	ACCEL_M_POWER,		    /* hw.power: watts */
	ACCEL_M_ENERGY,		    /* hw.energy: joules since the driver loaded */
	ACCEL_M_CLOCK_GRAPHICS,	    /* accelsched.gpu.clock.graphics: hertz */
	ACCEL_M_CLOCK_MEMORY,	    /* accelsched.gpu.clock.memory: hertz */
	ACCEL_M_ERRORS_CORRECTED,   /* hw.errors, error.type=corrected */
	ACCEL_M_ERRORS_UNCORRECTED, /* hw.errors, error.type=uncorrected */
	ACCEL_M_MAX,
} accel_metric;

/* Where a reading came from. */
typedef enum accel_metric_source {
	ACCEL_MS_NONE,
	ACCEL_MS_SYSFS,	 /* the driver's own sysfs attributes (amdgpu, i915, xe) */
	ACCEL_MS_HWMON,	 /* the device's hwmon */
	ACCEL_MS_FDINFO, /* DRM clients' /proc/PID/fdinfo, summed over the device */
	ACCEL_MS_AER,	 /* PCIe AER counters */
	ACCEL_MS_NVML,	 /* NVIDIA's libnvidia-ml.so.1, when present */
	ACCEL_MS_MAX,
} accel_metric_source;

/* One device's readings: value[m] holds when bit m of `have` is set. */
typedef struct accel_metrics {
	char address[ACCEL_ADDR_MAX];
	uint32_t have;
	double value[ACCEL_M_MAX];
	uint8_t source[ACCEL_M_MAX]; /* accel_metric_source */
} accel_metrics;

/* Set value[m] from `src` (an earlier source's reading stays: callers go
 * from the most direct source to the least). */
ACCEL_EXPORT void accel_metrics_set(accel_metrics *m, accel_metric which, double v,
				    accel_metric_source src);

/* The OpenTelemetry name ("hw.gpu.utilization"), for JSON and events. */
ACCEL_EXPORT const char *accel_metric_name(accel_metric m);
/* Its UCUM unit: "1", "By", "Cel", "W", "J", "Hz", "{error}". */
ACCEL_EXPORT const char *accel_metric_unit(accel_metric m);
/* The Prometheus name, OpenTelemetry's translated with its unit
 * ("hw_gpu_utilization_ratio", "hw_energy_joules_total"). */
ACCEL_EXPORT const char *accel_metric_prom_name(accel_metric m);
/* "gauge" or "counter", for Prometheus' # TYPE line. */
ACCEL_EXPORT const char *accel_metric_prom_type(accel_metric m);
/* hw.errors's error.type label: "corrected", "uncorrected"; NULL for the
 * other metrics. */
ACCEL_EXPORT const char *accel_metric_error_type(accel_metric m);
/* -1 when the name is none of ours. */
ACCEL_EXPORT int accel_metric_from_name(const char *name);
ACCEL_EXPORT const char *accel_metric_source_name(accel_metric_source s);

/*
 * metrics/v1, one host's readings:
 *   {"version": "metrics/v1", "host": H, "collected_at": RFC 3339,
 *    "devices": [{"address": A, "metrics": {NAME: number, ...},
 *                 "sources": {NAME: "sysfs"|"hwmon"|..., ...}}]}
 * Writer: *out is a malloc'd string. Reader: bounded like the inventory
 * (ACCEL_MAX_JSON_BYTES, ACCEL_MAX_DEVICES); unknown names are skipped,
 * a bad value fails naming the device and the metric.
 */
ACCEL_EXPORT int accel_metrics_to_json(const char *host, const char *collected_at,
				       const accel_metrics *m, size_t n, char **out,
				       accel_err *err);
ACCEL_EXPORT int accel_metrics_from_json(const char *text, size_t len, char **host,
					 accel_metrics **out, size_t *n, accel_err *err);

/*
 * One device's readings as the payload of an accelerator.metrics event:
 *   {"host": H, "address": A, "model": M, "kind": K, "collected_at": T,
 *    "metrics": [{"name": "hw.gpu.utilization", "meter": "hw.gpu.utilization",
 *                 "unit": "1", "type": "gauge", "value": 0.04,
 *                 "source": "sysfs"}, ...]}
 * one item per reading known; hw.errors items carry "attributes":
 * {"error.type": ...} and the meter hw.errors.corrected/.uncorrected;
 * type is Ceilometer's (gauge, cumulative), so that a meter definition
 * with a lookup (etc/ceilometer/accelsched-meters.yaml) makes one sample
 * per item. model and kind from inv's device of that address. *out is a
 * malloc'd string.
 */
struct accel_inventory;
ACCEL_EXPORT int accel_metrics_event_json(const struct accel_inventory *inv,
					  const char *collected_at, const accel_metrics *m,
					  char **out, accel_err *err);

/*
 * The Prometheus text exposition (format 0.0.4) of m[i], the readings of
 * inv's device of the same address: a HELP and TYPE line per metric, then
 * one sample per device that has it, labelled host, address, model, kind
 * (and error_type for hw_errors_total), as DCGM-exporter users expect one
 * series per GPU. *out is a malloc'd string; -ENOMEM.
 */
ACCEL_EXPORT int accel_metrics_to_prometheus(const struct accel_inventory *inv,
					     const accel_metrics *m, size_t n, char **out);

#ifdef __cplusplus
}
#endif
#endif
