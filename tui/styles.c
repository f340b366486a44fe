/* styles.c - the names of the interface's styles, made from STYLE_LIST: the names themes use
 * to fill them in. */
#include <string.h>

#include "styles.h"

#define STYLE_NAME(e, name, help) name,
static const char *const style_names[STYLE_COUNT] = { STYLE_LIST(STYLE_NAME) };
#undef STYLE_NAME

const char *style_name(enum style s)
{
    return (unsigned)s < STYLE_COUNT ? style_names[s] : "unknown";
}

int style_from_name(const char *name, enum style *out)
{
    for (unsigned i = 0; i < STYLE_COUNT; i++) {
        if (strcmp(style_names[i], name) == 0) {
            *out = (enum style)i;
            return 1;
        }
    }
    return 0;
}
