# Static checks of the Bazel graph, without Bazel (its module registry is not
# reachable from our machines). Include from the Makefile:
#
#   include tools/bazel/bazel.mk
#   test: ... bazel-check
#
# Targets:
#   bazel-check     buildifier (format + lint), gazelle (no diff), label/coverage check
#   bazel-selftest  proves each check fails on a broken copy of the tree
#   bazel-tools     installs the pinned buildifier and gazelle into $(BAZEL_TOOLS_BIN)
#
# The tools are built once from the Go module proxy at pinned versions into a
# project-local, gitignored bin/ (one directory per version, so a version bump
# reinstalls and an unchanged pin never touches the network again).

BAZEL_ROOT      ?= $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/../..)
BAZEL_TOOLS_BIN ?= $(BAZEL_ROOT)/bin
GO              ?= go
PYTHON3         ?= python3

# buildifier: github.com/bazelbuild/buildtools has release tags (v10.x) that the
# module path cannot express (no /v10 suffix), so it is pinned by pseudo-version:
# the newest commit the Go module proxy serves (2026-09-04, main branch, after
# the move to bazel-contrib). golang.org/x/sys is pinned too because that
# buildtools commit does not require it in its go.mod.
BUILDIFIER_VERSION := v0.0.0-20260904073137-eaa4d125b423
BUILDIFIER_XSYS    := v0.49.0
# gazelle: the same release as the bazel_dep in MODULE.bazel. (v0.54.0's
# cmd/gazelle needs its in-repo v2 module through go.work and cannot be built
# with `go install`; bump both together once a release installs.)
GAZELLE_VERSION    := v0.53.0

BUILDIFIER := $(BAZEL_TOOLS_BIN)/buildifier-$(BUILDIFIER_VERSION)/buildifier
GAZELLE    := $(BAZEL_TOOLS_BIN)/gazelle-$(GAZELLE_VERSION)/gazelle

.PHONY: bazel-check bazel-selftest bazel-tools

bazel-tools: $(BUILDIFIER) $(GAZELLE)

# Tool builds ignore the caller's GOFLAGS/GOWORK (e.g. -mod=vendor).
BAZEL_TOOLS_GOENV := GOFLAGS= GOWORK=off

$(BUILDIFIER):
	@mkdir -p $(dir $@)
	@set -e; export $(BAZEL_TOOLS_GOENV); tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; cd "$$tmp"; \
	  $(GO) mod init bazel-tools.invalid/buildifier >/dev/null 2>&1; \
	  $(GO) get github.com/bazelbuild/buildtools/buildifier@$(BUILDIFIER_VERSION) golang.org/x/sys@$(BUILDIFIER_XSYS); \
	  $(GO) build -o $@ github.com/bazelbuild/buildtools/buildifier
	@echo "installed $@"

$(GAZELLE):
	@mkdir -p $(dir $@)
	$(BAZEL_TOOLS_GOENV) GOBIN=$(dir $@) $(GO) install github.com/bazelbuild/bazel-gazelle/cmd/gazelle@$(GAZELLE_VERSION)

bazel-check: $(BUILDIFIER) $(GAZELLE)
	@BUILDIFIER=$(BUILDIFIER) GAZELLE=$(GAZELLE) PYTHON=$(PYTHON3) $(BAZEL_ROOT)/tools/bazel/check.sh $(BAZEL_ROOT)

bazel-selftest: $(BUILDIFIER) $(GAZELLE)
	@BUILDIFIER=$(BUILDIFIER) GAZELLE=$(GAZELLE) PYTHON=$(PYTHON3) $(BAZEL_ROOT)/tools/bazel/selftest.sh $(BAZEL_ROOT)
