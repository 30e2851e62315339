/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The opencl backend, through the ICD loader: every platform's devices
 * with name, version, compute units and global memory. A device is matched
 * to its PCI function where the platform reports the bus address
 * (cl_khr_pci_bus_info, NVIDIA's or AMD's attribute queries); the rest are
 * host-level OpenCL devices (a CPU runtime such as pocl, or a platform that
 * does not say where its device sits).
 *
 * It runs only against the real sysfs root (or when asked): a fixture's
 * PCI devices are not this machine's OpenCL devices.
 */
#define CL_TARGET_OPENCL_VERSION 300
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CL/cl.h>
#include <CL/cl_ext.h>

#include <accel/util.h>
#include "scan.h"

#ifndef CL_DEVICE_PCI_BUS_ID_NV
#define CL_DEVICE_PCI_BUS_ID_NV	 0x4008
#define CL_DEVICE_PCI_SLOT_ID_NV 0x4009
#endif
#ifndef CL_DEVICE_PCI_DOMAIN_ID_NV
#define CL_DEVICE_PCI_DOMAIN_ID_NV 0x400A
#endif

#define MAX_PLATFORMS 16
#define MAX_DEVICES   64

static char *dev_str(cl_device_id dev, cl_device_info what)
{
	char buf[1024];
	size_t n = 0;

	if (clGetDeviceInfo(dev, what, sizeof(buf), buf, &n) != CL_SUCCESS || !n || n > sizeof(buf))
		return NULL;
	buf[n - 1] = '\0';
	/* vendors pad names with blanks */
	while (n > 1 && buf[n - 2] == ' ')
		buf[--n - 1] = '\0';
	if (!accel_text_ok(buf, strlen(buf)))
		return NULL;
	return strdup(buf);
}

