# grokscope - one plain Makefile.
#
#   make            build ./grokscope
#   make run        install missing Debian packages, build, open the default preset
#   make test       unit tests (plain, ASan+UBSan, TSan), end-to-end screen tests
#   make bench      benchmarks against PyTorch and numpy (never part of test)
#   make deps       install the Debian packages that are missing
#   make check-physics   long headless physics scans, run by hand
#
# Sources are found by wildcard, so adding src/theory/foo.c or tests/test_foo.c
# needs no edit here. Files named *_fast.c hold element-wise kernels and are the
# only ones built with -ffast-math (glibc's vector math); everything else keeps
# strict IEEE semantics so divergence checks still see NaN and infinity.

CC ?= cc
ifeq ($(origin CC),default)
CC := gcc
endif

SANITIZE ?=
BUILD ?= build$(if $(SANITIZE),-$(subst $(comma),-,$(SANITIZE)))
comma := ,

WARN := -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes \
        -Wmissing-prototypes -Wformat=2 -Wundef -Wvla -Wno-unused-parameter
ifneq ($(CI),)
WARN += -Werror
endif
ifneq ($(WERROR),)
WARN += -Werror
endif

PKGS := ncursesw zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lncursesw -ltinfo -lz)
BLAS_CFLAGS := $(shell pkg-config --cflags openblas 2>/dev/null)
BLAS_LIBS := -llapacke $(shell pkg-config --libs openblas 2>/dev/null || echo -lopenblas)

# x86-64-v3 (AVX2, FMA) where the CPU has it: vector erf/exp from libmvec, and no
# AVX-512, which valgrind 3.19 cannot run. Other CPUs get the compiler's default.
ARCH := $(shell grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo && echo -march=x86-64-v3)
OPT ?= -O2 $(ARCH)
ifneq ($(SANITIZE),)
OPT := -O1 -fno-omit-frame-pointer -fsanitize=$(SANITIZE)
SANFLAGS := -fsanitize=$(SANITIZE)
endif

CPPFLAGS += -Iinclude -Isrc -Iui -D_GNU_SOURCE $(PKG_CFLAGS) $(BLAS_CFLAGS)
CFLAGS += -std=c11 -g $(OPT) $(WARN) -pthread
FASTFLAGS := -ffast-math -ftree-vectorize
LDLIBS += $(BLAS_LIBS) $(PKG_LIBS) -lm -pthread
LDFLAGS += $(SANFLAGS)

ENGINE_SRC := $(filter-out src/main.c,$(wildcard src/*.c src/*/*.c))
UI_SRC := $(wildcard ui/*.c)
TEST_SRC := $(wildcard tests/test_*.c)
ENGINE_OBJ := $(ENGINE_SRC:%.c=$(BUILD)/%.o)
UI_OBJ := $(UI_SRC:%.c=$(BUILD)/%.o)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
PRESETS := $(sort $(wildcard presets/*.ini))

.PHONY: all run test unit-tests e2e-tests sanitize-tests deps bench check-physics clean fuzz readme

all: grokscope

grokscope: $(BUILD)/grokscope
	@if [ "$(BUILD)" = build ]; then cp $< $@.tmp && mv -f $@.tmp $@; fi

$(BUILD)/grokscope: $(BUILD)/src/main.o $(BUILD)/libgsui.a $(BUILD)/libgs.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libgs.a: $(ENGINE_OBJ) $(BUILD)/src/presets_builtin.o
	@mkdir -p $(@D)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libgsui.a: $(UI_OBJ)
	@mkdir -p $(@D)
	@rm -f $@
	ar rcs $@ $^

# Shipped presets are compiled in, so the binary works from any folder.
$(BUILD)/src/presets_builtin.c: $(PRESETS) tests/embed_presets.sh
	@mkdir -p $(@D)
	sh tests/embed_presets.sh $(PRESETS) > $@

$(BUILD)/src/presets_builtin.o: $(BUILD)/src/presets_builtin.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/%_fast.o: %_fast.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(FASTFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/%.c $(BUILD)/libgsui.a $(BUILD)/libgs.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---- set-up -------------------------------------------------------------
DEB_PKGS := gcc make pkg-config libncurses-dev libopenblas-dev liblapacke-dev \
            zlib1g-dev libcmocka-dev tmux locales python3 clang libclang-rt-14-dev
deps:
	@sh tests/install_deps.sh $(DEB_PKGS)

run: deps
	@$(MAKE) --no-print-directory grokscope
	./grokscope

# ---- tests --------------------------------------------------------------
# make test = unit tests, the same under ASan+UBSan and under TSan, then the
# end-to-end tests that drive the real binary in tmux.
test: deps
	@$(MAKE) --no-print-directory unit-tests
	@$(MAKE) --no-print-directory unit-tests SANITIZE=address,undefined
	@$(MAKE) --no-print-directory unit-tests SANITIZE=thread
	@$(MAKE) --no-print-directory e2e-tests
	@sh tests/run_fuzz.sh 10 > build/fuzz.log 2>&1 && echo "fuzz (10 s per reader): passed" || \
	    { tail -n 30 build/fuzz.log; echo "fuzz: failed, see build/fuzz.log"; exit 1; }

unit-tests: $(TEST_BIN) $(BUILD)/grokscope
	@sh tests/run_unit.sh $(BUILD) $(TEST_BIN)

e2e-tests: grokscope
	@sh tests/run_e2e.sh

bench: grokscope
	@sh tests/install_deps.sh python3-numpy python3-torch python3-scipy
	@sh bench/run.sh

check-physics: grokscope
	@sh tests/check_physics.sh

# Regenerate the README's preset table from the presets.
readme: grokscope
	sh tests/update_readme_presets.sh

# A longer fuzz run of every file reader: make fuzz FUZZ_SECONDS=600
FUZZ_SECONDS ?= 120
fuzz:
	sh tests/run_fuzz.sh $(FUZZ_SECONDS)

clean:
	rm -rf build build-* grokscope
