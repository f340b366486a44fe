/* fuzz_playbook.c - the playbook loader over any text, on its own and added to a full playbook
 * (as --playbook does); and the literal prefilter: for PATTERN NUL SUBJECT, when the pattern
 * (compiled as the playbook compiles it) matches the subject, the literal the prefilter
 * requires must be in the subject, or the prefilter would hide a real match. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "builtin.h"
#include "fuzz_common.h"
#include "playbook.h"

static void check_literal(const char *pattern, const char *lit, bool caseless, const char *subj,
                          size_t n)
{
    int code;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &off, NULL);
    if (!re)
        return;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    pcre2_match_context *mc = pcre2_match_context_create(NULL);
    if (md && mc) {
        /* a pattern that backtracks for ever is its writer's problem, not the prefilter's */
        pcre2_set_match_limit(mc, 100000);
        pcre2_set_depth_limit(mc, 1000);
        int rc = pcre2_match(re, (PCRE2_SPTR)(n ? subj : ""), n, 0, 0, md, mc);
        if (rc >= 0) {
            struct span sp = span_make(subj, n);
            if (!(caseless ? span_find_ci(sp, lit) : span_find(sp, lit))) {
                fprintf(stderr, "pattern '%s' matches a subject without its literal '%s'%s\n",
                        pattern, lit, caseless ? " (caseless)" : "");
                abort();
            }
        }
    }
    pcre2_match_context_free(mc);
    pcre2_match_data_free(md);
    pcre2_code_free(re);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[1024];
    struct playbook pb = { 0 };
    playbook_load_string(&pb, "fuzz.yaml", (const char *)data, size, err, sizeof err);
    FUZZ_CHECK(memchr(err, 0, sizeof err) != NULL);
    playbook_free(&pb);

    /* added to a full playbook, as --playbook adds to the built-in one: steps override,
     * signatures and expectations are added. The base is the built-in playbook's head (its
     * windows and six steps, up to its signatures), which is quick to load every time. */
    const struct builtin_file *bf = builtin_find("playbooks/sccm-hybrid.yaml");
    FUZZ_CHECK(bf != NULL);
    const char *cut = strstr(bf->data, "\nsignatures:");
    FUZZ_CHECK(cut != NULL);
    struct playbook full = { 0 };
    FUZZ_CHECK(playbook_load_string(&full, bf->path, bf->data, (size_t)(cut - bf->data) + 1, err,
                                    sizeof err));
    playbook_load_string(&full, "fuzz.yaml", (const char *)data, size, err, sizeof err);
    FUZZ_CHECK(memchr(err, 0, sizeof err) != NULL);
    playbook_free(&full);

    char *pattern = fuzz_cstring(data, size);
    if (pattern) {
        bool caseless;
        char *lit = pb_required_literal(pattern, &caseless);
        size_t plen = strlen(pattern);
        if (lit && plen < size)
            check_literal(pattern, lit, caseless, (const char *)data + plen + 1, size - plen - 1);
        free(lit);
        free(pattern);
    }
    return 0;
}
