package main

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"k8s.io/kubernetes/pkg/api/legacyscheme"
	podutil "k8s.io/kubernetes/pkg/api/pod"
	"k8s.io/kubernetes/pkg/apis/apps"
	_ "k8s.io/kubernetes/pkg/apis/apps/install"
	appsvalidation "k8s.io/kubernetes/pkg/apis/apps/validation"
	api "k8s.io/kubernetes/pkg/apis/core"
	_ "k8s.io/kubernetes/pkg/apis/core/install"
	corevalidation "k8s.io/kubernetes/pkg/apis/core/validation"
	"k8s.io/kubernetes/pkg/apis/networking"
	_ "k8s.io/kubernetes/pkg/apis/networking/install"
	networkingvalidation "k8s.io/kubernetes/pkg/apis/networking/validation"
)

// validateCore runs the API server's create-time validation of a core kind (k8s.io/kubernetes v1.35): the
// versioned object gets the API server's defaults, is converted to the internal type, and goes through the call the
// kind's registry strategy makes in Validate (pkg/registry/<group>/<kind>/strategy.go). Admission and allocation
// (cluster IPs) are not run. ok is false for kinds not covered here.
func validateCore(obj runtime.Object) (errs field.ErrorList, ok bool, err error) {
	switch v := obj.(type) {
	case *appsv1.Deployment:
		return validateAs(v, &apps.Deployment{}, func(d *apps.Deployment) field.ErrorList {
			return appsvalidation.ValidateDeployment(d, podutil.GetValidationOptionsFromPodTemplate(&d.Spec.Template, nil))
		})
	case *corev1.Service:
		return validateAs(v, &api.Service{}, corevalidation.ValidateServiceCreate)
	case *corev1.ServiceAccount:
		return validateAs(v, &api.ServiceAccount{}, corevalidation.ValidateServiceAccount)
	case *corev1.Namespace:
		return validateAs(v, &api.Namespace{}, corevalidation.ValidateNamespace)
	case *corev1.ConfigMap:
		return validateAs(v, &api.ConfigMap{}, corevalidation.ValidateConfigMap)
	case *networkingv1.Ingress:
		return validateAs(v, &networking.Ingress{}, networkingvalidation.ValidateIngressCreate)
	}
	return nil, false, nil
}

// validateAs converts the versioned object to its internal type, with the API server's defaults, and validates it.
func validateAs[T runtime.Object](versioned runtime.Object, internal T, validate func(T) field.ErrorList) (field.ErrorList, bool, error) {
	if err := toInternal(versioned, internal); err != nil {
		return nil, true, err
	}
	return validate(internal), true, nil
}

// validatePodTemplate validates the pod template of a workload the API server does not own (an Argo Rollout): the
// controller creates ReplicaSets from it, and the API server validates their template so
// (corevalidation.ValidatePodTemplateSpec with the options of pkg/registry/apps/replicaset/strategy.go).
func validatePodTemplate(obj *unstructured.Unstructured) (field.ErrorList, error) {
	tmpl, found, err := unstructured.NestedMap(obj.Object, "spec", "template")
	if err != nil || !found {
		return nil, fmt.Errorf("no pod template (spec.template)")
	}
	versioned := &corev1.PodTemplateSpec{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(tmpl, versioned); err != nil {
		return nil, err
	}
	// Defaults are registered for the PodTemplate kind; default the template through one.
	wrapper := &corev1.PodTemplate{Template: *versioned}
	legacyscheme.Scheme.Default(wrapper)
	internal := &api.PodTemplate{}
	if err := legacyscheme.Scheme.Convert(wrapper, internal, nil); err != nil {
		return nil, err
	}
	opts := podutil.GetValidationOptionsFromPodTemplate(&internal.Template, nil)
	return corevalidation.ValidatePodTemplateSpec(&internal.Template, field.NewPath("spec", "template"), opts), nil
}

// toInternal applies the API server's defaults to the versioned object and converts it to the internal type.
func toInternal(versioned runtime.Object, internal runtime.Object) error {
	versioned = versioned.DeepCopyObject()
	legacyscheme.Scheme.Default(versioned)
	return legacyscheme.Scheme.Convert(versioned, internal, nil)
}
