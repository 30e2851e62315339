# shellcheck shell=bash
# devstack/plugin.sh - accelsched's DevStack plugin
#
# DevStack's plugin contract (doc/source/plugins.rst of DevStack): stack.sh,
# unstack.sh and clean.sh source this file as
#     source devstack/plugin.sh MODE [PHASE]
# with devstack/settings already sourced. The work is in lib/accelsched.

ACCELSCHED_PLUGIN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=devstack/lib/accelsched
source "$ACCELSCHED_PLUGIN_DIR/lib/accelsched"

if is_service_enabled accelsched-agent accelsched-scheduler; then
    if [[ "$1" == "stack" ]]; then
        # a mode this checkout cannot deploy stops stack.sh before anything
        # is installed or configured for it
        accelsched_check_mode
    fi

    if [[ "$1" == "stack" && "${2:-}" == "pre-install" ]]; then
        # files/debs/accelsched is installed by DevStack itself
        echo_summary "Installing accelsched's prerequisites"
        install_accelsched_prereqs

    elif [[ "$1" == "stack" && "${2:-}" == "install" ]]; then
        echo_summary "Building and installing accelsched"
        install_accelsched

    elif [[ "$1" == "stack" && "${2:-}" == "post-config" ]]; then
        echo_summary "Configuring accelsched (ACCELSCHED_MODE=$ACCELSCHED_MODE)"
        configure_accelsched

    elif [[ "$1" == "stack" && "${2:-}" == "extra" ]]; then
        if is_service_enabled accelsched-agent; then
            echo_summary "Starting acceld"
            start_accelsched
        fi

    elif [[ "$1" == "stack" && "${2:-}" == "test-config" ]]; then
        # no tempest plugin yet: the check is acceld's own sync
        if [[ "$ACCELSCHED_SMOKE" == "True" ]] && is_service_enabled accelsched-agent; then
            echo_summary "Checking that Placement holds this node's accelerators"
            accelsched_smoke
        fi
    fi

    if [[ "$1" == "unstack" ]]; then
        stop_accelsched
    fi

    if [[ "$1" == "clean" ]]; then
        cleanup_accelsched
    fi
fi
