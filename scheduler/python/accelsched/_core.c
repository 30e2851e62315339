/* SPDX-License-Identifier: Apache-2.0 */
/*
 * accelsched._core: the scheduler core (libaccelsched) for Python, so that
 * one Nova request makes one call into C.
 *
 *   t = Table(); t.load_dir(path); t.update(json_text); t.remove(host)
 *   rq = Request({"resources:PGPU": "2", "accelsched:p2p": "PIX"})
 *   res = t.evaluate(rq, host_states)   # objects with .host / .nodename
 *   res.passing() -> the objects that pass, in order
 *   res.weights(objs) -> raw weights of (a subsequence of) those objects
 *   res.chosen(obj), res.reason(obj)
 *   t.acceptable(rq, host, addrs, free=None) -> would the weigher choose those devices?
 *   validate(key, value)
 *
 * Host names are mapped to the table's stable ids through a dict kept per
 * table (cleared when the table changes), so a request costs an attribute
 * read and a dict lookup per host in Python, then one C call with the GIL
 * released.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <string.h>

#include <accel/inventory.h>
#include <accel/model.h>
#include <accel/sched.h>
#include <accel/util.h>

#include "capi.h"

/*
 * Host ids are stable for a name, so they are remembered: `ids` maps a name
 * to its id, and `objs`, a C hash table, a host object to its id by
 * identity, so that a request does not even read the objects' attributes
 * again (Nova keeps its HostState objects across requests, and reading
 * their attributes costs more than the whole C evaluation). The table
 * holds a reference to each object, so an address cannot be reused while
 * it is remembered; it forgets them all when it has grown to several
 * times the hosts of a request. A name the table does not know is stored
 * as -1 - gen, and asked again once the table has changed (gen): through
 * this object, or behind it (a Kafka consumer's thread applying records:
 * the C table's generation, `cgen`, moved).
 */
struct objent {
	PyObject *obj; /* a strong reference; NULL: empty */
	long val;
};

struct objtab {
	struct objent *e;
	size_t cap, n;
};

typedef struct {
	PyObject_HEAD accel_sched_hosts *t;
	PyObject *ids; /* dict: host name -> id */
	struct objtab objs;
	long gen;
	uint32_t cgen; /* accel_sched_hosts_generation when gen last moved */
} TableObject;

static size_t obj_slot(const struct objtab *ot, PyObject *obj)
{
	size_t h = (size_t)(((uintptr_t)obj >> 4) * 0x9e3779b97f4a7c15ull);
	size_t i = h & (ot->cap - 1);

	while (ot->e[i].obj && ot->e[i].obj != obj)
		i = (i + 1) & (ot->cap - 1);
	return i;
}

static void objtab_clear(struct objtab *ot)
{
	for (size_t i = 0; i < ot->cap; i++)
		Py_CLEAR(ot->e[i].obj);
	ot->n = 0;
}

static bool objtab_get(const struct objtab *ot, PyObject *obj, long *val)
{
	size_t i;

	if (!ot->cap)
		return false;
	i = obj_slot(ot, obj);
	if (!ot->e[i].obj)
		return false;
	*val = ot->e[i].val;
	return true;
}

static int objtab_put(struct objtab *ot, PyObject *obj, long val)
{
	size_t i;

	if ((ot->n + 1) * 2 > ot->cap) {
		struct objtab bigger = { PyMem_Calloc(ot->cap ? ot->cap * 2 : 1024, sizeof(*ot->e)),
					 ot->cap ? ot->cap * 2 : 1024, ot->n };

		if (!bigger.e)
			return -1;
		for (size_t k = 0; k < ot->cap; k++)
			if (ot->e[k].obj)
				bigger.e[obj_slot(&bigger, ot->e[k].obj)] = ot->e[k];
		PyMem_Free(ot->e);
		*ot = bigger;
	}
	i = obj_slot(ot, obj);
	if (!ot->e[i].obj) {
		Py_INCREF(obj);
		ot->e[i].obj = obj;
		ot->n++;
	}
	ot->e[i].val = val;
	return 0;
}

typedef struct {
	PyObject_HEAD accel_sched_request *rq; /* set once, in tp_new; never changed */
	int initialized;                       /* tp_init ran (once) */
} RequestObject;

typedef struct {
	PyObject_HEAD PyObject *table; /* TableObject, for chosen() */
	PyObject *objs;                /* the evaluated objects, a list */
	PyObject *index;               /* dict id(obj) -> i, made when needed */
	accel_sched_result *res;
	Py_ssize_t n;
} ResultObject;

static PyTypeObject TableType, RequestType, ResultType;
static PyObject *str_host, *str_nodename;

/* ---- Request ---- */

/*
 * A Request is immutable: the extra specs are parsed in tp_new, and
 * __init__ may not run again. Table.evaluate() reads self->rq with the GIL
 * released, so a second __init__ from another thread, freeing and
 * replacing it, would free memory that evaluate is reading.
 */
