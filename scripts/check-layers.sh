#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The dependency rules of docs (DESIGN.md, Layout), checked on the #include
# lines of the sources:
#   common/ depends on no other folder: it includes only common's public
#     headers and its own;
#   placement-client/ and scheduler/ (its Python extension included) consume
#     the inventory model but never discovery: no drivers/ header, private
#     or public (discovery.h, kmod.h, uevent.h);
#   drivers/ knows nothing of Placement or the scheduler;
#   the Cyborg driver's extension (scheduler/python/accelsched/cyborg/) is a
#     consumer of discovery, like agent/ and cli/, and uses neither the
#     Placement client (Cyborg reports to Placement) nor the scheduler;
#   no library reaches into another folder's internals ("../other/x.h").
# Prints each violation as file:line: the include and the rule; exits 1 if
# there is one.
cd "$(dirname "$0")/.." || exit 2

COMMON_H="common config inventory json log util model"
DRIVERS_H="discovery kmod uevent"
PLACEMENT_H="placement"
SCHED_H="sched"

# the public headers a folder may include: everything but those listed
forbidden_for() {
	case "$1" in
	common) echo "$DRIVERS_H $PLACEMENT_H $SCHED_H" ;;
	include-common) echo "$DRIVERS_H $PLACEMENT_H $SCHED_H" ;;
	placement-client) echo "$DRIVERS_H $SCHED_H" ;;
	scheduler) echo "$DRIVERS_H $PLACEMENT_H" ;;
	drivers) echo "$PLACEMENT_H $SCHED_H" ;;
	cyborg) echo "$PLACEMENT_H $SCHED_H" ;;
	*) echo "" ;;
	esac
}

check() { # folder-rule files...
	rule=$1
	shift
	forbidden=$(forbidden_for "$rule")
	for f in "$@"; do
		[ -f "$f" ] || continue
		grep -n '^[[:space:]]*#[[:space:]]*include' "$f" | while IFS= read -r line; do
			n=${line%%:*}
			inc=${line#*:}
			case "$inc" in
			*'<accel/'*)
				h=${inc#*<accel/}
				h=${h%%.h>*}
				for x in $forbidden; do
					if [ "$h" = "$x" ]; then
						echo "$f:$n: $inc: $rule/ must not use <accel/$x.h>"
					fi
				done
				;;
			*'"'*)
				p=${inc#*\"}
				p=${p%%\"*}
				case "$p" in
				../../*|../*/*)
					echo "$f:$n: $inc: reaches into another folder's internals" ;;
				../*)
					# only from a subfolder up to its own library folder
					case "$f" in
					*/*/*) ;;
					*) echo "$f:$n: $inc: reaches into another folder's internals" ;;
					esac
					;;
				esac
				if [ "$rule" = common ] || [ "$rule" = include-common ]; then
					case "$p" in
					*/*) echo "$f:$n: $inc: common/ includes only its own headers" ;;
					esac
				fi
				;;
			esac
		done
	done
}

out=$(
	check common common/*.c common/*/*.c common/*.h common/*/*.h
	for h in $COMMON_H; do check include-common "include/accel/$h.h"; done
	check placement-client placement-client/*.c placement-client/*.h
	check scheduler scheduler/*.c scheduler/*.h scheduler/python/accelsched/*.c
	check cyborg scheduler/python/accelsched/cyborg/*.c
	check drivers drivers/*.c drivers/*.h drivers/*/*.c drivers/*/*.h
)
if [ -n "$out" ]; then
	echo "$out"
	echo "check-layers: the dependency rules do not hold (docs/architecture.md)" >&2
	exit 1
fi
echo "check-layers: dependency rules hold"
