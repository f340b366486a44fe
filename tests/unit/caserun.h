/* caserun.h - a case folder read and diagnosed with the built-in playbook (and, if given, a
 * user playbook's text on top), as the program does, for the tests that check attempts. */
#ifndef SCEPSCOPE_CASERUN_H
#define SCEPSCOPE_CASERUN_H

#include "testutil.h"
#include "builtin.h"
#include "bundle.h"
#include "diagnose.h"
#include "playbook.h"

static inline void load_builtin(struct playbook *pb)
{
    char err[512];
    const struct builtin_file *f = builtin_find("playbooks/sccm-hybrid.yaml");
    assert_non_null(f);
    if (!playbook_load_string(pb, f->path, f->data, f->len, err, sizeof err))
        fail_msg("%s", err);
}

struct run {
    struct bundle b;
    struct playbook pb;
    struct diagnosis d;
};

/* prepare: as the program does, each file is classified as it is loaded (diagnose_prepare);
 * without, the diagnosis classifies the whole timeline itself. Both must agree. */
static inline struct run *run_case_as(const char *path, const char *extra_yaml, bool prepare)
{
    struct run *r = calloc(1, sizeof *r);
    assert_non_null(r);
    load_builtin(&r->pb);
    if (extra_yaml) {
        char err[512];
        if (!playbook_load_string(&r->pb, "extra.yaml", extra_yaml, strlen(extra_yaml), err,
                                  sizeof err))
            fail_msg("%s", err);
    }
    assert_true(bundle_add_path(&r->b, path));
    if (prepare)
        assert_true(diagnose_prepare(&r->b, &r->pb));
    assert_true(bundle_load(&r->b));
    assert_true(diagnose_run(&r->d, &r->b, &r->pb));
    return r;
}

static inline struct run *run_case(const char *path, const char *extra_yaml)
{
    return run_case_as(path, extra_yaml, true);
}

/* An attempt's six verdicts: want holds six letters, P pass, F fail, W warn, - none. */
static inline void assert_verdicts(const struct attempt *at, const char *want)
{
    for (int s = 0; s < PLAYBOOK_STEPS; s++) {
        enum verdict v = at->step[s].verdict;
        char got = v == VERDICT_PASS ? 'P' : v == VERDICT_FAIL ? 'F' : v == VERDICT_WARN ? 'W' : '-';
        if (got != want[s])
            fail_msg("attempt %u step %d: verdict %c, expected %c", at->id, s + 1, got, want[s]);
    }
}

static inline void run_free(struct run *r)
{
    diagnose_free(&r->d);
    playbook_free(&r->pb);
    bundle_free(&r->b);
    free(r);
}

#endif
