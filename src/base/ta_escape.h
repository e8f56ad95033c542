/*
 * ta_escape.h - make capture-derived bytes safe to print.
 *
 * One escaping for every output: the result is valid UTF-8 with no control
 * characters (C0, DEL, C1), no bidirectional overrides or isolates, and no
 * NUL.  Such characters and every byte that is not part of valid UTF-8 are
 * written as "\xNN" (per byte) or "\u{XXXX}" (per code point); a backslash
 * becomes "\\" so the escaping cannot be forged.
 */
#ifndef TA_ESCAPE_H
#define TA_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ta_escape returns a new NUL-terminated string (caller frees) with the
 * escaped form of |len| bytes at |data|; NULL on out of memory. */
char *ta_escape(const uint8_t *data, size_t len);

/* ta_escape_to writes the same escaped form into |out|, which holds at
 * least 4 * |len| + 1 bytes, NUL-terminated; returns its length. */
size_t ta_escape_to(char *out, const uint8_t *data, size_t len);

/* ta_escape_needed is false when |len| bytes at |data| escape to
 * themselves (printable ASCII without a backslash). */
bool ta_escape_needed(const uint8_t *data, size_t len);

/* ta_shell_word writes |s| into |out| (|n| bytes) as one POSIX shell word:
 * as it is when every character is in [A-Za-z0-9._:/+,@=-], otherwise in
 * single quotes with each quote written '\''.  A word that does not fit
 * is cut (still closed by its quote). */
void ta_shell_word(char *out, size_t n, const char *s);

#endif
