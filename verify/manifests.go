package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// document is one object of the input, with where it came from.
type document struct {
	File  string
	Index int // position of the YAML document in its file, from 1
	Obj   *unstructured.Unstructured
}

func (d document) where() string { return fmt.Sprintf("%s#%d", d.File, d.Index) }

func (d document) id() string {
	ns := d.Obj.GetNamespace()
	if ns != "" {
		ns += "/"
	}
	return fmt.Sprintf("%s %s%s", d.Obj.GetKind(), ns, d.Obj.GetName())
}

// manifestFiles lists the YAML and JSON files of the given files and folders (folders recursively, sorted by path, as
// `kubectl apply -f <folder>` reads them).
func manifestFiles(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			ext := strings.ToLower(filepath.Ext(path))
			// cdk8s writes construct-metadata.json beside the manifests: not an object.
			if !d.IsDir() && (ext == ".yaml" || ext == ".yml" || ext == ".json") && d.Name() != "construct-metadata.json" {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	if len(files) == 0 {
		return nil, errors.New("no YAML or JSON files in " + strings.Join(paths, ", "))
	}
	return files, nil
}

// readManifests reads every object of the files, expanding `kind: List` as kubectl does.
func readManifests(paths []string) ([]document, []string, error) {
	files, err := manifestFiles(paths)
	if err != nil {
		return nil, nil, err
	}
	var docs []document
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, nil, err
		}
		dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
		for i := 1; ; i++ {
			var doc json.RawMessage
			if err := dec.Decode(&doc); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				return nil, nil, fmt.Errorf("%s: document %d: %v", f, i, err)
			}
			// Integers as int64, as the API server decodes them (CEL rules compare ints).
			var raw map[string]any
			if err := utiljson.Unmarshal(doc, &raw); err != nil {
				return nil, nil, fmt.Errorf("%s: document %d: %v", f, i, err)
			}
			if len(raw) == 0 {
				continue
			}
			obj := &unstructured.Unstructured{Object: raw}
			if obj.IsList() {
				list, err := obj.ToList()
				if err != nil {
					return nil, nil, fmt.Errorf("%s: document %d: %v", f, i, err)
				}
				for j := range list.Items {
					docs = append(docs, document{File: f, Index: i, Obj: &list.Items[j]})
				}
				continue
			}
			docs = append(docs, document{File: f, Index: i, Obj: obj})
		}
	}
	return docs, files, nil
}
