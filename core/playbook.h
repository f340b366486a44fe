/* playbook.h - the six steps of an enrollment and the signatures that recognise them in the
 * logs, loaded from YAML (libyaml) and compiled once (PCRE2 with JIT, literal prefilters). */
#ifndef SCEPSCOPE_PLAYBOOK_H
#define SCEPSCOPE_PLAYBOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "source.h"
#include "span.h"

#define PLAYBOOK_STEPS 6

enum verdict {
    VERDICT_NONE = 0, /* no evidence */
    VERDICT_INFO,     /* evidence that decides nothing */
    VERDICT_PASS,
    VERDICT_WARN,
    VERDICT_FAIL,
};

/* What an event is to the correlation of attempts. The playbook's signatures give events
 * these marks; the diagnosis builds exchanges and attempts from them. One list makes the
 * enum and the names used in YAML. */
#define MARK_LIST(X)                                                                          \
    X(MARK_NONE, "none")                                                                      \
    X(MARK_GETCACERT, "getcacert")               /* NDES IIS: GET ...operation=GetCACert */   \
    X(MARK_GETCACAPS, "getcacaps")                                                            \
    X(MARK_PKIOPERATION, "pkioperation")         /* NDES IIS: the enrollment request */        \
    X(MARK_VERIFY_CALL, "verify.call")           /* NDESPlugin: Calling VerifyRequest */       \
    X(MARK_VERIFY_SEND, "verify.send")           /* NDESPlugin: Sending request to the CRP */  \
    X(MARK_VERIFY_RESULT, "verify.result")       /* NDESPlugin: Verify challenge returns x */  \
    X(MARK_VERIFY_EXIT, "verify.exit")           /* NDESPlugin: Exiting VerifyRequest */       \
    X(MARK_NOTIFY_CALL, "notify.call")                                                        \
    X(MARK_NOTIFY_EXIT, "notify.exit")                                                        \
    X(MARK_CRP_HTTP_VERIFY, "crp.http.verify")   /* CRP IIS: POST .../VerifyRequest */         \
    X(MARK_CRP_HTTP_NOTIFY, "crp.http.notify")                                                \
    X(MARK_CRP_VERIFY_BEGIN, "crp.verify.begin") /* CRP.log: first line of a validation */     \
    X(MARK_CRP_VERIFY_END, "crp.verify.end")     /* CRP.log: VerifyRequest Finished */         \
    X(MARK_CRP_NOTIFY_BEGIN, "crp.notify.begin")                                              \
    X(MARK_CRP_NOTIFY_END, "crp.notify.end")                                                 \
    X(MARK_CA_ISSUED, "ca.issued")               /* CA database: a row issued, with serial */  \
    X(MARK_CERT_FOUND, "cert.found")             /* a certificate in a store or a file */    \
    X(MARK_DEVICE_SYNC, "device.sync")           /* a device's own log: a sync brought work */

#define MARK_ENUM(e, name) e,
enum mark { MARK_LIST(MARK_ENUM) MARK_COUNT };
#undef MARK_ENUM

const char *mark_name(enum mark m);
bool mark_from_name(const char *name, enum mark *out);
const char *verdict_name(enum verdict v); /* "none", "info", "pass", "warn", "fail" */

struct pb_step {
    int number;          /* 1..6 */
    char *label;         /* a few words, for a small pane: "NDES -> CRP" */
    char *title;         /* "NDES asks the CRP to verify the challenge" */
    char *summary;       /* one line */
    char *check;         /* what to check, in plain words (may be several lines) */
    char *evidence;      /* which logs prove this step, for the user: "NDESPlugin.log" */
    enum role roles[8];  /* the sources that carry its evidence */
    size_t nroles;
};

/* Every match of a pattern (the playbook's, and the interface's search) runs under these
 * limits: a pattern that backtracks without end on a long line (a user's `^(a+)+$`) gives up
 * after milliseconds instead of hours, and the memory a match takes stays bounded whatever
 * the line. A match that gives up counts as no match, and the user is told. */
#define PB_MATCH_LIMIT 10000000u          /* pcre2_set_match_limit: backtracking steps */
#define PB_DEPTH_LIMIT 250000u            /* pcre2_set_depth_limit: nested backtracking */
#define PB_HEAP_LIMIT_KIB 32768u          /* pcre2_set_heap_limit: 32 MiB of frames */
#define PB_JIT_STACK_START (32u * 1024u)  /* the JIT's stack grows from this ... */
#define PB_JIT_STACK_MAX (4u * 1024u * 1024u) /* ... up to this (per thread) */

