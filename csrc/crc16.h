/* crc16.h -- CRC16 for Redis Cluster key slots.
 *
 * The variant is CRC-16/XMODEM (a.k.a. CCITT, polynomial 0x1021, initial
 * value 0, no reflection, no final xor): crc16("123456789") == 0x31C3.
 */
#ifndef FC_CRC16_H
#define FC_CRC16_H

#include <stdint.h>

#define FC_CLUSTER_SLOTS 16384

/* CRC16-XMODEM of buf[0..len). */
uint16_t fc_crc16(const char *buf, int len);

/* Cluster hash slot (0..16383) of a key: crc16 & 16383 of the whole key,
 * unless the key contains a '{' followed later by a '}' with at least one
 * byte between them, in which case only the bytes between the FIRST '{' and
 * the first '}' after it are hashed ("{user}:1" and "{user}:2" share a slot;
 * "{}x" and "x{" hash whole). */
unsigned int fc_key_hash_slot(const char *key, int keylen);

#endif /* FC_CRC16_H */
