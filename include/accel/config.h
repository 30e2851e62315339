/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Configuration: one INI file in oslo.config style
 * (/etc/accelsched/accelsched.conf), with keystoneauth's option names in
 * [placement]. Every option is documented in etc/accelsched.conf.sample.
 * It is acceld's and accelctl's only: the Nova plugin's options are in
 * nova.conf [accelsched] (oslo.config; etc/nova.conf.accelsched.sample).
 *
 * The file is read by common/config.c's own INI reader with oslo.config's
 * line rules: values up to ACCEL_CONFIG_VALUE_MAX bytes; comments are whole
 * lines starting with '#' or ';' (no inline comments: a value holding '#'
 * or ';' after a blank is refused, except a secret's, taken as written);
 * no continuation lines; no option before a [section]. Any other line is
 * an error naming the file and the line.
 *
 * A file that holds a secret (password, application credential secret,
 * token, Kafka's ssl_key_password and sasl_password) and is readable by group or others, or owned by anyone but the
 * reading user or root, is refused. Unknown sections and options are
 * warnings (oslo.config would ignore them silently; an operator's typo
 * should not be).
 */
#ifndef ACCEL_CONFIG_H
#define ACCEL_CONFIG_H

#include <accel/common.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ACCEL_DEFAULT_CONFIG "/etc/accelsched/accelsched.conf"
#define ACCEL_DEFAULT_STATE_DIR "/var/lib/accelsched"
/* The longest value a line may hold (a Keystone token, a long password). */
#define ACCEL_CONFIG_VALUE_MAX 4096u

typedef enum accel_auth_type {
	ACCEL_AUTH_PASSWORD = 0,
	ACCEL_AUTH_APPCRED,  /* v3applicationcredential */
	ACCEL_AUTH_TOKEN,    /* an existing token, rescoped */
	ACCEL_AUTH_NONE,     /* noauth2 deployments: endpoint_override needed */
} accel_auth_type;

typedef enum accel_trait_scheme {
	ACCEL_TRAITS_ACCELSCHED = 0, /* CUSTOM_ACCEL_* and os-traits */
	ACCEL_TRAITS_CYBORG,         /* CUSTOM_GPU_NVIDIA, CUSTOM_FPGA_XILINX, ... */
	ACCEL_TRAITS_NOVA_PCI,       /* COMPUTE_MANAGED_PCI_DEVICE, class CUSTOM_PCI_10DE_20B5 */
} accel_trait_scheme;

/* Who writes the providers of this host's devices (docs/nova-pci.md). */
typedef enum accel_placement_owner {
	ACCEL_OWNER_ACCELSCHED = 0, /* acceld: "<host>_<address>" per device */
	ACCEL_OWNER_NOVA,           /* nova-compute ([pci] report_in_placement):
				     * acceld writes no device provider */
} accel_placement_owner;

typedef enum accel_log_level {
	ACCEL_LOG_ERROR = 0,
	ACCEL_LOG_WARNING,
	ACCEL_LOG_INFO,
	ACCEL_LOG_DEBUG,
} accel_log_level;

typedef struct accel_placement_conf {
	accel_auth_type auth_type;
	char *auth_url;
	char *username;
	char *user_id;
	char *password;
	char *user_domain_name;
	char *user_domain_id;
	char *project_name;
	char *project_id;
	char *project_domain_name;
	char *project_domain_id;
	char *application_credential_id;
	char *application_credential_name;
	char *application_credential_secret;
	char *token;
	char *region_name;
	char *interface;         /* public (default), internal, admin */
	char *endpoint_override; /* Placement's URL, skipping the catalog */
	char *cafile;
	bool insecure;
	double timeout;          /* seconds per request */
	int max_retries;         /* per request, for 5xx and network errors */
	int auth_retry_interval; /* seconds between attempts Keystone refuses */
	accel_trait_scheme trait_scheme;
	accel_placement_owner placement_owner;
} accel_placement_conf;

/* [kafka]: acceld's stream (docs/kafka.md). enabled when the file has a
 * [kafka] section; then bootstrap_servers is required. */
typedef struct accel_kafka_conf {
	bool enabled;
	char *bootstrap_servers;
	char *topic_inventory;	/* default accelsched.inventory */
	char *events_target;	/* oslo.messaging's target: accelsched.events */
	char *topic_events;	/* default <events_target>.info */
	char *metrics_target;	/* accelsched.metrics (no producer yet) */
	char *topic_metrics;	/* default <metrics_target>.info */
	char *spool_dir;	/* default <state_dir>/kafka-spool */
	int spool_max_bytes;	/* the spool file's bound */
	int flush_timeout;	/* seconds acceld --once waits for the broker */
	int message_timeout;	/* seconds librdkafka tries a message, 0: no end */
	/* passed through to librdkafka as they are */
	char *security_protocol;
	char *ssl_ca_location;
	char *ssl_certificate_location;
	char *ssl_key_location;
	char *ssl_key_password; /* secret */
	char *sasl_mechanism;
	char *sasl_username;
	char *sasl_password; /* secret */
} accel_kafka_conf;

typedef struct accel_config {
	char *path;              /* the file read, NULL for defaults */
	char *host;              /* [DEFAULT] host: the compute node's name */
	char *state_dir;         /* [DEFAULT] state_dir */
	accel_log_level log_level;
	char *sysfs_root;        /* [discovery] */
	char *dev_root;
	int rescan_interval;     /* seconds */
	int debounce_ms;         /* events make one rescan after this quiet (events.h) */
	accel_placement_conf placement;
	accel_kafka_conf kafka;
	int telemetry_interval;  /* [telemetry] interval: seconds between reads, 0 none */
	char *proc_root;         /* [telemetry] proc_root: where /proc stands (fdinfo) */
	char *metrics_listen;    /* [metrics] listen: the Prometheus endpoint, NULL none */
	accel_warnings warnings; /* unknown options and sections: path the file */
} accel_config;

/* Defaults only: host is this machine's FQDN. */
ACCEL_EXPORT int accel_config_new(accel_config **out, accel_err *err);
/* Read `path` over the defaults. On failure *err names the file, and the
 * line, section or option at fault. The secret check looks at the mode and
 * the owner of the file opened. */
ACCEL_EXPORT int accel_config_load(accel_config **out, const char *path, accel_err *err);
/* Let OS_* environment variables (OS_AUTH_URL, OS_USERNAME, OS_PASSWORD,
 * OS_PROJECT_NAME, ...) override [placement], as openstackclient does. */
ACCEL_EXPORT int accel_config_apply_env(accel_config *cfg, accel_err *err);
/* Check that [placement] can authenticate: the options auth_type needs. */
ACCEL_EXPORT int accel_config_check_placement(const accel_config *cfg, accel_err *err);
ACCEL_EXPORT void accel_config_free(accel_config *cfg);

ACCEL_EXPORT const char *accel_trait_scheme_name(accel_trait_scheme s);
ACCEL_EXPORT const char *accel_log_level_name(accel_log_level l);

/* Parse from a string (tests, fuzzing). `name` is used in messages;
 * `mode` is the file's permission bits (for the secret check; there is no
 * owner to check). */
ACCEL_EXPORT int accel_config_parse(accel_config **out, const char *name, const char *text,
				    unsigned mode, accel_err *err);

#ifdef __cplusplus
}
#endif
#endif
