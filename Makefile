# c6 build. `make` builds build/c6 (the load generator) and build/c6-target (the
# built-in test server that `c6 target` runs: a binary of its own, so that c6 does
# not link GnuTLS, which only the target's HTTPS needs; Debian's libmicrohttpd,
# which c6 uses without TLS for its REST API and dashboard, still loads it).
# `make test` runs every test (unit, then integration); `make asan` the same
# under AddressSanitizer and UBSan in build-asan/; `make bench` and
# `make bench-http2` the benchmarks; `make demo` the demo. Each step installs
# what it needs first (scripts/bootstrap.sh build, test or bench: Debian
# packages only when missing).
# GNU Make (not CMake): the build is one list of every C file under src/
# (src/target/ apart) plus one cached third-party library (QuickJS), which a
# short Makefile states more plainly than CMake would.

BUILD    ?= build
QJS_DIR  := $(BUILD)/deps/quickjs
QJS_LIB  := $(QJS_DIR)/libquickjs.a
PKGS     := libcurl libnghttp2 libuv libmicrohttpd libcjson zlib openssl gumbo libbrotlienc libbrotlidec libzstd snappy sqlite3
# c6-target: libmicrohttpd with GnuTLS (MHD's TLS is GnuTLS), OpenSSL for its
# certificates and digests, the codings of util/codec.c
TARGET_PKGS := libmicrohttpd gnutls openssl zlib libbrotlienc libbrotlidec libzstd
CC       ?= cc
OPT      ?= -O2 -g
CFLAGS   += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter $(OPT) \
            -Isrc -isystem $(QJS_DIR)/include -MMD -MP
SYS_LIBS := -lpthread -lm -ldl
LDLIBS   += $(QJS_LIB) $(SYS_LIBS)