static PyObject *Request_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
	static char *kwlist[] = { "extra_specs", NULL };
	PyObject *specs, *items = NULL;
	const char **keys = NULL, **values = NULL;
	RequestObject *self = NULL;
	Py_ssize_t n, i;
	accel_err err;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O", kwlist, &specs))
		return NULL;
	if (!PyMapping_Check(specs)) {
		PyErr_SetString(PyExc_TypeError, "extra_specs: expected a mapping of str to str");
		return NULL;
	}
	items = PyMapping_Items(specs);
	if (!items)
		return NULL;
	n = PyList_GET_SIZE(items);
	keys = PyMem_Calloc((size_t)n + 1, sizeof(*keys));
	values = PyMem_Calloc((size_t)n + 1, sizeof(*values));
	if (!keys || !values) {
		PyErr_NoMemory();
		goto out;
	}
	for (i = 0; i < n; i++) {
		PyObject *kv = PyList_GET_ITEM(items, i);
		PyObject *k = PyTuple_GET_ITEM(kv, 0), *v = PyTuple_GET_ITEM(kv, 1);

		if (!PyUnicode_Check(k) || !PyUnicode_Check(v)) {
			PyErr_Format(PyExc_TypeError, "extra spec %R: keys and values must be str",
				     k);
			goto out;
		}
		keys[i] = PyUnicode_AsUTF8(k);
		values[i] = PyUnicode_AsUTF8(v);
		if (!keys[i] || !values[i])
			goto out;
	}
	self = (RequestObject *)type->tp_alloc(type, 0);
	if (!self)
		goto out;
	if (accel_sched_request_parse(keys, values, (size_t)n, &self->rq, &err)) {
		PyErr_SetString(err.code == -ENOMEM ? PyExc_MemoryError : PyExc_ValueError,
				err.msg);
		Py_CLEAR(self);
	}
out:
	PyMem_Free(keys);
	PyMem_Free(values);
	Py_DECREF(items);
	return (PyObject *)self;
}

/* The call Request(specs) makes after tp_new; any other is refused. */
static int Request_init(RequestObject *self, PyObject *args, PyObject *kwds)
{
	(void)args;
	(void)kwds;
	if (self->initialized) {
		PyErr_SetString(PyExc_TypeError,
				"Request is immutable: make a new Request(extra_specs) instead "
				"of calling __init__ again");
		return -1;
	}
	self->initialized = 1;
	return 0;
}

