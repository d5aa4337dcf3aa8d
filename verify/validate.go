package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"

	admissionv1 "k8s.io/api/admission/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/client-go/kubernetes/scheme"
	kjson "sigs.k8s.io/json"

	"istio.io/istio/pkg/config/crd"
	"istio.io/istio/pkg/config/schema/collections"
	"istio.io/istio/pkg/webhooks/validation/server"
)

// problem is one refusal: which object, by which check, and the check's own message.
type problem struct {
	File    string `json:"file"`
	Object  string `json:"object"`
	Check   string `json:"check"`
	Message string `json:"message"`
}

type validateResult struct {
	Objects  int       `json:"objects"`
	Files    int       `json:"files"`
	CRDs     []string  `json:"crds"`
	Problems []problem `json:"problems"`
	Warnings []problem `json:"warnings"`
}

func runValidate(o options, stdout, stderr io.Writer) int {
	if len(o.args) == 0 {
		fmt.Fprintln(stderr, "verify validate: name the files or folders to validate")
		return 2
	}
	in, err := readInputs(o, o.args)
	if err != nil {
		fmt.Fprintln(stderr, "verify validate:", err)
		return 2
	}
	v, err := newValidator(in.crdFiles, in.schemas)
	if err != nil {
		fmt.Fprintln(stderr, "verify validate:", err)
		return 2
	}
	res := validateResult{Objects: len(in.docs), Files: len(in.files), CRDs: in.crdFiles, Problems: []problem{}, Warnings: []problem{}}
	for _, d := range in.docs {
		probs, warns := v.validate(d)
		res.Problems = append(res.Problems, probs...)
		res.Warnings = append(res.Warnings, warns...)
	}
	if o.json {
		printJSON(stdout, res)
	} else {
		for _, p := range res.Problems {
			fmt.Fprintf(stdout, "%s: %s: %s: %s\n", p.File, p.Object, p.Check, p.Message)
		}
		for _, p := range res.Warnings {
			fmt.Fprintf(stdout, "%s: %s: %s: warning: %s\n", p.File, p.Object, p.Check, p.Message)
		}
		fmt.Fprintf(stdout, "validate: %s in %s, %s, %s\n", plural(res.Objects, "object"), plural(res.Files, "file"),
			plural(len(res.Problems), "problem"), plural(len(res.Warnings), "warning"))
	}
	if len(res.Problems) > 0 {
		return 1
	}
	return 0
}

// crdFilesOf lists the CRD files to validate against: --crds folders, else $CRD_DIR, else ../shared/crds; with
// --experimental the Gateway API experimental channel beside them replaces the standard one.
func crdFilesOf(o options) ([]string, error) {
	dirs := o.crdDirs
	if len(dirs) == 0 {
		if env := os.Getenv("CRD_DIR"); env != "" {
			dirs = []string{env}
		} else {
			dirs = []string{filepath.Join("..", "shared", "crds")}
		}
	}
	var files []string
	for _, d := range dirs {
		found, err := filepath.Glob(filepath.Join(d, "*.yaml"))
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("no CRD files (*.yaml) in %s; pass --crds <folder>", d)
		}
		sort.Strings(found)
		for _, f := range found {
			if o.experimental && strings.Contains(filepath.Base(f), "gateway-api-standard") {
				continue
			}
			files = append(files, f)
		}
		if o.experimental {
			exp, _ := filepath.Glob(filepath.Join(filepath.Dir(filepath.Clean(d)), "crds-experimental", "*.yaml"))
			if len(exp) == 0 {
				return nil, fmt.Errorf("--experimental: no crds-experimental folder beside %s", d)
			}
			sort.Strings(exp)
			files = append(files, exp...)
		}
	}
	return files, nil
}

type validator struct {
	crds    *crd.Validator
	scopes  map[schema.GroupKind]bool // kind -> namespaced, from the CRDs
	webhook http.Handler
}

func newValidator(crdFiles []string, schemas *crdSchemas) (*validator, error) {
	c, err := crd.NewValidatorFromFiles(crdFiles...)
	if err != nil {
		return nil, fmt.Errorf("loading CRDs: %v", err)
	}
	mux := http.NewServeMux()
	// What istiod registers as its validating webhook (pilot/pkg/bootstrap/validation.go).
	if _, err := server.New(server.Options{Schemas: collections.PilotGatewayAPI(), DomainSuffix: "cluster.local", Mux: mux}); err != nil {
		return nil, err
	}
	return &validator{crds: c, scopes: schemas.namespaced, webhook: mux}, nil
}

// Kinds the API server keeps at cluster scope among those an app may write.
var clusterScoped = map[string]bool{
	"Namespace": true, "ClusterRole": true, "ClusterRoleBinding": true, "CustomResourceDefinition": true,
	"IngressClass": true, "PriorityClass": true, "StorageClass": true, "PersistentVolume": true,
	"ValidatingWebhookConfiguration": true, "MutatingWebhookConfiguration": true, "Node": true,
}