/* A match context with those limits and a JIT stack of its own: one per thread. */
struct pb_match_ctx {
    void *mctx;              /* pcre2_match_context_8 * (NULL: PCRE2's defaults) */
    void *jit_stack;         /* pcre2_jit_stack_8 * */
};

bool pb_match_ctx_init(struct pb_match_ctx *c);
void pb_match_ctx_free(struct pb_match_ctx *c);

/* Which limit a pcre2_match result says was hit ("the match limit"...), or NULL when the
 * result is not a limit. */
const char *pb_limit_words(int rc);

/* Where a pattern gave up: the first line (lowest in the timeline) and how many. */
struct pb_limit_hit {
    const struct source *src;
    const struct event *ev;
    uint32_t line;
    int rc;                  /* the first limit hit (a PCRE2_ERROR_...) */
    uint64_t lines;
};

/* A condition of a signature: a pattern over the message or over one named field. */
struct pb_cond {
    char *field;             /* NULL: the message */
    int fidx;                /* index of field in the playbook's fieldnames, -1: the message */
    int cid;                 /* the same (field, pattern) has the same id across the playbook */
    char *pattern;           /* as written */
    void *code;              /* pcre2_code_8 * */
    char *literal;           /* a literal every match contains, or NULL: the prefilter */
    bool literal_caseless;
    struct pb_limit_hit *hit; /* written while matching (under a lock): not part of the
                                 playbook's meaning, so a const playbook still records it */
};

#define PB_MAX_CONDS 8
#define PB_MAX_FIELDNAMES 32
#define PB_MAX_DISTINCT_CONDS 1024
#define PB_MAX_FILTER 8

struct pb_sig {
    char *id;
    int step;                         /* 1..6 */
    enum verdict verdict;
    enum mark mark;
    char *explanation;                /* fail/warn: what it means */
    char *fix;                        /* fail/warn: what to do */
    /* which sources it applies to: any listed format, role, component (empty: any) */
    char *formats[PB_MAX_FILTER];
    size_t nformats;
    enum role roles[PB_MAX_FILTER];
    size_t nroles;
    char *components[PB_MAX_FILTER];
    size_t ncomponents;
    struct pb_cond cond[PB_MAX_CONDS]; /* all must match */
    size_t ncond;
    char *file;                       /* where it was defined, for messages */
    int line;
};

/* An absence rule: in an attempt that has an event marked `when` (optionally with that
 * verdict), none of the `missing` marks is present, and a source of role `if_loaded` was
 * given (ROLE_UNKNOWN: always): then the step gets this verdict, with the `when` event as
 * evidence. "A VerifyRequest that never gets an answer." */
struct pb_expect {
    char *id;
    int step;
    enum mark when;
    enum verdict when_verdict;        /* VERDICT_NONE: any */
    enum mark missing[8];
    size_t nmissing;
    enum role if_loaded;
    enum verdict verdict;
    char *explanation;
    char *fix;
};

/* Correlation windows, in seconds. */
struct pb_windows {
    double tolerance;      /* slack when one exchange must lie inside another (IIS: whole seconds) */
    double preamble;       /* GetCACert/GetCACaps this long before a PKIOperation join its attempt */
    double notify_after;   /* a Notify this long after a VerifyRequest joins it (no IIS line to tie them) */
    double gap;            /* lines of one request on one thread of a ConfigMgr log are never
                              further apart: a longer silence ends the request */
    double max_skew;       /* clock offsets considered between servers, either way */
    double skew_min;       /* offsets smaller than this are not applied nor reported */
};

/* A device platform's automatic sync schedule (YAML `sync_schedule:`), in seconds: every
 * `first` during the first `first_for` after enrollment, then every `then` for `then_for`
 * more, then every `steady`. */
enum { PB_SYNC_WINDOWS, PB_SYNC_IOS, PB_SYNC_ANDROID, PB_SYNC_PLATFORMS };
struct pb_sync {
    bool given;
    double first, first_for, then, then_for, steady;
};

struct playbook {
    char *name;
    char *title;
    struct pb_step steps[PLAYBOOK_STEPS];
    struct pb_sig *sigs;
    size_t nsigs;
    struct pb_expect *expects;
    size_t nexpects;
    struct pb_sig *marks;  /* mark rules (YAML `marks:`): a mark and conditions, no verdict */
    size_t nmarks;
    struct pb_windows win;
    struct pb_sync sync[PB_SYNC_PLATFORMS];
    void *match_data;      /* pcre2_match_data_8 * sized for every pattern */
    struct pb_match_ctx match_ctx; /* the limits, for matches with match_data */
    /* every field name the conditions look at, so that a line's fields are read once */
    const char *fieldnames[PB_MAX_FIELDNAMES];
    size_t nfieldnames;
    size_t nconds;         /* distinct conditions: a line's result for each is kept */
};

