# Builds (or reuses) the sandbox's binaries. Sourced by ./sandbox.
#
# Binaries live in a cache outside the work tree, keyed by the Kubernetes
# release and a hash of the Go modules that produce them, so only the first
# run on a machine pays for the build and any change to a module rebuilds it.

K8S_VERSION=v1.36.3
SANDBOX_CACHE=${BATCHTOP_SANDBOX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/batchtop-sandbox}

# Go's own caches go in the same place, so `rm -rf` of it is a true cold start.
export GOMODCACHE=${GOMODCACHE_OVERRIDE:-$SANDBOX_CACHE/gomod}
export GOCACHE=${GOCACHE_OVERRIDE:-$SANDBOX_CACHE/gobuild}
export GOFLAGS=-mod=mod
export CGO_ENABLED=0

module_hash() { # dir... -> short hash of every go.mod, go.sum and .go file
  (cd "$SANDBOX_DIR" && find "$@" -type f \( -name go.mod -o -name go.sum -o -name '*.go' \) -print0 |
    sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-12
}

k8s_ldflags() {
  local minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
  local f=() key val
  for kv in "gitVersion=$K8S_VERSION" gitMajor=1 "gitMinor=$minor" gitTreeState=clean \
    "buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"; do
    key=${kv%%=*}; val=${kv#*=}
    f+=("-X k8s.io/client-go/pkg/version.$key=$val" "-X k8s.io/component-base/version.$key=$val")
  done
  echo "-s -w ${f[*]}"
}

# build_one NAME MODULE_DIR PACKAGE [LDFLAGS]
# Each binary is cached under the hash of its own module, so changing one
# module (say the worker simulator) does not relink the others.
build_one() {
  local name=$1 dir=$2 pkg=$3 ldflags=${4:--s -w}
  local obj=$SANDBOX_CACHE/objs/$name-$K8S_VERSION-$(module_hash "$dir")
  if [[ ! -x $obj ]]; then
    local t0=$SECONDS log=$SANDBOX_BUILD_LOGS/build-$name.log
    command -v go >/dev/null || fail "go is not installed (the sandbox builds Kubernetes from Go modules)"
    step "building $name (cached in $SANDBOX_CACHE/objs; log $log)"
    mkdir -p "$SANDBOX_CACHE/objs"
    if ! (cd "$SANDBOX_DIR/$dir" && go build -tags selinux,notest -ldflags "$ldflags" -o "$obj.tmp" "$pkg") >"$log" 2>&1; then
      rm -f "$obj.tmp"
      fail "build of $name failed; see $log" "$(tail -n 5 "$log")"
    fi
    mv "$obj.tmp" "$obj"
    ok "$name built in $((SECONDS - t0))s"
  fi
  ln -sfn "$obj" "$BIN_DIR/$name"
}

# kwok's Logs CRD, from the kwok module the binary was built from.
copy_crds() {
  [[ -s $BIN_DIR/crds/kwok.x-k8s.io_logs.yaml ]] && return 0
  local dir
  dir=$(cd "$SANDBOX_DIR/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok) ||
    fail "cannot locate the kwok module to copy its CRDs from"
  mkdir -p "$BIN_DIR/crds"
  cp "$dir/kustomize/crd/bases/kwok.x-k8s.io_logs.yaml" "$BIN_DIR/crds/"
}

build_all() {
  BIN_DIR=$SANDBOX_CACHE/bin-$K8S_VERSION-$(module_hash k8s kwok etcd worker)
  SANDBOX_BUILD_LOGS=$SANDBOX_CACHE/build-logs
  mkdir -p "$BIN_DIR" "$SANDBOX_BUILD_LOGS"
  local t0=$SECONDS
  local ld; ld=$(k8s_ldflags)
  build_one etcd etcd .
  build_one kube-apiserver k8s k8s.io/kubernetes/cmd/kube-apiserver "$ld"
  build_one kube-controller-manager k8s ./cmd/kube-controller-manager "$ld"
  build_one kube-scheduler k8s k8s.io/kubernetes/cmd/kube-scheduler "$ld"
  build_one kubectl k8s k8s.io/kubernetes/cmd/kubectl "$ld"
  build_one kwok kwok sigs.k8s.io/kwok/cmd/kwok
  build_one worker-sim worker .
  copy_crds
  ok "binaries ready in $((SECONDS - t0))s ($BIN_DIR)"
}
