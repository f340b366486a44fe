/* diagnose.h - from the merged timeline to an answer: events classified by the playbook,
 * grouped into exchanges and enrollment attempts across servers, clocks aligned, and a
 * verdict with evidence for each of the six steps of each attempt. */
#ifndef SCEPSCOPE_DIAGNOSE_H
#define SCEPSCOPE_DIAGNOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bundle.h"
#include "playbook.h"
#include "strpool.h"

/* What an exchange is: one request in an IIS log, or one block of a ConfigMgr log (the lines
 * of one thread from "Calling VerifyRequest" to "Exiting VerifyRequest"). */
enum xkind {
    X_NONE = 0,
    X_NDES_GETCA,      /* NDES IIS: GetCACert or GetCACaps */
    X_NDES_PKIOP,      /* NDES IIS: PKIOperation */
    X_PLUGIN_VERIFY,   /* NDESPlugin.log: VerifyRequest */
    X_PLUGIN_NOTIFY,   /* NDESPlugin.log: Notify */
    X_CRP_HTTP_VERIFY, /* CRP IIS: POST VerifyRequest */
    X_CRP_HTTP_NOTIFY, /* CRP IIS: POST Notify */
    X_CRP_VERIFY,      /* CRP.log: the validation of one request */
    X_CRP_NOTIFY,      /* CRP.log: one Notify */
    X_CAPTURE_CONV,    /* a network capture: one TCP conversation with the SCEP server */
    X_CA_REQUEST,      /* CA database: the row of the attempt's request (core/castore.c) */
    X_DEVICE_CERT,     /* its certificate found in a store or a file (core/castore.c) */
    X_EVENT_FAIL,      /* a Windows event that failed a signature: the device's, NDES's, the CA's */
    XKIND_COUNT
};

const char *xkind_name(enum xkind k);

struct exchange {
    enum xkind kind;
    uint16_t src;
    bool complete;        /* its last line was seen (blocks) */
    bool failed;          /* one of its lines failed a signature */
    /* when it started and ended, as far as the log tells: an IIS line gives its end in whole
     * seconds and its duration, a ConfigMgr block the times of its first and last lines */
    int64_t lo_min, lo_max, hi_min, hi_max;
    uint32_t nev;
    union {
        /* until attempts are formed: a GetCA kept as a PKIOperation's preamble names that
         * exchange + 1 (read by the linking) */
        uint32_t pkiop;
        /* once they are: its attempt, 0 for none */
        uint32_t attempt;
    };
};

struct step_result {
    const char *reason;   /* for none: why there is no verdict (never NULL) */
    uint32_t *ev;         /* evidence: indices into b->ev, in time order */
    size_t decisive;      /* index into b->ev of the line that decided it (fail/warn) */
    uint32_t nev;         /* the timeline holds fewer than 2^32 events */
    int sig;              /* the signature that decided a fail or warn, or -1 */
    int expect;           /* or the expectation that decided it, or -1 */
    uint8_t verdict;      /* enum verdict */
};

#define ATTEMPT_VALUES 8

/* A value a signature's named group took from a line of the attempt ("hresult" 0x80004005). */
struct attempt_value {
    const char *name;     /* the group's name, owned by the playbook */
    const char *value;    /* owned by the diagnosis */
};

struct attempt {
    uint32_t id;          /* 1..n in time order */
    int64_t start, end;
    const char *device, *user; /* never NULL; "" when not seen; owned by the diagnosis */
    struct attempt_value values[ATTEMPT_VALUES]; /* other named groups, first seen first */
    size_t nvalues;
    struct step_result step[PLAYBOOK_STEPS];
    int failed_step;      /* the first step that failed (1..6), 0 when none */
    bool selected;        /* kept by --device / --user */
    uint32_t marks;       /* bit per enum mark seen in it */
};

/* A server's clock, as the clock group of one source role. */
struct clock {
    bool present;         /* some source of this role was read */
    bool given;           /* --tz set one of its files: not estimated */
    bool known;           /* its offset is known (reference, given, or estimated) */
    bool reference;
    int64_t offset_us;    /* added to its times to align them with the reference */
    uint32_t pairs;       /* exchanges that support the estimate */
    enum role against;    /* the role it was measured against */
};

struct diagnosis {
    struct bundle *b;
    const struct playbook *pb;
    struct exchange *x;
    size_t nx, capx;
    struct attempt *att;
    size_t natt;
    uint32_t *evpool;     /* storage of all evidence lists */
    struct strpool words; /* the attempts' reasons and values */
    struct clock clock[ROLE_COUNT];
    enum role reference;
};

/* Classifies, correlates and judges. May change event times (clock offsets) and their order
 * in b->ev. False only when out of memory. */
/* Before bundle_load: has each file's lines classified with pb as soon as it is parsed, on
 * the loading threads, and notes there what the correlation will ask of them. False when
 * out of memory. */
bool diagnose_prepare(struct bundle *b, const struct playbook *pb);

bool diagnose_run(struct diagnosis *d, struct bundle *b, const struct playbook *pb);

/* Keeps the attempts whose device / user GUID starts with the given prefix (ASCII case
 * ignored); NULL or "" keeps all. Returns how many are kept. */
size_t diagnose_select(struct diagnosis *d, const char *device, const char *user);

/* The attempt (0: none) of event i of b->ev. */
uint32_t diagnose_attempt_of(const struct diagnosis *d, size_t i);

/* Estimates the offset to add to an inner clock so that its exchanges fall inside the outer
 * ones: pairs of [lo, hi] feasible offsets, the value most of them agree on (0 when 0 is
 * among those, else the middle of the best agreement). Exposed for tests. Returns the
 * number of pairs that agree (0: no estimate). */
/* Adds an exchange of its own for event i, complete, in the given attempt (0: none), after
 * the attempts are formed (core/castore.c). False when memory runs out. */
bool diagnose_add_exchange(struct diagnosis *d, enum xkind kind, size_t i, uint32_t attempt);

/* How much a verdict weighs: fail 4, warn 3, pass 2, info 1, none 0. */
int verdict_severity(enum verdict v);

/* The first attempt (they are in order of start) that starts at t or later; natt if none. */
size_t diagnose_first_attempt_from(const struct diagnosis *d, int64_t t);

uint32_t skew_best(const int64_t *lo, const int64_t *hi, size_t n, int64_t *best);

void diagnose_free(struct diagnosis *d);

#endif
