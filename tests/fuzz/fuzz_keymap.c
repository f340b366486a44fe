/* fuzz_keymap.c - the keymap loader over any text ('inherit' reaches the built-in keymaps),
 * then every action's keys named back, and the input itself taken as a key name. */
#include "fuzz_common.h"
#include "keymap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_no_user_config();
    struct keymap km;
    char err[512], buf[256];
    if (keymap_load_string(&km, "fuzz.yaml", (const char *)data, size, err, sizeof err)) {
        for (size_t i = 0; i < km.n; i++) {
            FUZZ_CHECK(km.bind[i].action != ACT_NONE && km.bind[i].action < ACTION_COUNT);
            keymap_key_name(km.bind[i].key, buf, sizeof buf);
            FUZZ_CHECK(keymap_action(&km, km.bind[i].key) != ACT_NONE);
        }
        for (int a = 0; a < ACTION_COUNT; a++) {
            keymap_keys(&km, (enum action)a, buf, sizeof buf);
            keymap_keys(&km, (enum action)a, buf, 8);
        }
    }
    keymap_free(&km);
    char *name = fuzz_cstring(data, size);
    if (name) {
        int key;
        if (keymap_key_from_name(name, &key)) {
            keymap_key_name(key, buf, sizeof buf);
            int again;
            FUZZ_CHECK(keymap_key_from_name(buf, &again));
        }
        free(name);
    }
    return 0;
}
