/* draw.c - putting log text on the screen safely: every byte is either a printable character
 * or an escape like \x1b, so no log line can drive the terminal. Counts columns, not bytes. */
#include <string.h>
#include <wchar.h>

#include "ui.h"
#include "utf8.h"

/* Columns a code point takes; control and format characters are escaped by the caller. */
static int cp_width(uint32_t cp)
{
    int w = wcwidth((wchar_t)cp);
    return w < 0 ? 1 : w;
}

static bool unsafe_cp(uint32_t cp)
{
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
           cp == 0x200b || cp == 0xfeff;
}

/* One piece of text as shown: a character, or its escape. */
struct piece {
    char buf[12];
    size_t len;   /* bytes in buf */
    int cols;
    size_t used;  /* bytes of input consumed */
};

static void next_piece(const unsigned char *p, size_t n, bool ascii, struct piece *pc)
{
    unsigned char c = p[0];
    if (c >= 0x20 && c < 0x7f) {
        pc->buf[0] = (char)c;
        pc->len = 1;
        pc->cols = 1;
        pc->used = 1;
        return;
    }
    if (c == '\t' || c == '\n' || c == '\r') {
        pc->buf[0] = '\\';
        pc->buf[1] = c == '\t' ? 't' : c == '\n' ? 'n' : 'r';
        pc->len = 2;
        pc->cols = 2;
        pc->used = 1;
        return;
    }
    size_t len = c >= 0x80 ? utf8_seq_len(p, n) : 0;
    if (len == 0) {
        pc->len = (size_t)snprintf(pc->buf, sizeof pc->buf, "\\x%02x", c);
        pc->cols = (int)pc->len;
        pc->used = 1;
        return;
    }
    uint32_t cp = utf8_decode(p, len);
    pc->used = len;
    if (unsafe_cp(cp) || ascii) {
        pc->len = ascii && !unsafe_cp(cp) ? 1 : (size_t)snprintf(pc->buf, sizeof pc->buf,
                                                                 "\\u%04x", (unsigned)cp);
        if (pc->len == 1)
            pc->buf[0] = '?';
        pc->cols = (int)pc->len;
        return;
    }
    memcpy(pc->buf, p, len);
    pc->len = len;
    pc->cols = cp_width(cp);
}

int draw_text_hl(WINDOW *w, const char *p, size_t n, int cols, bool ascii, const size_t *starts,
                 const size_t *ends, size_t nhl, attr_t hl)
{
    const unsigned char *u = (const unsigned char *)p;
    int used = 0;
    size_t i = 0, k = 0;
    attr_t base = getattrs(w);
    bool lit = false;
    while (i < n && used < cols) {
        while (k < nhl && ends[k] <= i)
            k++;
        bool want = k < nhl && starts[k] <= i && i < ends[k];
        if (want != lit) {
            wattrset(w, want ? hl : base);
            lit = want;
        }
        struct piece pc;
        next_piece(u + i, n - i, ascii, &pc);
        if (used + pc.cols > cols)
            break;
        waddnstr(w, pc.buf, (int)pc.len);
        used += pc.cols;
        i += pc.used;
    }
    if (lit)
        wattrset(w, base);
    return used;
}

int draw_text(WINDOW *w, const char *p, size_t n, int cols, bool ascii)
{
    return draw_text_hl(w, p, n, cols, ascii, NULL, NULL, 0, 0);
}

int draw_str(WINDOW *w, const char *s, int cols, bool ascii)
{
    return draw_text(w, s, strlen(s), cols, ascii);
}

void draw_fill(WINDOW *w, int upto)
{
    int y, x;
    getyx(w, y, x);
    (void)y;
    while (x++ < upto)
        waddch(w, ' ');
}

/* Line drawing as UTF-8 text rather than the terminal's alternate character set, which
 * terminals behind RDP, SSH and multiplexers often get wrong; ASCII when asked or when the
 * locale is not UTF-8. */
void draw_hline(WINDOW *w, int y, int x, int n, bool ascii)
{
    wmove(w, y, x);
    for (int i = 0; i < n; i++)
        waddstr(w, ascii ? "-" : "\xe2\x94\x80");
}

void draw_box(WINDOW *w, int y, int x, int h, int wd, bool ascii)
{
    if (h < 2 || wd < 2)
        return;
    const char *vt = ascii ? "|" : "\xe2\x94\x82";
    mvwaddstr(w, y, x, ascii ? "+" : "\xe2\x94\x8c");
    draw_hline(w, y, x + 1, wd - 2, ascii);
    waddstr(w, ascii ? "+" : "\xe2\x94\x90");
    for (int i = 1; i < h - 1; i++) {
        mvwaddstr(w, y + i, x, vt);
        mvwaddstr(w, y + i, x + wd - 1, vt);
    }
    mvwaddstr(w, y + h - 1, x, ascii ? "+" : "\xe2\x94\x94");
    draw_hline(w, y + h - 1, x + 1, wd - 2, ascii);
    waddstr(w, ascii ? "+" : "\xe2\x94\x98");
}

/* Draws (w not NULL) or only measures (w NULL) wrapped text. */
static int wrap(WINDOW *w, int y, int x, int cols, int maxrows, const char *text, bool ascii)
{
    int row = 0;
    const char *p = text;
    if (cols < 4 || maxrows <= 0)
        return 0;
    while (*p && row < maxrows) {
        while (*p == ' ')
            p++;
        if (*p == '\n') {
            p++;
            row++;
            continue;
        }
        /* take words while they fit */
        const char *start = p, *end = p, *q = p;
        int width = 0;
        while (*q && *q != '\n') {
            const char *w0 = q;
            while (*q == ' ')
                q++;
            const char *wend = q;
            while (*wend && *wend != ' ' && *wend != '\n')
                wend++;
            int wl = (int)(wend - w0);
            if (width + wl > cols) {
                if (end == start) /* one word longer than the line: cut it */
                    end = start + cols;
                break;
            }
            width += wl;
            end = wend;
            q = wend;
        }
        if (end == start && *q == '\n')
            end = q;
        if (w) {
            wmove(w, y + row, x);
            draw_text(w, start, (size_t)(end - start), cols, ascii);
        }
        p = end;
        row++;
        if (*p == '\n')
            p++;
    }
    return row;
}

int draw_wrapped(WINDOW *w, int y, int x, int cols, int maxrows, const char *text, bool ascii)
{
    return wrap(w, y, x, cols, maxrows, text, ascii);
}

int measure_wrapped(int cols, const char *text)
{
    return wrap(NULL, 0, 0, cols, 1000, text, true);
}
