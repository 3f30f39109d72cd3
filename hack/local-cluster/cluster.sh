#!/usr/bin/env bash
# A real single-node Kubernetes cluster on this machine, with no Docker
# engine, no kind and no image registry: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kubelet and kube-proxy built from
# the Go module proxy (bins.sh), Debian's containerd, runc and CNI plugins,
# and images built locally (images.sh) and imported into containerd.
#
#   hack/local-cluster/cluster.sh up       start it (idempotent); prints the kubeconfig
#   hack/local-cluster/cluster.sh down     stop it and leave the machine clean
#   hack/local-cluster/cluster.sh status   what runs, and the node and pods
#   hack/local-cluster/cluster.sh import   import the image tarballs into the node
#   hack/local-cluster/cluster.sh kubeconfig   print the kubeconfig path
#   hack/local-cluster/cluster.sh kubectl ARGS...   the node's kubectl (v1.34) on it
#
# Needs root (containerd, CNI, iptables). Never uses systemd. Everything lives
# under one state directory, ${CHAT_CLUSTER_DIR:-$XDG_CACHE_HOME/chat-operator/cluster},
# which `down` removes.
#
# Setup measured on a 2-core Debian 12 VM without CAP_SYS_RESOURCE:
# containerd needs restrict_oom_score_adj (else every sandbox fails with
# "can't get final child's PID from pipe"), the kubelet cgroupfs and
# failCgroupV1: false (hybrid cgroup v1 host).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/chat-operator
W=${CHAT_CLUSTER_DIR:-$cache/cluster}
IMAGES_DIR=${CHAT_IMAGES_DIR:-$cache/images}
KUBECONFIG_FILE=$W/admin.kubeconfig
SOCK=$W/containerd/containerd.sock
POD_CIDR=10.88.0.0/16
SVC_CIDR=10.96.0.0/16
DNS_IP=10.96.0.10
ETCD_PORT=12379
APISERVER_PORT=6443
NODE=$(hostname | tr '[:upper:]' '[:lower:]')
# Static hostPath PersistentVolumes the script creates for the default
# StorageClass (no dynamic provisioner runs).
PV_COUNT=${CHAT_CLUSTER_PVS:-12}
PV_SIZE=${CHAT_CLUSTER_PV_SIZE:-5Gi}

log() { printf '[local-cluster %5ss] %s\n' "$SECONDS" "$*" >&2; }
die() { log "error: $*"; exit 1; }

node_ip() {
	if [ -n "${CHAT_NODE_IP:-}" ]; then echo "$CHAT_NODE_IP"; return; fi
	local ip
	ip=$(ip -4 route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')
	[ -n "$ip" ] || ip=$(hostname -I | awk '{print $1}')
	[ -n "$ip" ] || die "cannot find the node's IP; set CHAT_NODE_IP"
	echo "$ip"
}

kctl() { "$BIN/kubectl" --kubeconfig "$KUBECONFIG_FILE" "$@"; }
ctr_() { ctr -a "$SOCK" -n k8s.io "$@"; }

alive() { [ -f "$W/pids/$1" ] && kill -0 "$(cat "$W/pids/$1")" 2>/dev/null; }

start() {
	local n=$1
	shift
	if alive "$n"; then return; fi
	nohup "$@" >"$W/logs/$n.log" 2>&1 &
	echo $! >"$W/pids/$n"
}

stop() {
	alive "$1" || { rm -f "$W/pids/$1"; return 0; }
	local p
	p=$(cat "$W/pids/$1")
	kill "$p" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$p" 2>/dev/null || true
	rm -f "$W/pids/$1"
}

# wait_for SECONDS WHAT COMMAND...: poll COMMAND every 0.2 s.
wait_for() {
	local t=$1 what=$2
	shift 2
	local end=$((SECONDS + t))
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $end ] || die "timed out after ${t}s waiting for $what"
		sleep 0.2
	done
}

