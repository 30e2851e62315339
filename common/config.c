/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The configuration file, read with libinih. A table maps each
 * (section, option) to a field and its type; a value that does not parse
 * fails the load with a message naming file, section and option.
 */
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include <accel/config.h>
#include <accel/inventory.h>
#include <accel/util.h>

#define CONFIG_MAX_BYTES (1u << 20)

enum opt_type { T_STR, T_INT, T_DOUBLE, T_REAL, T_BOOL, T_AUTH, T_SCHEME, T_LEVEL, T_IFACE };

struct opt {
	const char *section;
	const char *name;
	enum opt_type type;
	size_t off;
	long long min, max; /* T_INT, T_REAL */
	bool secret;
};

#define CFG(f) offsetof(accel_config, f)
#define PL(f) (offsetof(accel_config, placement) + offsetof(accel_placement_conf, f))

static const struct opt opts[] = {
	{ "DEFAULT", "host", T_STR, CFG(host), 0, 0, false },
	{ "DEFAULT", "state_dir", T_STR, CFG(state_dir), 0, 0, false },
	{ "DEFAULT", "log_level", T_LEVEL, CFG(log_level), 0, 0, false },
	{ "DEFAULT", "debug", T_BOOL, CFG(log_level), 0, 0, false }, /* oslo.log's */
	{ "discovery", "sysfs_root", T_STR, CFG(sysfs_root), 0, 0, false },
	{ "discovery", "dev_root", T_STR, CFG(dev_root), 0, 0, false },
	{ "discovery", "rescan_interval", T_INT, CFG(rescan_interval), 10, 86400 * 7, false },
	{ "discovery", "debounce_ms", T_INT, CFG(debounce_ms), 0, 60000, false },
	{ "placement", "auth_type", T_AUTH, PL(auth_type), 0, 0, false },
	{ "placement", "auth_url", T_STR, PL(auth_url), 0, 0, false },
	{ "placement", "username", T_STR, PL(username), 0, 0, false },
	{ "placement", "user_id", T_STR, PL(user_id), 0, 0, false },
	{ "placement", "password", T_STR, PL(password), 0, 0, true },
	{ "placement", "user_domain_name", T_STR, PL(user_domain_name), 0, 0, false },
	{ "placement", "user_domain_id", T_STR, PL(user_domain_id), 0, 0, false },
	{ "placement", "project_name", T_STR, PL(project_name), 0, 0, false },
	{ "placement", "project_id", T_STR, PL(project_id), 0, 0, false },
	{ "placement", "project_domain_name", T_STR, PL(project_domain_name), 0, 0, false },
	{ "placement", "project_domain_id", T_STR, PL(project_domain_id), 0, 0, false },
	{ "placement", "application_credential_id", T_STR, PL(application_credential_id), 0, 0,
	  false },
	{ "placement", "application_credential_name", T_STR, PL(application_credential_name), 0,
	  0, false },
	{ "placement", "application_credential_secret", T_STR,
	  PL(application_credential_secret), 0, 0, true },
	{ "placement", "token", T_STR, PL(token), 0, 0, true },
	{ "placement", "region_name", T_STR, PL(region_name), 0, 0, false },
	{ "placement", "interface", T_IFACE, PL(interface), 0, 0, false },
	{ "placement", "valid_interfaces", T_IFACE, PL(interface), 0, 0, false },
	{ "placement", "endpoint_override", T_STR, PL(endpoint_override), 0, 0, false },
	{ "placement", "cafile", T_STR, PL(cafile), 0, 0, false },
	{ "placement", "insecure", T_BOOL, PL(insecure), 0, 0, false },
	{ "placement", "timeout", T_DOUBLE, PL(timeout), 0, 0, false },
	{ "placement", "max_retries", T_INT, PL(max_retries), 0, 20, false },
	{ "placement", "auth_retry_interval", T_INT, PL(auth_retry_interval), 1, 86400, false },
	{ "placement", "trait_scheme", T_SCHEME, PL(trait_scheme), 0, 0, false },
	{ "scheduler", "state_source", T_STR, CFG(sched_state_source), 0, 0, false },
	{ "scheduler", "refresh_interval", T_INT, CFG(sched_refresh_interval), 0, 86400, false },
	{ "scheduler", "weight_multiplier", T_REAL, CFG(sched_weight_multiplier), -1000000, 1000000,
	  false },
};

