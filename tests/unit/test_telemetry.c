/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: device telemetry (drivers/telemetry.c) and its JSON form
 * (common/metrics.c). The amdgpu readings come from the real amdgpu-vega
 * capture; hwmon, i915's frequency and the DRM clients' fdinfo, which no
 * capture here has, from made-up trees in the kernel's documented formats
 * (Documentation/hwmon/sysfs-interface.rst, gpu/drm-usage-stats.rst).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <accel/discovery.h>
#include <accel/telemetry.h>
#include "telemetry.h"
#include "tree.h"

static accel_telemetry *open_tel(const char *sys, const char *proc)
{
	accel_telemetry *t = NULL;
	accel_err err;

	if (accel_telemetry_new(&t, sys, proc, 0, &err))
		fail_msg("%s", err.msg);
	/* a fixture is not this machine: NVML would read the host's GPUs */
	assert_non_null(strstr(accel_telemetry_nvml_status(t), "NVML: not tried (sysfs root "));
	return t;
}

static const accel_metrics *find(const accel_metrics *m, size_t n, const char *addr)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(m[i].address, addr))
			return &m[i];
	fail_msg("%s: no readings", addr);
	return NULL;
}

static double get(const accel_metrics *m, accel_metric k, accel_metric_source src)
{
	if (!(m->have >> k & 1))
		fail_msg("%s: %s unknown", m->address, accel_metric_name(k));
	assert_int_equal(m->source[k], src);
	return m->value[k];
}

/* The real amdgpu capture: gpu_busy_percent 4, VRAM 1490378752 of
 * 8573157376 bytes, sclk level 0 (852 MHz) and mclk level 0 (167 MHz)
 * current, AER counters all 0. */
static void test_amdgpu(void **state)
{
	const char *sys = tree_fixture("amdgpu-vega");
	accel_inventory *inv;
	accel_telemetry *t;
	accel_metrics m[8];
	accel_warnings w = {0};
	accel_err err;
	accel_ctx *ctx;
	const accel_metrics *g;
	char *proc;

	(void)state;
	assert_int_equal(accel_ctx_new(&ctx), 0);
	assert_int_equal(accel_ctx_set_sysfs_root(ctx, sys), 0);
	assert_int_equal(accel_scan(ctx, &inv), 0);
	accel_ctx_free(ctx);
	assert_true(accel_inventory_n_devices(inv) <= 8);
	proc = tree_tmpdir(); /* no DRM clients: this machine's /proc has its own */
	t = open_tel(sys, proc);
	assert_int_equal(accel_telemetry_read_at(t, inv, 1000000000ull, m, &w, &err), 0);
	g = find(m, accel_inventory_n_devices(inv), "0000:09:00.0");
	assert_true(get(g, ACCEL_M_UTILIZATION, ACCEL_MS_SYSFS) == 0.04);
	assert_true(get(g, ACCEL_M_MEMORY_USAGE, ACCEL_MS_SYSFS) == 1490378752.0);
	assert_true(get(g, ACCEL_M_MEMORY_LIMIT, ACCEL_MS_SYSFS) == 8573157376.0);
	assert_true(get(g, ACCEL_M_CLOCK_GRAPHICS, ACCEL_MS_SYSFS) == 852e6);
	assert_true(get(g, ACCEL_M_CLOCK_MEMORY, ACCEL_MS_SYSFS) == 167e6);
	assert_true(get(g, ACCEL_M_ERRORS_CORRECTED, ACCEL_MS_AER) == 0);
	assert_true(get(g, ACCEL_M_ERRORS_UNCORRECTED, ACCEL_MS_AER) == 0);
	assert_false(g->have >> ACCEL_M_TEMPERATURE & 1); /* no hwmon in the capture */
	assert_int_equal(w.n, 0);
	accel_warnings_free(&w);
	accel_telemetry_free(t);
	accel_inventory_free(inv);
	tree_rm(proc);
	free(proc);
}

#define DEV "0000:03:00.0"

struct made {
	char *dir, *sys, *proc, *dev;
	accel_inventory *inv;
};

static void proc_client(struct made *x, int pid, int fd, const char *target, const char *info)
{
	tree_mkdirs(tree_path("%s/%d/fd", x->proc, pid));
	tree_mkdirs(tree_path("%s/%d/fdinfo", x->proc, pid));
	tree_link(target, tree_path("%s/%d/fd/%d", x->proc, pid, fd));
	tree_write(tree_path("%s/%d/fdinfo/%d", x->proc, pid, fd), info, -1);
}

