# Generates the sandbox's PKI with openssl. Sourced by ./sandbox.
#
# One CA signs everything: the apiserver's serving cert, the client certs of
# each user and component, and kwok's kubelet serving cert. Keys are ECDSA
# P-256 (fast to make). The service-account signing key is separate.

pki_issue() { # NAME SUBJECT [SAN] [EKU]
  local name=$1 subj=$2 san=${3:-} eku=${4:-clientAuth} d=$PKI
  openssl ecparam -name prime256v1 -genkey -noout -out "$d/$name.key" 2>/dev/null
  openssl req -new -key "$d/$name.key" -subj "$subj" -out "$d/$name.csr" 2>/dev/null
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$eku"
    [[ -n $san ]] && echo "subjectAltName=$san"
  } >"$d/$name.ext"
  openssl x509 -req -in "$d/$name.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
    -days 825 -sha256 -extfile "$d/$name.ext" -out "$d/$name.crt" 2>/dev/null
  rm -f "$d/$name.csr" "$d/$name.ext"
}

gen_pki() {
  [[ -s $PKI/.complete ]] && return 0
  rm -rf "$PKI"; mkdir -p "$PKI"; chmod 700 "$PKI"
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=batchtop-sandbox-ca" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$PKI/ca.crt" 2>/dev/null
  pki_issue apiserver "/CN=kube-apiserver" \
    "IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local" serverAuth
  pki_issue apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
  pki_issue admin "/O=system:masters/CN=batchtop-admin"
  pki_issue limited "/CN=$LIMITED_USER"
  pki_issue controller-manager "/CN=system:kube-controller-manager"
  pki_issue scheduler "/CN=system:kube-scheduler"
  pki_issue kwok "/O=system:masters/CN=kwok-controller"
  pki_issue worker-sim "/O=system:masters/CN=batchtop-sandbox-worker-sim"
  pki_issue kubelet-serving "/O=system:nodes/CN=kwok-kubelet" "IP:127.0.0.1,DNS:localhost" serverAuth
  openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
  openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  chmod 600 "$PKI"/*.key
  date -u +%FT%TZ >"$PKI/.complete"
}

# The consoles the scale bench compares each get a user of their own, so the
# API server's audit log tells their requests apart (tests/bench/scale.sh).
# Issued apart from gen_pki so a sandbox set up before them gets them too.
BENCH_USERS=(batchtop k9s kdash kubetui kubectl)
gen_bench_pki() {
  local tool
  for tool in "${BENCH_USERS[@]}"; do
    [[ -s $PKI/bench-$tool.crt ]] || pki_issue "bench-$tool" "/O=system:masters/CN=bench-$tool"
  done
  chmod 600 "$PKI"/*.key
}

b64() { base64 -w0 <"$1"; }

# write_kubeconfig FILE USER... ; each USER is name:certname[:namespace]
write_kubeconfig() {
  local file=$1; shift
  local first=${1%%:*} u name cert ns
  {
    echo "apiVersion: v1"
    echo "kind: Config"
    echo "clusters:"
    echo "- name: sandbox"
    echo "  cluster:"
    echo "    server: https://127.0.0.1:$PORT_APISERVER"
    echo "    certificate-authority-data: $(b64 "$PKI/ca.crt")"
    echo "users:"
    for u in "$@"; do
      IFS=: read -r name cert ns <<<"$u"
      echo "- name: $name"
      echo "  user:"
      echo "    client-certificate-data: $(b64 "$PKI/$cert.crt")"
      echo "    client-key-data: $(b64 "$PKI/$cert.key")"
    done
    echo "contexts:"
    for u in "$@"; do
      IFS=: read -r name cert ns <<<"$u"
      echo "- name: $name"
      echo "  context:"
      echo "    cluster: sandbox"
      echo "    user: $name"
      [[ -n $ns ]] && echo "    namespace: $ns"
    done
    echo "current-context: $first"
  } >"$file.tmp"
  chmod 600 "$file.tmp"
  mv "$file.tmp" "$file"
}