struct load {
	accel_config *cfg;
	const char *name;
	accel_err *err;
	bool has_secret;
	char last_section[64]; /* unknown-section warnings once each */
};

static int warn(accel_config *cfg, const char *fmt, ...) ACCEL_PRINTF(2, 3);
static int warn(accel_config *cfg, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return accel_strv_add(&cfg->warnings, &cfg->n_warnings, buf);
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int set_value(struct load *l, const struct opt *o, const char *value)
{
	char *base = (char *)l->cfg;
	char *end;

	switch (o->type) {
	case T_STR:
		if (!*value)
			return accel_device_set((char **)(base + o->off), NULL);
		if (!accel_text_ok(value, strlen(value)))
			return -EILSEQ;
		return accel_device_set((char **)(base + o->off), value);
	case T_INT: {
		long long v;

		errno = 0;
		v = strtoll(value, &end, 10);
		if (errno || end == value || *end || v < o->min || v > o->max)
			return -ERANGE;
		*(int *)(base + o->off) = (int)v;
		return 0;
	}
	case T_DOUBLE: {
		double v;

		errno = 0;
		v = strtod(value, &end);
		if (errno || end == value || *end || !(v > 0) || v > 3600)
			return -ERANGE;
		*(double *)(base + o->off) = v;
		return 0;
	}
	case T_REAL: {
		double v;

		errno = 0;
		v = strtod(value, &end);
		if (errno || end == value || *end || !(v >= (double)o->min && v <= (double)o->max))
			return -ERANGE;
		*(double *)(base + o->off) = v;
		return 0;
	}
	case T_BOOL: {
		bool b;

		if (parse_bool(value, &b))
			return -EINVAL;
		if (o->off == CFG(log_level)) { /* debug = true */
			if (b)
				l->cfg->log_level = ACCEL_LOG_DEBUG;
		} else {
			*(bool *)(base + o->off) = b;
		}
		return 0;
	}
	case T_AUTH: {
		accel_auth_type t;

		if (!strcmp(value, "password") || !strcmp(value, "v3password"))
			t = ACCEL_AUTH_PASSWORD;
		else if (!strcmp(value, "v3applicationcredential") ||
			 !strcmp(value, "applicationcredential"))
			t = ACCEL_AUTH_APPCRED;
		else if (!strcmp(value, "token") || !strcmp(value, "v3token"))
			t = ACCEL_AUTH_TOKEN;
		else if (!strcmp(value, "none") || !strcmp(value, "noauth"))
			t = ACCEL_AUTH_NONE;
		else
			return -EINVAL;
		l->cfg->placement.auth_type = t;
		return 0;
	}
	case T_SCHEME:
		if (!strcmp(value, "accelsched"))
			l->cfg->placement.trait_scheme = ACCEL_TRAITS_ACCELSCHED;
		else if (!strcmp(value, "cyborg"))
			l->cfg->placement.trait_scheme = ACCEL_TRAITS_CYBORG;
		else if (!strcmp(value, "nova-pci"))
			l->cfg->placement.trait_scheme = ACCEL_TRAITS_NOVA_PCI;
		else
			return -EINVAL;
		return 0;
	case T_LEVEL:
		for (int i = ACCEL_LOG_ERROR; i <= ACCEL_LOG_DEBUG; i++)
			if (!strcasecmp(value, accel_log_level_name((accel_log_level)i))) {
				l->cfg->log_level = (accel_log_level)i;
				return 0;
			}
		return -EINVAL;
	case T_IFACE: {
		/* keystoneauth takes a list; the first one wins here */
		static const char *const ok[] = { "public", "internal", "admin" };
		char first[32];
		size_t n = strcspn(value, ", ");

		if (n >= sizeof(first))
			return -EINVAL;
		memcpy(first, value, n);
		first[n] = '\0';
		/* "publicURL" is the old spelling */
		if (n > 3 && !strcmp(first + n - 3, "URL"))
			first[n - 3] = '\0';
		for (size_t i = 0; i < 3; i++)
			if (!strcmp(first, ok[i]))
				return accel_device_set(&l->cfg->placement.interface, ok[i]);
		return -EINVAL;
	}
	}
	return -EINVAL;
}

static const char *expected(const struct opt *o)
{
	switch (o->type) {
	case T_INT:
		return "an integer in range";
	case T_DOUBLE:
		return "seconds, a number above 0";
	case T_REAL:
		return "a number from -1000000 to 1000000";
	case T_BOOL:
		return "true or false";
	case T_AUTH:
		return "password, v3applicationcredential, token or none";
	case T_SCHEME:
		return "accelsched, cyborg or nova-pci";
	case T_LEVEL:
		return "error, warning, info or debug";
	case T_IFACE:
		return "public, internal or admin";
	case T_STR:
		break;
	}
	return "printable UTF-8 text";
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct load *l = user;
	bool known_section = false;

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		const struct opt *o = &opts[i];
		int r;

		if (strcmp(o->section, section))
			continue;
		known_section = true;
		if (strcmp(o->name, name))
			continue;
		r = set_value(l, o, value);
		if (r) {
			char shown[64];

			accel_err_set(l->err, -EINVAL, "%s: [%s] %s: invalid value '%s' (expected %s)",
				      l->name, section, name,
				      o->secret ? "***"
						: accel_text_sanitize(value, strlen(value), shown,
								      sizeof(shown)),
				      expected(o));
			return 0;
		}
		if (o->secret && *value)
			l->has_secret = true;
		return 1;
	}
	/* Unknown: say so once per section, once per option. Sections of
	 * parts this build does not have yet (kafka, scheduler) are fine. */
	if (!known_section && strcmp(l->last_section, section)) {
		snprintf(l->last_section, sizeof(l->last_section), "%s", section);
		if (strcmp(section, "kafka") && strcmp(section, "scheduler"))
			warn(l->cfg, "%s: unknown section [%s]", l->name, section);
	} else if (known_section) {
		warn(l->cfg, "%s: [%s] unknown option '%s'", l->name, section, name);
	}
	return 1;
}

