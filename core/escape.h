/* escape.h - making log text safe to show: no raw control byte, no broken UTF-8 and no
 * bidirectional override ever reaches a terminal or a JSON consumer. */
#ifndef SCEPSCOPE_ESCAPE_H
#define SCEPSCOPE_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "span.h"

/* Writes text for a terminal or a TSV row: printable UTF-8 as is; \t \n \r as "\t" "\n" "\r";
 * other control bytes and bytes that are not UTF-8 as "\xNN"; C1 controls and bidi
 * overrides as "\u202e". */
void esc_text(FILE *f, struct span s);

/* Writes the inside of a JSON string: quotes, backslashes and controls escaped, C1 controls
 * and bidi overrides as \u escapes, bytes that are not UTF-8 as U+FFFD. */
void esc_json(FILE *f, struct span s);

/* Writes a NUL-terminated string as a quoted JSON string. */
void json_str(FILE *f, const char *s);

/* User text quoted in a message: short, on one line, control bytes shown as '?' (the message
 * is escaped again where it is printed). A struct, so that a call site can use it inline:
 * show_text(x).s lives until the end of the full expression. */
struct shown {
    char s[52];
};
struct shown show_text(const char *text);

#endif
