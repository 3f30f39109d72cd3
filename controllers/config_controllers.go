package controllers

import ctrl "sigs.k8s.io/controller-runtime"

func setupSensitiveWordList(ctrl.Manager, Options) error  { return nil }
func setupRegistrationPolicy(ctrl.Manager, Options) error { return nil }
