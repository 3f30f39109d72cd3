# shellcheck shell=bash
# Helpers shared by the scripts that build Kubernetes binaries from the Go
# module proxy (hack/envtest-assets.sh, hack/local-cluster/bins.sh). Source
# it; it defines functions only.

# modver GOMOD MODULE: the version MODULE is required at in GOMOD.
modver() {
	awk -v m="$2" '
		$1 == "require" && $2 == m { print $3; exit }
		$1 == m && $2 ~ /^v[0-9]/ { print $2; exit }
	' "$1"
}

# k8s_ldflags VERSION: the linker flags of a Kubernetes binary of VERSION.
# Without the version variables the binaries report
# v0.0.0-master+$Format:%H$, which kubectl and other clients cannot parse.
k8s_ldflags() {
	local kver=$1 minor p ldf="-s -w"
	minor=${kver#v1.}
	minor=${minor%%.*}
	for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		ldf+=" -X $p.gitVersion=$kver -X $p.gitMajor=1 -X $p.gitMinor=$minor"
		ldf+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
	done
	echo "$ldf"
}