SRCS     := $(shell find src -name '*.c' ! -name main.c ! -path 'src/target/*' | sort)
OBJS     := $(SRCS:%.c=$(BUILD)/obj/%.o)
# C++ only where a C++ library is the right tool: src/grpc/pb.cc over libprotobuf
CXX      ?= g++
CXXFLAGS += -std=c++17 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter $(OPT) -Isrc -MMD -MP
CXXSRCS  := $(shell find src -name '*.cc' | sort)
OBJS     += $(CXXSRCS:%.cc=$(BUILD)/obj/%.o)
SYS_LIBS += -lprotoc -lprotobuf -lstdc++
LDLIBS   += -lprotoc -lprotobuf -lstdc++
TARGET_SRCS := $(sort $(wildcard src/target/*.c))
TARGET_OBJS := $(TARGET_SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_SRCS:= $(wildcard tests/unit/test_*.c)
UNIT_BINS:= $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps test-deps bench-deps fuzz-deps format check-alloc test unit integration demo asan fuzz fuzz-ci fuzz-build bench bench-metrics bench-snapshot bench-arrival bench-floor bench-scale bench-http2 bench-grpc clean pgo-refresh
all: $(BUILD)/c6 $(BUILD)/c6-target

# What the build needs: missing Debian packages, QuickJS (cached; rebuilt when
# absent or when its patches change).
$(BUILD)/.deps-ok: scripts/bootstrap.sh $(wildcard scripts/quickjs-*.patch)
	@bash scripts/bootstrap.sh build
	@mkdir -p $(BUILD) && touch $@
$(QJS_LIB): | $(BUILD)/.deps-ok
deps: $(BUILD)/.deps-ok
# What the tests and the benchmarks run besides c6 (cmocka, pytest, nginx, ...).
$(BUILD)/.test-deps-ok: scripts/bootstrap.sh
	@bash scripts/bootstrap.sh test
	@mkdir -p $(BUILD) && touch $@
$(BUILD)/.bench-deps-ok: scripts/bootstrap.sh
	@bash scripts/bootstrap.sh bench
	@mkdir -p $(BUILD) && touch $@
$(BUILD)/.fuzz-deps-ok: scripts/bootstrap.sh
	@bash scripts/bootstrap.sh fuzz
	@mkdir -p $(BUILD) && touch $@
test-deps: $(BUILD)/.test-deps-ok
bench-deps: $(BUILD)/.bench-deps-ok
fuzz-deps: $(BUILD)/.fuzz-deps-ok

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# only src/target/ sees GnuTLS's headers
$(TARGET_OBJS): PKG_CFLAGS = $(shell pkg-config --cflags $(TARGET_PKGS) 2>/dev/null)
TARGET_LIBS = $(shell pkg-config --libs $(TARGET_PKGS) 2>/dev/null)

$(BUILD)/obj/%.o: %.c | $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.cc | $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -c $< -o $@

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
# The libraries under them, built from the real ones at build time (never
# copied into the repository): Debian's chai (libjs-chai) for k6chaijs,
# core-js's URL and URLSearchParams (node-core-js) for the url module, as the
# jslib bundles them, and papaparse from the npm registry (bootstrap.sh
# fetches it, integrity checked), each turned into an ES module by
# scripts/jslib_bundle.py.
CHAI_JS      := /usr/share/javascript/chai/chai.js
CORE_JS_ROOT := /usr/share/nodejs
PAPAPARSE_JS := $(dir $(QJS_DIR))papaparse/papaparse.min.js
JSLIB_GEN    := $(BUILD)/gen/jslib-src
CORE_JS_PKG  := $(CORE_JS_ROOT)/core-js/package.json
$(CHAI_JS) $(PAPAPARSE_JS) $(CORE_JS_PKG): | $(BUILD)/.deps-ok
$(JSLIB_GEN)/chai.js: $(CHAI_JS) scripts/jslib_bundle.py
	python3 scripts/jslib_bundle.py umd $< $@
$(JSLIB_GEN)/papaparse.js: $(PAPAPARSE_JS) scripts/jslib_bundle.py
	python3 scripts/jslib_bundle.py umd $< $@ $(patsubst %,--named %,parse unparse RECORD_SEP UNIT_SEP \
	  BYTE_ORDER_MARK BAD_DELIMITERS WORKERS_SUPPORTED NODE_STREAM_INPUT LocalChunkSize RemoteChunkSize \
	  DefaultDelimiter Parser ParserHandle NetworkStreamer FileStreamer StringStreamer ReadableStreamStreamer)
$(JSLIB_GEN)/url.js: $(CORE_JS_PKG) scripts/jslib_bundle.py
	python3 scripts/jslib_bundle.py cjs $(CORE_JS_ROOT) $@ URL=core-js/stable/url \
	  URLSearchParams=core-js/stable/url-search-params
JSLIB_GEN_INCS := $(BUILD)/gen/jslib_gen_chai.inc $(BUILD)/gen/jslib_gen_papaparse.inc $(BUILD)/gen/jslib_gen_url.inc
$(BUILD)/gen/jslib_gen_%.inc: $(JSLIB_GEN)/%.js
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e 's/^/"/' -e 's/$$/\\n"/' $< > $@
$(BUILD)/obj/src/js/jslib.o: $(JSLIB_INCS) $(JSLIB_GEN_INCS)
$(BUILD)/obj/src/js/jslib.o: CFLAGS += -I$(BUILD)/gen

# The web dashboard's page, built into c6 the same way.
$(BUILD)/gen/dashboard_html.inc: src/output/dashboard.html
	@mkdir -p $(dir $@)
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e 's/^/"/' -e 's/$$/\\n"/' $< > $@
$(BUILD)/obj/src/output/dashboard.o: $(BUILD)/gen/dashboard_html.inc
$(BUILD)/obj/src/output/dashboard.o: CFLAGS += -I$(BUILD)/gen

# The test-run service's page, the same way.
$(BUILD)/gen/svc_page_html.inc: src/service/page.html
	@mkdir -p $(dir $@)
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e 's/^/"/' -e 's/$$/\\n"/' $< > $@
$(BUILD)/obj/src/service/svc_page.o: $(BUILD)/gen/svc_page_html.inc
$(BUILD)/obj/src/service/svc_page.o: CFLAGS += -I$(BUILD)/gen

$(BUILD)/libc6.a: $(OBJS)
	@rm -f $@
	ar rcs $@ $^

# build/c6 itself is compiled with a profile of its own runs (PGO) and
# optimised across files and QuickJS at link time (LTO): at 10,000 VUs of
# http.get + check + sleep(1) (issue 17) an iteration took 9,843 -> 8,487
# instructions and 155 -> 32 instruction-cache misses (callgrind), and
# 0.7-1.0 µs less CPU paired with the build before (9 of 10 and 12 of 12
# windows lower; bench/README, seventh round). How:
#  1. every C file of c6 and of QuickJS compiled with -fprofile-generate in
#     $(PGO_DIR)/gen/ and linked into an instrumented c6;
#  2. scripts/pgo/train.sh runs it against c6-target on loopback (~15 s);
#     it leaves its counts in $(PGO_DIR)/profile/;
#  3. the same files compiled again with them (-fprofile-use) and -flto in
#     $(PGO_DIR)/rel/, linked into build/c6.
# The profile is made once per build directory: an edited file is compiled
# again against it (its changed functions without a profile, as if new;
# -fprofile-partial-training keeps code the runs did not reach at -O2);
# `make pgo-refresh` makes it anew. PGO=0: build/c6 from the plain objects of
# libc6.a (quicker to build; the sanitizer build uses it). The unit tests,
# c6-target and the bench helpers always link the plain libc6.a.
PGO      ?= 1
PGO_DIR  := $(BUILD)/pgo
QJS_UNITS:= quickjs libregexp libunicode cutils dtoa # bootstrap.sh's, less quickjs-libc (c6 uses none of it)
C6_CSRCS := src/main.c $(SRCS)
GEN_INCS  = $(BUILD)/gen/html_lib.inc $(JSLIB_INCS) $(JSLIB_GEN_INCS) $(BUILD)/gen/dashboard_html.inc \
            $(BUILD)/gen/svc_page_html.inc
PGO_GEN  := -fprofile-generate -fprofile-update=prefer-atomic
# (-Werror stays for the link: what the whole-program view lets gcc see is
# checked too; it found pusher_close's stats left unset without a pusher.
# The optimised compiles only show their warnings (PGO_REL_WARN): each file
# is compiled with -Werror as a plain object of libc6.a anyway, and a file
# edited since the profile was made gets "Missing counts for called
# function", which no -W option turns off; as an error it stopped `make`
# after any edit until `make pgo-refresh`.)
PGO_USE  := -flto=auto -fprofile-use -fprofile-partial-training -Wno-missing-profile -Wno-coverage-mismatch
PGO_REL_WARN := -Wno-error
# A file's counts: $(PGO_DIR)/profile/<its path>.gcda, named the same by the
# instrumented compile (where the runs write them) and the optimised one
# (where it reads them). gcc names a file's counts and its static functions
# after the object's path unless told otherwise (-dumpdir, -dumpbase): a
# static function compiled to another path would find no counts.
pgo_name  = -dumpdir $(abspath $(PGO_DIR))/profile/$(dir $(1)) -dumpbase $(notdir $(1))
pgo_objs  = $(C6_CSRCS:%.c=$(PGO_DIR)/$(1)/obj/%.o) $(CXXSRCS:%.cc=$(PGO_DIR)/$(1)/obj/%.o) \
            $(QJS_UNITS:%=$(PGO_DIR)/$(1)/obj/quickjs/%.o)

define pgo_tree # $(1): gen or rel; $(2): its flags
$(PGO_DIR)/$(1)/obj/%.o: %.c | $(BUILD)/.deps-ok $(GEN_INCS) $(if $(filter rel,$(1)),$(PGO_DIR)/.profile)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS) $(2) $$(call pgo_name,$$*) -I$(BUILD)/gen $$(PKG_CFLAGS) -c $$< -o $$@
$(PGO_DIR)/$(1)/obj/%.o: %.cc | $(BUILD)/.deps-ok $(if $(filter rel,$(1)),$(PGO_DIR)/.profile)
	@mkdir -p $$(dir $$@)
	$$(CXX) $$(CXXFLAGS) $(2) $$(call pgo_name,$$*) -c $$< -o $$@
# QuickJS's sources as bootstrap.sh patched them, with its flags
$(PGO_DIR)/$(1)/obj/quickjs/%.o: $(QJS_LIB) | $(if $(filter rel,$(1)),$(PGO_DIR)/.profile)
	@mkdir -p $$(dir $$@)
	$$(CC) $$$$(cat $(QJS_DIR)/cflags) -w $(2) $$(call pgo_name,quickjs/$$*) -c $(QJS_DIR)/src/$$*.c -o $$@
-include $(C6_CSRCS:%.c=$(PGO_DIR)/$(1)/obj/%.d) $(CXXSRCS:%.cc=$(PGO_DIR)/$(1)/obj/%.d)
endef
$(eval $(call pgo_tree,gen,$(PGO_GEN)))
$(eval $(call pgo_tree,rel,$(PGO_USE) $(PGO_REL_WARN)))

$(PGO_DIR)/gen/c6: $(call pgo_objs,gen)
	$(CC) $(CFLAGS) $(PGO_GEN) -o $@ $^ $(PKG_LIBS) $(SYS_LIBS) $(LDFLAGS)

# The training (once: order-only on the instrumented c6). A failed run is
# said and leaves build/c6 without a profile, still link-time optimised.
$(PGO_DIR)/.profile: | $(PGO_DIR)/gen/c6 $(BUILD)/c6-target
	@rm -rf $(PGO_DIR)/profile
	@bash scripts/pgo/train.sh $(PGO_DIR)/gen/c6 $(BUILD)/c6-target || { rm -rf $(PGO_DIR)/profile; \
	  echo "pgo: WARNING: no profile; build/c6 is built without one (make pgo-refresh to try again)" >&2; }
	@[ ! -d $(PGO_DIR)/profile ] || [ -s $(PGO_DIR)/profile/quickjs/quickjs.gcda -a -s $(PGO_DIR)/profile/src/net/http1.gcda ] \
	  || echo "pgo: WARNING: the runs left no counts where the compile looks ($(PGO_DIR)/profile/)" >&2
	@touch $@

pgo-refresh:
	rm -rf $(PGO_DIR)
	@$(MAKE) --no-print-directory $(BUILD)/c6

# which of the two build/c6 is (a change of PGO links it again)
$(BUILD)/.pgo-$(PGO):
	@mkdir -p $(BUILD) && rm -f $(BUILD)/.pgo-* && touch $@
ifeq ($(PGO),0)
$(BUILD)/c6: $(BUILD)/obj/src/main.o $(BUILD)/libc6.a $(QJS_LIB) $(BUILD)/.deps-ok $(BUILD)/.pgo-$(PGO) # relinked when QuickJS was rebuilt
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libc6.a $(PKG_LIBS) $(LDLIBS) $(LDFLAGS)
else
$(BUILD)/c6: $(call pgo_objs,rel) $(BUILD)/.pgo-$(PGO)
	+$(CC) $(CFLAGS) $(PGO_USE) -o $@ $(filter %.o,$^) $(PKG_LIBS) $(SYS_LIBS) $(LDFLAGS)
endif

# The test server: src/target/ and the util/ (and net/ws_proto) objects it
# takes from libc6.a; no QuickJS, libuv or libcurl.
$(BUILD)/c6-target: $(TARGET_OBJS) $(BUILD)/libc6.a
	$(CC) $(CFLAGS) -o $@ $(TARGET_OBJS) $(BUILD)/libc6.a $(TARGET_LIBS) -lpthread $(LDFLAGS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libc6.a $(QJS_LIB) | $(BUILD)/.test-deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(BUILD)/libc6.a $(PKG_LIBS) -lcmocka $(LDLIBS) $(LDFLAGS) $(TEST_LDFLAGS)

# the allocation-failure test sees every malloc/calloc/realloc/strdup/strndup
# of c6's code through its own counters (tests/unit/test_alloc_fail.c)
$(BUILD)/tests/test_alloc_fail: TEST_LDFLAGS = -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

PYTHON   ?= /usr/bin/python3

# Test files run on PYTEST_JOBS processes (pytest-xdist), each file whole on
# one process (--dist loadfile: a file's module fixtures start once); most of
# the suite waits on c6 runs and servers, so two processes on two cores halve
# it. PYTEST_JOBS=0 runs them in this process.
PYTEST_JOBS ?= 2
integration: $(BUILD)/c6 $(BUILD)/c6-target | $(BUILD)/.test-deps-ok
	C6_BIN=$(abspath $(BUILD)/c6) $(PYTHON) -m pytest -q -p no:cacheprovider \
	  $(if $(filter-out 0,$(PYTEST_JOBS)),-n $(PYTEST_JOBS) --dist loadfile) tests/integration

# every malloc/calloc/realloc/strdup/strndup result in src/ is checked
# (the rule and its exceptions: scripts/check_alloc.py)
check-alloc:
	@$(PYTHON) scripts/check_alloc.py

test: check-alloc unit integration

demo: $(BUILD)/c6 $(BUILD)/c6-target
	@bash scripts/demo.sh $(BUILD)/c6

# AddressSanitizer + UBSan build in build-asan/, running the same tests.
asan:
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	$(MAKE) BUILD=build-asan OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -DC6_ASAN" \
	  LDFLAGS="-fsanitize=address,undefined" QJS_DIR=build/deps/quickjs PGO=0 test

# libFuzzer harnesses (tests/fuzz/fuzz_<name>.c), built with clang-16, ASan and
# UBSan in build-fuzz/ and run FUZZ_SECONDS each on a scratch copy of their
# seed corpus (tests/fuzz/corpus/<name>/); a crash fails the make and leaves
# its input in build-fuzz/crashes/<name>/. One harness: make fuzz FUZZERS=h1_parse
FUZZ_CC      ?= clang-16
FUZZ_CXX     ?= clang++-16
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZERS      ?= $(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_SAN     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_BINS    := $(FUZZERS:%=$(FUZZ_BUILD)/fuzz/fuzz_%)

# libc6 with coverage instrumentation (clang's warnings differ from gcc's:
# they do not fail this build)
fuzz-build: | $(BUILD)/.fuzz-deps-ok
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) CXX=$(FUZZ_CXX) QJS_DIR=build/deps/quickjs \
	  OPT="$(FUZZ_SAN) -fsanitize=fuzzer-no-link -Wno-error -DC6_ASAN" $(FUZZ_BUILD)/libc6.a
	@$(MAKE) --no-print-directory $(FUZZ_BINS)

$(FUZZ_BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_BUILD)/libc6.a $(QJS_LIB)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Isrc -Itests/fuzz \
	  -isystem $(QJS_DIR)/include $(PKG_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer -fsanitize-link-c++-runtime -o $@ $< \
	  $(FUZZ_BUILD)/libc6.a $(PKG_LIBS) $(LDLIBS)

fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZERS)

# CI: every harness for 12 s, seed fixed so that a finding reproduces.
fuzz-ci:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=8 FUZZ_SEED=1

bench: $(BUILD)/c6 bench-metrics | $(BUILD)/.bench-deps-ok
	bash bench/run.sh $(BUILD)/c6

$(BUILD)/bench-engine: bench/engine.c $(BUILD)/libc6.a
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(BUILD)/libc6.a $(PKG_LIBS) $(LDLIBS) $(LDFLAGS)

bench-metrics: $(BUILD)/bench-engine
	$(BUILD)/bench-engine

# Distributed metrics: series aggregation per sample, coordinator ingest.
$(BUILD)/bench-snapshot: bench/snapshot.c $(BUILD)/libc6.a
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(BUILD)/libc6.a $(PKG_LIBS) $(LDLIBS) $(LDFLAGS)

bench-snapshot: $(BUILD)/bench-snapshot
	$(BUILD)/bench-snapshot

bench-arrival: $(BUILD)/c6 | $(BUILD)/.bench-deps-ok
	bash bench/arrival.sh $(BUILD)/c6

# CPU per iteration beside its floor (issue 17): c6 and a plain C client
# with the same traffic (bench/loopfloor.c), alternating.
$(BUILD)/bench-loopfloor: bench/loopfloor.c
	$(CC) $(CFLAGS) -o $@ $< -lpthread

bench-floor: $(BUILD)/c6 $(BUILD)/c6-target $(BUILD)/bench-loopfloor
	bash bench/cpu_floor.sh $(BUILD)/c6

# Scale (issue 17): 10,000 and 100,000 VUs of http.get + check + sleep(10)
# side by side: KB per VU, start-up, CPU per iteration, iterations completed.
# Needs ~15 GB free for the 100,000 (skipped with a note otherwise).
bench-scale: $(BUILD)/c6 | $(BUILD)/.bench-deps-ok
	bash bench/vu_scale.sh $(BUILD)/c6

# HTTPS: c6 next to wrk (HTTP/1.1 + TLS) and h2load (HTTP/2) against nginx.
bench-http2: $(BUILD)/c6 | $(BUILD)/.bench-deps-ok
	bash bench/http2.sh $(BUILD)/c6

# gRPC: k6/net/grpc unary calls next to h2load's gRPC-framed POSTs against nginx (h2c).
bench-grpc: $(BUILD)/c6 | $(BUILD)/.bench-deps-ok
	bash bench/grpc.sh $(BUILD)/c6

# Formats every C file of the tree with .clang-format (clang-format-14 from
# Debian; `apt-get install clang-format-14`). Not part of the build or CI.
CLANG_FORMAT ?= clang-format-14
format:
	@command -v $(CLANG_FORMAT) >/dev/null || { echo "format: $(CLANG_FORMAT) missing (apt-get install clang-format-14)" >&2; exit 1; }
	git ls-files '*.c' '*.h' | xargs $(CLANG_FORMAT) -i

clean:
	rm -rf $(BUILD)/obj $(BUILD)/pgo $(BUILD)/tests $(BUILD)/c6 $(BUILD)/c6-target $(BUILD)/libc6.a build-asan $(FUZZ_BUILD)

-include $(OBJS:.o=.d) $(TARGET_OBJS:.o=.d) $(BUILD)/obj/src/main.d