static char *fqdn(void)
{
	char host[256];
	struct addrinfo hints = { .ai_flags = AI_CANONNAME }, *res = NULL;
	char *r;

	if (gethostname(host, sizeof(host)))
		return strdup("localhost");
	host[sizeof(host) - 1] = '\0';
	/* like Python's socket.getfqdn(): the canonical name if resolvable */
	if (!strchr(host, '.') && getaddrinfo(host, NULL, &hints, &res) == 0 && res &&
	    res->ai_canonname && strchr(res->ai_canonname, '.'))
		r = strdup(res->ai_canonname);
	else
		r = strdup(host);
	if (res)
		freeaddrinfo(res);
	return r;
}

int accel_config_new(accel_config **out, accel_err *err)
{
	accel_config *c = calloc(1, sizeof(*c));

	if (!c)
		return accel_err_set(err, -ENOMEM, "out of memory");
	c->host = fqdn();
	c->state_dir = strdup(ACCEL_DEFAULT_STATE_DIR);
	c->sysfs_root = strdup(ACCEL_DEFAULT_SYSFS_ROOT);
	c->dev_root = strdup(ACCEL_DEFAULT_DEV_ROOT);
	c->placement.interface = strdup("public");
	c->log_level = ACCEL_LOG_INFO;
	c->rescan_interval = 600;
	c->sched_refresh_interval = 10;
	c->sched_weight_multiplier = 1.0;
	c->debounce_ms = 500;
	c->placement.timeout = 30;
	c->placement.max_retries = 5;
	c->placement.auth_retry_interval = 600;
	if (!c->host || !c->state_dir || !c->sysfs_root || !c->dev_root ||
	    !c->placement.interface) {
		accel_config_free(c);
		return accel_err_set(err, -ENOMEM, "out of memory");
	}
	*out = c;
	return 0;
}

