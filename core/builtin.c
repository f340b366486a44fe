/* builtin.c - looking up the files built into the program (table: build/gen/builtin_files.c,
 * made by the Makefile from playbooks/, themes/ and keymaps/). */
#include <string.h>

#include "builtin.h"

const struct builtin_file *builtin_find(const char *path)
{
    for (const struct builtin_file *f = builtin_files; f->path; f++)
        if (strcmp(f->path, path) == 0)
            return f;
    return NULL;
}
