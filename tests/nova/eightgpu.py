"""One server of 8 GPUs: two sockets, two PCIe switches per socket, two
GPUs below each switch. Shared by tests/nova (Zed) and tests/debian13
(Nova 2025.1's functional harness, whose fake libvirt host gets the same
addresses and NUMA nodes).

The switches pair GPU i with GPU i + 4 (so that the two GPUs of lowest
address are not under one switch):

    socket 0: switch A: GPUs 0, 4   switch B: GPUs 1, 5
    socket 1: switch C: GPUs 2, 6   switch D: GPUs 3, 7
"""
import json

N_GPUS = 8
VENDOR_ID = "10de"
PRODUCT_ID = "20b5"       # A100 80GB PCIe
BUS0 = 0x81               # GPU i is at 0000:(BUS0 + i):00.0


def switch_of(i):
    return i % 4


def socket_of(i):
    return switch_of(i) // 2


def address(i):
    return "0000:%02x:00.0" % (BUS0 + i)


def pix_pairs():
    """The PIX pairs, as sets of addresses."""
    return [{address(s), address(s + 4)} for s in range(4)]


def same_switch(addrs):
    return len({switch_of(i) for i in range(N_GPUS) if address(i) in addrs}) == 1


def same_socket(addrs):
    return len({socket_of(i) for i in range(N_GPUS) if address(i) in addrs}) == 1


def inventory(host, health=None, in_use=(), utilization=None):
    """The accelsched inventory of the server named host; health maps an
    address to "failed"/"degraded"; in_use lists addresses taken;
    utilization maps an address to a percentage."""
    devs = []
    for i in range(N_GPUS):
        sw, sock = switch_of(i), socket_of(i)
        addr = address(i)
        devs.append({
            "address": addr, "kind": "gpu", "vendor_id": VENDOR_ID,
            "device_id": PRODUCT_ID, "vendor": "nvidia",
            "model": "A100 80GB PCIe", "resource_class": "PGPU",
            "memory_mb": 81920, "numa_node": sock,
            "health": (health or {}).get(addr, "ok"),
            "in_use": addr in in_use, "traits": [],
            **({"utilization": utilization[addr]} if addr in (utilization or {}) else {}),
            "pcie": {
                # the switch's downstream port, its upstream port, the
                # socket's root port for that switch
                "upstream": ["0000:%02x:%02x.0" % (0x70 + sw, i),
                             "0000:%02x:00.0" % (0x60 + sw),
                             "0000:%02x:%02x.0" % (0x00 + 0x40 * sock, 1 + sw)],
                "host_bridge": "pci0000:%02x" % (0x40 * sock),
            },
        })
    return {"schema": "accelsched.inventory/v1", "host": host, "devices": devs}


def write(path, host, **kw):
    with open(path, "w") as f:
        json.dump(inventory(host, **kw), f, indent=1)