int accel_config_parse(accel_config **out, const char *name, const char *text, unsigned mode,
		       accel_err *err)
{
	struct load l = { .name = name, .err = err };
	accel_config *c;
	int r;

	accel_err_clear(err);
	r = accel_config_new(&c, err);
	if (r)
		return r;
	l.cfg = c;
	r = ini_parse_string(text, handler, &l);
	if (r != 0) {
		if (err && err->code && r > 0) {
			/* the handler named the option: add the line */
			char msg[sizeof(err->msg)];
			size_t nl = strlen(name);

			snprintf(msg, sizeof(msg), "%s", err->msg);
			if (!strncmp(msg, name, nl) && msg[nl] == ':')
				snprintf(err->msg, sizeof(err->msg), "%s: line %d:%s", name, r,
					 msg + nl + 1);
		}
		if (!err || !err->code)
			accel_err_set(err, -EINVAL, "%s: line %d: not an INI line (expected [section] "
						    "or option = value)",
				      name, r);
		accel_config_free(c);
		return err ? err->code : -EINVAL;
	}
	if (l.has_secret && (mode & 077)) {
		accel_config_free(c);
		return accel_err_set(err, -EPERM,
				     "%s: holds a secret but is readable by group or others "
				     "(mode %04o); chmod 600 %s",
				     name, mode & 07777, name);
	}
	if (!c->host || !*c->host) {
		accel_config_free(c);
		return accel_err_set(err, -EINVAL, "%s: [DEFAULT] host: empty", name);
	}
	c->path = strdup(name);
	*out = c;
	return 0;
}

int accel_config_load(accel_config **out, const char *path, accel_err *err)
{
	unsigned mode;
	char *text;
	size_t n;
	int r;

	r = accel_read_file(path, CONFIG_MAX_BYTES, &text, &n, &mode, err);
	if (r)
		return r;
	if (memchr(text, '\0', n)) {
		free(text);
		return accel_err_set(err, -EINVAL, "%s: holds a NUL byte: not a text file", path);
	}
	r = accel_config_parse(out, path, text, (mode_t)mode, err);
	free(text);
	return r;
}

int accel_config_apply_env(accel_config *cfg, accel_err *err)
{
	static const struct {
		const char *env;
		const char *option;
	} map[] = {
		{ "OS_AUTH_TYPE", "auth_type" },
		{ "OS_AUTH_URL", "auth_url" },
		{ "OS_USERNAME", "username" },
		{ "OS_USER_ID", "user_id" },
		{ "OS_PASSWORD", "password" },
		{ "OS_USER_DOMAIN_NAME", "user_domain_name" },
		{ "OS_USER_DOMAIN_ID", "user_domain_id" },
		{ "OS_PROJECT_NAME", "project_name" },
		{ "OS_TENANT_NAME", "project_name" },
		{ "OS_PROJECT_ID", "project_id" },
		{ "OS_PROJECT_DOMAIN_NAME", "project_domain_name" },
		{ "OS_PROJECT_DOMAIN_ID", "project_domain_id" },
		{ "OS_APPLICATION_CREDENTIAL_ID", "application_credential_id" },
		{ "OS_APPLICATION_CREDENTIAL_NAME", "application_credential_name" },
		{ "OS_APPLICATION_CREDENTIAL_SECRET", "application_credential_secret" },
		{ "OS_TOKEN", "token" },
		{ "OS_REGION_NAME", "region_name" },
		{ "OS_INTERFACE", "interface" },
		{ "OS_ENDPOINT", "endpoint_override" },
		{ "OS_PLACEMENT_ENDPOINT", "endpoint_override" },
		{ "OS_CACERT", "cafile" },
		{ "OS_INSECURE", "insecure" },
	};
	struct load l = { .cfg = cfg, .name = "environment", .err = err };

	accel_err_clear(err);
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		const char *v = getenv(map[i].env);

		if (!v || !*v)
			continue;
		if (!handler(&l, "placement", map[i].option, v)) {
			/* name the variable, not the option */
			accel_err_set(err, -EINVAL, "%s: invalid value", map[i].env);
			return -EINVAL;
		}
	}
	/* OS_TOKEN alone means token auth, as openstackclient takes it */
	if (getenv("OS_TOKEN") && *getenv("OS_TOKEN") && !getenv("OS_AUTH_TYPE") &&
	    !getenv("OS_PASSWORD"))
		cfg->placement.auth_type = ACCEL_AUTH_TOKEN;
	if (getenv("OS_APPLICATION_CREDENTIAL_SECRET") && !getenv("OS_AUTH_TYPE"))
		cfg->placement.auth_type = ACCEL_AUTH_APPCRED;
	return 0;
}

