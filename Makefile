# batchtop: `make test` runs every test against the local sandbox
# (tests/sandbox/README.md); `make demo` opens batchtop on it.
SANDBOX := tests/sandbox/sandbox

.PHONY: test lint layers demo sandbox-up sandbox-down sandbox-status sandbox-env sandbox-check

## test: rustfmt + clippy, sandbox up (all scenarios), sandbox checks, cargo test --workspace --tests, sandbox down
test:
	@tests/sandbox/run-all.sh

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