static void Request_dealloc(RequestObject *self)
{
	accel_sched_request_free(self->rq);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Request_get_active(RequestObject *self, void *closure)
{
	(void)closure;
	return PyBool_FromLong(accel_sched_request_active(self->rq));
}

static PyObject *Request_get_count(RequestObject *self, void *closure)
{
	(void)closure;
	return PyLong_FromUnsignedLong(accel_sched_request_count(self->rq));
}

static PyGetSetDef Request_getset[] = {
	{ "active", (getter)Request_get_active, NULL,
	  "False when the extra specs ask for no accelerator", NULL },
	{ "count", (getter)Request_get_count, NULL, "devices asked for", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

static PyTypeObject RequestType = {
	PyVarObject_HEAD_INIT(NULL, 0).tp_name = "accelsched._core.Request",
	.tp_basicsize = sizeof(RequestObject),
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "Request(extra_specs): a flavor's extra specs, parsed; ValueError names a "
		  "bad key or value. Immutable.",
	.tp_new = Request_new,
	.tp_init = (initproc)Request_init,
	.tp_dealloc = (destructor)Request_dealloc,
	.tp_getset = Request_getset,
};

/* ---- Table ---- */

static int Table_init(TableObject *self, PyObject *args, PyObject *kwds)
{
	static char *kwlist[] = { NULL };

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "", kwlist))
		return -1;
	if (self->t)
		return 0;
	if (accel_sched_hosts_new(&self->t)) {
		PyErr_NoMemory();
		return -1;
	}
	self->ids = PyDict_New();
	return self->ids ? 0 : -1;
}

static void Table_dealloc(TableObject *self)
{
	accel_sched_hosts_free(self->t);
	Py_XDECREF(self->ids);
	objtab_clear(&self->objs);
	PyMem_Free(self->objs.e);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

static int table_ready(TableObject *self)
{
	if (!self->t) {
		PyErr_SetString(PyExc_RuntimeError, "Table not initialized");
		return -1;
	}
	return 0;
}

static PyObject *Table_load_dir(TableObject *self, PyObject *args)
{
	const char *dir;
	accel_err err;
	int r;

	if (table_ready(self) || !PyArg_ParseTuple(args, "s", &dir))
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	r = accel_sched_hosts_load_dir(self->t, dir, &err);
	Py_END_ALLOW_THREADS
	self->gen++;
	if (r < 0) {
		PyErr_SetString(r == -ENOMEM ? PyExc_MemoryError : PyExc_ValueError, err.msg);
		return NULL;
	}
	return PyLong_FromLong(r);
}

static PyObject *Table_update(TableObject *self, PyObject *args)
{
	const char *text;
	Py_ssize_t len;
	accel_inventory *inv = NULL;
	accel_err err;
	PyObject *name;
	int r;

	if (table_ready(self) || !PyArg_ParseTuple(args, "s#", &text, &len))
		return NULL;
	r = accel_inventory_from_json(text, (size_t)len, &inv, &err);
	if (!r)
		r = accel_sched_hosts_update(self->t, inv, &err);
	if (r) {
		accel_inventory_free(inv);
		PyErr_SetString(r == -ENOMEM ? PyExc_MemoryError : PyExc_ValueError, err.msg);
		return NULL;
	}
	name = PyUnicode_FromString(accel_inventory_host(inv));
	accel_inventory_free(inv);
	self->gen++;
	return name;
}

static PyObject *Table_remove(TableObject *self, PyObject *args)
{
	const char *host;
	int r;

	if (table_ready(self) || !PyArg_ParseTuple(args, "s", &host))
		return NULL;
	r = accel_sched_hosts_remove(self->t, host); /* the id stays the name's */
	return PyBool_FromLong(r == 0);
}

static PyObject *Table_hosts(TableObject *self, PyObject *noargs)
{
	char **names;
	size_t n;
	PyObject *list;

	(void)noargs;
	if (table_ready(self))
		return NULL;
	if (accel_sched_hosts_names(self->t, &names, &n))
		return PyErr_NoMemory();
	list = PyList_New((Py_ssize_t)n);
	for (size_t i = 0; list && i < n; i++) {
		PyObject *s = PyUnicode_FromString(names[i]);

		if (!s) {
			Py_CLEAR(list);
			break;
		}
		PyList_SET_ITEM(list, (Py_ssize_t)i, s);
	}
	accel_strv_free(names, n);
	return list;
}

static Py_ssize_t Table_len(TableObject *self)
{
	return self->t ? (Py_ssize_t)accel_sched_hosts_count(self->t) : 0;
}

/* Names remembered as unknown are asked again once the C table changed,
 * whoever changed it. */
static void table_sync(TableObject *self)
{
	uint32_t g = accel_sched_hosts_generation(self->t);

	if (g != self->cgen) {
		self->cgen = g;
		self->gen++;
	}
}

/* A remembered id, or INT32_MIN + 1 when it must be asked again. */
static int32_t remembered_val(TableObject *self, long x)
{
	if (x >= 0)
		return (int32_t)x;
	return -1 - x == self->gen ? -1 : INT32_MIN + 1;
}

static PyObject *to_remember(TableObject *self, int32_t id)
{
	return PyLong_FromLong(id >= 0 ? id : -1 - self->gen);
}

/* The id of a name: the dict, else the table (and remember it). */
static int32_t id_of(TableObject *self, PyObject *name)
{
	PyObject *v = PyDict_GetItemWithError(self->ids, name);
	const char *s;
	int32_t id;

	if (v && (id = remembered_val(self, PyLong_AsLong(v))) != INT32_MIN + 1)
		return id;
	if (PyErr_Occurred())
		return INT32_MIN;
	s = PyUnicode_AsUTF8(name);
	if (!s)
		return INT32_MIN;
	id = accel_sched_host_id(self->t, s);
	v = to_remember(self, id);
	if (!v || PyDict_SetItem(self->ids, name, v)) {
		Py_XDECREF(v);
		return INT32_MIN;
	}
	Py_DECREF(v);
	return id;
}

/* A host object's id by its attributes: .host, else .nodename. */
static int32_t id_by_attrs(TableObject *self, PyObject *obj)
{
	PyObject *name;
	int32_t id = -1;

	name = PyObject_GetAttr(obj, str_host);
	if (!name)
		return INT32_MIN;
	if (PyUnicode_Check(name))
		id = id_of(self, name);
	Py_DECREF(name);
	if (id != -1)
		return id;
	name = PyObject_GetAttr(obj, str_nodename);
	if (!name) {
		if (!PyErr_ExceptionMatches(PyExc_AttributeError))
			return INT32_MIN;
		PyErr_Clear();
		return -1;
	}
	if (PyUnicode_Check(name))
		id = id_of(self, name);
	Py_DECREF(name);
	return id;
}

/* A host object's id: a name (str) directly; any other object from the
 * identity table, else by its attributes (and remembered). */
static int32_t id_of_obj(TableObject *self, PyObject *obj)
{
	int32_t id;
	long val;

	if (PyUnicode_Check(obj))
		return id_of(self, obj);
	if (objtab_get(&self->objs, obj, &val) &&
	    (id = remembered_val(self, val)) != INT32_MIN + 1)
		return id;
	id = id_by_attrs(self, obj);
	if (id == INT32_MIN)
		return id;
	if (objtab_put(&self->objs, obj, id >= 0 ? id : -1 - self->gen)) {
		PyErr_NoMemory();
		return INT32_MIN;
	}
	return id;
}

static PyObject *Table_evaluate(TableObject *self, PyObject *args)
{
	RequestObject *rq;
	PyObject *seq, *objs;
	ResultObject *res = NULL;
	int32_t *ids = NULL;
	Py_ssize_t n;
	int r;

	if (table_ready(self) || !PyArg_ParseTuple(args, "O!O", &RequestType, &rq, &seq))
		return NULL;
	objs = PySequence_List(seq);
	if (!objs)
		return NULL;
	n = PyList_GET_SIZE(objs);
	table_sync(self);
	/* forget the objects of old requests */
	if (self->objs.n > 4 * (size_t)n + 4096)
		objtab_clear(&self->objs);
	res = PyObject_New(ResultObject, &ResultType);
	if (!res)
		goto fail;
	res->table = (PyObject *)self;
	Py_INCREF(self);
	res->objs = objs;
	objs = NULL;
	res->index = NULL;
	res->n = n;
	res->res = PyMem_Calloc((size_t)n + 1, sizeof(*res->res));
	ids = PyMem_Calloc((size_t)n + 1, sizeof(*ids));
	if (!res->res || !ids) {
		PyErr_NoMemory();
		goto fail;
	}
	if (accel_sched_request_active(rq->rq))
		for (Py_ssize_t i = 0; i < n; i++) {
			ids[i] = id_of_obj(self, PyList_GET_ITEM(res->objs, i));
			if (ids[i] == INT32_MIN)
				goto fail;
		}
	Py_BEGIN_ALLOW_THREADS
	r = accel_sched_evaluate_ids(self->t, rq->rq, ids, (size_t)n, res->res);
	Py_END_ALLOW_THREADS
	if (r) {
		PyErr_NoMemory();
		goto fail;
	}
	PyMem_Free(ids);
	return (PyObject *)res;
fail:
	PyMem_Free(ids);
	Py_XDECREF(objs);
	Py_XDECREF(res);
	return NULL;
}

/* A sequence of PCI address strings as a C array (borrowed from *fast,
 * which the caller releases, and PyMem_Free's the array); NULL on error. */
static const char **addr_array(PyObject *seq, const char *what, PyObject **fast, Py_ssize_t *n)
{
	const char **out;

	*fast = PySequence_Fast(seq, what);
	if (!*fast)
		return NULL;
	*n = PySequence_Fast_GET_SIZE(*fast);
	out = PyMem_Calloc((size_t)*n + 1, sizeof(*out));
	if (!out) {
		Py_CLEAR(*fast);
		PyErr_NoMemory();
		return NULL;
	}
	for (Py_ssize_t i = 0; i < *n; i++) {
		PyObject *a = PySequence_Fast_GET_ITEM(*fast, i);

		out[i] = PyUnicode_Check(a) ? PyUnicode_AsUTF8(a) : NULL;
		if (!out[i]) {
			if (!PyErr_Occurred())
				PyErr_Format(PyExc_TypeError, "%s: item %zd is not a PCI address string",
					     what, i);
			PyMem_Free(out);
			Py_CLEAR(*fast);
			return NULL;
		}
	}
	return out;
}

static PyObject *Table_acceptable(TableObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "request", "host", "addresses", "free", NULL };
	RequestObject *rq;
	PyObject *seq, *free_seq = Py_None, *list = NULL, *free_list = NULL;
	const char *host, **addrs = NULL, **avail = NULL;
	Py_ssize_t n = 0, n_avail = 0;
	int r;

	if (table_ready(self) || !PyArg_ParseTupleAndKeywords(args, kw, "O!sO|O", kwlist,
							      &RequestType, &rq, &host, &seq,
							      &free_seq))
		return NULL;
	addrs = addr_array(seq, "addresses", &list, &n);
	if (!addrs)
		return NULL;
	if (free_seq != Py_None) {
		avail = addr_array(free_seq, "free", &free_list, &n_avail);
		if (!avail) {
			PyMem_Free(addrs);
			Py_DECREF(list);
			return NULL;
		}
	}
	Py_BEGIN_ALLOW_THREADS
	r = accel_sched_acceptable(self->t, rq->rq, host, addrs, (size_t)n, avail, (size_t)n_avail);
	Py_END_ALLOW_THREADS
	PyMem_Free(addrs);
	PyMem_Free(avail);
	Py_DECREF(list);
	Py_XDECREF(free_list);
	if (r == -ENOENT) {
		PyErr_Format(PyExc_LookupError, "host %s: not in accelsched's inventories", host);
		return NULL;
	}
	if (r < 0)
		return PyErr_NoMemory();
	return PyBool_FromLong(r);
}

static PyMethodDef Table_methods[] = {
	{ "load_dir", (PyCFunction)Table_load_dir, METH_VARARGS,
	  "load_dir(path) -> n: every *.json inventory of a folder; ValueError names a bad "
	  "file (the others stay loaded)" },
	{ "update", (PyCFunction)Table_update, METH_VARARGS,
	  "update(json_text) -> host: add or replace a host from an inventory document" },
	{ "remove", (PyCFunction)Table_remove, METH_VARARGS, "remove(host) -> bool" },
	{ "hosts", (PyCFunction)Table_hosts, METH_NOARGS, "hosts() -> sorted host names" },
	{ "evaluate", (PyCFunction)Table_evaluate, METH_VARARGS,
	  "evaluate(request, hosts) -> Result: filter and weigh every host in one call; "
	  "hosts are objects with .host (or .nodename), or names" },
	{ "acceptable", (PyCFunction)(void (*)(void))Table_acceptable,
	  METH_VARARGS | METH_KEYWORDS,
	  "acceptable(request, host, addresses, free=None) -> bool: are the host's devices among "
	  "the PCI addresses a set the weigher would choose (its choice or a tie)? free: the "
	  "addresses of the devices still free, the others count as in use. LookupError for an "
	  "unknown host" },
	{ NULL, NULL, 0, NULL },
};

static PySequenceMethods Table_as_sequence = {
	.sq_length = (lenfunc)Table_len,
};

static PyTypeObject TableType = {
	PyVarObject_HEAD_INIT(NULL, 0).tp_name = "accelsched._core.Table",
	.tp_basicsize = sizeof(TableObject),
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "Table(): the accelerators of many hosts, readable while updated",
	.tp_new = PyType_GenericNew,
	.tp_init = (initproc)Table_init,
	.tp_dealloc = (destructor)Table_dealloc,
	.tp_methods = Table_methods,
	.tp_as_sequence = &Table_as_sequence,
};

/* ---- Result ---- */

static void Result_dealloc(ResultObject *self)
{
	Py_XDECREF(self->table);
	Py_XDECREF(self->objs);
	Py_XDECREF(self->index);
	PyMem_Free(self->res);
	PyObject_Free(self);
}

static PyObject *Result_passing(ResultObject *self, PyObject *noargs)
{
	PyObject *out = PyList_New(0);

	(void)noargs;
	for (Py_ssize_t i = 0; out && i < self->n; i++)
		if (self->res[i].pass && PyList_Append(out, PyList_GET_ITEM(self->objs, i))) {
			Py_CLEAR(out);
		}
	return out;
}

/* The key of an evaluated object in the index: a name by value, any other
 * object by identity. */
static PyObject *index_key(PyObject *obj)
{
	if (PyUnicode_Check(obj)) {
		Py_INCREF(obj);
		return obj;
	}
	return PyLong_FromVoidPtr(obj);
}

/* The index of obj among the evaluated objects; -1 (no error) if absent. */
static Py_ssize_t index_of(ResultObject *self, PyObject *obj)
{
	PyObject *key, *v;

	if (!self->index) {
		self->index = PyDict_New();
		for (Py_ssize_t i = 0; self->index && i < self->n; i++) {
			PyObject *k = index_key(PyList_GET_ITEM(self->objs, i));
			PyObject *iv = PyLong_FromSsize_t(i);
			int r = k && iv ? PyDict_SetItem(self->index, k, iv) : -1;

			Py_XDECREF(k);
			Py_XDECREF(iv);
			if (r)
				Py_CLEAR(self->index);
		}
		if (!self->index)
			return -2;
	}
	key = index_key(obj);
	if (!key)
		return -2;
	v = PyDict_GetItemWithError(self->index, key);
	Py_DECREF(key);
	if (!v)
		return PyErr_Occurred() ? -2 : -1;
	return PyLong_AsSsize_t(v);
}

/*
 * The index of each of objs, a subsequence of the evaluated objects
 * (Nova's filters keep order): matched by identity in one walk; any other
 * order falls back to a lookup. -1 for an object not evaluated. Returns
 * -1 with an exception set on failure.
 */
static int indices(ResultObject *self, PyObject *seq, Py_ssize_t *idx)
{
	Py_ssize_t n = PySequence_Fast_GET_SIZE(seq), j = 0;

	for (Py_ssize_t k = 0; k < n; k++) {
		PyObject *o = PySequence_Fast_GET_ITEM(seq, k);
		Py_ssize_t i = j;

		while (i < self->n && PyList_GET_ITEM(self->objs, i) != o)
			i++;
		if (i == self->n) {
			i = index_of(self, o);
			if (i == -2)
				return -1;
		} else {
			j = i + 1;
		}
		idx[k] = i;
	}
	return 0;
}

/* weights(objs): raw weights; None for a host that did not pass. */
static PyObject *Result_weights(ResultObject *self, PyObject *arg)
{
	PyObject *seq = PySequence_Fast(arg, "weights(objs): expected a sequence"), *out = NULL;
	Py_ssize_t n, *idx;

	if (!seq)
		return NULL;
	n = PySequence_Fast_GET_SIZE(seq);
	idx = PyMem_Calloc((size_t)n + 1, sizeof(*idx));
	if (!idx) {
		Py_DECREF(seq);
		return PyErr_NoMemory();
	}
	if (!indices(self, seq, idx))
		out = PyList_New(n);
	for (Py_ssize_t k = 0; out && k < n; k++) {
		Py_ssize_t i = idx[k];
		PyObject *w;

		if (i >= 0 && self->res[i].pass) {
			w = PyFloat_FromDouble(self->res[i].weight);
		} else {
			w = Py_None;
			Py_INCREF(w);
		}
		if (!w) {
			Py_CLEAR(out);
			break;
		}
		PyList_SET_ITEM(out, k, w);
	}
	PyMem_Free(idx);
	Py_DECREF(seq);
	return out;
}

/*
 * nova_weights(objs): weights for Nova's normalization. The core gives a
 * host where only degraded devices fit its weight less DEGRADED; left so,
 * normalizing would squeeze every healthy host into the top sliver of
 * [0, 1]. Instead degraded hosts go just below the worst healthy one (a
 * tenth of the healthy spread), in their own order, and hosts that did not
 * pass (the weigher without the filter) one spread below everything.
 */
#define DEGRADED 1e9

static PyObject *Result_nova_weights(ResultObject *self, PyObject *arg)
{
	PyObject *seq = PySequence_Fast(arg, "nova_weights(objs): expected a sequence"),
		 *out = NULL;
	double *w, lo = 0, hi = 0, worst_deg = 0, spread, shift = 0, floor_w = 0;
	Py_ssize_t n, *idx, n_healthy = 0, n_deg = 0;
	bool any = false;

	if (!seq)
		return NULL;
	n = PySequence_Fast_GET_SIZE(seq);
	idx = PyMem_Calloc((size_t)n + 1, sizeof(*idx));
	w = PyMem_Calloc((size_t)n + 1, sizeof(*w));
	if (!idx || !w) {
		PyErr_NoMemory();
		goto out;
	}
	if (indices(self, seq, idx))
		goto out;
	for (Py_ssize_t k = 0; k < n; k++) {
		const accel_sched_result *r = idx[k] >= 0 ? &self->res[idx[k]] : NULL;

		if (!r || !r->pass)
			continue;
		if (r->degraded) {
			w[k] = r->weight + DEGRADED;
			worst_deg = n_deg++ ? (w[k] > worst_deg ? w[k] : worst_deg) : w[k];
		} else {
			w[k] = r->weight;
			lo = n_healthy ? (w[k] < lo ? w[k] : lo) : w[k];
			hi = n_healthy++ ? (w[k] > hi ? w[k] : hi) : w[k];
		}
	}
	spread = n_healthy > 1 && hi > lo ? hi - lo : 1.0;
	if (n_deg)
		shift = lo - spread * 0.1 - worst_deg;
	for (Py_ssize_t k = 0; k < n; k++) {
		const accel_sched_result *r = idx[k] >= 0 ? &self->res[idx[k]] : NULL;

		if (!r || !r->pass)
			continue;
		if (r->degraded)
			w[k] += shift;
		floor_w = any ? (w[k] < floor_w ? w[k] : floor_w) : w[k];
		any = true;
	}
	floor_w -= spread;
	out = PyList_New(n);
	for (Py_ssize_t k = 0; out && k < n; k++) {
		const accel_sched_result *r = idx[k] >= 0 ? &self->res[idx[k]] : NULL;
		PyObject *f = PyFloat_FromDouble(r && r->pass ? w[k] : floor_w);

		if (!f) {
			Py_CLEAR(out);
			break;
		}
		PyList_SET_ITEM(out, k, f);
	}
out:
	PyMem_Free(idx);
	PyMem_Free(w);
	Py_DECREF(seq);
	return out;
}

static Py_ssize_t find_obj(ResultObject *self, PyObject *obj)
{
	Py_ssize_t i;

	for (i = 0; i < self->n; i++)
		if (PyList_GET_ITEM(self->objs, i) == obj)
			return i;
	i = index_of(self, obj);
	if (i == -1)
		PyErr_SetString(PyExc_KeyError, "not one of the evaluated hosts");
	return i < 0 ? -1 : i;
}

static PyObject *host_name(PyObject *obj)
{
	PyObject *name;

	if (PyUnicode_Check(obj)) {
		Py_INCREF(obj);
		return obj;
	}
	name = PyObject_GetAttr(obj, str_host);
	return name;
}

static PyObject *Result_chosen(ResultObject *self, PyObject *obj)
{
	char addrs[ACCEL_SCHED_MAX_COUNT][ACCEL_ADDR_MAX];
	Py_ssize_t i = find_obj(self, obj);
	PyObject *name, *out;
	const accel_sched_result *r;
	const char *s;
	int rc;

	if (i < 0)
		return NULL;
	r = &self->res[i];
	if (!r->pass)
		return PyList_New(0);
	name = host_name(obj);
	if (!name)
		return NULL;
	s = PyUnicode_AsUTF8(name);
	rc = s ? accel_sched_chosen(((TableObject *)self->table)->t, s, r, addrs, NULL) : -EINVAL;
	if (rc == -ENOENT && !PyUnicode_Check(obj)) {
		/* matched by nodename */
		Py_DECREF(name);
		name = PyObject_GetAttr(obj, str_nodename);
		if (!name)
			return NULL;
		s = PyUnicode_AsUTF8(name);
		rc = s ? accel_sched_chosen(((TableObject *)self->table)->t, s, r, addrs, NULL)
		       : -EINVAL;
	}
	Py_DECREF(name);
	if (rc == -EINVAL)
		return NULL;
	if (rc == -ESTALE || rc == -ENOENT) {
		PyErr_SetString(PyExc_LookupError, rc == -ESTALE ? "the host changed since" :
								   "the host is gone");
		return NULL;
	}
	out = PyList_New(r->n_chosen);
	for (unsigned d = 0; out && d < r->n_chosen; d++) {
		PyObject *a = PyUnicode_FromString(addrs[d]);

		if (!a) {
			Py_CLEAR(out);
			break;
		}
		PyList_SET_ITEM(out, d, a);
	}
	return out;
}

static PyObject *Result_reason(ResultObject *self, PyObject *obj)
{
	Py_ssize_t i = find_obj(self, obj);

	if (i < 0)
		return NULL;
	if (self->res[i].pass)
		Py_RETURN_NONE;
	return PyUnicode_FromString(accel_sched_reason_name(self->res[i].reason));
}

static PyObject *Result_degraded(ResultObject *self, PyObject *obj)
{
	Py_ssize_t i = find_obj(self, obj);

	if (i < 0)
		return NULL;
	return PyBool_FromLong(self->res[i].pass && self->res[i].degraded);
}

static Py_ssize_t Result_len(ResultObject *self)
{
	return self->n;
}

static PyMethodDef Result_methods[] = {
	{ "passing", (PyCFunction)Result_passing, METH_NOARGS,
	  "passing() -> the hosts that pass, in order" },
	{ "weights", (PyCFunction)Result_weights, METH_O,
	  "weights(hosts) -> raw weights (None for a host that did not pass)" },
	{ "nova_weights", (PyCFunction)Result_nova_weights, METH_O,
	  "nova_weights(hosts) -> weights for Nova: degraded hosts below healthy ones, hosts "
	  "that did not pass below all" },
	{ "chosen", (PyCFunction)Result_chosen, METH_O,
	  "chosen(host) -> PCI addresses of the devices the weigher picked" },
	{ "reason", (PyCFunction)Result_reason, METH_O,
	  "reason(host) -> the constraint that failed it, or None" },
	{ "degraded", (PyCFunction)Result_degraded, METH_O,
	  "degraded(host) -> True when only degraded devices fit" },
	{ NULL, NULL, 0, NULL },
};

static PySequenceMethods Result_as_sequence = {
	.sq_length = (lenfunc)Result_len,
};

static PyTypeObject ResultType = {
	PyVarObject_HEAD_INIT(NULL, 0).tp_name = "accelsched._core.Result",
	.tp_basicsize = sizeof(ResultObject),
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "The outcome of Table.evaluate()",
	.tp_dealloc = (destructor)Result_dealloc,
	.tp_methods = Result_methods,
	.tp_as_sequence = &Result_as_sequence,
};

/* ---- module ---- */

static PyObject *mod_validate(PyObject *mod, PyObject *args)
{
	const char *key, *value;
	accel_err err;

	(void)mod;
	if (!PyArg_ParseTuple(args, "ss", &key, &value))
		return NULL;
	if (accel_sched_validate(key, value, &err)) {
		PyErr_SetString(PyExc_ValueError, err.msg);
		return NULL;
	}
	Py_RETURN_NONE;
}

/* describe(vendor_id, device_id) -> dict or None: the vendor model tables
 * by PCI ids alone. */
static PyObject *mod_describe(PyObject *mod, PyObject *args)
{
	int vendor, device;
	accel_model_info mi;

	(void)mod;
	if (!PyArg_ParseTuple(args, "ii", &vendor, &device))
		return NULL;
	if (vendor < 0 || vendor > 0xffff || device < 0 || device > 0xffff ||
	    accel_model_by_id(vendor, device, &mi))
		Py_RETURN_NONE;
	return Py_BuildValue("{s:s,s:z,s:z,s:L,s:z,s:z}", "kind", accel_kind_name(mi.kind),
			     "vendor", mi.vendor, "model", mi.model, "memory_mb",
			     (long long)mi.memory_mb, "architecture", mi.architecture,
			     "compute_capability", mi.compute_capability);
}

/* decode_traits(traits) -> {vendor_id, device_id, vendor,
 * compute_capability, health}: what accelsched's traits say of a device
 * (common/vocab.c), None for what they do not say. */
static PyObject *mod_decode_traits(PyObject *mod, PyObject *arg)
{
	PyObject *seq, *out = NULL;
	const char **v;
	accel_trait_fields tf;
	char vid[8], did[8];
	Py_ssize_t n;

	(void)mod;
	seq = PySequence_Fast(arg, "decode_traits: a list of trait names");
	if (!seq)
		return NULL;
	n = PySequence_Fast_GET_SIZE(seq);
	v = PyMem_Calloc((size_t)n + 1, sizeof(*v));
	if (!v) {
		Py_DECREF(seq);
		return PyErr_NoMemory();
	}
	for (Py_ssize_t i = 0; i < n; i++) {
		v[i] = PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(seq, i));
		if (!v[i])
			goto out;
	}
	accel_vocab_decode(v, (size_t)n, &tf);
	snprintf(vid, sizeof(vid), "%04x", (unsigned)tf.vendor_id & 0xffff);
	snprintf(did, sizeof(did), "%04x", (unsigned)tf.device_id & 0xffff);
	out = Py_BuildValue("{s:z,s:z,s:z,s:z,s:s}", "vendor_id", tf.vendor_id < 0 ? NULL : vid,
			    "device_id", tf.device_id < 0 ? NULL : did, "vendor",
			    tf.vendor[0] ? tf.vendor : NULL, "compute_capability",
			    tf.compute_capability[0] ? tf.compute_capability : NULL, "health",
			    accel_health_name(tf.health));
out:
	PyMem_Free(v);
	Py_DECREF(seq);
	return out;
}