int accel_config_check_placement(const accel_config *cfg, accel_err *err)
{
	const accel_placement_conf *p = &cfg->placement;
	const char *where = cfg->path ? cfg->path : "configuration";

	if (p->auth_type == ACCEL_AUTH_NONE) {
		if (!p->endpoint_override)
			return accel_err_set(err, -EINVAL,
					     "%s: [placement] auth_type = none needs endpoint_override "
					     "(Placement's URL)",
					     where);
		return 0;
	}
	if (!p->auth_url)
		return accel_err_set(err, -EINVAL, "%s: [placement] auth_url: missing", where);
	switch (p->auth_type) {
	case ACCEL_AUTH_PASSWORD:
		if (!p->username && !p->user_id)
			return accel_err_set(err, -EINVAL,
					     "%s: [placement] username or user_id: missing", where);
		if (!p->password)
			return accel_err_set(err, -EINVAL, "%s: [placement] password: missing",
					     where);
		if (p->username && !p->user_id && !p->user_domain_name && !p->user_domain_id)
			return accel_err_set(err, -EINVAL,
					     "%s: [placement] user_domain_name or user_domain_id: "
					     "missing (a user name is unique only in its domain)",
					     where);
		if (!p->project_name && !p->project_id)
			return accel_err_set(err, -EINVAL,
					     "%s: [placement] project_name or project_id: missing",
					     where);
		if (p->project_name && !p->project_id && !p->project_domain_name &&
		    !p->project_domain_id)
			return accel_err_set(err, -EINVAL,
					     "%s: [placement] project_domain_name or "
					     "project_domain_id: missing",
					     where);
		break;
	case ACCEL_AUTH_APPCRED:
		if (!p->application_credential_secret)
			return accel_err_set(err, -EINVAL,
					     "%s: [placement] application_credential_secret: missing",
					     where);
		if (!p->application_credential_id &&
		    !(p->application_credential_name && (p->username || p->user_id)))
			return accel_err_set(err, -EINVAL,
					     "%s: [placement] application_credential_id (or its "
					     "name and the user): missing",
					     where);
		break;
	case ACCEL_AUTH_TOKEN:
		if (!p->token)
			return accel_err_set(err, -EINVAL, "%s: [placement] token: missing", where);
		break;
	case ACCEL_AUTH_NONE:
		break;
	}
	return 0;
}

void accel_config_free(accel_config *c)
{
	accel_placement_conf *p;

	if (!c)
		return;
	p = &c->placement;
	free(c->path);
	free(c->host);
	free(c->state_dir);
	free(c->sched_state_source);
	free(c->sysfs_root);
	free(c->dev_root);
	free(p->auth_url);
	free(p->username);
	free(p->user_id);
	if (p->password)
		explicit_bzero(p->password, strlen(p->password));
	free(p->password);
	free(p->user_domain_name);
	free(p->user_domain_id);
	free(p->project_name);
	free(p->project_id);
	free(p->project_domain_name);
	free(p->project_domain_id);
	free(p->application_credential_id);
	free(p->application_credential_name);
	if (p->application_credential_secret)
		explicit_bzero(p->application_credential_secret,
			       strlen(p->application_credential_secret));
	free(p->application_credential_secret);
	if (p->token)
		explicit_bzero(p->token, strlen(p->token));
	free(p->token);
	free(p->region_name);
	free(p->interface);
	free(p->endpoint_override);
	free(p->cafile);
	accel_strv_free(c->warnings, c->n_warnings);
	free(c);
}

const char *accel_trait_scheme_name(accel_trait_scheme s)
{
	switch (s) {
	case ACCEL_TRAITS_ACCELSCHED:
		return "accelsched";
	case ACCEL_TRAITS_CYBORG:
		return "cyborg";
	case ACCEL_TRAITS_NOVA_PCI:
		return "nova-pci";
	}
	return "accelsched";
}

const char *accel_log_level_name(accel_log_level l)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };

	return (unsigned)l < 4 ? names[l] : "info";
}
