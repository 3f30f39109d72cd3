package controllers

import ctrl "sigs.k8s.io/controller-runtime"

func addIndexes(ctrl.Manager) error { return nil }
