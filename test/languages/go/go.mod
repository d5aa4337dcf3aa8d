// The README's release in Go, as a user's module: cdk8s, constructs and the jsii runtime from the Go module proxy,
// cdk8s-istio-canary from the module source that `npx projen package-all` writes (dist/go/cdk8sistiocanary, whose
// go.mod names the module below: no /vN suffix while the version is 0.x or 1.x). test/languages/run.sh runs it.
module github.com/cdk8s-istio-canary/cdk8s-istio-canary/test/languages/go

go 1.25

require (
	github.com/aws/constructs-go/constructs/v10 v10.3.0
	github.com/aws/jsii-runtime-go v1.140.0
	github.com/cdk8s-istio-canary/cdk8s-istio-canary-go/cdk8sistiocanary v0.1.0
	github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2 v2.70.0
)

replace github.com/cdk8s-istio-canary/cdk8s-istio-canary-go/cdk8sistiocanary => ../../../dist/go/cdk8sistiocanary
