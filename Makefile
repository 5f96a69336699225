# batchtop: `make test` runs every test against the local sandbox
# (tests/sandbox/README.md); `make demo` opens batchtop on it.
SANDBOX := tests/sandbox/sandbox

.PHONY: test fuzz bench lint layers demo sandbox-up sandbox-down sandbox-status sandbox-env sandbox-check release release-check

# The release for bastion hosts: static (musl: no glibc, no NSS, no Rust needed where it runs).
RELEASE_TARGET := x86_64-unknown-linux-musl
RELEASE_BIN := target/$(RELEASE_TARGET)/release/batchtop
DIST := dist
# The size budget of dist/batchtop (20 MB).
MAX_BYTES := 20000000

## test: rustfmt + clippy, sandbox up (all scenarios), sandbox checks, cargo test --workspace --tests, sandbox down
test:
	@tests/sandbox/run-all.sh

## fuzz: every cargo-fuzz target in fuzz/ for FUZZ_SECONDS each (default 300; nightly; installs cargo-fuzz when missing)
FUZZ_SECONDS ?= 300
fuzz:
	@tests/fuzz.sh $(FUZZ_SECONDS)

## bench: the scale benchmark (tests/bench/scale.sh): batchtop beside k9s, kdash, kubetui and kubectl on the sandbox's scale profile; figures in docs/benchmarks.md (never part of make test)
bench:
	@tests/bench/scale.sh $(BENCH_ARGS)

## lint: what `make test` checks before the tests: rustfmt and clippy (no sandbox needed)
lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings

## layers: the architecture check alone (crate graph and module imports; no sandbox needed)
layers:
	cargo test --test layers

## demo: sandbox up (all scenarios), then batchtop on it (the sandbox stays up: make sandbox-down)
demo:
	@$(SANDBOX) up --scenarios all
	@eval "$$($(SANDBOX) env)"; \
	if cargo build --release --bin batchtop; then \
	  cargo run --release --bin batchtop --; \
	else \
	  echo "batchtop does not build yet; the sandbox is up. Point kubectl or batchtop at it with:"; \
	  echo; $(SANDBOX) env; echo; echo "KUBECONFIG ($$KUBECONFIG):"; sed -E 's/(data: ).*/\1.../' "$$KUBECONFIG"; \
	fi; \
	echo; echo "the sandbox is still up: make sandbox-down stops it"

sandbox-up:
	@$(SANDBOX) up --scenarios $${SCENARIOS:-all}

sandbox-down:
	@$(SANDBOX) down

sandbox-status:
	@$(SANDBOX) status

sandbox-env:
	@$(SANDBOX) env

## sandbox-check: the sandbox's own checks against a running sandbox
sandbox-check:
	@tests/sandbox/test.sh

## release: dist/batchtop, static and stripped (<= 20 MB), its sha256, completions and man pages; then release-check when the sandbox env is set
release:
	@rustup target list --installed | grep -qx $(RELEASE_TARGET) || rustup target add $(RELEASE_TARGET)
	@command -v musl-gcc >/dev/null || { echo "make release: musl-gcc is missing (apt-get install musl-tools): ring's C parts need it"; exit 1; }
	CC_x86_64_unknown_linux_musl=musl-gcc cargo build --release --locked --target $(RELEASE_TARGET) --bin batchtop
	rm -rf $(DIST) && mkdir -p $(DIST)
	cp $(RELEASE_BIN) $(DIST)/batchtop
	$(DIST)/batchtop generate $(DIST) >/dev/null
	cd $(DIST) && sha256sum batchtop > batchtop.sha256
	@size=$$(stat -c %s $(DIST)/batchtop); \
	  echo "$(DIST)/batchtop: $$size bytes ($$((size / 1000000)).$$((size % 1000000 / 100000)) MB; budget $(MAX_BYTES))"; \
	  test $$size -le $(MAX_BYTES) || { echo "make release: over the size budget"; exit 1; }
	@file $(DIST)/batchtop
	@linked=$$(ldd $(DIST)/batchtop 2>&1); echo "ldd: $$linked"; \
	  case "$$linked" in *"=>"*) echo "make release: dynamically linked"; exit 1;; esac
	@ls $(DIST)
	@if [ -n "$$KUBECONFIG" ]; then $(MAKE) --no-print-directory release-check; \
	  else echo "release-check skipped: no sandbox env (eval \"\$$(tests/sandbox/sandbox env)\"; make release-check)"; fi

## release-check: dist/batchtop --once -A against the sandbox, alone in an empty directory, with no Rust on PATH
release-check:
	@test -x $(DIST)/batchtop || { echo "release-check: no $(DIST)/batchtop (make release)"; exit 1; }
	@test -n "$$KUBECONFIG" || { echo "release-check: needs the sandbox env: eval \"\$$(tests/sandbox/sandbox env)\""; exit 1; }
	@dir=$$(mktemp -d); cp $(DIST)/batchtop "$$dir/"; cd "$$dir"; \
	  env -i HOME="$$dir" PATH=/usr/bin:/bin KUBECONFIG="$$KUBECONFIG" BATCHTOP_CONFIG="$$BATCHTOP_CONFIG" \
	    ./batchtop --once -A -o json > report.json; code=$$?; \
	  jobs=$$(jq '.jobs | length' report.json); queues=$$(jq '.queues | length' report.json); \
	  echo "release-check: $(DIST)/batchtop --once -A alone in $$dir: exit $$code (1: a listed Job failed), $$jobs Jobs, $$queues queues"; \
	  rm -rf "$$dir"; \
	  case "$$code" in 0|1) ;; *) echo "release-check: --once failed"; exit 1;; esac; \
	  test "$$jobs" -gt 0 || { echo "release-check: no Jobs listed"; exit 1; }
