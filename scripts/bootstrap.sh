#!/usr/bin/env bash
# Installs what c6 needs on a fresh Debian 12 machine and builds QuickJS.
#   scripts/bootstrap.sh build     -> the packages the build needs, then quickjs (`make`)
#   scripts/bootstrap.sh test      -> the test tools (`make test`, `make unit`, `make integration`)
#   scripts/bootstrap.sh bench     -> the benchmark tools (`make bench`, `make bench-http2`)
#   scripts/bootstrap.sh quickjs   -> build/deps/quickjs/libquickjs.a (cached)
#   scripts/bootstrap.sh all       -> every group, then quickjs
# Idempotent: every step checks first and does nothing when already done
# (apt-get runs only for packages that are missing).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEPS="$ROOT/build/deps"
QJS_VERSION=2025.04.26
QJS_SHA256=ec81da5b3249ed648dbc7df4a1654988910e66a118d9b71cb63534216efcfbbe
# papaparse for https://jslib.k6.io/papaparse/5.1.1/index.js (the version k6's
# docs import), from the npm registry; the integrity is the registry's
# dist.integrity for that version (sha512, base64)
PAPAPARSE_VERSION=5.1.1
PAPAPARSE_SHA512=KPkW4GNQxunmYTeJIjHFrvilcNuHBWrfgbyvmagEmfGOA4hnP1WIkPbv4yABhj1Nam3as4w+7MBiI27BntwqVg==

# Debian packages by group, one line a group (a new group is one more line).
# build: libjs-chai (chai.js for k6chaijs), node-core-js (core-js's URL and
#   URLSearchParams for the jslib url module) and curl (papaparse from the
#   npm registry): the jslib modules c6 embeds are built from them
#   (scripts/jslib_bundle.py).
# test: cmocka and pytest (pytest-xdist runs the test files on two processes); python3-yaml reads `c6 kube`'s manifests
#   (tests/integration/test_kube.py); nginx-light for tests/integration/test_https.py;
#   openssl (the CLI) makes the tests' certificates; curl is a reference
#   client in some tests; influxdb is a real InfluxDB 1.6 for the output
#   tests (they start their own influxd on loopback ports; under systemd the
#   package also enables a system service on :8086, which they do not use);
#   prometheus is a real Prometheus 2.42 for the remote-write output tests
#   (started the same way, with --web.enable-remote-write-receiver);
#   protobuf-compiler, python3-protobuf and python3-grpcio decode the
#   opentelemetry output's exports (tests/integration/test_output_otel.py).
#   chromium (headless) loads the test-run service's web page
#   (tests/integration/test_service_page.py) and records the HAR that
#   c6 convert's test converts. iproute2 (`ip netns`) puts
#   the service's agents on other "machines" (tests/integration/test_service_remote.py).
# bench: nginx and wrk (bench/run.sh), h2load from nghttp2-client
#   (bench/http2.sh), /usr/bin/time for memory per VU.
# fuzz: clang-16 and its libFuzzer runtime (make fuzz, tests/fuzz).
# build's g++, libprotobuf-dev and libprotoc-dev: src/grpc/pb.cc (k6/net/grpc's
#   protobuf); test's protobuf-compiler: protoc makes tests/unit/test_pb's protosets.
# test's python3-grpcio (and python3-protobuf with it): tests/integration/grpc_server.py,
#   the real gRPC server of test_grpc.py (its message classes made by protoc at test time).
declare -A PKG_GROUPS=(
  [build]="build-essential g++ libprotobuf-dev libprotoc-dev pkg-config dpkg-dev ca-certificates libcurl4-openssl-dev libuv1-dev libssl-dev libmicrohttpd-dev libcjson-dev zlib1g-dev libnghttp2-dev libgumbo-dev libbrotli-dev libzstd-dev libgnutls28-dev libsnappy-dev libsqlite3-dev curl libjs-chai node-core-js"
  [test]="libcmocka-dev python3-pytest python3-pytest-xdist python3-yaml nginx-light openssl curl influxdb prometheus protobuf-compiler python3-protobuf python3-grpcio chromium iproute2"
  [bench]="nginx-light wrk nghttp2-client openssl curl time"
  [fuzz]="clang-16 libclang-rt-16-dev"
)

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

