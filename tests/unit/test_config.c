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

#include <accel/config.h>
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
	assert_int_equal(c->n_warnings, 0);
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
	parse_bad("[DEFAULT]\nlog_level = loud\n", 0600, -EINVAL, "error, warning, info");
	parse_bad("[DEFAULT]\nhost = bad\x01name\n", 0600, -EINVAL, "printable UTF-8");
	parse_bad("[DEFAULT]\nhost =\n", 0600, -EINVAL, "[DEFAULT] host: empty");
	parse_bad("[scheduler]\nrefresh_interval = 2.5\n", 0600, -EINVAL,
		  "[scheduler] refresh_interval: invalid value '2.5'");
	parse_bad("[scheduler]\nweight_multiplier = 1e9\n", 0600, -EINVAL,
		  "expected a number from -1000000 to 1000000");
	parse_bad("[scheduler]\nweight_multiplier = nan\n", 0600, -EINVAL, "weight_multiplier");
}

/* [scheduler] is the Nova plugin's; acceld knows it and checks its types. */
static void test_scheduler(void **state)
{
	accel_config *c = parse_ok("", 0644);

	(void)state;
	assert_null(c->sched_state_source);
	assert_int_equal(c->sched_refresh_interval, 10);
	assert_true(c->sched_weight_multiplier == 1.0);
	accel_config_free(c);
	c = parse_ok("[scheduler]\nstate_source = dir:/var/lib/accelsched/hosts\n"
		     "refresh_interval = 0\nweight_multiplier = -2.5\n",
		     0644);
	assert_string_equal(c->sched_state_source, "dir:/var/lib/accelsched/hosts");
	assert_int_equal(c->sched_refresh_interval, 0);
	assert_true(c->sched_weight_multiplier == -2.5);
	assert_int_equal(c->n_warnings, 0);
	accel_config_free(c);
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
				   "[kafka]\nbrokers = a\n",
				   0600);

	(void)state;
	assert_int_equal(c->n_warnings, 2);
	assert_non_null(strstr(c->warnings[0], "[DEFAULT] unknown option 'hots'"));
	assert_non_null(strstr(c->warnings[1], "unknown section [placment]"));
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
	assert_non_null(strstr(err.msg, "NUL"));
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),	 cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bad),	 cmocka_unit_test(test_secrets),
		cmocka_unit_test(test_warnings), cmocka_unit_test(test_check),
		cmocka_unit_test(test_env),	 cmocka_unit_test(test_files),
		cmocka_unit_test(test_scheduler),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
