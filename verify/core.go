package main

import (
	appsv1 "k8s.io/api/apps/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateCore runs what of the API server's validation of core kinds is importable here (see docs/verification.md):
// label selectors through apimachinery's own validation.
func validateCore(obj runtime.Object) []string {
	var errs field.ErrorList
	if d, ok := obj.(*appsv1.Deployment); ok && d.Spec.Selector != nil {
		errs = append(errs, metav1validation.ValidateLabelSelector(d.Spec.Selector,
			metav1validation.LabelSelectorValidationOptions{}, field.NewPath("spec", "selector"))...)
	}
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}
