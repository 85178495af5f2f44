/* lzf.h -- LZF compression, stream-compatible with liblzf (the format of
 * compressed strings in Redis RDB files and DUMP payloads).
 *
 * Format: a sequence of chunks, each starting with a control byte c:
 *   c < 0x20  (000LLLLL)  literal run: the next c+1 bytes are copied out.
 *   c >= 0x20 (LLLooooo)  back reference: len = c >> 5; if len == 7 an extra
 *             byte is added to len; then one byte with the low 8 bits of the
 *             offset.  Copies len+2 bytes from (out_pos - offset - 1), where
 *             offset = ((c & 0x1f) << 8) | low; the source may overlap the
 *             bytes being produced (runs).
 * So references reach back at most 8192 bytes and copy 3..264 bytes.
 *
 * The compressor makes liblzf 3.6's choices (as Redis configures it), so its
 * output is byte-identical to what Redis writes for the same input.
 */
#ifndef FC_LZF_H
#define FC_LZF_H

/* Compress in[0..in_len) into out[0..out_len).  Returns the compressed size,
 * or 0 if the result does not fit in out_len bytes (callers pass a limit
 * smaller than in_len to keep only useful compression) or in_len == 0.
 * Uses a 256 KiB per-thread match table that persists between calls (as
 * liblzf's uninitialised stack table does in Redis); no heap. */
unsigned int fc_lzf_compress(const void *in_data, unsigned int in_len,
                             void *out_data, unsigned int out_len);

/* Decompress in[0..in_len) into out[0..out_len).  Returns the decompressed
 * size, or 0 on any error: output would exceed out_len, a back reference
 * points before the start of the output, the input ends inside a chunk, or
 * in_len == 0.  Never reads or writes outside the given buffers, whatever
 * the input bytes.  Bytes of out past the returned length (and all of out on
 * error) may have been overwritten with scratch. */
unsigned int fc_lzf_decompress(const void *in_data, unsigned int in_len,
                               void *out_data, unsigned int out_len);

#endif /* FC_LZF_H */
