/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The configuration file, read by a small strict INI reader of our own
 * (ini_read below: oslo.config's line rules, values up to 4 KiB). A table
 * maps each (section, option) to a field and its type; a value that does
 * not parse fails the load with a message naming file, line, section and
 * option.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <accel/config.h>
#include <accel/inventory.h>
#include <accel/util.h>

#define CONFIG_MAX_BYTES (1u << 20)
#define SECTION_MAX 64 /* with its NUL */
#define NAME_MAX_LEN 64

enum opt_type { T_STR, T_INT, T_DOUBLE, T_BOOL, T_AUTH, T_SCHEME, T_OWNER, T_LEVEL, T_IFACE, T_TOPIC };

struct opt {
	const char *section;
	const char *name;
	enum opt_type type;
	size_t off;
	long long min, max; /* T_INT */
	bool secret;
};

#define CFG(f) offsetof(accel_config, f)
#define PL(f) (offsetof(accel_config, placement) + offsetof(accel_placement_conf, f))
#define KF(f) (offsetof(accel_config, kafka) + offsetof(accel_kafka_conf, f))

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
	{ "placement", "placement_owner", T_OWNER, PL(placement_owner), 0, 0, false },
	{ "kafka", "bootstrap_servers", T_STR, KF(bootstrap_servers), 0, 0, false },
	{ "kafka", "topic_inventory", T_TOPIC, KF(topic_inventory), 0, 0, false },
	{ "kafka", "events_target", T_TOPIC, KF(events_target), 0, 0, false },
	{ "kafka", "topic_events", T_TOPIC, KF(topic_events), 0, 0, false },
	{ "kafka", "metrics_target", T_TOPIC, KF(metrics_target), 0, 0, false },
	{ "kafka", "topic_metrics", T_TOPIC, KF(topic_metrics), 0, 0, false },
	{ "kafka", "spool_dir", T_STR, KF(spool_dir), 0, 0, false },
	{ "kafka", "spool_max_bytes", T_INT, KF(spool_max_bytes), 1 << 16, INT_MAX, false },
	{ "kafka", "flush_timeout", T_INT, KF(flush_timeout), 1, 3600, false },
	{ "kafka", "message_timeout", T_INT, KF(message_timeout), 0, 86400, false },
	{ "kafka", "security_protocol", T_STR, KF(security_protocol), 0, 0, false },
	{ "kafka", "ssl_ca_location", T_STR, KF(ssl_ca_location), 0, 0, false },
	{ "kafka", "ssl_certificate_location", T_STR, KF(ssl_certificate_location), 0, 0, false },
	{ "kafka", "ssl_key_location", T_STR, KF(ssl_key_location), 0, 0, false },
	{ "kafka", "ssl_key_password", T_STR, KF(ssl_key_password), 0, 0, true },
	{ "kafka", "sasl_mechanism", T_STR, KF(sasl_mechanism), 0, 0, false },
	{ "kafka", "sasl_username", T_STR, KF(sasl_username), 0, 0, false },
	{ "kafka", "sasl_password", T_STR, KF(sasl_password), 0, 0, true },
	{ "telemetry", "interval", T_INT, CFG(telemetry_interval), 0, 86400, false },
	{ "telemetry", "proc_root", T_STR, CFG(proc_root), 0, 0, false },
	{ "metrics", "listen", T_STR, CFG(metrics_listen), 0, 0, false },
};

struct load {
	accel_config *cfg;
	const char *name;
	accel_err *err;
	bool has_secret;
	char last_section[SECTION_MAX]; /* unknown-section warnings once each */
};

/* A warning about the file: path is its name, the message starts with the
 * line when there is one ("line 4: ..."), so it reads "file: line 4: ...". */
