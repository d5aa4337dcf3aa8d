package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"istio.io/istio/pkg/config/analysis/analyzers"
	"istio.io/istio/pkg/config/analysis/diag"
	"istio.io/istio/pkg/config/analysis/local"
	"istio.io/istio/pkg/config/resource"
)

type finding struct {
	Code     string `json:"code"`
	Level    string `json:"level"`
	Resource string `json:"resource"`
	Origin   string `json:"origin"`
	Message  string `json:"message"`
}

type analyzeResult struct {
	Files    int       `json:"files"`
	Findings []finding `json:"findings"`
}

// runAnalyze does what `istioctl analyze --use-kube=false --all-namespaces <files>` does
// (istioctl/pkg/analyze/analyze.go): every analyzer, the default resources it adds without a cluster, the files as one
// source.
func runAnalyze(o options, stdout, stderr io.Writer) int {
	if len(o.args) == 0 {
		fmt.Fprintln(stderr, "verify analyze: name the files or folders to analyze")
		return 2
	}
	files, err := manifestFiles(o.args)
	if err != nil {
		fmt.Fprintln(stderr, "verify analyze:", err)
		return 2
	}
	sa := local.NewIstiodAnalyzer(analyzers.AllCombined(), "", resource.Namespace("istio-system"), nil)
	// istioctl adds the default resources first; Istio's analyzer tests add them after the files. The first source
	// added decides which kinds files may hold (IstiodAnalyzer keeps one file source).
	addDefaults := func() bool {
		if err := sa.AddDefaultResources(); err != nil {
			fmt.Fprintln(stderr, "verify analyze:", err)
			return false
		}
		return true
	}
	if !o.runtime && !addDefaults() {
		return 2
	}
	var readers []local.ReaderSource
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			fmt.Fprintln(stderr, "verify analyze:", err)
			return 2
		}
		defer fh.Close()
		readers = append(readers, local.ReaderSource{Name: f, Reader: fh})
	}
	add := sa.AddReaderKubeSource
	if o.runtime {
		// istioctl leaves Services, Namespaces, Pods, Nodes and Secrets of files to the live cluster
		// (kuberesource.DefaultExcludedSchemas); Istio's analyzer tests read them from the files.
		add = sa.AddTestReaderKubeSource
	}
	if err := add(readers); err != nil {
		fmt.Fprintln(stderr, "verify analyze: reading the files:", err)
		return 2
	}
	if o.runtime && !addDefaults() {
		return 2
	}
	cancel := make(chan struct{})
	result, err := sa.Analyze(cancel)
	if err != nil {
		fmt.Fprintln(stderr, "verify analyze:", err)
		return 2
	}
	msgs := result.Messages.SortedDedupedCopy()
	res := analyzeResult{Files: len(files), Findings: []finding{}}
	failing := 0
	counts := map[string]int{}
	for i := range msgs {
		m := &msgs[i]
		f := finding{Code: m.Type.Code(), Level: m.Type.Level().String(), Message: fmt.Sprintf(m.Type.Template(), m.Parameters...)}
		if m.Resource != nil {
			f.Resource = m.Resource.Metadata.Schema.Kind() + " " + m.Resource.Metadata.FullName.String()
			f.Origin = strings.TrimSpace(strings.Trim(strings.TrimSpace(m.Origin()), "()"))
		}
		if m.Type.Level().IsWorseThanOrEqualTo(diag.Warning) {
			failing++
		}
		counts[f.Level]++
		res.Findings = append(res.Findings, f)
	}
	sort.SliceStable(res.Findings, func(i, j int) bool {
		a, b := res.Findings[i], res.Findings[j]
		if a.Resource != b.Resource {
			return a.Resource < b.Resource
		}
		return a.Code < b.Code
	})
	if o.json {
		printJSON(stdout, res)
	} else {
		for _, f := range res.Findings {
			fmt.Fprintf(stdout, "%s [%s] (%s) %s\n", f.Level, f.Code, f.Resource, f.Message)
		}
		fmt.Fprintf(stdout, "analyze: %s in %s (%d errors, %d warnings, %d info)\n", plural(len(res.Findings), "finding"),
			plural(res.Files, "file"), counts["Error"], counts["Warning"], counts["Info"])
	}
	if failing > 0 {
		return 1
	}
	return 0
}
