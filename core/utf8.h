/* utf8.h - UTF-8 validation and the transcoders from UTF-16 and Windows-1252.
 * Logs arrive in whatever encoding the server wrote; everything inside is UTF-8. */
#ifndef SCEPSCOPE_UTF8_H
#define SCEPSCOPE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length (1-4) of the well-formed UTF-8 sequence at p (n bytes available), 0 when the byte
 * at p does not start one (stray continuation, overlong form, surrogate, truncation). */
size_t utf8_seq_len(const unsigned char *p, size_t n);

/* Code point of a well-formed sequence of length len. */
uint32_t utf8_decode(const unsigned char *p, size_t len);

/* Writes code point cp as UTF-8 into out (4 bytes room), returns bytes written. */
size_t utf8_encode(uint32_t cp, char *out);

/* Counts well-formed multi-byte sequences and the bytes that start none. */
void utf8_scan(const unsigned char *p, size_t n, uint64_t *multibyte, uint64_t *invalid);

/* Offset of the first byte that starts no well-formed sequence, n when there is none. */
size_t utf8_first_invalid(const unsigned char *p, size_t n);

/* Transcoders. Output buffers must hold utf16_out_max / cp1252_out_max bytes; they return
 * bytes written. Unpaired surrogates and an odd last byte become U+FFFD. */
size_t utf16_out_max(size_t nbytes);
size_t utf16_to_utf8(const unsigned char *p, size_t n, bool big_endian, char *out,
                     uint64_t *replaced);
size_t cp1252_out_max(size_t nbytes);
size_t cp1252_to_utf8(const unsigned char *p, size_t n, char *out);

#endif