static void warn(struct load *l, unsigned line, const char *fmt, ...) ACCEL_PRINTF(3, 4);
static void warn(struct load *l, unsigned line, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* past ACCEL_MAX_LIST warnings, or out of memory: the first ones say it */
	if (line)
		(void)accel_warnings_add(&l->cfg->warnings, l->name, "line %u: %s", line, buf);
	else
		(void)accel_warnings_add(&l->cfg->warnings, l->name, "%s", buf);
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
	case T_TOPIC:
		/* Kafka's rule for topic names */
		if (!*value || strlen(value) > 249 || !strcmp(value, ".") || !strcmp(value, ".."))
			return -EINVAL;
		for (const char *p = value; *p; p++)
			if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
			    !(*p >= '0' && *p <= '9') && *p != '.' && *p != '_' && *p != '-')
				return -EINVAL;
		/* fall through */
	case T_STR: {
		char **slot = (char **)(base + o->off), *copy = NULL;

		if (*value && !accel_text_ok(value, strlen(value)))
			return -EILSEQ;
		if (*value && !(copy = strdup(value)))
			return -ENOMEM;
		if (*slot && o->secret)
			explicit_bzero(*slot, strlen(*slot));
		free(*slot);
		*slot = copy;
		return 0;
	}
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
	case T_OWNER:
		if (!strcmp(value, "accelsched"))
			l->cfg->placement.placement_owner = ACCEL_OWNER_ACCELSCHED;
		else if (!strcmp(value, "nova"))
			l->cfg->placement.placement_owner = ACCEL_OWNER_NOVA;
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
	case T_BOOL:
		return "true or false";
	case T_AUTH:
		return "password, v3applicationcredential, token or none";
	case T_SCHEME:
		return "accelsched, cyborg or nova-pci";
	case T_OWNER:
		return "accelsched or nova";
	case T_LEVEL:
		return "error, warning, info or debug";
	case T_IFACE:
		return "public, internal or admin";
	case T_TOPIC:
		return "a Kafka topic name: at most 249 letters, digits, '.', '_', '-'";
	case T_STR:
		break;
	}
	return "printable UTF-8 text";
}

/* Most likely a comment the operator meant to end the line with: a '#' or
 * ';' after a blank. There are no inline comments (as in oslo.config and
 * nova.conf), so such a value would be taken whole; it is refused instead,
 * except in secrets, which may hold anything. */
static bool inline_comment(const char *v)
{
	for (const char *p = v; *p; p++)
		if ((*p == '#' || *p == ';') && p > v && (p[-1] == ' ' || p[-1] == '\t'))
			return true;
	return false;
}

/* One option. `line` is 0 for values from elsewhere (the environment). */
static int handler(struct load *l, unsigned line, const char *section, const char *name,
		   const char *value)
{
	bool known_section = false;
	char where[32] = "";

	if (line)
		snprintf(where, sizeof(where), " line %u:", line);
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		const struct opt *o = &opts[i];
		int r;

		if (strcmp(o->section, section))
			continue;
		known_section = true;
		if (strcmp(o->name, name))
			continue;
		if (strlen(value) > ACCEL_CONFIG_VALUE_MAX)
			return accel_err_set(l->err, -EINVAL,
					     "%s:%s [%s] %s: value of %zu bytes, more than %u",
					     l->name, where, section, name, strlen(value),
					     ACCEL_CONFIG_VALUE_MAX);
		if (!o->secret && inline_comment(value))
			return accel_err_set(l->err, -EINVAL,
					     "%s:%s [%s] %s: '#' or ';' after a blank in the value: "
					     "comments take a line of their own (no inline comments, "
					     "as in nova.conf)",
					     l->name, where, section, name);
		r = set_value(l, o, value);
		if (r) {
			char shown[64];

			return accel_err_set(l->err, -EINVAL,
					     "%s:%s [%s] %s: invalid value '%s' (expected %s)", l->name,
					     where, section, name,
					     o->secret ? "***"
						       : accel_text_sanitize(value, strlen(value), shown,
									     sizeof(shown)),
					     expected(o));
		}
		if (o->secret && *value)
			l->has_secret = true;
		return 0;
	}
	/* Unknown: say so once per section, once per option. [scheduler]
	 * moved to nova.conf: the warning says where. */
	if (!known_section && strcmp(l->last_section, section)) {
		snprintf(l->last_section, sizeof(l->last_section), "%s", section);
		if (!strcmp(section, "scheduler"))
			warn(l, line,
			     "[scheduler] is not read any more: the Nova plugin's options "
			     "are in nova.conf, section [accelsched] (etc/nova.conf.accelsched.sample)");
		else
			warn(l, line, "unknown section [%s]", section);
	} else if (known_section) {
		warn(l, line, "[%s] unknown option '%s'", section, name);
	}
	return 0;
}