static const char i915_info[] = "pos:\t0\nflags:\t02100002\nmnt_id:\t26\nino:\t685\n"
				"drm-driver:\ti915\ndrm-client-id:\t7\ndrm-pdev:\t" DEV "\n"
				"drm-total-system0:\t4 MiB\ndrm-total-local0:\t512 MiB\n"
				"drm-engine-render:\t%llu ns\ndrm-engine-copy:\t0 ns\n"
				"drm-engine-capacity-video:\t2\n";
static const char amd_info[] = "pos:\t0\nflags:\t02100002\ndrm-driver:\tamdgpu\n"
			       "drm-pdev:\t" DEV "\ndrm-client-id:\t42\n"
			       "drm-memory-vram:\t65536 KiB\ndrm-memory-gtt:\t2048 KiB\n"
			       "drm-engine-gfx:\t%llu ns\ndrm-engine-compute:\t0 ns\n";

static char *fmt(const char *f, unsigned long long v)
{
	return tree_path(f, v);
}

static void make_tree(struct made *x)
{
	accel_device *d;
	char *hw;

	/* tree_path's buffers are reused: keep our own copies */
	x->dir = tree_tmpdir();
	x->sys = strdup(tree_path("%s/sys", x->dir));
	x->proc = strdup(tree_path("%s/proc", x->dir));
	x->dev = strdup(tree_path("%s/bus/pci/devices/" DEV, x->sys));
	hw = strdup(tree_path("%s/hwmon/hwmon2", x->dev));
	tree_mkdirs(hw);
	tree_write(tree_path("%s/temp1_input", hw), "45000\n", -1);
	tree_write(tree_path("%s/power1_average", hw), "120500000\n", -1);
	tree_write(tree_path("%s/energy1_input", hw), "987654321\n", -1);
	tree_write(tree_path("%s/freq1_label", hw), "sclk\n", -1);
	tree_write(tree_path("%s/freq1_input", hw), "1200000000\n", -1);
	tree_write(tree_path("%s/freq2_label", hw), "mclk\n", -1);
	tree_write(tree_path("%s/freq2_input", hw), "875000000\n", -1);
	free(hw);
	tree_mkdirs(tree_path("%s/drm/card0", x->dev));
	tree_write(tree_path("%s/drm/card0/gt_act_freq_mhz", x->dev), "1300\n", -1);
	tree_write(tree_path("%s/aer_dev_correctable", x->dev), "RxErr 2\nTOTAL_ERR_COR 3\n", -1);
	tree_write(tree_path("%s/aer_dev_fatal", x->dev), "DLP 1\nTOTAL_ERR_FATAL 1\n", -1);
	tree_write(tree_path("%s/aer_dev_nonfatal", x->dev), "DLP 0\nTOTAL_ERR_NONFATAL 4\n", -1);
	tree_mkdirs(x->proc);
	/* client 7 from two processes (a fork shares it), client 42, and a
	 * process with no DRM file */
	proc_client(x, 100, 3, "/dev/dri/renderD128", fmt(i915_info, 25000000000ull));
	proc_client(x, 101, 4, "/dev/dri/renderD128", fmt(i915_info, 25000000000ull));
	proc_client(x, 102, 5, "/dev/dri/card0", fmt(amd_info, 1000000000ull));
	proc_client(x, 103, 1, "/dev/null", "pos:\t0\nflags:\t02\n");
	assert_int_equal(accel_inventory_new(&x->inv, "h"), 0);
	assert_int_equal(accel_inventory_add_device(x->inv, DEV, &d), 0);
	assert_int_equal(accel_device_set(&d->drm.render, "renderD128"), 0);
}

static void drop_tree(struct made *x)
{
	accel_inventory_free(x->inv);
	tree_rm(x->dir);
	free(x->dir);
	free(x->sys);
	free(x->proc);
	free(x->dev);
}

