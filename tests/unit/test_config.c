/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: the configuration file and OS_* variables (common/config.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <accel/config.h>
#include <accel/util.h>
#include "tree.h"

static const char full[] = "[DEFAULT]\n"
			   "host = compute-7.example.org\n"
			   "state_dir = /var/lib/x\n"
			   "log_level = warning\n"
			   "[discovery]\n"
			   "sysfs_root = /tmp/sys\n"
			   "rescan_interval = 120\n"
			   "[placement]\n"
			   "auth_type = password\n"
			   "auth_url = http://127.0.0.1:5000/v3\n"
			   "username = placement\n"
			   "password = s3cret\n"
			   "user_domain_name = Default\n"
			   "project_name = service\n"
			   "project_domain_name = Default\n"
			   "region_name = RegionTwo\n"
			   "valid_interfaces = internal,public\n"
			   "insecure = yes\n"
			   "timeout = 2.5\n"
			   "trait_scheme = cyborg\n"
			   "placement_owner = nova\n"
			   "# a comment\n"
			   "; another\n";

static accel_config *parse_ok(const char *text, unsigned mode)
{
	accel_config *c = NULL;
	accel_err err;

	if (accel_config_parse(&c, "test.conf", text, mode, &err))
		fail_msg("parse failed: %s", err.msg);
	return c;
}

static void parse_bad(const char *text, unsigned mode, int rc, const char *msg)
{
	accel_config *c = (accel_config *)0x1;
	accel_err err;
	int r = accel_config_parse(&c, "test.conf", text, mode, &err);

	if (r != rc || !strstr(err.msg, msg))
		fail_msg("rc %d msg '%s', expected %d '%s'", r, err.msg, rc, msg);
	assert_ptr_equal(c, (accel_config *)0x1);
}

static void test_full(void **state)
{
	accel_config *c = parse_ok(full, 0600);

	(void)state;
	assert_string_equal(c->host, "compute-7.example.org");
	assert_string_equal(c->state_dir, "/var/lib/x");
	assert_int_equal(c->log_level, ACCEL_LOG_WARNING);
	assert_string_equal(c->sysfs_root, "/tmp/sys");
	assert_string_equal(c->dev_root, "/dev"); /* default kept */
	assert_int_equal(c->rescan_interval, 120);
	assert_int_equal(c->placement.auth_type, ACCEL_AUTH_PASSWORD);
	assert_string_equal(c->placement.password, "s3cret");
	assert_string_equal(c->placement.interface, "internal");
	assert_string_equal(c->placement.region_name, "RegionTwo");
	assert_true(c->placement.insecure);
	assert_true(c->placement.timeout > 2.4 && c->placement.timeout < 2.6);
	assert_int_equal(c->placement.trait_scheme, ACCEL_TRAITS_CYBORG);
	assert_int_equal(c->placement.placement_owner, ACCEL_OWNER_NOVA);
	assert_int_equal(c->warnings.n, 0);
	assert_int_equal(accel_config_check_placement(c, NULL), 0);
	accel_config_free(c);
}

static void test_defaults(void **state)
{
	accel_config *c = parse_ok("", 0644);

	(void)state;
	assert_non_null(c->host);
	assert_true(strlen(c->host) > 0);
	assert_string_equal(c->sysfs_root, "/sys");
	assert_string_equal(c->placement.interface, "public");
	assert_int_equal(c->placement.max_retries, 5);
	assert_int_equal(c->log_level, ACCEL_LOG_INFO);
	accel_config_free(c);
}

/* [kafka]: absent means no Kafka; present needs its brokers; the events
 * and metrics topics follow their target; secrets under the file rules. */
static void test_kafka(void **state)
{
	accel_config *c = parse_ok("[DEFAULT]\nstate_dir = /srv/acc\n", 0644);

	(void)state;
	assert_false(c->kafka.enabled);
	assert_string_equal(c->kafka.topic_inventory, "accelsched.inventory");
	assert_string_equal(c->kafka.topic_events, "accelsched.events.info");
	assert_string_equal(c->kafka.topic_metrics, "accelsched.metrics.info");
	assert_string_equal(c->kafka.spool_dir, "/srv/acc/kafka-spool");
	accel_config_free(c);

	c = parse_ok("[kafka]\nbootstrap_servers = k1:9092,k2:9092\nevents_target = fleet.ev\n"
		     "metrics_target = m\ntopic_metrics = telemetry\nspool_dir = /q\n"
		     "security_protocol = sasl_ssl\nsasl_mechanism = PLAIN\n",
		     0644);
	assert_true(c->kafka.enabled);
	assert_string_equal(c->kafka.bootstrap_servers, "k1:9092,k2:9092");
	assert_string_equal(c->kafka.topic_events, "fleet.ev.info");
	assert_string_equal(c->kafka.topic_metrics, "telemetry");
	assert_string_equal(c->kafka.spool_dir, "/q");
	assert_string_equal(c->kafka.security_protocol, "sasl_ssl");
	assert_int_equal(c->warnings.n, 0);
	accel_config_free(c);

	parse_bad("[kafka]\n", 0600, -EINVAL, "test.conf: [kafka] bootstrap_servers: missing");
	parse_bad("[kafka]\nbootstrap_servers = k:1\ntopic_inventory = a/b\n", 0600, -EINVAL,
		  "[kafka] topic_inventory: invalid value 'a/b' (expected a Kafka topic name");
	parse_bad("[kafka]\nbootstrap_servers = k:1\nspool_max_bytes = 10\n", 0600, -EINVAL,
		  "spool_max_bytes");
	parse_bad("[kafka]\nbootstrap_servers = k:1\nsasl_password = s3cret\n", 0644, -EPERM,
		  "holds a secret");
	parse_bad("[kafka]\nbootstrap_servers = k:1\nssl_key_password = s3cret\n", 0640, -EPERM,
		  "holds a secret");
	c = parse_ok("[kafka]\nbootstrap_servers = k:1\nsasl_password = s3 #cret\n", 0600);
	assert_string_equal(c->kafka.sasl_password, "s3 #cret");
	accel_config_free(c);
}

static void test_bad(void **state)
{
	(void)state;
	parse_bad("[DEFAULT]\nthis is no option\n", 0600, -EINVAL, "test.conf: line 2: not an INI");
	parse_bad("[discovery]\nrescan_interval = soon\n", 0600, -EINVAL,
		  "test.conf: line 2: [discovery] rescan_interval: invalid value 'soon'");
	parse_bad("[discovery]\nrescan_interval = 1\n", 0600, -EINVAL, "rescan_interval");
	parse_bad("[placement]\nauth_type = kerberos\n", 0600, -EINVAL,
		  "expected password, v3applicationcredential, token or none");
	parse_bad("[placement]\ninterface = external\n", 0600, -EINVAL,
		  "expected public, internal or admin");
	parse_bad("[placement]\ninsecure = maybe\n", 0600, -EINVAL, "expected true or false");
	parse_bad("[placement]\ntimeout = -1\n", 0600, -EINVAL, "timeout");
	parse_bad("[placement]\ntrait_scheme = mine\n", 0600, -EINVAL, "accelsched, cyborg");
	/* placement_owner: the two names exactly, as nova.conf's booleans are not */
	parse_bad("[placement]\nplacement_owner = Nova\n", 0600, -EINVAL,
		  "test.conf: line 2: [placement] placement_owner: invalid value 'Nova'");
	parse_bad("[placement]\nplacement_owner = nova-compute\n", 0600, -EINVAL,
		  "expected accelsched or nova");
	parse_bad("[placement]\nplacement_owner =\n", 0600, -EINVAL, "placement_owner");
	parse_bad("[placement]\nplacement_owner = nova # ours\n", 0600, -EINVAL,
		  "placement_owner");
	parse_bad("[placement]\nplacement_owner = accelsched,nova\n", 0600, -EINVAL,
		  "placement_owner");
	parse_bad("[DEFAULT]\nlog_level = loud\n", 0600, -EINVAL, "error, warning, info");
	parse_bad("[DEFAULT]\nhost = bad\x01name\n", 0600, -EINVAL, "printable UTF-8");
	parse_bad("[DEFAULT]\nhost =\n", 0600, -EINVAL, "[DEFAULT] host: empty");
}

/* [scheduler] was the Nova plugin's; its options are in nova.conf
 * [accelsched] now (oslo.config), and an old section here says so. */
static void test_scheduler(void **state)
{
	accel_config *c = parse_ok("[DEFAULT]\nhost = h\n[scheduler]\n"
				   "state_source = dir:/var/lib/accelsched/hosts\n"
				   "refresh_interval = 2.5\nweight_multiplier = -2.5\n",
				   0644);

	(void)state;
	assert_int_equal(c->warnings.n, 1);
	assert_string_equal(c->warnings.v[0].path, "test.conf"); /* one warning shape */
	assert_non_null(strstr(c->warnings.v[0].message, "line 4: [scheduler] is not read any "
					       "more: the Nova plugin's options are in nova.conf, "
					       "section [accelsched]"));
	accel_config_free(c);
}

/* A line of any length up to 4 KiB of value, '=' and ':' in values. Debian's
 * libinih cut lines at 200 bytes: the rest became a line of its own. */
static void test_long_values(void **state)
{
	char *tok = malloc(ACCEL_CONFIG_VALUE_MAX + 1), *text = malloc(3 * ACCEL_CONFIG_VALUE_MAX);
	accel_config *c;
	accel_err err;

	(void)state;
	/* a Fernet-like token: base64url with '=' padding, 4096 bytes */
	for (unsigned i = 0; i < ACCEL_CONFIG_VALUE_MAX; i++)
		tok[i] = "gAAAAABl-x_Z09az="[i % 17];
	tok[ACCEL_CONFIG_VALUE_MAX] = '\0';
	snprintf(text, 3 * ACCEL_CONFIG_VALUE_MAX,
		 "[placement]\nauth_type = token\nauth_url = http://k:5000/v3?a=b:c\n"
		 "token = %s\nproject_id = p\n",
		 tok);
	c = parse_ok(text, 0600);
	assert_string_equal(c->placement.token, tok);
	assert_string_equal(c->placement.auth_url, "http://k:5000/v3?a=b:c");
	assert_string_equal(c->placement.project_id, "p");
	assert_int_equal(c->warnings.n, 0); /* no bogus option from the tail */
	accel_config_free(c);
	/* 250 bytes with '=' past byte 200: no bogus option "=x" */
	snprintf(text, 3 * ACCEL_CONFIG_VALUE_MAX, "[placement]\npassword = %.*s=region_name=x\n",
		 230, tok);
	c = parse_ok(text, 0600);
	assert_int_equal(strlen(c->placement.password), 230 + 14);
	assert_null(c->placement.region_name);
	assert_int_equal(c->warnings.n, 0);
	accel_config_free(c);
	/* one byte more: refused, the line named, the secret not shown */
	snprintf(text, 3 * ACCEL_CONFIG_VALUE_MAX, "[placement]\n\ntoken = %sX\n", tok);
	assert_int_equal(accel_config_parse(&c, "test.conf", text, 0600, &err), -EINVAL);
	if (!strstr(err.msg, "test.conf: line 3: [placement] token: value of 4097 bytes, more "
			     "than 4096"))
		fail_msg("%s", err.msg);
	assert_null(strstr(err.msg, "gAAAA"));
	/* a line far too long, of anything */
	memset(text, 'x', 2 * ACCEL_CONFIG_VALUE_MAX);
	memcpy(text, "[DEFAULT]\n", 10);
	text[2 * ACCEL_CONFIG_VALUE_MAX] = '\0';
	parse_bad(text, 0600, -EINVAL, "test.conf: line 2: 8182 bytes long; a value may have at "
				       "most 4096");
	free(tok);
	free(text);
}

/* The reader's line rules (oslo.config's, strict), with malformed input. */
static void test_syntax(void **state)
{
	accel_config *c;

	(void)state;
	/* CRLF, a BOM, comments of both kinds, ':' as separator, blanks, quotes */
	c = parse_ok("\xef\xbb\xbf# top\r\n[DEFAULT]\r\n; semi\r\nhost: h1 \r\n\r\n"
		     "[placement]\r\nregion_name = \"Region One\"\r\n"
		     "password = 'p#1 ;x'\r\nusername = \"u'\r\n",
		     0600);
	assert_string_equal(c->host, "h1");
	assert_string_equal(c->placement.region_name, "Region One");
	assert_string_equal(c->placement.password, "p#1 ;x");
	assert_string_equal(c->placement.username, "\"u'"); /* unmatched: kept */
	assert_int_equal(c->warnings.n, 0);
	accel_config_free(c);
	/* inline comments: none, as in nova.conf; a secret is taken whole */
	parse_bad("[discovery]\nsysfs_root = /sys   # or: /tmp/sys\n", 0600, -EINVAL,
		  "test.conf: line 2: [discovery] sysfs_root: '#' or ';' after a blank in the "
		  "value: comments take a line of their own");
	parse_bad("[placement]\nauth_url = http://k/v3\t; keystone\n", 0600, -EINVAL,
		  "line 2: [placement] auth_url: '#' or ';' after a blank");
	c = parse_ok("[placement]\npassword = s3cret # really\nauth_url = http://k/v3#frag\n",
		     0600);
	assert_string_equal(c->placement.password, "s3cret # really");
	assert_string_equal(c->placement.auth_url, "http://k/v3#frag");
	accel_config_free(c);
	/* no section, bad headers, bad names, continuation lines */
	parse_bad("host = h\n", 0600, -EINVAL, "test.conf: line 1: option 'host' before any "
						"[section]");
	parse_bad("# c\n\n[DEFAULT\nhost = h\n", 0600, -EINVAL,
		  "test.conf: line 3: not a section header");
	parse_bad("[]\n", 0600, -EINVAL, "line 1: not a section header");
	parse_bad("[a b]\n", 0600, -EINVAL, "line 1: not a section header");
	parse_bad("[DEFAULT] x\n", 0600, -EINVAL, "line 1: not a section header");
	parse_bad("[DEFAULT]\n = h\n", 0600, -EINVAL, "line 2: indented line");
	parse_bad("[DEFAULT]\n= h\n", 0600, -EINVAL, "line 2: not an INI line");
	parse_bad("[DEFAULT]\nmy host = h\n", 0600, -EINVAL,
		  "line 2: not an INI line (expected [section] or option = value; 'my host' is no "
		  "option name)");
	parse_bad("[DEFAULT]\nhost = h\n  .example.org\n", 0600, -EINVAL,
		  "test.conf: line 3: indented line: continuation lines are not supported");
	parse_bad("[DEFAULT]\nhost = h\n\t# indented comment\n", 0600, -EINVAL,
		  "line 3: indented line");
	parse_bad("[DEFAULT]\nhost = h\nlog_level = debug\rdebug\n", 0600, -EINVAL,
		  "line 3: [DEFAULT] log_level: invalid value");
	/* the last value of an option wins, as in oslo.config */
	c = parse_ok("[DEFAULT]\nhost = a\nhost = b\n", 0600);
	assert_string_equal(c->host, "b");
	accel_config_free(c);
	/* no newline at the end */
	c = parse_ok("[DEFAULT]\nhost = last", 0600);
	assert_string_equal(c->host, "last");
	accel_config_free(c);
}

/* A file with a secret owned by someone else: refused even at mode 0600. */
static void test_owner(void **state)
{
	char *dir = tree_tmpdir();
	const char *path = tree_path("%s/o.conf", dir);
	accel_config *c = NULL;
	accel_err err;

	(void)state;
	if (geteuid() != 0) {
		tree_rm(dir);
		free(dir);
		skip(); /* only root can give a file away */
	}
	tree_write(path, full, -1);
	chmod(path, 0600);
	assert_int_equal(chown(path, 65534, 65534), 0); /* nobody */
	assert_int_equal(accel_config_load(&c, path, &err), -EPERM);
	if (!strstr(err.msg, "holds a secret but is owned by uid 65534, neither this user (uid 0) "
			     "nor root; chown 0 "))
		fail_msg("%s", err.msg);
	/* no secret in it: anyone's file will do */
	tree_write(path, "[DEFAULT]\nhost = h\n", -1);
	assert_int_equal(accel_config_load(&c, path, &err), 0);
	accel_config_free(c);
	/* root's own: fine */
	tree_write(path, full, -1);
	assert_int_equal(chown(path, 0, 0), 0);
	assert_int_equal(accel_config_load(&c, path, &err), 0);
	accel_config_free(c);
	tree_rm(dir);
	free(dir);
}

static void test_secrets(void **state)
{
	accel_config *c = (accel_config *)0x1;
	accel_err err;

	(void)state;
	/* a password in a file others can read */
	parse_bad(full, 0644, -EPERM, "readable by group or others (mode 0644); chmod 600");
	parse_bad("[placement]\napplication_credential_secret = x\n", 0640, -EPERM, "0640");
	parse_bad("[placement]\ntoken = x\n", 0604, -EPERM, "chmod 600");
	/* a bad secret value is not echoed */
	assert_int_not_equal(accel_config_parse(&c, "t", "[placement]\npassword = a\x01b\n", 0600,
						&err),
			     0);
	assert_null(strstr(err.msg, "a\x01"));
	assert_non_null(strstr(err.msg, "***"));
	/* no secret: any mode */
	c = parse_ok("[placement]\nusername = u\n", 0644);
	accel_config_free(c);
}

static void test_warnings(void **state)
{
	accel_config *c = parse_ok("[DEFAULT]\nhots = typo\n[placment]\nx = 1\ny = 2\n"
				   "[kafka]\nbootstrap_servers = k:9092\nbrokers = a\n",
				   0600);

	(void)state;
	assert_int_equal(c->warnings.n, 3);
	assert_non_null(strstr(c->warnings.v[0].message, "[DEFAULT] unknown option 'hots'"));
	assert_non_null(strstr(c->warnings.v[1].message, "unknown section [placment]"));
	assert_non_null(strstr(c->warnings.v[2].message, "[kafka] unknown option 'brokers'"));
	accel_config_free(c);
}

static void test_check(void **state)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "[placement]\n", "auth_url: missing" },
		{ "[placement]\nauth_url = http://k/v3\n", "username or user_id: missing" },
		{ "[placement]\nauth_url = http://k/v3\nusername = u\n", "password: missing" },
		{ "[placement]\nauth_url = http://k/v3\nusername = u\npassword = p\n",
		  "user_domain_name or user_domain_id" },
		{ "[placement]\nauth_url = http://k/v3\nuser_id = u\npassword = p\n",
		  "project_name or project_id" },
		{ "[placement]\nauth_type = none\n", "endpoint_override" },
		{ "[placement]\nauth_type = v3applicationcredential\nauth_url = http://k\n",
		  "application_credential_secret: missing" },
		{ "[placement]\nauth_type = token\nauth_url = http://k\n", "token: missing" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		accel_config *c = parse_ok(cases[i].text, 0600);
		accel_err err;

		assert_int_equal(accel_config_check_placement(c, &err), -EINVAL);
		if (!strstr(err.msg, cases[i].msg))
			fail_msg("case %zu: '%s'", i, err.msg);
		accel_config_free(c);
	}
}