/* rc_kind(resource_class) -> "gpu", "fpga", ... or None: the kind one of
 * accelsched's resource classes stands for. */
static PyObject *mod_rc_kind(PyObject *mod, PyObject *arg)
{
	const char *rc = PyUnicode_AsUTF8(arg);
	accel_kind k;

	(void)mod;
	if (!rc)
		return NULL;
	k = accel_vocab_rc_kind(rc);
	if (k == ACCEL_KIND_NONE)
		Py_RETURN_NONE;
	return PyUnicode_FromString(accel_kind_name(k));
}

/* ---- the capsule for accelsched._kafka (capi.h) ---- */

static accel_sched_hosts *capi_table_hosts(PyObject *obj)
{
	if (!PyObject_TypeCheck(obj, &TableType)) {
		PyErr_Format(PyExc_TypeError, "expected an accelsched._core.Table, not %.100s",
			     Py_TYPE(obj)->tp_name);
		return NULL;
	}
	if (table_ready((TableObject *)obj))
		return NULL;
	return ((TableObject *)obj)->t;
}

static const struct accelsched_capi capi = {
	.version = ACCELSCHED_CAPI_VERSION,
	.table_hosts = capi_table_hosts,
	.feed_new = accel_sched_feed_new,
	.feed_free = accel_sched_feed_free,
	.feed_record = accel_sched_feed_record,
	.feed_stats = accel_sched_feed_stats_get,
};

