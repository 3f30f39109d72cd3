package controllers

import (
	"fmt"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
)

// Resolver is the only place that knows how to reach a ChatServer. The
// manager uses cluster DNS; tests swap in a resolver pointing at a
// chatserver running in the test process.
type Resolver interface {
	// Endpoint is the base URL of the server's HTTP API, without a
	// trailing slash.
	Endpoint(server *imv1alpha1.ChatServer) string
}

// ClusterResolver reaches a ChatServer through its Service's cluster DNS
// name, which works from any pod in the cluster.
type ClusterResolver struct{}

// Endpoint implements Resolver.
func (ClusterResolver) Endpoint(server *imv1alpha1.ChatServer) string {
	return fmt.Sprintf("http://%s.%s.svc:%d", ServiceName(server), server.Namespace, servicePort(server))
}

// ServiceName is the name of the chatserver's Service (and Deployment).
func ServiceName(server *imv1alpha1.ChatServer) string { return server.Name }

func servicePort(server *imv1alpha1.ChatServer) int32 {
	if server.Spec.Service.Port != 0 {
		return server.Spec.Service.Port
	}
	return 8080
}

// PlatformTokenSecretName is the Secret holding the server's platform
// token under PlatformTokenKey. The ChatServer controller generates it
// once; the ChatApp controller reads it to call the platform API.
func PlatformTokenSecretName(server *imv1alpha1.ChatServer) string {
	return server.Name + "-platform-token"
}

// PlatformTokenKey is the data key of the platform token.
const PlatformTokenKey = "token"
