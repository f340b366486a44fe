# scepscope - build, test, demo.
#   make         build ./scepscope (installs missing Debian packages first, see `make deps`)
#   make test    unit tests (cmocka) and golden tests, plainly and under ASan+UBSan
#   make demo    open the bundled sample case
#   make deps    install the Debian packages the build and the tests need

CC       ?= cc
PKGS     := ncursesw libpcre2-8 yaml-0.1
TESTPKGS := cmocka
# Debian packages: build, tests
DEB_BUILD := make gcc pkg-config libncurses-dev libpcre2-dev libyaml-dev
DEB_TEST  := libcmocka-dev tmux less

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wvla -Wpointer-arith
STD      := -std=c11 -D_POSIX_C_SOURCE=200809L
OPT      ?= -O2 -g
SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
TEST_CFLAGS = $(shell pkg-config --cflags $(TESTPKGS) 2>/dev/null)
TEST_LIBS   = $(shell pkg-config --libs $(TESTPKGS) 2>/dev/null)

CPPFLAGS := -Icore -Iparsers -Itui
CFLAGS_ALL = $(STD) $(WARN) $(OPT) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS)

LIB_SRC  := $(sort $(filter-out core/main.c,$(wildcard core/*.c parsers/*.c tui/*.c)))
MAIN_SRC := core/main.c
HDRS     := $(wildcard core/*.h parsers/*.h tui/*.h)
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
TEST_NAMES := $(patsubst tests/unit/%.c,%,$(TEST_SRC))

B  := build/plain
BA := build/asan

LIB_OBJ   := $(patsubst %.c,$(B)/%.o,$(LIB_SRC))
LIB_OBJ_A := $(patsubst %.c,$(BA)/%.o,$(LIB_SRC))
TESTS     := $(addprefix $(B)/tests/,$(TEST_NAMES))
TESTS_A   := $(addprefix $(BA)/tests/,$(TEST_NAMES))

.PHONY: all deps test test-plain test-asan demo clean check-deps
.DEFAULT_GOAL := all

all: deps
	@$(MAKE) --no-print-directory scepscope

# ---- dependencies -------------------------------------------------------------------------
deps:
	@missing=""; \
	for p in $(DEB_BUILD) $(DEB_TEST); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if ! command -v dpkg-query >/dev/null 2>&1; then \
	  echo "scepscope: not a Debian system: install$$missing (or their equivalents) by hand" >&2; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "scepscope: installing$$missing"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends$$missing; } >&2 || exit 1; \
	else \
	  echo "scepscope: missing Debian packages; run as root:" >&2; \
	  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends$$missing" >&2; exit 1; \
	fi

# ---- the program --------------------------------------------------------------------------
scepscope: $(B)/core/main.o $(B)/libscepscope.a
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(PKG_LIBS) $(LDFLAGS)

$(B)/libscepscope.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(BA)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(SAN) -O1 -c -o $@ $<

$(BA)/libscepscope.a: $(LIB_OBJ_A)
	@rm -f $@
	ar rcs $@ $^

$(BA)/scepscope: $(BA)/core/main.o $(BA)/libscepscope.a
	$(CC) $(CFLAGS_ALL) $(SAN) -o $@ $^ $(PKG_LIBS) $(LDFLAGS)

# ---- tests ---------------------------------------------------------------------------------
$(B)/tests/%: tests/unit/%.c tests/unit/testutil.h $(B)/libscepscope.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(TEST_CFLAGS) -Itests/unit -o $@ $< $(B)/libscepscope.a $(PKG_LIBS) $(TEST_LIBS)

$(BA)/tests/%: tests/unit/%.c tests/unit/testutil.h $(BA)/libscepscope.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(SAN) $(TEST_CFLAGS) -Itests/unit -o $@ $< $(BA)/libscepscope.a $(PKG_LIBS) $(TEST_LIBS)

test: deps
	@$(MAKE) --no-print-directory scepscope $(TESTS) $(BA)/scepscope $(TESTS_A)
	@sh tests/run.sh "$(B)" "$(BA)" $(TEST_NAMES)

# ---- demo ----------------------------------------------------------------------------------
demo: deps
	@$(MAKE) --no-print-directory scepscope
	@if [ -t 1 ]; then ./scepscope --timeline --color=always samples/ 2>&1 | less -RS; \
	 else ./scepscope --timeline samples/; fi

clean:
	rm -rf build scepscope
