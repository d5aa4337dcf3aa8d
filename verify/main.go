// Command verify judges manifests with Istio's and Kubernetes' own code: the admission checks a cluster runs
// (validate), istioctl analyze's analyzers offline (analyze), and the Envoy configuration istiod would push, with
// Envoy's answer to given requests (routes). docs/verification.md describes the contract.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	_ "github.com/cdk8s-istio-canary/verify/internal/quiet"
	"istio.io/istio/pkg/log"
)

const usage = `usage: verify <command> [flags] <files or folders>...

commands:
  validate [--crds DIR]... [--experimental] <paths>...   admission checks: CRD schemas with CEL, Istio's webhook, core kinds
  analyze [--runtime-resources] <paths>...                istioctl analyze --use-kube=false, all namespaces
  routes <paths>... <requests.json>                       Envoy routes from istiod (pilot) and Envoy's answer per request

flags:
  --json   one JSON document on stdout instead of text
exit: 0 clean, 1 findings (validate: any problem; analyze: a warning or error), 2 bad usage or unreadable input
VERIFY_DEBUG=1 prints each proxy's listeners to stderr (routes)`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// quietIstio keeps Istio's and Kubernetes' loggers off our output: the tool prints only its own results.
func quietIstio() {
	o := log.DefaultOptions()
	o.SetDefaultOutputLevel(log.DefaultScopeName, log.NoneLevel)
	for _, s := range log.Scopes() {
		s.SetOutputLevel(log.NoneLevel)
	}
	o.OutputPaths = []string{}
	o.ErrorOutputPaths = []string{}
	_ = log.Configure(o)
	for _, s := range log.Scopes() {
		s.SetOutputLevel(log.NoneLevel)
	}
}

type options struct {
	json         bool
	crdDirs      []string
	experimental bool
	runtime      bool
	args         []string
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func parse(cmd string, argv []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	var crds stringList
	fs.BoolVar(&o.json, "json", false, "JSON output")
	fs.Var(&crds, "crds", "folder of CRD files (repeatable; default $CRD_DIR, else ../shared/crds)")
	fs.BoolVar(&o.experimental, "experimental", false, "validate Gateway API kinds against the experimental channel")
	fs.BoolVar(&o.runtime, "runtime-resources", false, "analyze: read Services, Namespaces, Pods and Secrets from the files too, as Istio's analyzer tests do")
	// Flags may follow the paths, as in `verify validate manifests --json`.
	var rest []string
	for len(argv) > 0 {
		if err := fs.Parse(argv); err != nil {
			return o, err
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		argv = fs.Args()[1:]
	}
	o.crdDirs = crds
	o.args = rest
	return o, nil
}

func run(argv []string, stdout, stderr io.Writer) int {
	if len(argv) == 0 || argv[0] == "-h" || argv[0] == "--help" || argv[0] == "help" {
		fmt.Fprintln(stderr, usage)
		if len(argv) == 0 {
			return 2
		}
		return 0
	}
	quietIstio()
	cmd := argv[0]
	o, err := parse(cmd, argv[1:], stderr)
	if err != nil {
		return 2
	}
	switch cmd {
	case "validate":
		return runValidate(o, stdout, stderr)
	case "analyze":
		return runAnalyze(o, stdout, stderr)
	case "routes":
		return runRoutes(o, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "verify: unknown command %q\n%s\n", cmd, usage)
		return 2
	}
}

func printJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// reexecWith runs this command again with one more environment variable, for settings Istio reads when it starts.
func reexecWith(env string, stdout, stderr io.Writer) int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(stderr, "verify:", err)
		return 2
	}
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Env = append(os.Environ(), env)
	cmd.Stdout, cmd.Stderr, cmd.Stdin = stdout, stderr, os.Stdin
	if err := cmd.Run(); err != nil {
		if exit, ok := err.(*exec.ExitError); ok {
			return exit.ExitCode()
		}
		fmt.Fprintln(stderr, "verify:", err)
		return 2
	}
	return 0
}