/* Loads a playbook from a YAML file. `into` may already hold one (then the file's signatures
 * and expectations are added, its steps and windows override): that is how --playbook adds
 * a user's own signatures to the built-in playbook. On error returns false and writes
 * "FILE:LINE:COLUMN: what is wrong" into err. */
bool playbook_load(struct playbook *into, const char *path, char *err, size_t errlen);

/* The same from a string in memory (name is used in messages as the file name). */
bool playbook_load_string(struct playbook *into, const char *name, const char *yaml, size_t len,
                          char *err, size_t errlen);

void playbook_free(struct playbook *pb);

/* Per source: which signatures may apply to it (format and role match). */
struct pb_candidates {
    uint16_t *sig;
    size_t n;
    bool needs_component; /* some candidate filters on the component field */
    bool fields_only;     /* every candidate looks only at named fields: a line's answer
                             follows from the values of those fields */
    bool reads_message;   /* some candidate's condition looks at the message */
    uint32_t fields_read; /* bit i: some candidate's condition looks at fieldnames[i] */
};

bool playbook_candidates(const struct playbook *pb, const struct source *s,
                         struct pb_candidates *out);
void pb_candidates_free(struct pb_candidates *c);

/* The signature (or -1) and the mark (or MARK_NONE) of an event at once: the line's message
 * and fields are read only once for both. md: match data of the calling thread (from
 * playbook_match_data_new), or NULL for the playbook's own (one thread only). */
void playbook_classify_event(const struct playbook *pb, const struct pb_candidates *sigs,
                             const struct pb_candidates *marks, const struct source *s,
                             const struct event *ev, void *md, int *sig, enum mark *mark);
void *playbook_match_data_new(const struct playbook *pb);

/* Sets an event's sig (signature + 1, 0 for none) and mark; a raw line takes neither. */
void playbook_classify_into(const struct playbook *pb, const struct pb_candidates *sigs,
                            const struct pb_candidates *marks, const struct source *s,
                            struct event *ev, void *md);

/* Forgets the answers md keeps for a set of candidates: before it serves candidates made
 * anew (freed ones' addresses may be given again). */
void playbook_match_data_forget(void *md);
void playbook_match_data_free(void *md);

/* The first signature (in playbook order, among cands) that the event matches, or -1. */
int playbook_classify(const struct playbook *pb, const struct pb_candidates *cands,
                      const struct source *s, const struct event *ev);

/* The same for the mark rules, and the mark of the first rule the event matches
 * (MARK_NONE when none). */
bool playbook_mark_candidates(const struct playbook *pb, const struct source *s,
                              struct pb_candidates *out);
enum mark playbook_mark_of(const struct playbook *pb, const struct pb_candidates *cands,
                           const struct source *s, const struct event *ev);

/* The value of the named group `group` (device, user, hresult, transaction, ...) when
 * signature `sig` matches the event: copied NUL-terminated into out. False when the
 * signature has no such group or it did not take part in the match. md: the calling
 * thread's match data (playbook_match_data_new), or NULL for the playbook's own. */
bool playbook_extract(const struct playbook *pb, int sig, const struct source *s,
                      const struct event *ev, const char *group, char *out, size_t cap,
                      void *md);

/* The patterns that gave up on some lines (a PCRE2 limit), in playbook order: signatures,
 * then mark rules. Those lines were taken as not matching. At most max; returns how many. */
struct pb_gave_up {
    const char *rule;        /* "signature" or "mark rule" */
    const char *id;          /* the signature's id, or the mark's name */
    const char *field;       /* the field the pattern looks at; NULL: the message */
    const char *file;        /* where the rule was defined */
    int defline;
    const char *path;        /* the first line it gave up on */
    uint32_t line;
    uint64_t lines;          /* on how many lines it gave up */
    const char *why;         /* pb_limit_words() */
};
size_t playbook_gave_up(const struct playbook *pb, struct pb_gave_up *out, size_t max);

/* The names of the named groups of signature sig's patterns (pointers into the compiled
 * patterns, valid while the playbook lives); at most max. */
size_t playbook_groups(const struct playbook *pb, int sig, const char **names, size_t max);

/* A literal that every match of pattern must contain (the longest such run outside groups,
 * alternations and optional parts), as a new string, or NULL when none can be told. *caseless
 * says whether the pattern ignores case ((?i) at its start). Used as the prefilter. */
char *pb_required_literal(const char *pattern, bool *caseless);

#endif
