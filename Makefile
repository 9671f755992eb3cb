# autopress — `make` lists the targets; `make run` and `make test` are the two
# that matter on a fresh machine with Go installed.

GO       ?= go
# The Go release autopress is built and tested with: the newest patch of
# Go 1.26, fetched once through the module proxy when the machine's own Go is
# older (make lint's vulnerability check fails on an unpatched standard
# library). `make GOTOOLCHAIN=local …` uses the machine's Go instead.
export GOTOOLCHAIN ?= go1.26.11
BIN      := bin/autopress
DATA_DIR ?= ./data
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)
# The race detector needs cgo and a C compiler; without them the suite still
# runs, only without -race (make test says so).
RACE     ?= $(shell [ "$$($(GO) env CGO_ENABLED)" = 1 ] && echo -race)
# templ generates from the repository root, so the file names recorded in
# *_templ.go (for error messages) are views/NAME.templ.
TEMPL    := $(GO) tool templ generate

.DEFAULT_GOAL := help
.PHONY: help run build test generate lint bench bench-go clean screenshots

help: ## list the targets
	@echo "Usage: make TARGET"
	@echo
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-zA-Z_-]*:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

run: build ## build and start on SQLite under ./data (admin and demo site on first start)
	@echo "autopress: starting on http://$${LISTEN_ADDR:-127.0.0.1:8080} (data in $(DATA_DIR); Ctrl-C stops it)"
	@if [ -f "$(DATA_DIR)/initial-admin-password" ]; then \
		echo "autopress: log in as $${ADMIN_EMAIL:-admin@example.com} with password $$(cat "$(DATA_DIR)/initial-admin-password")"; \
	elif [ ! -e "$(DATA_DIR)/autopress.db" ]; then \
		echo "autopress: first start: the admin's password is printed below and kept in $(DATA_DIR)/initial-admin-password"; \
	fi
	DATA_DIR="$(DATA_DIR)" ./$(BIN) serve

build: ## build bin/autopress
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/autopress

test: ## check generated files are current, vet, run every test (PostgreSQL ones need TEST_DATABASE_URL)
	$(TEMPL)
	@git diff --exit-code -- '*_templ.go' || { echo "make test: generated *_templ.go files are stale: run make generate and commit them"; exit 1; }
	@untracked=$$(git ls-files --others --exclude-standard -- '*_templ.go'); \
		if [ -n "$$CI" ] && [ -n "$$untracked" ]; then echo "make test: generated files not committed: $$untracked"; exit 1; fi
	$(GO) vet ./...
	@[ -n "$(RACE)" ] || echo "*** make test: cgo is off (no C compiler?): running WITHOUT the race detector ***"
	$(GO) test $(RACE) -count=1 -timeout 15m ./...

generate: ## regenerate the templ components (*_templ.go)
	$(TEMPL)

# The Go vulnerability database, pinned (a newer version of
# golang.org/x/vulndb brings newer advisories) and indexed once into bin/.
VULNDB_VERSION := v0.0.0-20261105234957-e22db6528018
VULNDB         := bin/vulndb-$(VULNDB_VERSION)

lint: $(VULNDB) ## gofmt, go vet, staticcheck, govulncheck (local advisory database), deadcode
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	$(GO) tool govulncheck -db file://$(abspath $(VULNDB)) -format json ./... | $(GO) run .ci/vulncheck.go .ci/vulncheck-accepted
	@# Functions nothing in the binary reaches (test-support packages aside)
	@# are dead code or test-only helpers that belong in a _test.go file.
	@dead=$$($(GO) tool deadcode ./... | grep -vE '^(db/dbtest|handlers/handlertest|jobs/ai/aitest|jobs/publishing/targets/wpfake|jobs/publishing/targets/wpreal)/'); \
		if [ -n "$$dead" ]; then echo "deadcode: production code that only tests reach:"; echo "$$dead"; exit 1; fi

$(VULNDB):
	@mkdir -p bin
	cd "$$(mktemp -d)" && $(GO) mod download golang.org/x/vulndb@$(VULNDB_VERSION)
	$(GO) run golang.org/x/vulndb/cmd/indexdb@$(VULNDB_VERSION) \
		-vulns "$$($(GO) env GOMODCACHE)/golang.org/x/vulndb@$(VULNDB_VERSION)/data/osv" -out $@.tmp
	mv $@.tmp $@

screenshots: ## refresh the screenshots in docs/img from the browser crawl (needs Chromium)
	AUTOPRESS_SCREENSHOTS=$(CURDIR)/docs/img REQUIRE_BROWSER=1 $(GO) test -count=1 -run '^TestBrowserCrawl$$' ./handlers/

bench: build ## measure the built server from outside (≈ 6 min) and write docs/benchmarks.md; PostgreSQL figures need TEST_DATABASE_URL
	$(GO) run ./cmd/autopress-bench -bin $(BIN)

bench-go: ## run the Go micro-benchmarks of the packages
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean: ## remove build output (never the data directory)
	rm -rf bin
