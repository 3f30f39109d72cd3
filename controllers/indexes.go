package controllers

import (
	"context"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
)

// Field indexes let a watch on one object find the objects that refer to
// it without listing everything.
const (
	// indexAppServer: a ChatApp by its ChatServer, "namespace/name".
	indexAppServer = "chatapp.serverRef"
	// indexAppKey: a ChatApp by "serverNamespace/serverName/appKey", to
	// find two apps claiming one key.
	indexAppKey = "chatapp.appKey"
	// indexAppSecret: a ChatApp by the Secret holding its masterSecret.
	indexAppSecret = "chatapp.masterSecretRef"
	// indexConfigApp: a config object by the ChatApp it configures.
	indexConfigApp = "config.appRef"
	// indexPolicySecret: a RegistrationPolicy by its SMS token Secret.
	indexPolicySecret = "registrationpolicy.smsTokenRef"
)

func serverIndexKey(namespace, name string) string { return namespace + "/" + name }

func appKeyIndexKey(app *imv1alpha1.ChatApp) string {
	return app.ServerNamespace() + "/" + app.Spec.ServerRef.Name + "/" + app.Spec.AppKey
}

func addIndexes(mgr ctrl.Manager) error {
	idx := mgr.GetFieldIndexer()
	ctx := context.Background()
	indexes := []struct {
		obj   client.Object
		field string
		fn    client.IndexerFunc
	}{
		{&imv1alpha1.ChatApp{}, indexAppServer, func(o client.Object) []string {
			app := o.(*imv1alpha1.ChatApp)
			return []string{serverIndexKey(app.ServerNamespace(), app.Spec.ServerRef.Name)}
		}},
		{&imv1alpha1.ChatApp{}, indexAppKey, func(o client.Object) []string {
			app := o.(*imv1alpha1.ChatApp)
			if app.Spec.AppKey == "" {
				return nil
			}
			return []string{appKeyIndexKey(app)}
		}},
		{&imv1alpha1.ChatApp{}, indexAppSecret, func(o client.Object) []string {
			app := o.(*imv1alpha1.ChatApp)
			if app.Spec.MasterSecretRef == nil {
				return nil
			}
			return []string{app.Spec.MasterSecretRef.Name}
		}},
		{&imv1alpha1.SensitiveWordList{}, indexConfigApp, func(o client.Object) []string {
			return []string{o.(*imv1alpha1.SensitiveWordList).AppName()}
		}},
		{&imv1alpha1.RegistrationPolicy{}, indexConfigApp, func(o client.Object) []string {
			return []string{o.(*imv1alpha1.RegistrationPolicy).AppName()}
		}},
		{&imv1alpha1.RegistrationPolicy{}, indexPolicySecret, func(o client.Object) []string {
			p := o.(*imv1alpha1.RegistrationPolicy)
			if p.Spec.SMS == nil || p.Spec.SMS.TokenSecretRef == nil {
				return nil
			}
			return []string{p.Spec.SMS.TokenSecretRef.Name}
		}},
	}
	for _, i := range indexes {
		if err := idx.IndexField(ctx, i.obj, i.field, i.fn); err != nil {
			return err
		}
	}
	return nil
}
