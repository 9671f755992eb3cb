# autopress — `make` lists the targets; `make run` and `make test` are the two
# that matter on a fresh machine with Go installed.

GO       ?= go
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
.PHONY: help run build test generate lint bench bench-go clean

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

lint: ## gofmt must report nothing; go vet
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

bench: build ## measure the built server from outside (≈ 6 min) and write docs/benchmarks.md; PostgreSQL figures need TEST_DATABASE_URL
	$(GO) run ./cmd/autopress-bench -bin $(BIN)

bench-go: ## run the Go micro-benchmarks of the packages
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean: ## remove build output (never the data directory)
	rm -rf bin
