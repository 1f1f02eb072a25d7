# akv — see README.md. `make` builds bin/akv.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
LDFLAGS  := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)
# urfave/cli's man-page generator (and its markdown parser's init) is
# never used: leave it out of the binary and its start-up.
TAGS     := urfave_cli_no_docs
FUZZTIME ?= 30s
PKGS     := ./...
# Go 1.26.8 has standard-library vulnerabilities akv reaches (make vuln
# lists them); the go command fetches go1.27.3 from the module proxy once
# (~76 MB) and every target builds and tests with it. GOTOOLCHAIN=local
# make … uses the Go on PATH instead.
GOTOOLCHAIN ?= go1.27.3
export GOTOOLCHAIN

.PHONY: build install test cover lint vuln fuzz cross bench demo clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -tags $(TAGS) -ldflags "$(LDFLAGS)" -o bin/akv ./cmd/akv

# bin/akv to $(PREFIX)/bin with PREFIX=…, else to $GOBIN, else to
# $(go env GOPATH)/bin (where `go install` puts it); DESTDIR for packagers.
install: build
	@dir="$(if $(PREFIX),$(PREFIX)/bin,$(or $(GOBIN),$(shell $(GO) env GOBIN),$(shell $(GO) env GOPATH)/bin))"; \
	mkdir -p "$(DESTDIR)$$dir" && install -m 0755 bin/akv "$(DESTDIR)$$dir/akv" && echo "installed $(DESTDIR)$$dir/akv"

# Unit, end-to-end (testscript against the real binary and emulator),
# real-consumer round-trip tests and the README's examples. Fuzz seeds run
# as ordinary tests. .ci/deps runs npm ci where a lock file needs it and
# names any consumer that is missing (its tests skip, or fail with CI set),
# and downloads the Go modules the tests build; .ci/offline then runs the
# tests where only loopback exists, so none can reach another machine.
test:
	@bash .ci/deps
	bash .ci/offline $(GO) test -race -shuffle=on -count=1 -timeout 20m $(PKGS)

cover:
	$(GO) test -count=1 -coverprofile=cover.out $(PKGS)
	$(GO) tool cover -func=cover.out | tail -1

lint:
	$(GO) vet $(PKGS)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 $(PKGS)

# govulncheck against a database built offline from golang.org/x/vulndb.
vuln:
	bash .ci/vulncheck

# Release builds for every platform akv supports (static, no cgo).
cross:
	@set -e; for p in linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64; do \
	  os=$${p%/*}; arch=$${p#*/}; ext=; [ $$os = windows ] && ext=.exe; \
	  echo "build bin/akv-$$os-$$arch$$ext"; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -tags $(TAGS) -ldflags "$(LDFLAGS)" -o bin/akv-$$os-$$arch$$ext ./cmd/akv; done

FUZZ_TARGETS := ./vault:FuzzParse ./vault:FuzzVaultAnswer ./credential:FuzzParseExpiry ./credential:FuzzIdentityAnswer ./templates:FuzzParseEnvFile \
	./templates:FuzzShell ./templates:FuzzDotenvReaders ./templates:FuzzJSON ./templates:FuzzGrammars \
	./cmd/akv:FuzzInert ./cmd/akv:FuzzInertJSON ./templates:FuzzMasker

# Each fuzz target for FUZZTIME (their seeds also run in `make test`).
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
	  echo "fuzz $$t"; $(GO) test $${t%%:*} -run '^$$' -fuzz "^$${t##*:}\$$" -fuzztime $(FUZZTIME); done

# Whole-process timings against the floor, a plain azsecrets program and the
# Azure CLI, a fleet sharing one throttled vault (bench/results.md).
# BENCHFLAGS: -latencies 5ms,20ms,80ms -runs 5 -fleet 50,100 (or "") -big 10000 -no-az
bench: build
	$(GO) run ./bench $(BENCHFLAGS)
	$(GO) test -run '^$$' -bench . -benchmem ./templates ./vault ./vault/emulator ./credential

# A narrated tour against the built-in offline emulator.
demo: build
	@bash cmd/akv/demo.sh bin/akv

clean:
	rm -rf bin cover.out
