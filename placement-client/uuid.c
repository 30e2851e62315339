/* SPDX-License-Identifier: Apache-2.0 */
/* Name-based UUIDs (RFC 4122 version 5, SHA-1) for providers. */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "pc.h"

/* uuid5(NAMESPACE_DNS, "accelsched.openstack.org") =
 * ec155ac1-4ab9-5b5c-af0f-ac9681ef5916: accelsched's namespace, so that
 * our provider UUIDs never collide with another tool's for the same name. */
static const unsigned char ns[16] = { 0xec, 0x15, 0x5a, 0xc1, 0x4a, 0xb9, 0x5b, 0x5c,
				      0xaf, 0x0f, 0xac, 0x96, 0x81, 0xef, 0x59, 0x16 };

void pc_uuid5(const char *name, char out[PC_UUID_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE], u[16];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) || !EVP_DigestUpdate(ctx, ns, 16) ||
	    !EVP_DigestUpdate(ctx, name, strlen(name)) || !EVP_DigestFinal_ex(ctx, md, &mdlen)) {
		/* SHA-1 is always there; a failure here is out of memory */
		memset(md, 0, sizeof(md));
	}
	EVP_MD_CTX_free(ctx);
	memcpy(u, md, 16);
	u[6] = (unsigned char)((u[6] & 0x0f) | 0x50); /* version 5 */
	u[8] = (unsigned char)((u[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, PC_UUID_LEN,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
		 u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
		 u[15]);
}

bool pc_uuid_valid(const char *s)
{
	if (!s || strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		char c = s[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return false;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
			return false;
		}
	}
	return true;
}

void accel_provider_uuid(const char *name, char out[37])
{
	pc_uuid5(name, out);
}
