# scimsql: the targets the README names.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)

.PHONY: quickstart test build check bench bench-load profiles fuzz clean

## quickstart: serve the demo app on embedded SQLite at http://127.0.0.1:8080 (user okta)
quickstart:
	@echo "building scimsql (the first build downloads and compiles its modules: a minute or two)..."
	$(GO) run ./cmd/scimsql serve -mapping examples/quickstart/mapping.yaml

## test: every test; databases whose SCIMSQL_TEST_*_DSN is unset are skipped with a message
test:
	$(GO) vet ./...
	@for v in SCIMSQL_TEST_POSTGRES_DSN SCIMSQL_TEST_MYSQL_DSN SCIMSQL_TEST_REDIS_URL; do \
		if [ -z "$$(printenv $$v)" ]; then echo "$$v is not set: the tests that need it are skipped (see Two commands in the README)"; fi; done
	$(GO) test -count=1 ./...

## build: a static binary in bin/
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/scimsql ./cmd/scimsql

## check: formatting and vet, as CI runs them
check:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...

## bench: paging and filter benchmarks (PostgreSQL ones need SCIMSQL_TEST_POSTGRES_DSN)
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./engine/... ./scim/... ./internal/bench/...

## bench-load: the load benchmark, scimsql bench, on each database whose SCIMSQL_TEST_*_DSN is set
##   make bench-load BENCH_SIZE=1000000 BENCH_FLAGS='-scenarios import -json'
BENCH_SIZE  ?= 100000
BENCH_FLAGS ?=
bench-load:
	@test -n "$$SCIMSQL_TEST_MYSQL_DSN$$SCIMSQL_TEST_POSTGRES_DSN" || \
		{ echo "bench-load: set SCIMSQL_TEST_MYSQL_DSN and/or SCIMSQL_TEST_POSTGRES_DSN"; exit 1; }
	$(GO) build -o bin/scimsql-bench ./cmd/scimsql
	@if [ -n "$$SCIMSQL_TEST_MYSQL_DSN" ]; then \
		echo "bin/scimsql-bench bench -driver mysql -size $(BENCH_SIZE) $(BENCH_FLAGS)"; \
		bin/scimsql-bench bench -driver mysql -size $(BENCH_SIZE) $(BENCH_FLAGS) || exit 1; fi
	@if [ -n "$$SCIMSQL_TEST_POSTGRES_DSN" ]; then \
		echo "bin/scimsql-bench bench -driver postgres -size $(BENCH_SIZE) $(BENCH_FLAGS)"; \
		bin/scimsql-bench bench -driver postgres -size $(BENCH_SIZE) $(BENCH_FLAGS) || exit 1; fi

## profiles: CPU profiles of each operation, scimsql's and the hand-written connector's, on
##   MariaDB (SCIMSQL_TEST_MYSQL_DSN) at 100,000 employees, into testdata/profiles/
PROFILE_SCENARIOS ?= import,get,check,check-id,post,put,grouppush
profiles:
	@test -n "$$SCIMSQL_TEST_MYSQL_DSN" || { echo "profiles: set SCIMSQL_TEST_MYSQL_DSN"; exit 1; }
	$(GO) build -o bin/scimsql-bench ./cmd/scimsql
	rm -rf bin/profiles && mkdir -p bin/profiles
	bin/scimsql-bench bench -driver mysql -size 100000 -scenarios $(PROFILE_SCENARIOS) -cpuprofile bin/profiles/cpu.pprof
	@for f in bin/profiles/cpu.*.pprof; do \
		op=$${f#bin/profiles/cpu.}; op=$${op%.pprof}; \
		{ echo "# CPU profile: $$op (scimsql bench -driver mysql -size 100000 -scenarios $(PROFILE_SCENARIOS) -cpuprofile; MariaDB, 8 clients)"; \
		  echo "# go tool pprof -top -cum -nodecount=40"; \
		  $(GO) tool pprof -top -cum -nodecount=40 bin/scimsql-bench $$f 2>/dev/null | sed -n '/^Duration/,$$p'; } > testdata/profiles/$$op.txt; \
		echo "testdata/profiles/$$op.txt"; \
	done

## fuzz: a short fuzz run of the filter parser
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 20s ./filter/

clean:
	rm -rf bin examples/*/*.db examples/*/*.db-wal examples/*/*.db-shm
