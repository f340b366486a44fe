/* fuzz_theme.c - the theme loader over any text ('inherit' reaches the built-in themes). */
#include "fuzz_common.h"
#include "theme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_no_user_config();
    struct theme t;
    char err[512];
    if (theme_load_string(&t, "fuzz.yaml", (const char *)data, size, err, sizeof err)) {
        FUZZ_CHECK(t.name != NULL);
        for (unsigned s = 0; s < STYLE_COUNT; s++)
            FUZZ_CHECK(t.style[s].fg >= -1 && t.style[s].fg <= 255 && t.style[s].bg >= -1 &&
                       t.style[s].bg <= 255);
    } else {
        FUZZ_CHECK(memchr(err, 0, sizeof err) != NULL);
    }
    theme_free(&t);
    return 0;
}