static bool has_ext(const char *exts, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = exts; p && (p = strstr(p, name)); p += n)
		if ((p == exts || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

/* The PCI function of an OpenCL device, or NULL. */
static struct scan_fn *match(struct scan *s, cl_device_id dev)
{
	char *exts = dev_str(dev, CL_DEVICE_EXTENSIONS);
	unsigned dom = 0, bus = 0, slot = 0, fn = 0;
	bool any_domain = false, have = false;

	if (!exts)
		return NULL;
	if (has_ext(exts, "cl_khr_pci_bus_info")) {
		cl_device_pci_bus_info_khr bi;

		if (clGetDeviceInfo(dev, CL_DEVICE_PCI_BUS_INFO_KHR, sizeof(bi), &bi, NULL) ==
		    CL_SUCCESS) {
			dom = bi.pci_domain;
			bus = bi.pci_bus;
			slot = bi.pci_device;
			fn = bi.pci_function;
			have = true;
		}
	}
	if (!have && has_ext(exts, "cl_nv_device_attribute_query")) {
		cl_uint b, sl, d = 0;

		if (clGetDeviceInfo(dev, CL_DEVICE_PCI_BUS_ID_NV, sizeof(b), &b, NULL) ==
			    CL_SUCCESS &&
		    clGetDeviceInfo(dev, CL_DEVICE_PCI_SLOT_ID_NV, sizeof(sl), &sl, NULL) ==
			    CL_SUCCESS) {
			if (clGetDeviceInfo(dev, CL_DEVICE_PCI_DOMAIN_ID_NV, sizeof(d), &d, NULL) !=
			    CL_SUCCESS)
				any_domain = true;
			dom = d;
			bus = b;
			slot = sl >> 3;
			fn = sl & 7;
			have = true;
		}
	}
	if (!have && has_ext(exts, "cl_amd_device_attribute_query")) {
		cl_device_topology_amd t;

		if (clGetDeviceInfo(dev, CL_DEVICE_TOPOLOGY_AMD, sizeof(t), &t, NULL) ==
			    CL_SUCCESS &&
		    t.raw.type == CL_DEVICE_TOPOLOGY_TYPE_PCIE_AMD) {
			bus = (unsigned char)t.pcie.bus;
			slot = (unsigned char)t.pcie.device;
			fn = (unsigned char)t.pcie.function;
			any_domain = true;
			have = true;
		}
	}
	free(exts);
	if (!have)
		return NULL;
	return accel_opencl_match(s, dom, bus, slot, fn, any_domain);
}

struct scan_fn *accel_opencl_match(struct scan *s, unsigned dom, unsigned bus, unsigned slot,
				   unsigned fn, bool any_domain)
{
	struct scan_fn *found = NULL;

	for (size_t i = 0; i < s->n_fns; i++) {
		struct scan_fn *f = &s->fns[i];

		if (f->bus != bus || f->slot != slot || f->func != fn ||
		    (!any_domain && f->domain != dom))
			continue;
		if (found)
			return NULL; /* ambiguous without a domain */
		found = f;
	}
	return found;
}

static const char *type_name(cl_device_type t)
{
	if (t & CL_DEVICE_TYPE_GPU)
		return "gpu";
	if (t & CL_DEVICE_TYPE_CPU)
		return "cpu";
	if (t & CL_DEVICE_TYPE_ACCELERATOR)
		return "accelerator";
	return "custom";
}

static void one_device(struct scan *s, cl_device_id dev, const char *platform)
{
	struct scan_fn *f = match(s, dev);
	cl_uint cu = 0;
	cl_ulong mem = 0;
	cl_device_type type = 0;
	int units = -1;
	int64_t mem_mb = -1;

	if (clGetDeviceInfo(dev, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof(cu), &cu, NULL) == CL_SUCCESS)
		units = (int)cu;
	if (clGetDeviceInfo(dev, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof(mem), &mem, NULL) == CL_SUCCESS)
		mem_mb = (int64_t)(mem >> 20);
	clGetDeviceInfo(dev, CL_DEVICE_TYPE, sizeof(type), &type, NULL);

	if (f && f->dev && !f->dev->opencl.present) {
		accel_opencl *o = &f->dev->opencl;
		cl_uint maj, min;

		o->present = true;
		(void)accel_device_set(&o->platform, platform);
		o->name = dev_str(dev, CL_DEVICE_NAME);
		o->version = dev_str(dev, CL_DEVICE_VERSION);
		o->compute_units = units;
		o->global_mem_mb = mem_mb;
		/* NVIDIA's runtime knows the compute capability of parts newer
		 * than our table */
		if (!f->dev->compute_capability &&
		    clGetDeviceInfo(dev, CL_DEVICE_COMPUTE_CAPABILITY_MAJOR_NV, sizeof(maj), &maj,
				    NULL) == CL_SUCCESS &&
		    clGetDeviceInfo(dev, CL_DEVICE_COMPUTE_CAPABILITY_MINOR_NV, sizeof(min), &min,
				    NULL) == CL_SUCCESS &&
		    maj < 100 && min < 100) {
			char cc[16];

			snprintf(cc, sizeof(cc), "%u.%u", maj, min);
			(void)accel_device_set(&f->dev->compute_capability, cc);
		}
		return;
	}
	{
		accel_host_opencl *h;

		if (accel_inventory_add_host_opencl(s->inv, &h))
			return;
		(void)accel_device_set(&h->platform, platform);
		h->name = dev_str(dev, CL_DEVICE_NAME);
		h->version = dev_str(dev, CL_DEVICE_VERSION);
		(void)accel_device_set(&h->type, type_name(type));
		h->compute_units = units;
		h->global_mem_mb = mem_mb;
	}
}

static bool opencl_applies(const struct scan *s)
{
	if (s->ctx->opencl == ACCEL_OPENCL_OFF)
		return false;
	if (s->ctx->opencl == ACCEL_OPENCL_ON)
		return true;
	return s->real_root;
}

static int opencl_run(struct scan *s)
{
	cl_platform_id plats[MAX_PLATFORMS];
	cl_uint np = 0;
	cl_int r;

	r = clGetPlatformIDs(MAX_PLATFORMS, plats, &np);
	if (r == CL_PLATFORM_NOT_FOUND_KHR || (r == CL_SUCCESS && np == 0))
		return 0; /* the loader found no ICD: nothing to say */
	if (r != CL_SUCCESS) {
		scan_warn(s, "OpenCL", "clGetPlatformIDs failed (%d); OpenCL left out", r);
		return 0;
	}
	if (np > MAX_PLATFORMS)
		np = MAX_PLATFORMS;
	for (cl_uint p = 0; p < np; p++) {
		cl_device_id devs[MAX_DEVICES];
		cl_uint nd = 0;
		char pname[256] = "";
		size_t n = 0;

		if (clGetPlatformInfo(plats[p], CL_PLATFORM_NAME, sizeof(pname), pname, &n) !=
			    CL_SUCCESS ||
		    !accel_text_ok(pname, strnlen(pname, sizeof(pname))))
			pname[0] = '\0';
		r = clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, MAX_DEVICES, devs, &nd);
		if (r == CL_DEVICE_NOT_FOUND)
			continue;
		if (r != CL_SUCCESS) {
			scan_warn(s, "OpenCL", "platform '%s': clGetDeviceIDs failed (%d)", pname,
				  r);
			continue;
		}
		if (nd > MAX_DEVICES)
			nd = MAX_DEVICES;
		for (cl_uint d = 0; d < nd; d++)
			one_device(s, devs[d], pname[0] ? pname : NULL);
	}
	return 0;
}

const struct accel_backend accel_backend_opencl = {
	.name = "opencl",
	.applies = opencl_applies,
	.run = opencl_run,
};
