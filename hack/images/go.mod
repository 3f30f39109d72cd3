// The local cluster's image builder (hack/local-cluster): OCI images from
// static binaries and root file systems, written as tarballs for
// `ctr images import`, with no registry and no Docker engine. A module of
// its own, so the project's go.mod does not carry go-containerregistry.
module github.com/chat-operator/chat-operator/hack/images

go 1.26.0

require github.com/google/go-containerregistry v0.22.1

require (
	github.com/klauspost/compress v1.19.2 // indirect
	github.com/opencontainers/go-digest v1.0.0 // indirect
	github.com/opencontainers/image-spec v1.1.1 // indirect
)