ensure_packages() {
	local need=()
	command -v containerd >/dev/null || need+=(containerd)
	command -v runc >/dev/null || need+=(runc)
	[ -x /usr/lib/cni/bridge ] || need+=(containernetworking-plugins)
	command -v iptables >/dev/null || need+=(iptables)
	command -v conntrack >/dev/null || need+=(conntrack)
	command -v openssl >/dev/null || need+=(openssl)
	[ ${#need[@]} -eq 0 ] && return
	log "installing ${need[*]} from Debian"
	# Keep package scripts from starting services: no systemd runs here.
	local prc=/usr/sbin/policy-rc.d
	local own=0
	if [ ! -e $prc ]; then printf '#!/bin/sh\nexit 101\n' >$prc && chmod +x $prc && own=1; fi
	# images.sh may hold dpkg's lock at the same time (make test-e2e builds
	# the PostgreSQL image meanwhile): wait for it instead of failing.
	local apt=(apt-get -o DPkg::Lock::Timeout=600)
	DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends "${need[@]}" >&2 ||
		{ "${apt[@]}" update >&2 && DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends "${need[@]}" >&2; }
	[ $own = 1 ] && rm -f $prc
	return 0
}

write_pki() {
	local ip=$1 P=$W/pki
	[ -f "$P/done" ] && return
	mkdir -p "$P"
	(
		cd "$P"
		openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 365 -subj /CN=chat-operator-local-ca 2>/dev/null
		openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -subj /CN=kube-apiserver -out apiserver.csr 2>/dev/null
		printf 'subjectAltName=DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,IP:127.0.0.1,IP:10.96.0.1,IP:%s\nextendedKeyUsage=serverAuth\n' "$ip" >apiserver.ext
		openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -extfile apiserver.ext -out apiserver.crt 2>/dev/null
		openssl genrsa -out sa.key 2048 2>/dev/null
		openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
		# Static tokens, one per component; the admin is system:masters.
		: >tokens.csv
		chmod 600 tokens.csv
		local i=1000 p tok
		for p in "admin|admin|system:masters" "kcm|system:kube-controller-manager|" "sched|system:kube-scheduler|" \
			"kubelet|system:node:$NODE|system:nodes" "proxy|system:kube-proxy|"; do
			tok=$(openssl rand -hex 16)
			local short user group
			IFS='|' read -r short user group <<<"$p"
			if [ -n "$group" ]; then echo "$tok,$user,$i,$group" >>tokens.csv; else echo "$tok,$user,$i" >>tokens.csv; fi
			cat >"$W/$short.kubeconfig" <<K
apiVersion: v1
kind: Config
clusters:
- name: chat-operator-local
  cluster: {server: "https://$ip:$APISERVER_PORT", certificate-authority: "$P/ca.crt"}
users:
- name: $short
  user: {token: $tok}
contexts:
- name: chat-operator-local
  context: {cluster: chat-operator-local, user: $short}
current-context: chat-operator-local
K
			chmod 600 "$W/$short.kubeconfig"
			i=$((i + 1))
		done
		touch ./done
	)
}

write_configs() {
	local ip=$1
	cat >"$W/containerd/config.toml" <<C
version = 2
root = "$W/containerd/root"
state = "$W/containerd/state"
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$W/containerd/containerd.sock.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$(image_ref pause)"
  # No CAP_SYS_RESOURCE on this kind of VM: a negative oom_score_adj is EPERM in runc.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$W/cni/net.d"
C
	cat >"$W/cni/net.d/10-chat-operator.conflist" <<N
{"cniVersion": "0.4.0", "name": "chat-operator-local", "plugins": [
  {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
   "ipam": {"type": "host-local", "dataDir": "$W/cni/ipam", "ranges": [[{"subnet": "$POD_CIDR"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}},
  {"type": "loopback"}]}
N
	cat >"$W/kubelet.yaml" <<Y
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
failSwapOn: false
failCgroupV1: false
oomScoreAdj: 0
containerRuntimeEndpoint: unix://$SOCK
authentication: {anonymous: {enabled: true}, webhook: {enabled: false}}
authorization: {mode: AlwaysAllow}
clusterDomain: cluster.local
clusterDNS: [$DNS_IP]
podLogsDir: $W/pod-logs
address: $ip
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
Y
}

# image_ref NAME: the reference images.sh recorded for NAME.
image_ref() {
	local f=$IMAGES_DIR/$1.ref
	[ -f "$f" ] || die "no image $1 built yet (run hack/local-cluster/images.sh)"
	cat "$f"
}

# import_images [NAME...]: import the named image tarballs (default: all
# that images.sh recorded) unless containerd already has that reference.
import_images() {
	local names=("$@") n ref have
	if [ ${#names[@]} -eq 0 ]; then
		for f in "$IMAGES_DIR"/*.ref; do [ -e "$f" ] && names+=("$(basename "$f" .ref)"); done
	fi
	have=$(ctr_ images ls -q 2>/dev/null || true)
	for n in "${names[@]}"; do
		ref=$(image_ref "$n")
		if grep -qxF "$ref" <<<"$have"; then continue; fi
		log "importing $ref"
		ctr_ images import "$IMAGES_DIR/$n.tar" >/dev/null
	done
}

# guard_service_cidr: a packet to the service range that kube-proxy did not
# DNAT (a Service whose rules are being rewritten, an unused ClusterIP) is
# refused here rather than routed to the default gateway, where some
# networks answer any TCP connection (a sandbox's transparent proxy answered
# HTTP 404, and a client's keep-alive connection stuck to it).
GUARD_CHAIN=CHAT-LOCAL-SERVICE-GUARD
guard_service_cidr() {
	iptables -N $GUARD_CHAIN 2>/dev/null || iptables -F $GUARD_CHAIN
	iptables -A $GUARD_CHAIN -d "$SVC_CIDR" -j REJECT --reject-with icmp-port-unreachable
	local c
	for c in FORWARD OUTPUT; do
		iptables -C $c -j $GUARD_CHAIN 2>/dev/null || iptables -A $c -j $GUARD_CHAIN
	done
}

apiserver_ready() { kctl get --raw /readyz; }
node_ready() { kctl get node "$NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' | grep -qx True; }

storage_manifest() {
	cat <<S
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: local-hostpath
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Retain
S
	local i
	for i in $(seq -w 1 "$PV_COUNT"); do
		mkdir -p "$W/volumes/pv-$i"
		# hostPath volumes ignore fsGroup: any pod user may write.
		chmod 0777 "$W/volumes/pv-$i"
		cat <<P
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: local-pv-$i
  labels: {app.kubernetes.io/managed-by: chat-operator-local-cluster}
spec:
  capacity: {storage: $PV_SIZE}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: local-hostpath
  hostPath: {path: "$W/volumes/pv-$i", type: Directory}
P
	done
}

# recycle_pvs: a Released PV (its claim deleted) is wiped and made
# Available again, standing in for a provisioner's Delete.
recycle_pvs() {
	local pv path
	for pv in $(kctl get pv -l app.kubernetes.io/managed-by=chat-operator-local-cluster \
		-o jsonpath='{range .items[?(@.status.phase=="Released")]}{.metadata.name}{"\n"}{end}'); do
		path=$(kctl get pv "$pv" -o jsonpath='{.spec.hostPath.path}')
		case $path in "$W"/volumes/*) find "$path" -mindepth 1 -delete ;; *) continue ;; esac
		kctl patch pv "$pv" --type=json -p='[{"op":"remove","path":"/spec/claimRef"}]' >/dev/null
		log "recycled $pv"
	done
}

addons() {
	storage_manifest | kctl apply -f - >/dev/null
	sed "s#@COREDNS_IMAGE@#$(image_ref coredns)#; s#@DNS_IP@#$DNS_IP#" "$here/coredns.yaml" | kctl apply -f - >/dev/null
	kctl -n kube-system rollout status deploy/coredns --timeout=120s >/dev/null
}

cmd_up() {
	[ "$(id -u)" = 0 ] || die "must run as root (containerd, CNI, iptables)"
	ensure_packages
	BIN=$("$here/bins.sh")
	"$here/images.sh" base
	local ip
	ip=$(node_ip)
	mkdir -p "$W"/{pids,logs,etcd,kubelet,pod-logs,cni/net.d,cni/ipam,containerd,volumes}
	chmod 700 "$W/etcd"
	echo "$BIN" >"$W/bin-dir"
	# Paths the kubelet writes outside its --root-dir; down removes them
	# only if up created them.
	for d in /var/lib/kubelet /var/log/containers /run/netns /run/containerd; do
		[ -e "$d" ] || [ -e "$W/created$(echo "$d" | tr / _)" ] || touch "$W/created$(echo "$d" | tr / _)"
	done
	write_pki "$ip"
	write_configs "$ip"

	guard_service_cidr
	start containerd containerd --config "$W/containerd/config.toml"
	wait_for 30 containerd ctr_ version
	import_images
	log "containerd up"

	start etcd "$BIN/etcd" --data-dir "$W/etcd" --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
		--advertise-client-urls "http://127.0.0.1:$ETCD_PORT" --listen-peer-urls http://127.0.0.1:12380 \
		--initial-advertise-peer-urls http://127.0.0.1:12380 --initial-cluster "default=http://127.0.0.1:12380" \
		--listen-metrics-urls "" --log-level warn
	local P=$W/pki
	start kube-apiserver "$BIN/kube-apiserver" --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
		--secure-port="$APISERVER_PORT" --advertise-address="$ip" \
		--tls-cert-file="$P/apiserver.crt" --tls-private-key-file="$P/apiserver.key" --client-ca-file="$P/ca.crt" \
		--token-auth-file="$P/tokens.csv" --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
		--allow-privileged=true --service-account-issuer=https://kubernetes.default.svc.cluster.local \
		--service-account-key-file="$P/sa.pub" --service-account-signing-key-file="$P/sa.key" \
		--service-cluster-ip-range="$SVC_CIDR" --kubelet-preferred-address-types=InternalIP,Hostname
	wait_for 120 kube-apiserver apiserver_ready
	log "etcd and kube-apiserver ready"

	start kube-controller-manager "$BIN/kube-controller-manager" --kubeconfig="$W/kcm.kubeconfig" \
		--authentication-kubeconfig="$W/kcm.kubeconfig" --authorization-kubeconfig="$W/kcm.kubeconfig" \
		--service-account-private-key-file="$P/sa.key" --root-ca-file="$P/ca.crt" \
		--use-service-account-credentials=true --leader-elect=false --bind-address=127.0.0.1 \
		--service-cluster-ip-range="$SVC_CIDR"
	start kube-scheduler "$BIN/kube-scheduler" --kubeconfig="$W/sched.kubeconfig" \
		--authentication-kubeconfig="$W/sched.kubeconfig" --authorization-kubeconfig="$W/sched.kubeconfig" \
		--leader-elect=false --bind-address=127.0.0.1
	start kubelet "$BIN/kubelet" --config="$W/kubelet.yaml" --kubeconfig="$W/kubelet.kubeconfig" \
		--root-dir="$W/kubelet" --cert-dir="$W/kubelet/pki" --hostname-override="$NODE" --node-ip="$ip"
	start kube-proxy "$BIN/kube-proxy" --kubeconfig="$W/proxy.kubeconfig" --hostname-override="$NODE" \
		--cluster-cidr="$POD_CIDR" --proxy-mode=iptables --conntrack-max-per-core=0 \
		--metrics-bind-address=127.0.0.1:10249 --healthz-bind-address=127.0.0.1:10256
	wait_for 120 "node $NODE Ready" node_ready
	wait_for 60 "the default ServiceAccount" kctl -n default get serviceaccount default
	addons
	recycle_pvs
	log "cluster up: node $NODE ($ip) Ready, CoreDNS at $DNS_IP"
	echo "$KUBECONFIG_FILE"
}

cmd_down() {
	[ -d "$W" ] || { log "nothing to do: $W does not exist"; return 0; }
	BIN=$(cat "$W/bin-dir" 2>/dev/null || true)
	# Stop what recreates pods, then delete the pods through the API so the
	# kubelet tears them down properly (CNI DEL, unmounts).
	stop kube-controller-manager
	stop kube-scheduler
	if [ -n "$BIN" ] && alive kube-apiserver && alive kubelet; then
		kctl delete pods --all -A --grace-period=2 --wait=false >/dev/null 2>&1 || true
		local end=$((SECONDS + 60))
		while [ $SECONDS -lt $end ] && [ -n "$(ctr_ tasks ls -q 2>/dev/null)" ]; do sleep 0.3; done
	fi
	for c in kube-proxy kubelet kube-apiserver etcd; do stop $c; done
	if [ -n "$BIN" ] && [ -x "$BIN/kube-proxy" ]; then "$BIN/kube-proxy" --cleanup >/dev/null 2>&1 || true; fi
	# Whatever the kubelet left running: kill it through containerd.
	if alive containerd; then
		local t
		for t in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks kill -s SIGKILL "$t" >/dev/null 2>&1 || true; done
		for _ in $(seq 50); do [ -z "$(ctr_ tasks ls -q 2>/dev/null)" ] && break; sleep 0.1; done
		for t in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks delete -f "$t" >/dev/null 2>&1 || true; done
		for t in $(ctr_ containers ls -q 2>/dev/null); do ctr_ containers delete "$t" >/dev/null 2>&1 || true; done
	fi
	stop containerd
	# Shims outlive containerd; only ours have our socket path in their command line.
	local pid
	for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $SOCK" || true); do kill -9 "$pid" 2>/dev/null || true; done
	cleanup_host
	local left
	left=$(grep -c " $W/" /proc/mounts || true)
	[ "$left" = 0 ] || die "$left mounts left under $W"
	rm -rf "$W"
	log "cluster down, $W removed"
}

# cleanup_host removes what the node put outside the state directory.
cleanup_host() {
	ip link del cni0 2>/dev/null || true
	local l
	for l in $(ip -o link show type veth 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
		# veths of our pods have their peer in a netns under /run/netns/cni-*
		ip link show "$l" 2>/dev/null | grep -q 'master cni0' && ip link del "$l" 2>/dev/null || true
	done
	local ipt t c
	for ipt in iptables ip6tables; do
		command -v $ipt >/dev/null || continue
		# Ours (guard_service_cidr).
		if [ $ipt = iptables ]; then
			$ipt -D FORWARD -j $GUARD_CHAIN 2>/dev/null || true
			$ipt -D OUTPUT -j $GUARD_CHAIN 2>/dev/null || true
			$ipt -F $GUARD_CHAIN 2>/dev/null || true
			$ipt -X $GUARD_CHAIN 2>/dev/null || true
		fi
		# The kubelet's own chains (kube-proxy --cleanup leaves them).
		$ipt -D INPUT -j KUBE-FIREWALL 2>/dev/null || true
		$ipt -D OUTPUT -j KUBE-FIREWALL 2>/dev/null || true
		$ipt -F KUBE-FIREWALL 2>/dev/null || true
		$ipt -X KUBE-FIREWALL 2>/dev/null || true
		for t in filter nat mangle; do $ipt -t $t -X KUBE-KUBELET-CANARY 2>/dev/null || true; done
		$ipt -t mangle -X KUBE-IPTABLES-HINT 2>/dev/null || true
		# The CNI bridge plugin's masquerade and portmap chains.
		for t in nat filter; do
			{ $ipt -t $t -S 2>/dev/null || true; } | awk '$1 == "-A" && ($0 ~ /CNI-/) {print}' | while read -r rule; do
				# shellcheck disable=SC2086
				$ipt -t $t ${rule/-A /-D } 2>/dev/null || true
			done
			for c in $($ipt -t $t -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^CNI-/ {print $2}'); do
				$ipt -t $t -F "$c" 2>/dev/null || true
			done
			for c in $($ipt -t $t -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^CNI-/ {print $2}'); do
				$ipt -t $t -X "$c" 2>/dev/null || true
			done
		done
	done
	# Network namespaces of pods the kubelet did not get to tear down.
	local ns
	for ns in /run/netns/cni-*; do
		[ -e "$ns" ] || continue
		umount "$ns" 2>/dev/null || true
		rm -f "$ns"
	done
	# The kubelet hardcodes /var/log/containers (symlinks into podLogsDir)
	# and /var/lib/kubelet (device plugins): remove what it put there.
	find /var/log/containers -maxdepth 1 -type l -lname "$W/*" -delete 2>/dev/null || true
	if [ -e "$W/created_var_log_containers" ]; then rmdir /var/log/containers 2>/dev/null || true; fi
	if [ -e "$W/created_var_lib_kubelet" ]; then rm -rf /var/lib/kubelet; fi
	if [ -e "$W/created_run_netns" ]; then rmdir /run/netns 2>/dev/null || true; fi
	# containerd's runtime directory (runc state, shim sockets) once nothing runs.
	if [ -e "$W/created_run_containerd" ] && ! pgrep -x containerd >/dev/null; then rm -rf /run/containerd; fi
	rm -f /var/lib/cni/results/chat-operator-local-* 2>/dev/null || true
	rmdir /var/lib/cni/results /var/lib/cni 2>/dev/null || true
	{ grep " $W/" /proc/mounts || true; } | awk '{print $2}' | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
}

cmd_status() {
	if [ ! -d "$W" ]; then
		echo "local cluster: down (no $W)"
		return 3
	fi
	BIN=$(cat "$W/bin-dir")
	local c up=1
	for c in containerd etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy; do
		if alive $c; then printf '  %-24s running (pid %s)\n' $c "$(cat "$W/pids/$c")"; else printf '  %-24s stopped\n' $c; up=0; fi
	done
	echo "KUBECONFIG=$KUBECONFIG_FILE"
	if alive kube-apiserver; then
		kctl get nodes -o wide || true
		kctl get pods -A -o wide || true
	fi
	[ $up = 1 ]
}

case ${1:-} in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
import)
	shift
	alive containerd || die "the local cluster is not up"
	import_images "$@"
	;;
kubeconfig) echo "$KUBECONFIG_FILE" ;;
kubectl)
	shift
	BIN=$("$here/bins.sh")
	exec "$BIN/kubectl" --kubeconfig "$KUBECONFIG_FILE" "$@"
	;;
*)
	echo "usage: $0 up|down|status|import [IMAGE...]|kubeconfig|kubectl ARGS..." >&2
	exit 2
	;;
esac
