package controllers

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// reconcileService keeps the chatserver's Service, the address the
// ClusterResolver gives out: spec.service's type and port, to the pods'
// "http" port.
func (r *ChatServerReconciler) reconcileService(ctx context.Context, run *chatServerRun) error {
	server := run.server
	svcType := server.Spec.Service.Type
	if svcType == "" {
		svcType = corev1.ServiceTypeClusterIP
	}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: server.Namespace, Name: ServiceName(server)}}
	return r.apply(ctx, server, componentChatServer, svc, func() error {
		port := corev1.ServicePort{
			Name: "http", Port: servicePort(server), TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP,
		}
		if svcType != corev1.ServiceTypeClusterIP {
			// Keep the node port the API server allocated, or every
			// reconcile would see a difference.
			for _, p := range svc.Spec.Ports {
				if p.Name == port.Name {
					port.NodePort = p.NodePort
				}
			}
		}
		svc.Spec.Type = svcType
		svc.Spec.Selector = selectorLabels(server, componentChatServer)
		svc.Spec.Ports = []corev1.ServicePort{port}
		return nil
	})
}