static void test_env(void **state)
{
	accel_config *c = parse_ok("[placement]\nauth_url = http://file/v3\nusername = f\n", 0600);
	accel_err err;

	(void)state;
	setenv("OS_AUTH_URL", "http://env/v3", 1);
	setenv("OS_PASSWORD", "envpass", 1);
	setenv("OS_INTERFACE", "admin", 1);
	assert_int_equal(accel_config_apply_env(c, &err), 0);
	assert_string_equal(c->placement.auth_url, "http://env/v3");
	assert_string_equal(c->placement.username, "f"); /* not in env: kept */
	assert_string_equal(c->placement.password, "envpass");
	assert_string_equal(c->placement.interface, "admin");
	setenv("OS_INTERFACE", "sideways", 1);
	assert_int_equal(accel_config_apply_env(c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "OS_INTERFACE"));
	unsetenv("OS_INTERFACE");
	unsetenv("OS_PASSWORD");
	setenv("OS_TOKEN", "tok", 1);
	assert_int_equal(accel_config_apply_env(c, &err), 0);
	assert_int_equal(c->placement.auth_type, ACCEL_AUTH_TOKEN);
	unsetenv("OS_TOKEN");
	unsetenv("OS_AUTH_URL");
	accel_config_free(c);
}

static void test_files(void **state)
{
	char *dir = tree_tmpdir();
	const char *path = tree_path("%s/a.conf", dir);
	accel_config *c = NULL;
	accel_err err;

	(void)state;
	assert_int_equal(accel_config_load(&c, tree_path("%s/none.conf", dir), &err), -ENOENT);
	assert_non_null(strstr(err.msg, "none.conf"));
	assert_int_equal(accel_config_load(&c, dir, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not a regular file"));
	tree_write(path, "[DEFAULT]\nhost = a\0b\n", 20);
	assert_int_equal(accel_config_load(&c, path, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "line 2: holds a NUL byte"));
	/* the mode checked is the file's own */
	tree_write(path, full, -1);
	chmod(path, 0644);
	assert_int_equal(accel_config_load(&c, path, &err), -EPERM);
	chmod(path, 0600);
	assert_int_equal(accel_config_load(&c, path, &err), 0);
	assert_string_equal(c->path, path);
	accel_config_free(c);
	tree_rm(dir);
	free(dir);
}

/* etc/accelsched.conf.sample as shipped, and with every option in it
 * uncommented: both load without a warning. Run from the top folder. */
static void test_sample(void **state)
{
	const char *path = "etc/accelsched.conf.sample";
	accel_config *c = NULL;
	accel_err err;
	char *text, *out, *line, *save = NULL;
	size_t n, used = 0;
	unsigned mode;

	(void)state;
	if (accel_config_load(&c, path, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(c->warnings.n, 0);
	accel_config_free(c);
	assert_int_equal(accel_read_file(path, 1 << 20, &text, &n, &mode, &err), 0);
	out = calloc(1, n + 1);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t k = strspn(line + 1, "abcdefghijklmnopqrstuvwxyz_");

		/* "#name = value" is an option at its default, "#[kafka]" a
		 * section left out; prose stays */
		if (line[0] == '#' && k && !strncmp(line + 1 + k, " =", 2))
			line++;
		else if (line[0] == '#' && line[1] == '[')
			line++;
		used += (size_t)sprintf(out + used, "%s\n", line);
	}
	assert_true(used <= n);
	c = parse_ok(out, 0600);
	if (c->warnings.n)
		fail_msg("%s", c->warnings.v[0].message);
	assert_string_equal(c->placement.auth_url, "https://keystone.example.org:5000/v3");
	assert_int_equal(c->rescan_interval, 600);
	assert_int_equal(c->placement.trait_scheme, ACCEL_TRAITS_ACCELSCHED);
	assert_int_equal(c->placement.placement_owner, ACCEL_OWNER_ACCELSCHED);
	assert_true(c->kafka.enabled);
	assert_string_equal(c->kafka.topic_events, "accelsched.events.info");
	assert_string_equal(c->kafka.spool_dir, "/var/lib/accelsched/kafka-spool");
	assert_int_equal(c->kafka.spool_max_bytes, 64 << 20);
	accel_config_free(c);
	free(out);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),	 cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bad),	 cmocka_unit_test(test_secrets),
		cmocka_unit_test(test_warnings), cmocka_unit_test(test_check),
		cmocka_unit_test(test_env),	 cmocka_unit_test(test_files),
		cmocka_unit_test(test_scheduler), cmocka_unit_test(test_long_values),
		cmocka_unit_test(test_syntax),	 cmocka_unit_test(test_owner),
		cmocka_unit_test(test_sample),	 cmocka_unit_test(test_kafka),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
