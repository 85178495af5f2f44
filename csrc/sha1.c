/* sha1.c -- SHA-1 written from the FIPS 180-4 description (section 6.1):
 * 512-bit blocks, 80-word message schedule, big-endian words, padding with a
 * 1 bit, zeros and the 64-bit message length in bits. */
#include <string.h>
#include "sha1.h"

#define ROL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))

static void sha1_block(uint32_t h[5], const unsigned char *p) {
    uint32_t w[80], a, b, c, d, e, f, k, t;
    int i;
    for (i = 0; i < 16; i++)
        w[i] = ((uint32_t)p[4 * i] << 24) | ((uint32_t)p[4 * i + 1] << 16) |
               ((uint32_t)p[4 * i + 2] << 8) | (uint32_t)p[4 * i + 3];
    for (i = 16; i < 80; i++) w[i] = ROL(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    a = h[0]; b = h[1]; c = h[2]; d = h[3]; e = h[4];
    for (i = 0; i < 80; i++) {
        if (i < 20) { f = (b & c) | (~b & d); k = 0x5A827999u; }
        else if (i < 40) { f = b ^ c ^ d; k = 0x6ED9EBA1u; }
        else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8F1BBCDCu; }
        else { f = b ^ c ^ d; k = 0xCA62C1D6u; }
        t = ROL(a, 5) + f + e + k + w[i];
        e = d; d = c; c = ROL(b, 30); b = a; a = t;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
}

void fc_sha1_init(fc_sha1_ctx *ctx) {
    ctx->h[0] = 0x67452301u; ctx->h[1] = 0xEFCDAB89u; ctx->h[2] = 0x98BADCFEu;
    ctx->h[3] = 0x10325476u; ctx->h[4] = 0xC3D2E1F0u;
    ctx->total = 0;
    ctx->used = 0;
}

void fc_sha1_update(fc_sha1_ctx *ctx, const void *data, size_t len) {
    const unsigned char *p = data;
    ctx->total += len;
    if (ctx->used) {
        size_t take = 64 - ctx->used;
        if (take > len) take = len;
        memcpy(ctx->block + ctx->used, p, take);
        ctx->used += take; p += take; len -= take;
        if (ctx->used < 64) return;
        sha1_block(ctx->h, ctx->block);
        ctx->used = 0;
    }
    while (len >= 64) { sha1_block(ctx->h, p); p += 64; len -= 64; }
    if (len) { memcpy(ctx->block, p, len); ctx->used = len; }
}

void fc_sha1_final(fc_sha1_ctx *ctx, unsigned char out[20]) {
    uint64_t bits = ctx->total * 8;
    int i;
    ctx->block[ctx->used++] = 0x80;
    if (ctx->used > 56) {
        memset(ctx->block + ctx->used, 0, 64 - ctx->used);
        sha1_block(ctx->h, ctx->block);
        ctx->used = 0;
    }
    memset(ctx->block + ctx->used, 0, 56 - ctx->used);
    for (i = 0; i < 8; i++) ctx->block[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
    sha1_block(ctx->h, ctx->block);
    for (i = 0; i < 5; i++) {
        out[4 * i] = (unsigned char)(ctx->h[i] >> 24);
        out[4 * i + 1] = (unsigned char)(ctx->h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(ctx->h[i] >> 8);
        out[4 * i + 3] = (unsigned char)ctx->h[i];
    }
}

void fc_sha1(const void *data, size_t len, unsigned char out[20]) {
    fc_sha1_ctx ctx;
    fc_sha1_init(&ctx);
    fc_sha1_update(&ctx, data, len);
    fc_sha1_final(&ctx, out);
}
