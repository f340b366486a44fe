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
    X(MARK_CRP_NOTIFY_END, "crp.notify.end")

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

/* A condition of a signature: a pattern over the message or over one named field. */
struct pb_cond {
    char *field;             /* NULL: the message */
    int fidx;                /* index of field in the playbook's fieldnames, -1: the message */
    int cid;                 /* the same (field, pattern) has the same id across the playbook */
    char *pattern;           /* as written */
    void *code;              /* pcre2_code_8 * */
    char *literal;           /* a literal every match contains, or NULL: the prefilter */
    bool literal_caseless;
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
    void *match_data;      /* pcre2_match_data_8 * sized for every pattern */
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
 * signature has no such group or it did not take part in the match. */
bool playbook_extract(const struct playbook *pb, int sig, const struct source *s,
                      const struct event *ev, const char *group, char *out, size_t cap);

/* The names of the named groups of signature sig's patterns (pointers into the compiled
 * patterns, valid while the playbook lives); at most max. */
size_t playbook_groups(const struct playbook *pb, int sig, const char **names, size_t max);

/* A literal that every match of pattern must contain (the longest such run outside groups,
 * alternations and optional parts), as a new string, or NULL when none can be told. *caseless
 * says whether the pattern ignores case ((?i) at its start). Used as the prefilter. */
char *pb_required_literal(const char *pattern, bool *caseless);

#endif
