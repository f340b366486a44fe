/* textwin.h - a log's lines, read once from start to end through a small window that pread()
 * fills, for a parser.
 *
 * Touching a mapped file's pages costs a page table entry for every 4 KB of it, and far more
 * on a virtual machine that traps page table changes; pread() copies from the page cache with
 * none, as wc does, into a window that stays in the processor's cache while its lines are
 * parsed. The mapping stays, for the lines looked at again later (s->text + offset). While a
 * line is in the window, source_at() and source_offset() (core/source.h) map between the two:
 * the parse's events get their offsets in the text, and what the loading does with each line
 * as it is parsed (classifying it) reads the window.
 *
 * A parser that reads through a textwin keeps no pointer into a line after the next one is
 * asked for, except into s->text (source_at(s, source_offset(s, p), n)).
 *
 * While s->utf8_pending (source_decode_deferred), the window checks the text for UTF-8 as it
 * comes, and makes the decision source_decode makes for the whole file: UTF-8 unless a byte
 * starts no sequence and no multi-byte sequence is found anywhere (without a BOM), then
 * Windows-1252. At the first such byte with no multi-byte sequence before it, the rest of the
 * file is looked at; when it holds none either, the text becomes the decoded copy, read from
 * that line on (the lines before, all ASCII, are the same in both).
 *
 * Files under TEXTWIN_MIN bytes, and text that is not the file's bytes (decoded from UTF-16,
 * read from a pipe), are read straight from s->text, checked whole first. */
#ifndef SCEPSCOPE_TEXTWIN_H
#define SCEPSCOPE_TEXTWIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "source.h"
#include "span.h"

#define TEXTWIN_CAP ((size_t)256 << 10)
#define TEXTWIN_MIN ((size_t)1 << 20)

struct textwin {
    struct source *s;
    bool window;      /* lines come from buf; else straight from s->text at dpos */
    bool resume;      /* straight for one line too long for the window, then the window */
    char *buf;
    size_t cap;
    uint64_t base;    /* text offset of buf[0] */
    size_t n;         /* bytes in buf */
    size_t pos;       /* next unread byte of buf */
    uint64_t dpos;    /* straight: next unread text offset */
    uint64_t lineno;  /* of the line last returned, 1-based */
    bool check;       /* checking for UTF-8 as it comes */
    bool counted;     /* the rest was looked at: mb and bad are the whole file's */
    uint64_t mb, bad, bad_line;
    bool failed;      /* memory ran out */
};

/* Starts reading s->text from its first line. */
void textwin_begin(struct textwin *w, struct source *s);
/* The next line into *line, without its CR/LF, as line_iter_next gives it; false at the end
 * (or when memory ran out: textwin_end says). The line is valid until the next call. */
bool textwin_next(struct textwin *w, struct span *line);
/* Ends the read: what the UTF-8 check found is noted. False when memory ran out. */
bool textwin_end(struct textwin *w);
/* For the tests: windows of `bytes` (16 at least), and every mapped file read through one,
 * whatever its size. Called before any read. */
void textwin_size(size_t bytes);
/* Frees the windows kept for the next file (the loading calls it when every file is read). */
void textwin_drop_kept(void);

#endif
