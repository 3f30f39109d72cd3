# chat-operator: the operator (manager) and the bundled chatserver.

GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
STATICCHECK_VERSION ?= v0.8.2
# controller-gen v0.23 is built against k8s.io v0.37, the libraries we use.
CONTROLLER_GEN_VERSION ?= v0.23.0
CONTROLLER_GEN := $(GO) run sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_GEN_VERSION)
# Packages whose tests and benchmarks need a database come up under a
# throwaway PostgreSQL from hack/with-postgres.sh.
WITH_PG   := hack/with-postgres.sh
# kube-apiserver and etcd for the envtest suites, built from the Go module
# proxy on first use and cached; the script prints their directory.
ENVTEST_ASSETS := GO=$(GO) hack/envtest-assets.sh
BENCHTIME ?= 1s
# How long make fuzz runs each Fuzz target.
FUZZTIME  ?= 30s

.PHONY: all build test test-short envtest-assets bench fuzz lint fmt vet run-chatserver tidy clean help manifests generate

all: build

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

build: bin/chatserver bin/manager ## Build bin/chatserver and bin/manager

bin/chatserver: FORCE
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $@ ./chatserver/cmd/chatserver

bin/manager: FORCE
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $@ .

FORCE:

manifests: ## Regenerate the CRDs (config/crd/bases) and RBAC (config/rbac/role.yaml) with controller-gen
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd paths="./api/..." paths="./controllers/..." \
		output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac

generate: ## Regenerate the deepcopy functions in api/v1alpha1
	$(CONTROLLER_GEN) object paths="./api/..."

deps: ## Download Go modules
	$(GO) mod download

test: deps ## Run the whole suite: SQLite, PostgreSQL and envtest (installs PostgreSQL, builds envtest binaries if missing)
	assets=$$($(ENVTEST_ASSETS)) && \
	KUBEBUILDER_ASSETS="$$assets" CHAT_TEST_REQUIRE_ENVTEST=1 \
	CHAT_TEST_REQUIRE_POSTGRES=1 $(WITH_PG) $(GO) test -count=1 -timeout 20m ./...

test-short: ## Run the suite on SQLite only (no PostgreSQL; envtest suites skip)
	$(GO) test -count=1 ./...

.PHONY: verify-manifests
verify-manifests: ## Check config/ alone: generated files fresh, kustomize builds, samples valid on a real API server
	assets=$$($(ENVTEST_ASSETS)) && \
	KUBEBUILDER_ASSETS="$$assets" CHAT_TEST_REQUIRE_ENVTEST=1 $(GO) test -count=1 ./test/manifests/

envtest-assets: ## Build kube-apiserver and etcd for envtest once (about 5 min) and print their cached directory
	@$(ENVTEST_ASSETS)

# The operator's benchmarks (test/operatorbench) run under envtest; they are
# one-shot scenarios (1,000 apps, 50 edits, one resync round), hence 1x, and
# need no PostgreSQL.
bench: deps ## Run the benchmarks on both stores and the operator's under envtest, and print the figures
	@echo "cores: $$(nproc)  GOMAXPROCS: $${GOMAXPROCS:-$$(nproc)}"
	WITH_POSTGRES_DURABLE=1 CHAT_TEST_REQUIRE_POSTGRES=1 $(WITH_PG) $(GO) test -run '^$$' -bench . -benchmem -benchtime=$(BENCHTIME) \
		./chatserver/passhash/ ./chatserver/wordfilter/ ./chatserver/face/ws/ ./test/bench/
	assets=$$($(ENVTEST_ASSETS)) && \
	KUBEBUILDER_ASSETS="$$assets" CHAT_TEST_REQUIRE_ENVTEST=1 \
	$(GO) test -run '^$$' -bench . -benchtime=1x -timeout 20m ./test/operatorbench/

# hack/fuzz.sh finds the targets with go test -list, so new ones need no
# edit here, and runs them one at a time.
fuzz: ## Run every Fuzz target in the module for FUZZTIME each (default 30s)
	GO=$(GO) FUZZTIME=$(FUZZTIME) hack/fuzz.sh

lint: fmt vet ## gofmt, go vet and staticcheck
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	$(GO) vet -tags e2e ./test/e2e/

run-chatserver: ## Run chatserver on the embedded SQLite default (./chatserver-data)
	$(GO) run ./chatserver/cmd/chatserver

tidy: ## go mod tidy (-e: one of modernc's test-only dependencies is not on the proxy)
	$(GO) mod tidy -e

clean:
	rm -rf bin

# The local cluster of issue #6 (hack/local-cluster): a real single-node
# Kubernetes v1.34 built here from the Go module proxy and Debian packages,
# with images built locally and no registry. Needs root; never uses systemd.
LOCAL_CLUSTER := hack/local-cluster
# make deploy on another cluster: IMG=<registry>/chat-operator:<tag>
# CHATSERVER_IMG=<registry>/chatserver:<tag> with KUBECONFIG pointing at it.
IMG ?=
CHATSERVER_IMG ?=
E2E_TIMEOUT ?= 30m

.PHONY: cluster-up cluster-down cluster-status images deploy undeploy demo test-e2e

cluster-up: ## Start the local single-node cluster (idempotent; builds the node binaries on first use) and print its KUBECONFIG
	@kc=$$(GO=$(GO) $(LOCAL_CLUSTER)/cluster.sh up) && echo "export KUBECONFIG=$$kc"

cluster-down: ## Stop the local cluster and leave the machine clean (processes, mounts, cni0, iptables)
	$(LOCAL_CLUSTER)/cluster.sh down

cluster-status: ## Show the local cluster's processes, node and pods
	@$(LOCAL_CLUSTER)/cluster.sh status || true

images: ## Build the images (pause, CoreDNS, manager, chatserver, PostgreSQL 17); import them if the local cluster is up
	GO=$(GO) $(LOCAL_CLUSTER)/images.sh all
	@if $(LOCAL_CLUSTER)/cluster.sh status >/dev/null 2>&1; then $(LOCAL_CLUSTER)/cluster.sh import; fi

deploy: ## Install the operator (config/default) on the local cluster, or with IMG= CHATSERVER_IMG= on $$KUBECONFIG's
	GO=$(GO) IMG='$(IMG)' CHATSERVER_IMG='$(CHATSERVER_IMG)' $(LOCAL_CLUSTER)/deploy.sh

undeploy: ## Remove the operator, its CRDs and so every ChatServer and ChatApp
	IMG='$(IMG)' CHATSERVER_IMG='$(CHATSERVER_IMG)' $(LOCAL_CLUSTER)/deploy.sh undeploy

demo: ## Local cluster + operator + config/samples, wait Ready, print the tenant's credentials and a curl line
	GO=$(GO) $(LOCAL_CLUSTER)/demo.sh

test-e2e: ## End-to-end suite (test/e2e) on the local cluster: up, images, deploy, run, and always cluster-down
	GO=$(GO) E2E_TIMEOUT=$(E2E_TIMEOUT) $(LOCAL_CLUSTER)/e2e.sh