static bool name_ok(const char *s, size_t n)
{
	if (!n || n >= NAME_MAX_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= 'A' && s[i] <= 'Z') &&
		    !(s[i] >= '0' && s[i] <= '9') && s[i] != '_' && s[i] != '-' && s[i] != '.')
			return false;
	return true;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * The INI reader: oslo.config's line rules (oslo_config/iniparser.py), so
 * that a line means the same here as in nova.conf, but strict where
 * oslo.config would quietly take something else:
 *   - a line is at most 4 KiB of value (ACCEL_CONFIG_VALUE_MAX) besides
 *     its option name; CRLF line ends and a UTF-8 BOM are fine;
 *   - comments are whole lines whose first character is '#' or ';'; there
 *     are no inline comments (see inline_comment);
 *   - "[section]"; "name = value" or "name: value" (the first '=' or ':'
 *     splits; the value may hold more of either), blanks around both
 *     trimmed, one pair of matching quotes around the value removed;
 *   - an indented line (oslo.config's continuation of a multi-line value)
 *     is refused: no option here takes more than one line;
 *   - an option before any [section], a NUL byte, or a line that is none
 *     of the above is refused with its line number.
 * The last of several values of an option wins, as in oslo.config.
 */
static int ini_read(struct load *l, const char *text, size_t len)
{
	char section[SECTION_MAX] = "";
	char *buf = NULL;
	size_t cap = 0, pos = 0;
	unsigned lineno = 0;
	int r = 0;

	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		pos = 3;
	while (pos < len && !r) {
		const char *line = text + pos, *eol = memchr(line, '\n', len - pos);
		size_t n = eol ? (size_t)(eol - line) : len - pos;
		char *s, *e, *sep;

		pos += n + (eol ? 1 : 0);
		lineno++;
		if (memchr(line, '\0', n)) {
			r = accel_err_set(l->err, -EINVAL, "%s: line %u: holds a NUL byte", l->name,
					  lineno);
			break;
		}
		if (n > ACCEL_CONFIG_VALUE_MAX + NAME_MAX_LEN + 16) {
			r = accel_err_set(l->err, -EINVAL,
					  "%s: line %u: %zu bytes long; a value may have at most %u",
					  l->name, lineno, n, ACCEL_CONFIG_VALUE_MAX);
			break;
		}
		if (n + 1 > cap) {
			char *nb = realloc(buf, n + 1);

			if (!nb) {
				r = accel_err_set(l->err, -ENOMEM, "out of memory");
				break;
			}
			buf = nb;
			cap = n + 1;
		}
		memcpy(buf, line, n);
		buf[n] = '\0';
		while (n && is_blank(buf[n - 1]))
			buf[--n] = '\0';
		if (!n)
			continue;
		if (buf[0] == ' ' || buf[0] == '\t') {
			r = accel_err_set(l->err, -EINVAL,
					  "%s: line %u: indented line: continuation lines are not "
					  "supported (a value takes one line; start it in column 1)",
					  l->name, lineno);
			break;
		}
		if (buf[0] == '#' || buf[0] == ';')
			continue;
		if (buf[0] == '[') {
			if (buf[n - 1] != ']' || n == 2 || n - 2 >= sizeof(section) ||
			    !name_ok(buf + 1, n - 2)) {
				r = accel_err_set(l->err, -EINVAL,
						  "%s: line %u: not a section header (expected [name], "
						  "letters, digits, '_', '-' or '.', at most %d)",
						  l->name, lineno, (int)sizeof(section) - 1);
				break;
			}
			memcpy(section, buf + 1, n - 2);
			section[n - 2] = '\0';
			if (!strcmp(section, "kafka"))
				l->cfg->kafka.enabled = true;
			continue;
		}
		sep = strpbrk(buf, "=:");
		if (!sep) {
			r = accel_err_set(l->err, -EINVAL,
					  "%s: line %u: not an INI line (expected [section] or option "
					  "= value)",
					  l->name, lineno);
			break;
		}
		e = sep;
		while (e > buf && is_blank(e[-1]))
			e--;
		*e = '\0';
		if (!name_ok(buf, (size_t)(e - buf))) {
			char shown[NAME_MAX_LEN];

			r = accel_err_set(l->err, -EINVAL,
					  "%s: line %u: not an INI line (expected [section] or option "
					  "= value; '%s' is no option name)",
					  l->name, lineno,
					  accel_text_sanitize(buf, (size_t)(e - buf), shown, sizeof(shown)));
			break;
		}
		if (!section[0]) {
			r = accel_err_set(l->err, -EINVAL,
					  "%s: line %u: option '%s' before any [section]", l->name,
					  lineno, buf);
			break;
		}
		s = sep + 1;
		while (is_blank(*s))
			s++;
		e = buf + n;
		if (e - s >= 2 && (*s == '"' || *s == '\'') && e[-1] == *s) {
			s++;
			*--e = '\0';
		}
		r = handler(l, lineno, section, buf, s);
	}
	if (buf)
		explicit_bzero(buf, cap); /* may have held a secret */
	free(buf);
	return r;
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
	c->debounce_ms = 500;
	c->telemetry_interval = 10;
	c->placement.timeout = 30;
	c->placement.max_retries = 5;
	c->placement.auth_retry_interval = 600;
	c->kafka.spool_max_bytes = 64 << 20;
	c->kafka.flush_timeout = 30;
	c->kafka.topic_inventory = strdup("accelsched.inventory");
	c->kafka.events_target = strdup("accelsched.events");
	c->kafka.metrics_target = strdup("accelsched.metrics");
	if (!c->kafka.topic_inventory || !c->kafka.events_target || !c->kafka.metrics_target) {
		accel_config_free(c);
		return accel_err_set(err, -ENOMEM, "out of memory");
	}
	if (!c->host || !c->state_dir || !c->sysfs_root || !c->dev_root ||
	    !c->placement.interface) {
		accel_config_free(c);
		return accel_err_set(err, -ENOMEM, "out of memory");
	}
	*out = c;
	return 0;
}

static int derive(char **slot, const char *fmt, const char *a, const char *b)
{
	if (*slot)
		return 0;
	return asprintf(slot, fmt, a, b) < 0 ? (*slot = NULL, -ENOMEM) : 0;
}

/* What [kafka] derives from other options: the events and metrics topics
 * from their oslo.messaging target (<target>.<priority>, priority info),
 * the spool beside the sync cache. A [kafka] section needs its brokers. */
static int kafka_defaults(accel_config *c, const char *name, accel_err *err)
{
	accel_kafka_conf *k = &c->kafka;

	if (derive(&k->topic_events, "%s.%s", k->events_target, "info") ||
	    derive(&k->topic_metrics, "%s.%s", k->metrics_target, "info") ||
	    derive(&k->spool_dir, "%s/%s", c->state_dir, "kafka-spool"))
		return accel_err_set(err, -ENOMEM, "out of memory");
	if (strlen(k->topic_events) > 249 || strlen(k->topic_metrics) > 249)
		return accel_err_set(err, -EINVAL,
				     "%s: [kafka] events_target or metrics_target: the topic "
				     "<target>.info would be longer than Kafka's 249 bytes",
				     name);
	if (k->enabled && (!k->bootstrap_servers || !*k->bootstrap_servers))
		return accel_err_set(err, -EINVAL,
				     "%s: [kafka] bootstrap_servers: missing (host:port,...); "
				     "remove the [kafka] section to run without Kafka",
				     name);
	return 0;
}

/* Read text (len bytes) over the defaults. With `st` (the file's), the
 * secret check also looks at the owner. */
static int parse_text(accel_config **out, const char *name, const char *text, size_t len,
		      unsigned mode, const struct stat *st, accel_err *err)
{
	struct load l = { .name = name, .err = err };
	accel_config *c;
	int r;

	accel_err_clear(err);
	r = accel_config_new(&c, err);
	if (r)
		return r;
	l.cfg = c;
	r = ini_read(&l, text, len);
	if (r) {
		accel_config_free(c);
		return r;
	}
	if (l.has_secret && (mode & 077)) {
		accel_config_free(c);
		return accel_err_set(err, -EPERM,
				     "%s: holds a secret but is readable by group or others "
				     "(mode %04o); chmod 600 %s",
				     name, mode & 07777, name);
	}
	/* Another user could rewrite the file (its credentials, its
	 * auth_url) or read it whatever its mode says now. */
	if (l.has_secret && st && st->st_uid != geteuid() && st->st_uid != 0) {
		accel_config_free(c);
		return accel_err_set(err, -EPERM,
				     "%s: holds a secret but is owned by uid %u, neither this user "
				     "(uid %u) nor root; chown %u %s",
				     name, (unsigned)st->st_uid, (unsigned)geteuid(),
				     (unsigned)geteuid(), name);
	}
	if (!c->host || !*c->host) {
		accel_config_free(c);
		return accel_err_set(err, -EINVAL, "%s: [DEFAULT] host: empty", name);
	}
	r = kafka_defaults(c, name, err);
	if (r) {
		accel_config_free(c);
		return r;
	}
	c->path = strdup(name);
	if (!c->path) {
		accel_config_free(c);
		return accel_err_set(err, -ENOMEM, "out of memory");
	}
	*out = c;
	return 0;
}

int accel_config_parse(accel_config **out, const char *name, const char *text, unsigned mode,
		       accel_err *err)
{
	return parse_text(out, name, text, strlen(text), mode, NULL, err);
}

int accel_config_load(accel_config **out, const char *path, accel_err *err)
{
	struct stat st;
	char *text;
	ssize_t got;
	size_t n = 0;
	int fd, r;

	accel_err_clear(err);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 && errno == EACCES)
		/* most often: root's file, read by acceld as its service user */
		return accel_err_set(err, -EACCES,
				     "%s: %s (this is uid %u; a file with a secret belongs to "
				     "the user that reads it: chown %u %s)",
				     path, strerror(EACCES), (unsigned)geteuid(), (unsigned)geteuid(),
				     path);
	if (fd < 0)
		return accel_err_set(err, -errno, "%s: %s", path, strerror(errno));
	/* mode and owner of the file read, not of a path that may change */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return accel_err_set(err, -EINVAL, "%s: not a regular file", path);
	}
	if ((unsigned long long)st.st_size > CONFIG_MAX_BYTES) {
		close(fd);
		return accel_err_set(err, -E2BIG, "%s: larger than %u bytes", path,
				     CONFIG_MAX_BYTES);
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		close(fd);
		return accel_err_set(err, -ENOMEM, "out of memory");
	}
	while (n < (size_t)st.st_size) {
		got = read(fd, text + n, (size_t)st.st_size - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = -errno;
			close(fd);
			free(text);
			return accel_err_set(err, r, "%s: %s", path, strerror(-r));
		}
		if (!got)
			break;
		n += (size_t)got;
	}
	close(fd);
	text[n] = '\0';
	r = parse_text(out, path, text, n, (unsigned)st.st_mode, &st, err);
	explicit_bzero(text, n);
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
		if (handler(&l, 0, "placement", map[i].option, v)) {
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

static void free_secret(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

static void kafka_free(accel_kafka_conf *k)
{
	free(k->bootstrap_servers);
	free(k->topic_inventory);
	free(k->events_target);
	free(k->topic_events);
	free(k->metrics_target);
	free(k->topic_metrics);
	free(k->spool_dir);
	free(k->security_protocol);
	free(k->ssl_ca_location);
	free(k->ssl_certificate_location);
	free(k->ssl_key_location);
	free_secret(k->ssl_key_password);
	free(k->sasl_mechanism);
	free(k->sasl_username);
	free_secret(k->sasl_password);
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
	free(c->sysfs_root);
	free(c->dev_root);
	free(c->proc_root);
	free(c->metrics_listen);
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
	kafka_free(&c->kafka);
	accel_warnings_free(&c->warnings);
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