static void test_hwmon_fdinfo_aer(void **state)
{
	struct made x;
	accel_telemetry *t;
	accel_metrics m;
	accel_warnings w = {0};
	accel_err err;

	(void)state;
	make_tree(&x);
	t = open_tel(x.sys, x.proc);
	assert_int_equal(accel_telemetry_read_at(t, x.inv, 1000000000ull, &m, &w, &err), 0);
	assert_string_equal(m.address, DEV);
	assert_true(get(&m, ACCEL_M_TEMPERATURE, ACCEL_MS_HWMON) == 45.0);
	assert_true(get(&m, ACCEL_M_POWER, ACCEL_MS_HWMON) == 120.5);
	assert_true(get(&m, ACCEL_M_ENERGY, ACCEL_MS_HWMON) == 987.654321);
	/* i915's sysfs frequency comes before hwmon's */
	assert_true(get(&m, ACCEL_M_CLOCK_GRAPHICS, ACCEL_MS_SYSFS) == 1300e6);
	assert_true(get(&m, ACCEL_M_CLOCK_MEMORY, ACCEL_MS_HWMON) == 875e6);
	assert_true(get(&m, ACCEL_M_ERRORS_CORRECTED, ACCEL_MS_AER) == 3);
	assert_true(get(&m, ACCEL_M_ERRORS_UNCORRECTED, ACCEL_MS_AER) == 5);
	/* clients 7 and 42 once each: 512 MiB local0 + 64 MiB vram */
	assert_true(get(&m, ACCEL_M_MEMORY_USAGE, ACCEL_MS_FDINFO) == 576.0 * 1048576);
	/* a rate: nothing on the first read */
	assert_false(m.have >> ACCEL_M_UTILIZATION & 1);
	assert_int_equal(w.n, 0);

	/* a second later: render +0.5 s (client 7), gfx +0.25 s (client 42):
	 * the busiest engine's share */
	tree_write(tree_path("%s/100/fdinfo/3", x.proc), fmt(i915_info, 25500000000ull), -1);
	tree_write(tree_path("%s/101/fdinfo/4", x.proc), fmt(i915_info, 25500000000ull), -1);
	tree_write(tree_path("%s/102/fdinfo/5", x.proc), fmt(amd_info, 1250000000ull), -1);
	assert_int_equal(accel_telemetry_read_at(t, x.inv, 2000000000ull, &m, &w, &err), 0);
	assert_true(get(&m, ACCEL_M_UTILIZATION, ACCEL_MS_FDINFO) == 0.5);

	/* client 7 exits; 42's gfx +2 s in 1 s (two queues): capped at 1 */
	tree_rm(tree_path("%s/100", x.proc));
	tree_rm(tree_path("%s/101", x.proc));
	tree_write(tree_path("%s/102/fdinfo/5", x.proc), fmt(amd_info, 3250000000ull), -1);
	assert_int_equal(accel_telemetry_read_at(t, x.inv, 3000000000ull, &m, &w, &err), 0);
	assert_true(get(&m, ACCEL_M_UTILIZATION, ACCEL_MS_FDINFO) == 1.0);
	assert_true(get(&m, ACCEL_M_MEMORY_USAGE, ACCEL_MS_FDINFO) == 64.0 * 1048576);

	/* no client at all: an idle DRM device */
	tree_rm(tree_path("%s/102", x.proc));
	assert_int_equal(accel_telemetry_read_at(t, x.inv, 4000000000ull, &m, &w, &err), 0);
	assert_true(get(&m, ACCEL_M_UTILIZATION, ACCEL_MS_FDINFO) == 0.0);
	assert_false(m.have >> ACCEL_M_MEMORY_USAGE & 1);
	assert_int_equal(w.n, 0);
	accel_telemetry_free(t);
	drop_tree(&x);
}

/* Malformed attributes: a warning naming the file, that reading unknown,
 * the rest read. */
