/* siphash.h -- SipHash keyed hashing for the keyspace and type hash tables.
 *
 * Redis seeds its dict hash function with a random 128-bit key at startup and
 * uses SipHash-1-2 (one compression round, two finalisation rounds): fast for
 * short keys and still resistant to hash-flooding.  fc_siphash_nocase hashes
 * the ASCII-lowercased input, so that keys equal under ASCII case folding
 * (command names, config names) collide on purpose.
 *
 * Pure functions: no allocation, no global state.  `in` may be NULL iff
 * len == 0.  `key` is exactly 16 bytes.
 */
#ifndef FC_SIPHASH_H
#define FC_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/* SipHash-1-2 of in[0..len), little-endian 64-bit result. */
uint64_t fc_siphash(const uint8_t *in, size_t len, const uint8_t key[16]);

/* Same as fc_siphash over the input with 'A'..'Z' mapped to 'a'..'z'
 * (ASCII only; bytes >= 0x80 are hashed unchanged). */
uint64_t fc_siphash_nocase(const uint8_t *in, size_t len, const uint8_t key[16]);

/* Standard SipHash-2-4, for checking the round function against the
 * published reference vectors (and for anyone needing the standard PRF). */
uint64_t fc_siphash24(const uint8_t *in, size_t len, const uint8_t key[16]);

#endif /* FC_SIPHASH_H */
