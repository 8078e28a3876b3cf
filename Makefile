# c6 build. `make` builds build/c6; `make test` runs every test; `make demo` runs the demo.
# GNU Make (not CMake): the build is one flat list of C files plus one cached
# third-party library, which a 60-line Makefile states more plainly than CMake would.

BUILD    ?= build
QJS_DIR  := $(BUILD)/deps/quickjs
QJS_LIB  := $(QJS_DIR)/libquickjs.a
PKGS     := libcurl libnghttp2 libuv libmicrohttpd libcjson zlib openssl gumbo libbrotlienc libbrotlidec libzstd gnutls snappy
CC       ?= cc
OPT      ?= -O2 -g
CFLAGS   += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter $(OPT) \
            -Isrc -isystem $(QJS_DIR)/include -MMD -MP
LDLIBS   += $(QJS_LIB) -lpthread -lm -ldl

SRCS     := $(shell find src -name '*.c' ! -name main.c | sort)
OBJS     := $(SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_SRCS:= $(wildcard tests/unit/test_*.c)
UNIT_BINS:= $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps test unit integration demo asan fuzz fuzz-ci fuzz-build bench bench-metrics bench-arrival bench-http2 clean
all: $(BUILD)/c6

# Installs missing Debian packages and builds QuickJS (cached) when absent.
$(BUILD)/.deps-ok: scripts/bootstrap.sh
	@bash scripts/bootstrap.sh all
	@mkdir -p $(BUILD) && touch $@
$(QJS_LIB): | $(BUILD)/.deps-ok
deps: $(BUILD)/.deps-ok

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

$(BUILD)/obj/%.o: %.c | $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c $< -o $@

# k6/html's JS side, built into c6 as a C string literal.
$(BUILD)/gen/html_lib.inc: src/js/modules/html_lib.js
	@mkdir -p $(dir $@)
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e 's/^/"/' -e 's/$$/\\n"/' $< > $@
$(BUILD)/obj/src/js/modules/html.o: $(BUILD)/gen/html_lib.inc
$(BUILD)/obj/src/js/modules/html.o: CFLAGS += -I$(BUILD)/gen

# jslib modules c6 carries (https://jslib.k6.io/...), built in the same way.
JSLIB_INCS := $(patsubst src/js/jslib/%.js,$(BUILD)/gen/jslib_%.inc,$(wildcard src/js/jslib/*.js))
$(BUILD)/gen/jslib_%.inc: src/js/jslib/%.js
	@mkdir -p $(dir $@)
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e 's/^/"/' -e 's/$$/\\n"/' $< > $@
$(BUILD)/obj/src/js/jslib.o: $(JSLIB_INCS)
$(BUILD)/obj/src/js/jslib.o: CFLAGS += -I$(BUILD)/gen

# The web dashboard's page, built into c6 the same way.
$(BUILD)/gen/dashboard_html.inc: src/output/dashboard.html
	@mkdir -p $(dir $@)
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e 's/^/"/' -e 's/$$/\\n"/' $< > $@
$(BUILD)/obj/src/output/dashboard.o: $(BUILD)/gen/dashboard_html.inc
$(BUILD)/obj/src/output/dashboard.o: CFLAGS += -I$(BUILD)/gen

$(BUILD)/libc6.a: $(OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/c6: $(BUILD)/obj/src/main.o $(BUILD)/libc6.a $(QJS_LIB)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libc6.a $(PKG_LIBS) $(LDLIBS) $(LDFLAGS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libc6.a $(QJS_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(BUILD)/libc6.a $(PKG_LIBS) -lcmocka $(LDLIBS) $(LDFLAGS)

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

PYTHON   ?= /usr/bin/python3

integration: $(BUILD)/c6
	C6_BIN=$(abspath $(BUILD)/c6) $(PYTHON) -m pytest -q -p no:cacheprovider tests/integration

test: unit integration

demo: $(BUILD)/c6
	@bash scripts/demo.sh $(BUILD)/c6

# AddressSanitizer + UBSan build in build-asan/, running the same tests.
asan:
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	$(MAKE) BUILD=build-asan OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -DC6_ASAN" \
	  LDFLAGS="-fsanitize=address,undefined" QJS_DIR=build/deps/quickjs test

# libFuzzer harnesses (tests/fuzz/fuzz_<name>.c), built with clang-16, ASan and
# UBSan in build-fuzz/ and run FUZZ_SECONDS each on a scratch copy of their
# seed corpus (tests/fuzz/corpus/<name>/); a crash fails the make and leaves
# its input in build-fuzz/crashes/<name>/. One harness: make fuzz FUZZERS=h1_parse
FUZZ_CC      ?= clang-16
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZERS      ?= $(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_SAN     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_BINS    := $(FUZZERS:%=$(FUZZ_BUILD)/fuzz/fuzz_%)

# libc6 with coverage instrumentation (clang's warnings differ from gcc's:
# they do not fail this build)
fuzz-build:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) QJS_DIR=build/deps/quickjs \
	  OPT="$(FUZZ_SAN) -fsanitize=fuzzer-no-link -Wno-error -DC6_ASAN" $(FUZZ_BUILD)/libc6.a
	@$(MAKE) --no-print-directory $(FUZZ_BINS)

$(FUZZ_BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_BUILD)/libc6.a $(QJS_LIB)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Isrc -Itests/fuzz \
	  -isystem $(QJS_DIR)/include $(PKG_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< \
	  $(FUZZ_BUILD)/libc6.a $(PKG_LIBS) $(LDLIBS)

fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZERS)

# CI: every harness for 20 s.
fuzz-ci:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=20

bench: $(BUILD)/c6 bench-metrics
	bash bench/run.sh $(BUILD)/c6

$(BUILD)/bench-engine: bench/engine.c $(BUILD)/libc6.a
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(BUILD)/libc6.a $(PKG_LIBS) $(LDLIBS) $(LDFLAGS)

bench-metrics: $(BUILD)/bench-engine
	$(BUILD)/bench-engine

bench-arrival: $(BUILD)/c6
	bash bench/arrival.sh $(BUILD)/c6

# HTTPS: c6 next to wrk (HTTP/1.1 + TLS) and h2load (HTTP/2) against nginx.
bench-http2: $(BUILD)/c6
	bash bench/http2.sh $(BUILD)/c6

clean:
	rm -rf $(BUILD)/obj $(BUILD)/tests $(BUILD)/c6 $(BUILD)/libc6.a build-asan $(FUZZ_BUILD)

-include $(OBJS:.o=.d) $(BUILD)/obj/src/main.d
