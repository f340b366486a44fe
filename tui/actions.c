/* actions.c - the names and help texts of the user's actions, made from ACTION_LIST so that
 * keymaps, the help screen and the enum can never disagree. */
#include <string.h>

#include "actions.h"

#define ACTION_NAME(e, name, help) name,
static const char *const action_names[ACTION_COUNT] = { ACTION_LIST(ACTION_NAME) };
#undef ACTION_NAME

#define ACTION_HELP(e, name, help) help,
static const char *const action_helps[ACTION_COUNT] = { ACTION_LIST(ACTION_HELP) };
#undef ACTION_HELP

const char *action_name(enum action a)
{
    return (unsigned)a < ACTION_COUNT ? action_names[a] : "unknown";
}

const char *action_help(enum action a)
{
    return (unsigned)a < ACTION_COUNT ? action_helps[a] : "";
}

int action_from_name(const char *name, enum action *out)
{
    for (unsigned i = 0; i < ACTION_COUNT; i++) {
        if (strcmp(action_names[i], name) == 0) {
            *out = (enum action)i;
            return 1;
        }
    }
    return 0;
}
