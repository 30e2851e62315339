/* SPDX-License-Identifier: Apache-2.0 */
/*
 * accelsched.cyborg._discovery: accelsched's discovery (libaccel-discovery) for the
 * Cyborg driver, apart from accelsched._core.
 *
 *   text = scan(config=None, sysfs_root=None, dev_root=None, host=None,
 *               on_warning=None)
 *
 * One call reads the configuration the way acceld does (accel_config_load:
 * [DEFAULT] host, [discovery] sysfs_root and dev_root), lets the keyword
 * arguments override it, scans with the GIL released and returns the
 * inventory in its JSON form (accelsched.inventory/v1, the document acceld
 * and `accelctl inventory --json` write). A bad configuration raises
 * ValueError naming the file and the option; a failed scan OSError with
 * discovery's message, which names the input. The file's warnings (an
 * unknown option or section: a typo) go to on_warning(path, message) when
 * given, before the scan; the scan's own are in the document's "warnings".
 *
 * A module of the Cyborg driver's, not of accelsched itself, because
 * discovery links libpci, libdrm and OpenCL:
 * the Nova scheduler's extension (_core) must not (tests/nova/test_link.py),
 * and only Cyborg's agent, which runs on the compute node, needs them. Its
 * folder has a layer rule of its own (scripts/check-layers.sh): discovery,
 * not the Placement client nor the scheduler.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <accel/config.h>
#include <accel/discovery.h>
#include <accel/inventory.h>

static PyObject *scan(PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "config", "sysfs_root", "dev_root", "host", "on_warning", NULL };
	const char *config = NULL, *sysfs_root = NULL, *dev_root = NULL, *host = NULL;
	PyObject *on_warning = Py_None;
	accel_config *cfg = NULL;
	accel_ctx *ctx = NULL;
	accel_inventory *inv = NULL;
	accel_err err = { 0 };
	char *text = NULL;
	PyObject *res = NULL;
	int r;

	(void)self;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "|zzzzO:scan", kwlist, &config, &sysfs_root,
					 &dev_root, &host, &on_warning))
		return NULL;
	if (on_warning != Py_None && !PyCallable_Check(on_warning)) {
		PyErr_SetString(PyExc_TypeError, "scan: on_warning must be callable or None");
		return NULL;
	}
	r = config ? accel_config_load(&cfg, config, &err) : accel_config_new(&cfg, &err);
	if (r) {
		PyErr_SetString(PyExc_ValueError, err.msg[0] ? err.msg : strerror(-r));
		return NULL;
	}
	for (size_t i = 0; on_warning != Py_None && i < cfg->warnings.n; i++) {
		PyObject *ret = PyObject_CallFunction(on_warning, "ss", cfg->warnings.v[i].path,
						      cfg->warnings.v[i].message);

		if (!ret)
			goto out;
		Py_DECREF(ret);
	}
	r = accel_ctx_new(&ctx);
	if (!r)
		r = accel_ctx_set_sysfs_root(ctx, sysfs_root ? sysfs_root : cfg->sysfs_root);
	if (!r)
		r = accel_ctx_set_dev_root(ctx, dev_root ? dev_root : cfg->dev_root);
	if (!r)
		r = accel_ctx_set_host(ctx, host ? host : cfg->host);
	if (r) {
		PyErr_SetString(PyExc_OSError, strerror(-r));
		goto out;
	}
	Py_BEGIN_ALLOW_THREADS
	r = accel_scan(ctx, &inv);
	if (!r)
		r = accel_inventory_to_json(inv, 0, &text);
	Py_END_ALLOW_THREADS
	if (r) {
		const char *msg = accel_ctx_error(ctx);
		PyErr_Format(PyExc_OSError, "accelsched discovery (sysfs root %s): %s",
			     accel_ctx_sysfs_root(ctx), msg && msg[0] ? msg : strerror(-r));
		goto out;
	}
	res = PyUnicode_FromString(text);
out:
	free(text);
	accel_inventory_free(inv);
	accel_ctx_free(ctx);
	accel_config_free(cfg);
	return res;
}

static PyMethodDef module_methods[] = {
	{ "scan", (PyCFunction)(void (*)(void))scan, METH_VARARGS | METH_KEYWORDS,
	  "scan(config=None, sysfs_root=None, dev_root=None, host=None, on_warning=None) -> the "
	  "inventory as JSON text (accelsched.inventory/v1); config: an accelsched.conf whose "
	  "[DEFAULT] host and [discovery] roots are used, the keywords override them; "
	  "on_warning(path, message) is called for each of the file's warnings" },
	{ NULL, NULL, 0, NULL },
};

static struct PyModuleDef module = {
	PyModuleDef_HEAD_INIT, .m_name = "accelsched.cyborg._discovery",
	.m_doc = "accelsched's accelerator discovery (C), for the Cyborg driver.",
	.m_size = -1,
	.m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__discovery(void);

PyMODINIT_FUNC PyInit__discovery(void)
{
	return PyModule_Create(&module);
}