static void test_malformed_attributes(void **state)
{
	struct made x;
	accel_telemetry *t;
	accel_metrics m;
	accel_warnings w = {0};
	accel_err err;
	char *temp;

	(void)state;
	make_tree(&x);
	temp = strdup(tree_path("%s/hwmon/hwmon2/temp1_input", x.dev));
	tree_write(temp, "hot\n", -1);
	tree_write(tree_path("%s/aer_dev_correctable", x.dev), "RxErr two\n", -1);
	tree_write(tree_path("%s/102/fdinfo/5", x.proc),
		   "drm-pdev:\t" DEV "\ndrm-client-id:\t42\ndrm-engine-gfx:\tmany ns\n", -1);
	t = open_tel(x.sys, x.proc);
	assert_int_equal(accel_telemetry_read_at(t, x.inv, 1000000000ull, &m, &w, &err), 0);
	assert_false(m.have >> ACCEL_M_TEMPERATURE & 1);
	assert_false(m.have >> ACCEL_M_ERRORS_CORRECTED & 1);
	assert_true(get(&m, ACCEL_M_POWER, ACCEL_MS_HWMON) == 120.5);
	assert_int_equal(w.n, 3);
	assert_non_null(strstr(w.v[0].path, "102/fdinfo/5")); /* the clients are read first */
	assert_string_equal(w.v[1].path, temp);
	assert_non_null(strstr(w.v[1].message, "'hot'"));
	assert_non_null(strstr(w.v[2].path, "aer_dev_correctable"));
	/* client 7 still counted, 42's file ignored */
	assert_true(get(&m, ACCEL_M_MEMORY_USAGE, ACCEL_MS_FDINFO) == 512.0 * 1048576);
	accel_warnings_free(&w);
	accel_telemetry_free(t);
	drop_tree(&x);
	free(temp);
}

static void test_parse_dpm(void **state)
{
	uint64_t hz = 0;

	(void)state;
	assert_int_equal(tel_parse_dpm("0: 852Mhz *\n1: 991Mhz \n2: 1084Mhz \n", &hz), 0);
	assert_true(hz == 852000000ull);
	assert_int_equal(tel_parse_dpm("0: 500Mhz \n1: 1000MHz *\n", &hz), 0);
	assert_true(hz == 1000000000ull);
	assert_int_equal(tel_parse_dpm("0: 500Mhz \n", &hz), -ENODATA);
	assert_int_equal(tel_parse_dpm("", &hz), -ENODATA);
	assert_int_equal(tel_parse_dpm("0: 500Mhz *\n1: 600Mhz *\n", &hz), -EINVAL);
	assert_int_equal(tel_parse_dpm("0: 500GHz *\n", &hz), -EINVAL);
	assert_int_equal(tel_parse_dpm("zero: 500Mhz *\n", &hz), -EINVAL);
	assert_int_equal(tel_parse_dpm("0: 500Mhz +\n", &hz), -EINVAL);
	assert_int_equal(tel_parse_dpm("0: 99999999999Mhz *\n", &hz), -EINVAL);
	assert_int_equal(tel_parse_dpm("0 500Mhz *\n", &hz), -EINVAL);
}

static void test_parse_fdinfo(void **state)
{
	struct fdinfo f;

	(void)state;
	assert_int_equal(tel_parse_fdinfo(fmt(i915_info, 5), &f), 0);
	assert_string_equal(f.pdev, DEV);
	assert_true(f.client_id == 7);
	assert_int_equal(f.n_engines, 2); /* capacity is not an engine */
	assert_string_equal(f.engine[0].name, "render");
	assert_true(f.engine[0].ns == 5);
	assert_true(f.has_total && f.mem_total == 512ull << 20); /* system0 is not the device's */
	assert_int_equal(tel_parse_fdinfo(fmt(amd_info, 9), &f), 0);
	assert_true(f.has_memory && f.mem_memory == 64ull << 20);
	/* not a DRM client */
	assert_int_equal(tel_parse_fdinfo("pos:\t0\nflags:\t02\n", &f), -ENODATA);
	assert_int_equal(tel_parse_fdinfo("drm-pdev:\t" DEV "\n", &f), -ENODATA);
	/* malformed drm- lines */
	assert_int_equal(tel_parse_fdinfo("drm-pdev:\tnot-an-address\ndrm-client-id:\t1\n", &f),
			 -EINVAL);
	assert_int_equal(tel_parse_fdinfo("drm-client-id:\t-1\ndrm-pdev:\t" DEV "\n", &f), -EINVAL);
	assert_int_equal(tel_parse_fdinfo("drm-pdev:\t" DEV "\ndrm-client-id:\t1\n"
					  "drm-engine-gfx:\t10 ms\n",
					  &f),
			 -EINVAL);
	assert_int_equal(tel_parse_fdinfo("drm-pdev:\t" DEV "\ndrm-client-id:\t1\n"
					  "drm-memory-vram:\t10 PiB\n",
					  &f),
			 -EINVAL);
	assert_int_equal(tel_parse_fdinfo("drm-pdev\n", &f), -EINVAL); /* no colon */
	assert_int_equal(tel_parse_fdinfo("drm-pdev:\t" DEV "\ndrm-client-id:\t1\n"
					  "drm-engine-:\t10 ns\n",
					  &f),
			 -EINVAL);
}

