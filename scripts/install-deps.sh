#!/bin/sh
# Install the Debian packages accelsched builds and tests with. Idempotent:
# when everything is present it only asks dpkg and returns (well under a
# second). Needs root or sudo only when something is missing.
set -eu

PKGS="
build-essential pkg-config make
libpci-dev pciutils pci.ids
libdrm-dev
ocl-icd-opencl-dev opencl-headers ocl-icd-libopencl1 pocl-opencl-icd clinfo
libjson-c-dev libcurl4-openssl-dev libssl-dev
libcmocka-dev
clang libclang-rt-14-dev
valgrind abigail-tools
librdkafka-dev kcat python3-oslo.messaging python3-confluent-kafka
python3 python3-os-traits python3-os-resource-classes
python3-keystone python3-placement python3-osc-placement python3-openstackclient
uwsgi-core uwsgi-plugin-python3 procps postgresql python3-psycopg2
python3-dev python3-setuptools python3-nova
prometheus
linux-image-amd64 linux-headers-amd64 qemu-system-x86 busybox-static cpio
dkms openssl kmod systemd man-db groff-base
shellcheck sudo python3-yaml
dpkg-dev debhelper dh-python dh-dkms fakeroot lintian
debootstrap
libmicrohttpd-dev python3-ceilometer
"

missing=""
for p in $PKGS; do
	# dpkg-query prints "install ok installed" for an installed package
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"ok installed") ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -z "$missing" ]; then
	exit 0
fi

echo "install-deps: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "install-deps: need root or sudo to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "install-deps: done"
