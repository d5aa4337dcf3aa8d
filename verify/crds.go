package main

import (
	"fmt"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// crdSchemas are the structural schemas of the CRDs, by kind and version, and each kind's scope: what the API server
// uses to default and validate custom resources.
type crdSchemas struct {
	structural map[schema.GroupVersionKind]*structuralschema.Structural
	namespaced map[schema.GroupKind]bool
}

func loadCRDSchemas(files []string) (*crdSchemas, error) {
	out := &crdSchemas{structural: map[schema.GroupVersionKind]*structuralschema.Structural{}, namespaced: map[schema.GroupKind]bool{}}
	docs, _, err := readManifests(files)
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		if d.Obj.GroupVersionKind() != apiextensionsv1.SchemeGroupVersion.WithKind("CustomResourceDefinition") {
			continue
		}
		var v1 apiextensionsv1.CustomResourceDefinition
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(d.Obj.Object, &v1); err != nil {
			return nil, fmt.Errorf("%s: %v", d.where(), err)
		}
		var crd apiextensions.CustomResourceDefinition
		if err := apiextensionsv1.Convert_v1_CustomResourceDefinition_To_apiextensions_CustomResourceDefinition(&v1, &crd, nil); err != nil {
			return nil, fmt.Errorf("%s: %v", d.where(), err)
		}
		out.namespaced[schema.GroupKind{Group: crd.Spec.Group, Kind: crd.Spec.Names.Kind}] = crd.Spec.Scope == apiextensions.NamespaceScoped
		for _, ver := range crd.Spec.Versions {
			validation := ver.Schema
			if validation == nil {
				// The conversion moves a schema all versions share to spec.validation.
				validation = crd.Spec.Validation
			}
			if validation == nil {
				continue
			}
			s, err := structuralschema.NewStructural(validation.OpenAPIV3Schema)
			if err != nil {
				return nil, fmt.Errorf("%s: version %s: %v", d.where(), ver.Name, err)
			}
			out.structural[schema.GroupVersionKind{Group: crd.Spec.Group, Version: ver.Name, Kind: crd.Spec.Names.Kind}] = s
		}
	}
	return out, nil
}

// applyDefaults fills in the schema defaults of a custom resource, as the API server does before storing it.
func (c *crdSchemas) applyDefaults(obj *unstructured.Unstructured) {
	if s := c.structural[obj.GroupVersionKind()]; s != nil {
		structuraldefaulting.Default(obj.Object, s)
	}
}

// inputs are what validate and routes read: the manifests and the CRDs they are judged by.
type inputs struct {
	docs            []document
	files, crdFiles []string
	schemas         *crdSchemas
}

func readInputs(o options, paths []string) (*inputs, error) {
	docs, files, err := readManifests(paths)
	if err != nil {
		return nil, err
	}
	crdFiles, err := crdFilesOf(o)
	if err != nil {
		return nil, err
	}
	schemas, err := loadCRDSchemas(crdFiles)
	if err != nil {
		return nil, err
	}
	return &inputs{docs: docs, files: files, crdFiles: crdFiles, schemas: schemas}, nil
}