# Installs the missing packages of the groups named.
install_packages() {
  local missing=() p g
  local -a want=()
  for g in "$@"; do
    # shellcheck disable=SC2206
    want+=(${PKG_GROUPS[$g]})
  done
  for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "bootstrap: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# The mirror the machine already uses (first deb822 URIs or sources.list line).
mirror_uri() {
  local uri=""
  if ls /etc/apt/sources.list.d/*.sources >/dev/null 2>&1; then
    uri=$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources | grep -v security | head -n1 | awk '{print $2}')
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(grep -E '^deb ' /etc/apt/sources.list | grep -v security | head -n1 | awk '{print $2}')
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

fetch_quickjs_source() {
  local src="$DEPS/quickjs-src"
  local tarball="$src/quickjs_${QJS_VERSION}.orig.tar.xz"
  if [ ! -f "$tarball" ]; then
    mkdir -p "$src" "$DEPS/apt/lists/partial" "$DEPS/apt/cache/archives/partial"
    local list="$DEPS/apt/sources.list"
    echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(mirror_uri) trixie main" > "$list"
    local aptopts=(-o "Dir::Etc::SourceList=$list" -o "Dir::Etc::SourceParts=/dev/null"
      -o "Dir::State::Lists=$DEPS/apt/lists" -o "Dir::Cache=$DEPS/apt/cache"
      -o "APT::Get::List-Cleanup=0")
    echo "bootstrap: fetching quickjs source from trixie" >&2
    apt-get "${aptopts[@]}" update -qq >&2
    # the Debian revision of 2025.04.26 first; any trixie version as a fallback
    # (the sha256 below decides whether its orig tarball is the one we want)
    (cd "$src" && apt-get "${aptopts[@]}" source --download-only "quickjs=${QJS_VERSION}-1" >&2 2>/dev/null \
      || apt-get "${aptopts[@]}" source --download-only quickjs >&2)
    local got
    got=$(ls "$src"/quickjs_*.orig.tar.* 2>/dev/null | head -n1)
    [ -n "$got" ] || { echo "bootstrap: quickjs orig tarball not downloaded" >&2; exit 1; }
    [ "$got" = "$tarball" ] || mv "$got" "$tarball"
  fi
  echo "$QJS_SHA256  $tarball" | sha256sum -c --quiet - >&2 || {
    echo "bootstrap: sha256 mismatch for $tarball" >&2; rm -f "$tarball"; exit 1; }
  echo "$tarball"
}

build_quickjs() {
  local out="$DEPS/quickjs"
  # c6's patches to QuickJS, in this order (each applies on top of the ones
  # before); the cached library is rebuilt when they or the compiler flags
  # change (their sha256 in a stamp)
  local patches stamp
  local cflags="-O2 -g -fPIC -D_GNU_SOURCE -DCONFIG_VERSION=\"${QJS_VERSION//./-}\" -DCONFIG_BIGNUM"
  patches="$ROOT/scripts/quickjs-shared-runtime.patch $ROOT/scripts/quickjs-lazy-intrinsics.patch"
  patches="$patches $ROOT/scripts/quickjs-closure-shape.patch $ROOT/scripts/quickjs-own-keys.patch"
  patches="$patches $ROOT/scripts/quickjs-dead-shapes.patch $ROOT/scripts/quickjs-ascii-scan.patch"
  patches="$patches $ROOT/scripts/quickjs-c-call.patch $ROOT/scripts/quickjs-define-new.patch"
  patches="$patches $ROOT/scripts/quickjs-atom-ascii.patch $ROOT/scripts/quickjs-inline-alloc.patch"
  patches="$patches $ROOT/scripts/quickjs-inline-props.patch $ROOT/scripts/quickjs-shape-cache.patch"
  patches="$patches $ROOT/scripts/quickjs-prefetch.patch $ROOT/scripts/quickjs-object-template.patch"
  patches="$patches $ROOT/scripts/quickjs-prefetch-lookup.patch $ROOT/scripts/quickjs-shared-function.patch"
  patches="$patches $ROOT/scripts/quickjs-template-seal.patch"
  # shellcheck disable=SC2086
  stamp=$( (cat /dev/null $patches; echo "$cflags") | sha256sum | cut -d' ' -f1)
  # the same flags for the Makefile's own compiles of these sources (build/c6's
  # profiled and link-time optimised objects: Makefile, PGO)
  mkdir -p "$out" && echo "$cflags" >"$out/cflags"
  [ -f "$out/libquickjs.a" ] && [ -f "$out/include/quickjs.h" ] \
    && [ "$(cat "$out/patches.sha256" 2>/dev/null)" = "$stamp" ] && return 0
  local tarball p
  tarball=$(fetch_quickjs_source)
  rm -rf "$out/src" && mkdir -p "$out/src" "$out/include"
  tar -xf "$tarball" -C "$out/src" --strip-components=1
  # quickjs-shared-runtime.patch: a worker's VUs share one runtime (src/js/vm.c):
  # promise jobs and shape tables per context, the frame chain and stack top
  # handed over at each switch; quickjs-lazy-intrinsics.patch: a context
  # builds Map/Set, the typed arrays and WeakRef, Date and RegExp on first
  # use (issue 17: -25 KB a VU; nothing a script can see changes);
  # quickjs-closure-shape.patch: a closure gets its 'length', 'name' (and
  # lazy 'prototype') from a shape its context keeps, not three defines
  # (issue 17: CPU per iteration; nothing a script can see changes);
  # quickjs-own-keys.patch: JS_GetOwnEnumStringKeys, an ordinary object's
  # own enumerable string keys from its shape, no array (k6's check());
  # quickjs-dead-shapes.patch: a context keeps the last 4 plain-object
  # shapes their last object left, for the next object built the same way;
  # quickjs-ascii-scan.patch: whether UTF-8 text is all ASCII is found 32
  # then eight bytes at a time (every response body becomes a string
  # through it);
  # quickjs-c-call.patch: a script's call of a C function (http.get, check,
  # sleep ...) goes to it without entering JS_CallInternal's large frame;
  # quickjs-define-new.patch: JS_DefinePropertyValue adds a new property to
  # an ordinary extensible object straight away (object literals, Response
  # fields), and the OP_set_name after a closure already named is skipped;
  # quickjs-atom-ascii.patch: JS_AtomGetASCII, a string atom's ASCII text
  # without a copy, and JS_GetOwnEnumStringKeys looks at each atom once
  # (k6's check() and its names); quickjs-inline-alloc.patch: objects and
  # strings are allocated and freed through the allocator's pointers
  # directly, not two exported (not inlinable, -fPIC) calls deep, and an
  # object's plain values are freed without a call each;
  # quickjs-inline-props.patch: an object literal or a closure built from
  # its kept shape has its property array in its own block (one allocation,
  # same size; a larger array, if it grows, is separate);
  # quickjs-shape-cache.patch: a context's table keeps its empty
  # Object.prototype shape (and the last other prototype's) at hand (object
  # literals, JS_NewObject, JS_NewObjectProtoClass), the context's hot
  # fields together: fewer cold cache lines read per object built (issue 17);
  # quickjs-prefetch.patch: JS_SetPrefetch records the lines a call of a
  # VU's function reads first (function, bytecode header, closure
  # variables, globals, __ENV), JS_PrefetchContext asks for them together
  # a step of the worker's ready queue ahead (src/js/vm.c, vm_enter);
  # quickjs-object-template.patch: JS_NewObjectFromTemplate and
  # JS_DefinePropertyValueTemplate, an object made with, or given, the shape of
  # an object kept as a template, without a look-up in the shape table
  # (k6/http's Response and its status);
  # quickjs-prefetch-lookup.patch: the list also has the lines a look-up of
  # __ENV (and JS_AddPrefetchLookup: __ITER, set at each iteration) reads
  # in the global object's hash table and property arrays, and, recorded at
  # a VU's second iteration (JS_SetPrefetchLearn), those of its look-ups on
  # objects the list has (http.get on the module's object, __ENV.X);
  # quickjs-shared-function.patch: JS_ShareFunction, a module's (or a
  # script's) compiled function (bytecode, constants, nested functions) kept
  # once for all the contexts of a runtime, run in its caller's context
  # (src/js/vm.c, vm_share_function: a VU's copy was ~170 KB for a script
  # importing chai, ~95 KB for k6/html); quickjs-template-seal.patch: a
  # tagged template's strings arrays read from bytecode are frozen, as
  # compiled (their 'length' stayed writable: Object.isFrozen was false)
  for p in $patches; do patch -s -d "$out/src" -p1 <"$p" >&2; done
  echo "bootstrap: building libquickjs.a" >&2
  local objs=()
  for f in quickjs libregexp libunicode cutils dtoa quickjs-libc; do
    [ -f "$out/src/$f.c" ] || continue
    # shellcheck disable=SC2086
    gcc $cflags -w -c "$out/src/$f.c" -o "$out/src/$f.o"
    objs+=("$out/src/$f.o")
  done
  ar rcs "$out/libquickjs.a.tmp" "${objs[@]}"
  mv "$out/libquickjs.a.tmp" "$out/libquickjs.a"
  cp "$out/src/quickjs.h" "$out/include/"
  [ -f "$out/src/quickjs-libc.h" ] && cp "$out/src/quickjs-libc.h" "$out/include/"
  echo "$stamp" >"$out/patches.sha256"
  echo "bootstrap: quickjs ready in $out" >&2
}

# build/deps/papaparse/papaparse.min.js from the registry's tarball, its
# sha512 checked against the pinned integrity (cached).
fetch_papaparse() {
  local out="$DEPS/papaparse"
  [ -f "$out/papaparse.min.js" ] && return 0
  local tgz="$DEPS/papaparse-${PAPAPARSE_VERSION}.tgz"
  mkdir -p "$out"
  if [ ! -f "$tgz" ]; then
    echo "bootstrap: fetching papaparse ${PAPAPARSE_VERSION} from the npm registry" >&2
    curl -fsSL --retry 3 -o "$tgz.tmp" "https://registry.npmjs.org/papaparse/-/papaparse-${PAPAPARSE_VERSION}.tgz"
    mv "$tgz.tmp" "$tgz"
  fi
  local want got
  want=$(echo "$PAPAPARSE_SHA512" | base64 -d | od -An -v -tx1 | tr -d ' \n')
  got=$(sha512sum "$tgz" | cut -d' ' -f1)
  [ "$got" = "$want" ] || {
    echo "bootstrap: sha512 mismatch for $tgz" >&2; rm -f "$tgz"; exit 1; }
  tar -xzf "$tgz" -C "$out" --strip-components=1 package/papaparse.min.js package/LICENSE
  echo "bootstrap: papaparse ready in $out" >&2
}

usage() {
  echo "usage: $0 [$(printf '%s|' $(printf '%s\n' "${!PKG_GROUPS[@]}" | sort))quickjs|all]" >&2
  exit 2
}

step=${1:-all}
case "$step" in
  quickjs) build_quickjs ;;
  build) install_packages build; build_quickjs; fetch_papaparse ;;
  all) install_packages $(printf '%s\n' "${!PKG_GROUPS[@]}" | sort); build_quickjs; fetch_papaparse ;;
  *) [ -n "${PKG_GROUPS[$step]+set}" ] || usage; install_packages "$step" ;;
esac
