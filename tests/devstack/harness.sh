#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# harness.sh stack|unstack|clean|packages - run accelsched's DevStack plugin as
# stack.sh, unstack.sh and clean.sh run it, with DevStack's own function
# library, in a sandbox. Driven by tests/devstack/test_plugin.py.
#
# Environment:
#   DEVSTACK_DIR  DevStack's tree (functions, functions-common,
#                 inc/ini-config, stackrc, lib/keystone, lib/nova)
#   SANDBOX       the folder standing for /: opt/stack, etc, usr/local, var
#   ACCEL_REPO    this repository (the plugin's checkout)
#   KEYSTONE_URI  the test Keystone (tests/integration/openstack.py)
#   ADMIN_PASSWORD  its admin's password
#   ENABLED_SERVICES  what local.conf enables
# and $SANDBOX/localrc: the [[local|localrc]] part of local.conf.
#
# What is not DevStack's own, and why:
#  - stackrc sources local.conf's localrc from DevStack's own folder (not
#    ours to write): it is sourced right after stackrc instead, so it sets
#    DEST, DATA_DIR and SYSTEMD_DIR itself (values stackrc derives before).
#  - SYSTEMCTL is tests/devstack/systemctl: DevStack's run_process only
#    starts services through systemd, which is not PID 1 here.
#  - STACK_USER is the user running the test: stackrc says "stack" for
#    root, a user this machine does not have.
#  - OPENSTACKCLIENT_CONF_DIR, NOVA_CONF_DIR/NOVA_CONF: functions-common and
#    lib/nova fix them to /etc/openstack and /etc/nova; they go under
#    $SANDBOX/etc.
#  - KEYSTONE_SERVICE_URI: lib/keystone derives http://$SERVICE_HOST/identity;
#    the test Keystone listens on 127.0.0.1 elsewhere.
#  - PYTHON, SERVICE_PASSWORD: stack.sh sets them (its virtualenv, a
#    password it asks for); here Debian's python3 (it has Nova) and a value.
#  - stack.sh's steps between the plugin's phases that the plugin relies on
#    are done here with DevStack's functions: write_clouds_yaml, the service
#    project and the "service" role of create_keystone_accounts, and the
#    enabled_filters line lib/nova's create_nova_conf writes.
#  - the plugin's checkout is a symbolic link $DEST/accelsched -> ACCEL_REPO
#    where fetch_plugins would git-clone it (there is no network here, and
#    the working tree, not the last commit, is what is tested).
# DevStack's variables set here are read by the sourced library:
# shellcheck disable=SC2034
set -o errexit
set -o pipefail

mode=${1:?usage: harness.sh stack|unstack|clean|packages}
: "${DEVSTACK_DIR:?}" "${SANDBOX:?}" "${ACCEL_REPO:?}" "${KEYSTONE_URI:?}" "${ADMIN_PASSWORD:?}"
: "${ENABLED_SERVICES:?}"
TOP_DIR=$DEVSTACK_DIR
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# shellcheck source=/dev/null
source "$TOP_DIR/stackrc"
# shellcheck source=/dev/null
source "$SANDBOX/localrc"
GetDistro

STACK_USER=$(id -un)
SYSTEMCTL="$HERE/systemctl --unit-dir $SYSTEMD_DIR --state-dir $SANDBOX/run/systemd"
PYTHON=/usr/bin/python3
SERVICE_PASSWORD=${SERVICE_PASSWORD:-service-secret}

# shellcheck source=/dev/null
source "$TOP_DIR/lib/keystone"
# shellcheck source=/dev/null
source "$TOP_DIR/lib/nova"
KEYSTONE_SERVICE_URI=$KEYSTONE_URI
OPENSTACKCLIENT_CONF_DIR=$SANDBOX/etc/openstack
NOVA_CONF_DIR=$SANDBOX/etc/nova
NOVA_CONF=$NOVA_CONF_DIR/nova.conf
export OS_CLIENT_CONFIG_FILE=$OPENSTACKCLIENT_CONF_DIR/clouds.yaml

mkdir -p "$DEST"
[[ -e "$DEST/accelsched" ]] || ln -s "$ACCEL_REPO" "$DEST/accelsched"
enable_plugin accelsched "file://$ACCEL_REPO"

run_phase override_defaults
run_phase source

case "$mode" in
    stack)
        write_clouds_yaml
        get_or_create_project "$SERVICE_PROJECT_NAME" "$SERVICE_DOMAIN_NAME" >/dev/null
        get_or_create_role service >/dev/null
        run_phase stack pre-install
        run_phase stack install
        if is_service_enabled n-sch; then
            mkdir -p "$NOVA_CONF_DIR"
            iniset "$NOVA_CONF" filter_scheduler enabled_filters "$NOVA_FILTERS"
        fi
        run_phase stack post-config
        run_phase stack extra
        run_phase stack test-config
        ;;
    packages)
        # the Debian packages stack.sh's install_prereqs would install for
        # the plugin (devstack/files/debs/accelsched)
        echo "PACKAGES: $(get_plugin_packages | tr '\n' ' ')"
        ;;
    unstack)
        run_phase unstack
        ;;
    clean)
        run_phase clean
        # clean.sh, after the plugins: the unit files run_process wrote
        sudo find "$SYSTEMD_DIR" -type f -name '*devstack@*service' -delete
        ;;
    *)
        echo "harness.sh: $mode: not stack, unstack, clean or packages" >&2
        exit 2
        ;;
esac