func (v *validator) validate(d document) (problems, warnings []problem) {
	obj := d.Obj
	gvk := obj.GroupVersionKind()
	add := func(check, message string) {
		problems = append(problems, problem{File: d.where(), Object: d.id(), Check: check, Message: message})
	}
	if gvk.Kind == "" || gvk.Version == "" {
		add("decode", "apiVersion and kind are required")
		return problems, warnings
	}
	gk := gvk.GroupKind()
	namespaced, isCustom := v.scopes[gk]
	typed, typedErr := scheme.Scheme.New(gvk)
	if !isCustom && typedErr != nil {
		add("unknown-kind", fmt.Sprintf("no CRD or Kubernetes type for %s: the API server refuses it (no matches for kind %q in version %q)",
			gvk.String(), gvk.Kind, gvk.GroupVersion().String()))
		return problems, warnings
	}
	if !isCustom {
		namespaced = !clusterScoped[gvk.Kind]
	}
	if !namespaced && obj.GetNamespace() != "" {
		// The API server clears the namespace of a cluster-scoped object (apiserver/pkg/registry/rest/create.go,
		// EnsureObjectNamespaceMatchesRequestNamespace), and so does kubectl.
		obj = obj.DeepCopy()
		obj.SetNamespace("")
	}
	if namespaced && obj.GetNamespace() == "" {
		// kubectl apply fills in the context's namespace; "default" as on a fresh cluster.
		obj = obj.DeepCopy()
		obj.SetNamespace("default")
	}
	metaChecked := false
	if isCustom {
		// The API server's structural schema, defaulting, list-type, pruning and CEL checks
		// (k8s.io/apiextensions-apiserver, through Istio's pkg/config/crd validator).
		if err := v.crds.ValidateCustomResource(obj); err != nil {
			add("crd-schema", err.Error())
		} else if gvk.Group == "argoproj.io" && gvk.Kind == "Rollout" {
			errs, err := validatePodTemplate(obj)
			if err != nil {
				add("kubernetes-validation", err.Error())
			}
			for _, e := range errs {
				add("kubernetes-validation", "the ReplicaSets Argo Rollouts creates from it: "+e.Error())
			}
		}
	} else {
		// The API server's strict JSON decoding into the Kubernetes API types (sigs.k8s.io/json): unknown fields and
		// wrong types are refused.
		raw, _ := obj.MarshalJSON()
		strict, err := kjson.UnmarshalStrict(raw, typed)
		switch {
		case err != nil:
			add("kubernetes-types", err.Error())
		case len(strict) > 0:
			for _, e := range strict {
				add("kubernetes-types", e.Error())
			}
		default:
			errs, covered, err := validateCore(typed)
			if err != nil {
				add("kubernetes-validation", err.Error())
			}
			for _, e := range errs {
				add("kubernetes-validation", e.Error())
			}
			// The kind's validation includes its metadata.
			metaChecked = covered
		}
	}
	if !metaChecked {
		for _, m := range validateMeta(obj, gvk.Kind, namespaced) {
			add("object-meta", m)
		}
	}
	if strings.HasSuffix(gvk.Group, ".istio.io") {
		allowed, msg, warns := v.admit(obj)
		if !allowed {
			add("istio-webhook", msg)
		}
		for _, w := range warns {
			warnings = append(warnings, problem{File: d.where(), Object: d.id(), Check: "istio-webhook", Message: w})
		}
	}
	return problems, warnings
}

// validateMeta runs the API server's ObjectMeta validation (k8s.io/apimachinery/pkg/api/validation) with the name rule
// of the kind.
func validateMeta(obj *unstructured.Unstructured, kind string, namespaced bool) []string {
	var meta metav1.ObjectMeta
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(
		obj.Object["metadata"].(map[string]any), &meta, true); err != nil {
		return []string{"metadata: " + err.Error()}
	}
	nameFn := apimachineryvalidation.NameIsDNSSubdomain
	switch kind {
	case "Service":
		nameFn = apimachineryvalidation.NameIsDNS1035Label
	case "Namespace":
		nameFn = apimachineryvalidation.ValidateNamespaceName
	}
	errs := apimachineryvalidation.ValidateObjectMeta(&meta, namespaced, nameFn, field.NewPath("metadata"))
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

// admit sends the object through istiod's validating webhook handler as the API server would (an AdmissionReview
// for CREATE), and returns its verdict and warnings.
func (v *validator) admit(obj *unstructured.Unstructured) (bool, string, []string) {
	raw, err := json.Marshal(obj.Object)
	if err != nil {
		return false, err.Error(), nil
	}
	gvk := obj.GroupVersionKind()
	review := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID:       "verify",
			Kind:      metav1.GroupVersionKind{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind},
			Namespace: obj.GetNamespace(),
			Name:      obj.GetName(),
			Operation: admissionv1.Create,
			Object:    runtime.RawExtension{Raw: raw},
		},
	}
	body, _ := json.Marshal(review)
	req := httptest.NewRequest(http.MethodPost, "/validate", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	v.webhook.ServeHTTP(rec, req)
	var out admissionv1.AdmissionReview
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Response == nil {
		return false, fmt.Sprintf("webhook answered %d: %s", rec.Code, strings.TrimSpace(rec.Body.String())), nil
	}
	msg := ""
	if out.Response.Result != nil {
		msg = out.Response.Result.Message
	}
	return out.Response.Allowed, msg, out.Response.Warnings
}
