/* eventxml.c - Windows events as XML: `wevtutil qe LOG /f:xml` (one <Event> after another,
 * often all on one line, with no root element), `/f:RenderedXml` (with the message), and
 * Event Viewer's "Save as XML" (<Events> around pretty-printed events). Each <Event> becomes
 * one event, rendered as one line ("[Security 4887] Microsoft-Windows-Security-Auditing
 * CA01.contoso.com: ... RequestId=130 Requester=..."); its line is its EventRecordID. */
#include <string.h>

#include "winevent.h"

#define EVENT_NS "schemas.microsoft.com/win/2004/08/events/event"

static int eventxml_sniff(const char *head, size_t n)
{
    struct span h = span_make(head, n);
    const char *ev = span_find(h, "<Event");
    if (!ev)
        return 0;
    if (span_find(h, EVENT_NS))
        return 95;
    if (span_find(h, "<System>") && span_find(h, "<EventID"))
        return 80;
    return 0;
}

/* The next "<Event" that opens an event (not <Events>, <EventData>, <EventID>...). */
static const char *find_event(const char *p, const char *e)
{
    while (p < e) {
        const char *hit = span_find(span_make(p, (size_t)(e - p)), "<Event");
        if (!hit)
            return NULL;
        const char *q = hit + 6;
        if (q < e && (*q == ' ' || *q == '>' || *q == '\t' || *q == '\r' || *q == '\n' ||
                      *q == '/'))
            return hit;
        p = q;
    }
    return NULL;
}

static bool eventxml_parse(struct source *s, struct evbuf *out)
{
    struct wev_out o;
    if (!wev_out_init(&o))
        return false;
    const char *p = s->text, *e = s->text + s->size;
    uint64_t nth = 0, cut = 0;
    while (p < e) {
        const char *a = find_event(p, e);
        if (!a)
            break;
        const char *next = find_event(a + 6, e);
        struct span rest = span_make(a, (size_t)((next ? next : e) - a));
        const char *close = span_find(rest, "</Event>");
        nth++;
        bool ok;
        if (!close) {
            /* cut in the middle, or broken: kept as it is */
            const char *z = next ? next : e;
            ok = wev_render_raw(&o, a, (size_t)(z - a), nth);
            cut++;
            p = z;
        } else {
            const char *z = close + 8;
            ok = wev_render_xml(&o, a, (size_t)(z - a), nth);
            p = z;
        }
        if (!ok) {
            wev_out_free(&o);
            return false;
        }
    }
    enum role role = wev_role(&o);
    source_note(s, 0, "%llu events rendered one a line; each one's line number is its record "
                "number (EventRecordID)", (unsigned long long)(o.st->n - cut));
    if (!wev_finish(s, out, &o)) {
        wev_out_free(&o);
        return false;
    }
    wev_out_free(&o);
    s->role = role;
    if (cut)
        source_note(s, 0, "%llu <Event> elements without their end (the file was cut short?): "
                    "kept as raw", (unsigned long long)cut);
    return true;
}

const struct parser parser_eventxml = {
    .name = "eventxml",
    .title = "Windows events as XML (wevtutil qe /f:xml, Event Viewer's Save as XML)",
    .sniff = eventxml_sniff,
    .parse = eventxml_parse,
    .message = wev_message,
    .field = wev_field,
    .free_state = wev_free_state,
    .record_numbers = true,
};
