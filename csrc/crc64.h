/* crc64.h -- the CRC-64 Redis uses for RDB files and DUMP payloads.
 *
 * Variant "Jones": polynomial 0xad93d23594c935a9, reflected input and
 * output, initial value 0, no final xor.
 * fc_crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9ca.
 * Incremental: fc_crc64(fc_crc64(0, a, n), b, m) == crc of a||b.
 */
#ifndef FC_CRC64_H
#define FC_CRC64_H

#include <stdint.h>

uint64_t fc_crc64(uint64_t crc, const unsigned char *s, uint64_t l);

#endif /* FC_CRC64_H */