static void test_json(void **state)
{
	accel_metrics m[2] = {0}, *back = NULL;
	char *text = NULL, *host = NULL;
	accel_err err;
	size_t n = 0;

	(void)state;
	snprintf(m[0].address, sizeof(m[0].address), DEV);
	accel_metrics_set(&m[0], ACCEL_M_UTILIZATION, 0.42, ACCEL_MS_SYSFS);
	accel_metrics_set(&m[0], ACCEL_M_UTILIZATION, 0.99, ACCEL_MS_FDINFO); /* first one stays */
	accel_metrics_set(&m[0], ACCEL_M_MEMORY_LIMIT, 8573157376.0, ACCEL_MS_SYSFS);
	accel_metrics_set(&m[0], ACCEL_M_ERRORS_UNCORRECTED, 5, ACCEL_MS_AER);
	accel_metrics_set(&m[0], ACCEL_M_TEMPERATURE, 1.0 / 3, ACCEL_MS_HWMON);
	snprintf(m[1].address, sizeof(m[1].address), "0000:04:00.0");
	assert_int_equal(accel_metrics_to_json("h1", "2026-12-02T00:00:00Z", m, 2, &text, &err), 0);
	assert_non_null(strstr(text, "\"hw.gpu.utilization\":0.42"));
	assert_non_null(strstr(text, "\"hw.gpu.memory.limit\":8573157376"));
	assert_non_null(strstr(text, "\"hw.errors{error.type=uncorrected}\":5"));
	assert_non_null(strstr(text, "\"version\":\"metrics/v1\""));
	assert_int_equal(accel_metrics_from_json(text, strlen(text), &host, &back, &n, &err), 0);
	assert_string_equal(host, "h1");
	assert_int_equal(n, 2);
	assert_memory_equal(&back[0], &m[0], sizeof(m[0]));
	assert_memory_equal(&back[1], &m[1], sizeof(m[1]));
	free(back);
	free(host);
	free(text);

	/* malformed: each names what is wrong */
	static const struct {
		const char *text, *says;
	} bad[] = {
		{"[]", "version"},
		{"{\"version\":\"metrics/v2\",\"host\":\"h\",\"devices\":[]}", "metrics/v1"},
		{"{\"version\":\"metrics/v1\",\"devices\":[]}", "host"},
		{"{\"version\":\"metrics/v1\",\"host\":\"h\",\"devices\":[{}]}", "address"},
		{"{\"version\":\"metrics/v1\",\"host\":\"h\",\"devices\":[{\"address\":\"a\"}]}",
		 "\"metrics\""},
		{"{\"version\":\"metrics/v1\",\"host\":\"h\",\"devices\":[{\"address\":\"a\","
		 "\"metrics\":{\"hw.power\":\"hot\"}}]}",
		 "a: hw.power: not a number"},
		{"{\"version\":\"metrics/v1\",\"host\":\"h\",\"devices\":[{\"address\":\"a\","
		 "\"metrics\":{\"hw.gpu.utilization\":1.5}}]}",
		 "out of range"},
		{"{\"version\":\"metrics/v1\",\"host\":\"h\",\"devices\":[", "invalid JSON"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		back = (accel_metrics *)1;
		assert_int_not_equal(accel_metrics_from_json(bad[i].text, strlen(bad[i].text), NULL,
							     &back, &n, &err),
				     0);
		assert_null(back);
		if (!strstr(err.msg, bad[i].says))
			fail_msg("%s: got '%s', want '%s'", bad[i].text, err.msg, bad[i].says);
	}
	/* a newer writer's metric is skipped */
	{
		const char *t =
			"{\"version\":\"metrics/v1\",\"host\":\"h\",\"devices\":[{"
			"\"address\":\"a\",\"metrics\":{\"hw.gpu.io\":5,\"hw.power\":300}}]}";

		assert_int_equal(accel_metrics_from_json(t, strlen(t), NULL, &back, &n, &err), 0);
		assert_true(back[0].have == 1u << ACCEL_M_POWER);
		free(back);
	}
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(accel_metric_name(ACCEL_M_UTILIZATION), "hw.gpu.utilization");
	assert_string_equal(accel_metric_unit(ACCEL_M_MEMORY_USAGE), "By");
	assert_string_equal(accel_metric_prom_name(ACCEL_M_UTILIZATION),
			    "hw_gpu_utilization_ratio");
	assert_string_equal(accel_metric_prom_name(ACCEL_M_ENERGY), "hw_energy_joules_total");
	assert_string_equal(accel_metric_prom_type(ACCEL_M_ENERGY), "counter");
	assert_string_equal(accel_metric_error_type(ACCEL_M_ERRORS_CORRECTED), "corrected");
	assert_null(accel_metric_error_type(ACCEL_M_POWER));
	assert_int_equal(accel_metric_from_name("hw.errors{error.type=uncorrected}"),
			 ACCEL_M_ERRORS_UNCORRECTED);
	assert_int_equal(accel_metric_from_name("hw.errors"), -1);
	for (int i = 0; i < ACCEL_M_MAX; i++)
		assert_string_not_equal(accel_metric_name((accel_metric)i), "unknown");
}

/* The Prometheus text: HELP and TYPE once per metric, one series per
 * device, label values escaped, both error types under hw_errors_total. */
static void test_prometheus(void **state)
{
	accel_inventory *inv;
	accel_metrics m[2] = {0};
	accel_device *d;
	char *text;

	(void)state;
	assert_int_equal(accel_inventory_new(&inv, "h1"), 0);
	assert_int_equal(accel_inventory_add_device(inv, DEV, &d), 0);
	d->kind = ACCEL_KIND_GPU;
	assert_int_equal(accel_device_set(&d->model, "A \"B\" \\ C\nD"), 0);
	assert_int_equal(accel_inventory_add_device(inv, "0000:04:00.0", &d), 0);
	d->kind = ACCEL_KIND_FPGA;
	snprintf(m[0].address, sizeof(m[0].address), DEV);
	snprintf(m[1].address, sizeof(m[1].address), "0000:04:00.0");
	accel_metrics_set(&m[0], ACCEL_M_UTILIZATION, 0.25, ACCEL_MS_SYSFS);
	accel_metrics_set(&m[1], ACCEL_M_UTILIZATION, 1, ACCEL_MS_SYSFS);
	accel_metrics_set(&m[0], ACCEL_M_ERRORS_UNCORRECTED, 2, ACCEL_MS_AER);
	accel_metrics_set(&m[1], ACCEL_M_ERRORS_CORRECTED, 7, ACCEL_MS_AER);
	assert_int_equal(accel_metrics_to_prometheus(inv, m, 2, &text), 0);
	assert_string_equal(
		text,
		"# HELP hw_gpu_utilization_ratio Fraction of time the device was busy (busiest "
		"engine for fdinfo). (hw.gpu.utilization)\n"
		"# TYPE hw_gpu_utilization_ratio gauge\n"
		"hw_gpu_utilization_ratio{host=\"h1\",address=\"" DEV "\",model=\"A \\\"B\\\" "
		"\\\\ C\\nD\",kind=\"gpu\"} 0.25\n"
		"hw_gpu_utilization_ratio{host=\"h1\",address=\"0000:04:00.0\",model=\"\","
		"kind=\"fpga\"} 1\n"
		"# HELP hw_errors_total Errors counted by the device or its PCIe link. (hw.errors)\n"
		"# TYPE hw_errors_total counter\n"
		"hw_errors_total{host=\"h1\",address=\"0000:04:00.0\",model=\"\",kind=\"fpga\","
		"error_type=\"corrected\"} 7\n"
		"hw_errors_total{host=\"h1\",address=\"" DEV "\",model=\"A \\\"B\\\" \\\\ "
		"C\\nD\",kind=\"gpu\",error_type=\"uncorrected\"} 2\n");
	free(text);
	/* nothing known: an empty exposition */
	assert_int_equal(accel_metrics_to_prometheus(inv, m, 0, &text), 0);
	assert_string_equal(text, "");
	free(text);
	accel_inventory_free(inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_amdgpu),
		cmocka_unit_test(test_hwmon_fdinfo_aer),
		cmocka_unit_test(test_malformed_attributes),
		cmocka_unit_test(test_parse_dpm),
		cmocka_unit_test(test_parse_fdinfo),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_names),	     cmocka_unit_test(test_prometheus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