static PyMethodDef module_methods[] = {
	{ "decode_traits", mod_decode_traits, METH_O,
	  "decode_traits(traits) -> {vendor_id, device_id, vendor, compute_capability, health} "
	  "from accelsched's traits (None where they say nothing)" },
	{ "rc_kind", mod_rc_kind, METH_O,
	  "rc_kind(resource_class) -> the device kind of one of accelsched's resource classes, "
	  "or None" },
	{ "validate", mod_validate, METH_VARARGS,
	  "validate(key, value): ValueError naming a bad accelsched: extra spec" },
	{ "describe", mod_describe, METH_VARARGS,
	  "describe(vendor_id, device_id) -> {kind, vendor, model, memory_mb, architecture, "
	  "compute_capability} from the vendor model tables, or None" },
	{ NULL, NULL, 0, NULL },
};

static struct PyModuleDef module = {
	PyModuleDef_HEAD_INIT, .m_name = "accelsched._core",
	.m_doc = "The accelsched scheduler core (C).",
	.m_size = -1,
	.m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__core(void);

PyMODINIT_FUNC PyInit__core(void)
{
	PyObject *m, *cap;

	if (PyType_Ready(&TableType) || PyType_Ready(&RequestType) || PyType_Ready(&ResultType))
		return NULL;
	str_host = PyUnicode_InternFromString("host");
	str_nodename = PyUnicode_InternFromString("nodename");
	if (!str_host || !str_nodename)
		return NULL;
	m = PyModule_Create(&module);
	if (!m)
		return NULL;
	cap = PyCapsule_New((void *)&capi, ACCELSCHED_CAPI_NAME, NULL);
	if (!cap || PyModule_AddObject(m, "_C_API", cap)) {
		Py_XDECREF(cap);
		Py_DECREF(m);
		return NULL;
	}
	Py_INCREF(&TableType);
	Py_INCREF(&RequestType);
	if (PyModule_AddObject(m, "Table", (PyObject *)&TableType) ||
	    PyModule_AddObject(m, "Request", (PyObject *)&RequestType) ||
	    PyModule_AddStringConstant(m, "VERSION", ACCELSCHED_VERSION) ||
	    PyModule_AddStringConstant(m, "OWNER_TRAIT", ACCEL_OWNER_TRAIT)) {
		Py_DECREF(m);
		return NULL;
	}
	return m;
}
