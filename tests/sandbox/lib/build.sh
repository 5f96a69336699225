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
build_one() {
  local name=$1 dir=$2 pkg=$3 ldflags=${4:--s -w} out=$BIN_DIR/$1
  [[ -x $out ]] && return 0
  local t0=$SECONDS log=$SANDBOX_LOGS/build-$name.log
  step "building $name (first run on this machine; cached in $BIN_DIR)"
  if ! (cd "$SANDBOX_DIR/$dir" && go build -tags selinux,notest -ldflags "$ldflags" -o "$out.tmp" "$pkg") >"$log" 2>&1; then
    rm -f "$out.tmp"
    fail "build of $name failed; see $log" "$(tail -n 5 "$log")"
  fi
  mv "$out.tmp" "$out"
  ok "$name built in $((SECONDS - t0))s"
}

build_all() {
  command -v go >/dev/null || fail "go is not installed (the sandbox builds Kubernetes from Go modules)"
  BIN_DIR=$SANDBOX_CACHE/bin-$K8S_VERSION-$(module_hash k8s kwok etcd worker)
  mkdir -p "$BIN_DIR" "$SANDBOX_LOGS"
  local ld; ld=$(k8s_ldflags)
  build_one etcd etcd .
  build_one kube-apiserver k8s k8s.io/kubernetes/cmd/kube-apiserver "$ld"
  build_one kube-controller-manager k8s ./cmd/kube-controller-manager "$ld"
  build_one kube-scheduler k8s k8s.io/kubernetes/cmd/kube-scheduler "$ld"
  build_one kubectl k8s k8s.io/kubernetes/cmd/kubectl "$ld"
  build_one kwok kwok sigs.k8s.io/kwok/cmd/kwok
  build_one worker-sim worker .
}
