/* sha1.h -- SHA-1 (FIPS 180-4), used by DEBUG DIGEST to reproduce Redis's
 * dataset digest.  Not for security: only for equality of digests with Redis.
 * Incremental: init, update any number of times, final (20 bytes). */
#ifndef FC_SHA1_H
#define FC_SHA1_H

#include <stddef.h>
#include <stdint.h>

typedef struct fc_sha1_ctx {
    uint32_t h[5];
    uint64_t total;          /* bytes hashed so far */
    unsigned char block[64]; /* pending partial block */
    size_t used;             /* bytes in block */
} fc_sha1_ctx;

void fc_sha1_init(fc_sha1_ctx *ctx);
void fc_sha1_update(fc_sha1_ctx *ctx, const void *data, size_t len);
void fc_sha1_final(fc_sha1_ctx *ctx, unsigned char out[20]);
/* One-shot convenience. */
void fc_sha1(const void *data, size_t len, unsigned char out[20]);

#endif
