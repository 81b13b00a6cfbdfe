# Conformance suites (../shared/conformance). Include from the Makefile:
#
#   include tests/conformance/conformance.mk
#   test: ... conformance-ratchet
#
# Targets:
#   conformance          expressions (Rust runner), render and query (Go runner
#                        mapcore-conformance) over the whole suites: per-group
#                        counts, reports and an HTML page under out/conformance/;
#                        fails only on a broken runner, never on a failing test
#   conformance-ratchet  render + query over the whole suites; fails when a test
#                        listed in tests/conformance/{render,query}-passing.txt fails
#   conformance-update-ratchet
#                        rewrites the lists with the tests that pass now
#                        (review the diff: a name that disappears is a regression)
#
# The oracle suite (tests/oracle: our styles, MapLibre Native's images, see
# tests/oracle/README.md) is in the repository, so its part of each target
# (conformance-oracle, conformance-oracle-ratchet, and the oracle list
# tests/conformance/oracle-passing.txt) runs on a clone without ../shared too.
#
# Uses ROOT, SHARED, LIB, GO, CARGO and OUT from the including Makefile when
# set (defaults below otherwise).

CONF_ROOT    ?= $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/../..)
CONF_SHARED  ?= $(if $(SHARED),$(SHARED),$(abspath $(CONF_ROOT)/../shared))/conformance
CONF_OUT     ?= $(if $(OUT),$(OUT),$(CONF_ROOT)/out)/conformance
CONF_LIST    := $(CONF_ROOT)/tests/conformance
CONF_JOBS    ?= 2
CONF_BIN     := $(CONF_ROOT)/build/bin/mapcore-conformance
CONF_EXPR    := $(CONF_ROOT)/rust/target/release/mapcore-expression-tests
CONF_LIB     := $(if $(LIB),$(LIB),$(CONF_ROOT)/rust/target/release/libmapcore.a)
CONF_GO      ?= $(if $(GO),$(GO),go)
CONF_CARGO   ?= $(if $(CARGO),$(CARGO),cargo)
CONF_GO_SRC  := $(wildcard $(CONF_ROOT)/go/*.go $(CONF_ROOT)/go/internal/*/*.go $(CONF_ROOT)/go/cmd/mapcore-conformance/*.go)
CONF_RUN     = $(CONF_BIN) $(1) -suite $(CONF_SHARED)/$(1)-tests -assets $(CONF_SHARED)/assets \
               -out $(CONF_OUT)/$(1) -j $(CONF_JOBS)
CONF_ORACLE  := $(CONF_ROOT)/tests/oracle
CONF_ORUN    = $(CONF_BIN) oracle -suite $(CONF_ORACLE) -assets $(CONF_ORACLE) -out $(CONF_OUT)/oracle -j $(CONF_JOBS)

# Without the suites (a clone without ../shared and without MAPCORE_SHARED):
# each target prints one line saying what is missing and succeeds; nothing is
# built. With them, everything runs (and fails) as before.
CONF_PRESENT := $(wildcard $(CONF_SHARED)/.)

.PHONY: conformance conformance-ratchet conformance-update-ratchet conformance-expressions \
        conformance-oracle conformance-oracle-ratchet conformance-oracle-update-ratchet

$(CONF_BIN): $(CONF_LIB) $(CONF_GO_SRC)
	@mkdir -p $(dir $@)
	cd $(CONF_ROOT) && CGO_CFLAGS="-I$(CONF_ROOT)/include" \
	  CGO_LDFLAGS="$$($(CONF_ROOT)/tools/cgo_ldflags.sh $(CONF_LIB))" \
	  $(CONF_GO) build -o $@ ./go/cmd/mapcore-conformance

$(CONF_EXPR): $(CONF_LIB)
	cd $(CONF_ROOT)/rust && $(CONF_CARGO) build --release --locked --bin mapcore-expression-tests
	@touch $@

conformance-oracle: $(CONF_BIN)
	@echo "== oracle tests (report: $(CONF_OUT)/oracle/index.html)"
	@$(CONF_ORUN)

conformance-oracle-ratchet: $(CONF_BIN)
	@echo "== oracle tests, ratchet $(CONF_LIST)/oracle-passing.txt"
	@$(CONF_ORUN) -q -ratchet $(CONF_LIST)/oracle-passing.txt

conformance-oracle-update-ratchet: $(CONF_BIN)
	@$(CONF_ORUN) -q -write-ratchet $(CONF_LIST)/oracle-passing.txt

ifeq ($(CONF_PRESENT),)
conformance: conformance-oracle
conformance-ratchet: conformance-oracle-ratchet
conformance-update-ratchet: conformance-oracle-update-ratchet
conformance-expressions conformance conformance-ratchet conformance-update-ratchet:
	@echo "skipped: $@ (shared suites): $(CONF_SHARED) not found (set MAPCORE_SHARED or put the shared data at ../shared)"
else
conformance-expressions: $(CONF_EXPR)
	@mkdir -p $(CONF_OUT)/expression
	@echo "== expression tests"
	@$(CONF_EXPR) $(CONF_SHARED)/expression-tests --report $(CONF_OUT)/expression/report.json \
	  | grep -v '^FAIL ' || true

conformance: conformance-expressions conformance-oracle $(CONF_BIN)
	@echo "== render tests (report: $(CONF_OUT)/render/index.html)"
	@$(call CONF_RUN,render)
	@echo "== query tests"
	@$(call CONF_RUN,query)

conformance-ratchet: conformance-oracle-ratchet $(CONF_BIN)
	@echo "== render tests, ratchet $(CONF_LIST)/render-passing.txt"
	@$(call CONF_RUN,render) -q -ratchet $(CONF_LIST)/render-passing.txt
	@echo "== query tests, ratchet $(CONF_LIST)/query-passing.txt"
	@$(call CONF_RUN,query) -q -ratchet $(CONF_LIST)/query-passing.txt

conformance-update-ratchet: conformance-oracle-update-ratchet $(CONF_BIN)
	@$(call CONF_RUN,render) -q -write-ratchet $(CONF_LIST)/render-passing.txt
	@$(call CONF_RUN,query) -q -write-ratchet $(CONF_LIST)/query-passing.txt
endif
