/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The trait schemes' resource classes (common/vocab.c), for the Placement
 * client's tree and accelctl nova-config.
 *
 * Internal: shared by the libraries and the programs built with them,
 * never installed and not exported from libaccel.so.
 */
#ifndef ACCEL_INTERNAL_VOCAB_H
#define ACCEL_INTERNAL_VOCAB_H

#include <accel/model.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Nova's name for a PCI device's resource class when its device_spec
 * names none (nova/compute/pci_placement_translator.py, get_resource_class):
 * "CUSTOM_PCI_<vendor_id>_<product_id>" upper-cased, written into buf (at
 * least 24 bytes). false when the device has no ids. */
bool accel_vocab_nova_pci_rc(const accel_device *d, char *buf, size_t cap);

/* True for a name of that form: CUSTOM_PCI_ and two 4-digit hex ids. */
bool accel_vocab_is_nova_pci_rc(const char *rc);

/* The resource class of d's provider in `scheme`: Nova PCI's
 * CUSTOM_PCI_<V>_<P> under nova-pci for a device Nova would pass through
 * (not one shared as vGPUs), written into buf; d->resource_class
 * otherwise (NULL when it has none). */
const char *accel_vocab_scheme_rc(const accel_device *d, accel_trait_scheme scheme, char *buf,
				  size_t cap);

#ifdef __cplusplus
}
#endif

#endif
