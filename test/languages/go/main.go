// The README's release ("A release in a few lines") in Go, as a user of the Go module writes it.
//
//	go run . OUTDIR             writes OUTDIR/bookinfo.k8s.yaml, byte-identical to test/languages/reference.ts
//	REFUSE=1 go run . OUTDIR    weights adding to 110: prints the panic's type and message, exits 3
package main

import (
	"fmt"
	"os"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	canary "github.com/cdk8s-istio-canary/cdk8s-istio-canary-go/cdk8sistiocanary"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"
)

func build(outdir string, refuse bool) cdk8s.App {
	app := cdk8s.NewApp(&cdk8s.AppProps{Outdir: jsii.String(outdir)})
	var chart constructs.Construct = cdk8s.NewChart(app, jsii.String("bookinfo"), &cdk8s.ChartProps{Namespace: jsii.String("bookinfo")})

	reviews := canary.NewCanaryService(chart, jsii.String("reviews"), &canary.CanaryServiceProps{
		Port: jsii.Number(9080),
		Versions: &[]*canary.VersionProps{
			{Name: jsii.String("v1"), Image: jsii.String("registry.istio.io/release/examples-bookinfo-reviews-v1:1.20.3")},
			{Name: jsii.String("v2"), Image: jsii.String("registry.istio.io/release/examples-bookinfo-reviews-v2:1.20.3"), Replicas: jsii.Number(1)},
			{Name: jsii.String("v3"), Image: jsii.String("registry.istio.io/release/examples-bookinfo-reviews-v3:1.20.3")},
		},
		Weights: &map[string]*float64{"v1": jsii.Number(50), "v2": jsii.Number(10), "v3": jsii.Number(40)},
	})
	reviews.RouteHeader(jsii.String("end-user"), jsii.String("jason"), jsii.String("v2"), nil)
	reviews.AddRoute(&canary.RouteOptions{
		Name:  jsii.String("beta"),
		Match: &[]canary.Match{canary.Match_HeaderPrefix(jsii.String("version"), jsii.String("2"))},
		To:    &map[string]*float64{"v2": jsii.Number(50), "v3": jsii.Number(50)},
	})
	if refuse {
		reviews.ShiftWeights(&map[string]*float64{"v1": jsii.Number(90), "v2": jsii.Number(20)})
	} else {
		reviews.ShiftWeights(&map[string]*float64{"v1": jsii.Number(90), "v3": jsii.Number(10)})
	}

	gateway := canary.NewMeshGateway(chart, jsii.String("bookinfo-gateway"), &canary.MeshGatewayProps{
		Hosts: jsii.Strings("reviews.example.com"),
	})
	reviews.ExposeVia(gateway, nil)
	return app
}

func main() {
	defer jsii.Close()
	outdir := "dist/languages/go"
	if len(os.Args) > 1 {
		outdir = os.Args[1]
	}
	if os.Getenv("REFUSE") != "1" {
		build(outdir, false).Synth()
		return
	}
	code := func() (code int) {
		defer func() {
			// jsii turns an error thrown in the library into a panic whose value is an error.
			if r := recover(); r != nil {
				if err, ok := r.(error); ok {
					fmt.Printf("REFUSED panic(%T): %s\n", err, err.Error())
					code = 3
					return
				}
				fmt.Printf("REFUSED panic(%T), not an error: %v\n", r, r)
				code = 5
			}
		}()
		build(outdir, true).Synth()
		fmt.Println("NOT REFUSED")
		return 4
	}()
	// No jsii.Close() here: after a panic it reports "waitid: no child processes"; the runtime ends with this process.
	os.Exit(code)
}
