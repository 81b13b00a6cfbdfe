# mapcore without Bazel: cargo builds the crate, cc the C tests, go the binding.
# `make` builds; `make test` runs every suite; `make demo` renders example maps.
#
# SHARED is the shared conformance data (conformance/ and bench/), kept outside
# the repository: MAPCORE_SHARED if set, else ../shared beside the checkout.
# Without it `make test` and `make demo` still pass: what needs it is skipped
# with one line `skipped: WHAT not found (...)`; the rest uses what the
# repository holds (tests/fixtures, the bundled world map, examples/).

ROOT        := $(abspath .)
SHARED      ?= $(abspath $(or $(MAPCORE_SHARED),$(ROOT)/../shared))
SKIP_HINT   := (set MAPCORE_SHARED or put the shared data at ../shared)
CARGO       ?= cargo
CC          ?= cc
CXX         ?= c++
GO          ?= go
BUILD       := $(ROOT)/build
OUT         := $(ROOT)/out
LIBDIR      := $(ROOT)/rust/target/release
LIB         := $(LIBDIR)/libmapcore.a
SYSLIBS     := -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
CFLAGS_C    := -std=c11 -Wall -Wextra -Werror -pedantic -O2 -g -I$(ROOT)/include
CFLAGS_CXX  := -std=c++17 -Wall -Wextra -Werror -O2 -I$(ROOT)/include
HEADERS     := $(wildcard include/*.h include/mapcore/*.h)
CTESTS_SRC  := $(wildcard tests/c/test_*.c)
CTESTS      := $(patsubst tests/c/%.c,$(BUILD)/tests/c/%,$(CTESTS_SRC))
RUST_SRC    := $(shell find rust/src -name '*.rs') rust/Cargo.toml rust/Cargo.lock

export MAPCORE_SHARED := $(SHARED)
export CGO_CFLAGS     := -I$(ROOT)/include
# Go recipes link the library through a content-addressed path (see
# tools/cgo_ldflags.sh: Go's cache would otherwise keep a stale link).
CGO_ENV = CGO_LDFLAGS="$$($(ROOT)/tools/cgo_ldflags.sh $(LIB))"
export CGO_LDFLAGS    := $(LIB) $(SYSLIBS)

.PHONY: all lib ctests header-check check-exports bench loadtest demo memcheck test test-rust test-c test-go demo clean fuzz fuzz-go fuzz-replay fuzz-snapshot soak
.DELETE_ON_ERROR:

all: lib ctests

lib: $(LIB)

$(LIB): $(RUST_SRC)
	cd rust && $(CARGO) build --release --locked
	@touch $@

# ---- headers: self-contained, warning-free as C11 and C++17 ----------------
header-check: $(HEADERS)
	@mkdir -p $(BUILD)/headers
	@set -e; for h in $(patsubst include/%,%,$(HEADERS)); do \
	  n=$$(echo $$h | tr '/.' '__'); \
	  printf '#include "%s"\nint mapcore_header_check_%s;\n' $$h $$n > $(BUILD)/headers/$$n.c; \
	  cp $(BUILD)/headers/$$n.c $(BUILD)/headers/$$n.cc; \
	  $(CC) $(CFLAGS_C) -c $(BUILD)/headers/$$n.c -o $(BUILD)/headers/$$n.o; \
	  $(CXX) $(CFLAGS_CXX) -c $(BUILD)/headers/$$n.cc -o $(BUILD)/headers/$$n.xo; \
	done; echo "header-check: $(words $(HEADERS)) headers compile as C11 and C++17"

# ---- C ABI tests ------------------------------------------------------------
ctests: $(CTESTS)

$(BUILD)/tests/c/%: tests/c/%.c $(wildcard tests/c/*.h) $(HEADERS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_C) $< -o $@ $(LIB) $(SYSLIBS)

# The README's C example, extracted and run, so that it stays true.
$(BUILD)/tests/c/readme_example: README.md $(HEADERS) $(LIB)
	@mkdir -p $(dir $@)
	awk '/^```c$$/{on=1;next} /^```$$/{if(on){exit}} on' README.md > $@.c
	$(CC) $(CFLAGS_C) $@.c -o $@ $(LIB) $(SYSLIBS)

# Header declarations == library exports, and each is called by a C test.
check-exports: $(LIB)
	tools/check_exports.sh $(LIB)

test-c: $(CTESTS) $(BUILD)/tests/c/readme_example header-check check-exports
	@pass=0; fail=0; for t in $(CTESTS) $(BUILD)/tests/c/readme_example; do \
	  if (cd $(ROOT) && $$t); then pass=$$((pass+1)); else fail=$$((fail+1)); echo "FAILED: $$t"; fi; \
	done; echo "C ABI test programs: $$pass passed, $$fail failed"; [ $$fail -eq 0 ]

# The C ABI tests under valgrind: no definite leaks, no invalid accesses.
memcheck: $(CTESTS)
	@for t in $(CTESTS); do \
	  valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=9 -q $$t >/dev/null || \
	  { echo "memcheck: $$t failed (rerun it under valgrind to see why)"; exit 1; }; \
	done; echo "memcheck: $(words $(CTESTS)) C test programs clean under valgrind"

# ---- Rust -------------------------------------------------------------------
# Then the Rust API the crate uses against its rust-version (Cargo.toml; the
# Bazel toolchain is pinned to it): clippy's incompatible_msrv lint alone, when
# clippy is installed (rustup's default profile has it).
test-rust:
	cd rust && $(CARGO) test --profile checked --locked
	@if (cd rust && $(CARGO) clippy --version) >/dev/null 2>&1; then \
	  echo "== std API newer than the crate's rust-version (clippy incompatible_msrv)"; \
	  cd rust && $(CARGO) clippy --locked --all-targets -q -- -A clippy::all -D clippy::incompatible_msrv; \
	else echo "skipped: the rust-version API check (cargo clippy is not installed)"; fi

# ---- Go ---------------------------------------------------------------------
GO_PKGS := $(shell [ -f go.mod ] && echo yes)
test-go: $(LIB)
ifeq ($(GO_PKGS),yes)
	$(CGO_ENV) $(GO) vet ./...
	@fmt=$$(gofmt -l go tests 2>/dev/null); if [ -n "$$fmt" ]; then echo "gofmt needed: $$fmt"; exit 1; fi
	$(CGO_ENV) $(GO) test -race -count=1 ./...
	$(CGO_ENV) GOEXPERIMENT=cgocheck2 $(GO) test -count=1 ./...
else
	@echo "test-go: no Go module yet"
endif

include tools/bazel/bazel.mk
include tests/conformance/conformance.mk

TEST_STAGES := test-rust test-c test-go bazel-check conformance-ratchet

# Each stage stops make on failure, so reaching the last line means all passed
# (the conformance runners print suite counts that include tests not on the
# ratchet lists: a measure, not failures of this run).
test: $(TEST_STAGES)
	@echo "stages: $(words $(TEST_STAGES)) passed, 0 failed"

# ---- fuzzing (nightly; outside `make test`, whose Rust tests replay the
# committed inputs of rust/fuzz/seeds and rust/fuzz/regressions) -------------
FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) SHARED=$(SHARED) tools/fuzz.sh $(FUZZ_TARGETS)
ifeq ($(FUZZ_TARGETS),)
	$(MAKE) fuzz-go
endif

# The tile server's routes with any path and query (Go's native fuzzing, no
# nightly needed). `make test` runs the seeds; an input that fails is written
# to go/cmd/mapcore-serve/testdata/fuzz/FuzzRoutes: commit it (`go test`
# replays it).
fuzz-go: $(LIB)
	$(CGO_ENV) $(GO) test -count=1 -run '^$$' -fuzz FuzzRoutes -fuzztime $(FUZZ_SECONDS)s ./go/cmd/mapcore-serve

# Every committed corpus snapshot (or FUZZ_TARGETS') replayed through its
# entry under stable Rust, on the current engine and entry checks (no
# nightly, no cargo-fuzz): what a round would meet first.
fuzz-replay:
	@set -e; for snap in $(if $(FUZZ_TARGETS),$(foreach t,$(FUZZ_TARGETS),rust/fuzz/corpus-snapshot/$(t).tar.xz),rust/fuzz/corpus-snapshot/*.tar.xz); do \
	  t=$$(basename $$snap .tar.xz); d=$$(mktemp -d); tar -xJf $$snap -C $$d; \
	  (cd rust && FUZZ_REPLAY_DIR=$$d FUZZ_REPLAY_TARGET=$$t $(CARGO) test --profile checked --locked -q --test fuzz_regressions replay_a_corpus -- --ignored --nocapture ) || { rm -rf $$d; exit 1; }; \
	  rm -rf $$d; done

# Minimised corpora, compressed, for committing (rust/fuzz/corpus-snapshot):
# the next `make fuzz` starts from them.
fuzz-snapshot:
	tools/fuzz_snapshot.sh $(FUZZ_TARGETS)

# ---- soak: 10,000 frames switching styles, cameras and sources; fails when
# the RSS after warm-up grows by more than 10 %; then a short run under
# valgrind (no definite leaks, no invalid accesses) ---------------------------
SOAK_FRAMES ?= 10000
SOAK_VALGRIND_FRAMES ?= 40
$(BUILD)/tests/soak/soak: tests/soak/soak.c $(HEADERS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_C) $< -o $@ $(LIB) $(SYSLIBS)

# One malloc arena: with glibc's per-thread arenas the same binary's growth
# ranged from 0 to 15 % between runs (which arena a worker's allocations
# land in), hiding a real trend; with one it is 2 to 6 %.
soak: $(BUILD)/tests/soak/soak
	MALLOC_ARENA_MAX=1 $(BUILD)/tests/soak/soak $(SOAK_FRAMES)
	valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=9 -q \
	  $(BUILD)/tests/soak/soak $(SOAK_VALGRIND_FRAMES) 64

# ---- demo -------------------------------------------------------------------
$(BUILD)/examples/render_style: examples/c/render_style.c $(HEADERS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_C) $< -o $@ $(LIB) $(SYSLIBS)

$(BUILD)/mapcore-render: $(LIB) $(shell find go -name '*.go' -not -name '*_test.go') go.mod
	$(CGO_ENV) $(GO) build -o $@ ./go/cmd/mapcore-render

$(BUILD)/mapcore-tileloop: $(LIB) $(shell find go -name '*.go' -not -name '*_test.go') go.mod
	$(CGO_ENV) $(GO) build -o $@ ./go/cmd/mapcore-tileloop

# Maps from what the repository holds: the world map from the bundled default
# style, labels in four complex scripts shaped from local fonts, and a Berlin street map over the tile it ships (tests/fixtures), with
# the Go tool and the C example (which prints how long the still image took).
# With the shared data, the streets benchmark too (1024x1024 over four tiles),
# and once more with its labels drawn from local fonts instead of its glyph PBFs.
BERLIN := examples/berlin/style.json
demo: $(BUILD)/mapcore-render $(BUILD)/examples/render_style
	@mkdir -p $(OUT)
	$(BUILD)/mapcore-render -size 1024x512 -o $(OUT)/default.png
	$(BUILD)/mapcore-render -style tests/fixtures/shaping/scripts-style.json -fonts third_party/fonts/subsets -size 512x256 -o $(OUT)/scripts.png
	$(BUILD)/mapcore-render -style $(BERLIN) -assets tests/fixtures -size 512x512 -o $(OUT)/berlin.png
	$(BUILD)/examples/render_style $(BERLIN) tests/fixtures $(OUT)/berlin-c.png 512x512
	@if [ -f $(SHARED)/bench/streets.json ] && [ -d $(SHARED)/conformance/assets ]; then \
	  set -x; \
	  $(BUILD)/mapcore-render -style $(SHARED)/bench/streets.json -assets $(SHARED)/conformance/assets \
	    -size 1024x1024 -center 13.4253,52.4962 -zoom 15 -o $(OUT)/streets.png && \
	  $(BUILD)/examples/render_style $(SHARED)/bench/streets.json $(SHARED)/conformance/assets $(OUT)/streets-c.png && \
	  $(BUILD)/mapcore-render -style $(SHARED)/bench/streets.json -assets $(SHARED)/conformance/assets -glyphs local-first \
	    -size 1024x1024 -center 13.4253,52.4962 -zoom 15 -o $(OUT)/streets-local-glyphs.png; \
	else \
	  echo "skipped: streets benchmark: $(SHARED)/bench/streets.json not found $(SKIP_HINT)"; \
	fi

$(BUILD)/mapcore-serve $(BUILD)/mapcore-loadtest: $(LIB) $(shell find go -name '*.go' -not -name '*_test.go') go.mod
	$(CGO_ENV) $(GO) build -o $@ ./go/cmd/$(notdir $@)

# mapcore-serve on loopback under load (tests/fixtures, or the streets
# benchmark's tiles with the shared data): throughput, p50/p99, errors, RSS.
LOADTEST_FLAGS ?= -c 8 -workers 2 -n 400 -duration 60s
loadtest: $(BUILD)/mapcore-serve $(BUILD)/mapcore-loadtest
	$(BUILD)/mapcore-loadtest -server $(BUILD)/mapcore-serve -repo $(ROOT) -shared $(SHARED) $(LOADTEST_FLAGS)

# mapcore against MapLibre Native on the streets benchmark, in the same run;
# first, labels from local fonts (time to the first label, glyph cache size).
bench: $(BUILD)/examples/render_style $(BUILD)/mapcore-tileloop
	cd rust && $(CARGO) bench --locked --bench local_glyphs
	@if [ -f $(SHARED)/bench/streets.json ]; then SHARED=$(SHARED) tools/bench.sh; \
	else echo "skipped: bench: $(SHARED)/bench/streets.json not found $(SKIP_HINT)"; fi

clean:
	rm -rf $(BUILD) $(OUT)
	cd rust && $(CARGO) clean
