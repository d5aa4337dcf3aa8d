package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"

	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"

	"istio.io/istio/pilot/pkg/features"
	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pilot/pkg/simulation"
	"istio.io/istio/pilot/test/xds"
	"istio.io/istio/pilot/test/xdstest"
	"istio.io/istio/pkg/config"
	"istio.io/istio/pkg/config/schema/gvk"
	"istio.io/istio/pkg/test"
)

// routeRequest is one request of requests.json (docs/verification.md).
type routeRequest struct {
	Name    string            `json:"name,omitempty"`
	Host    string            `json:"host"`
	Port    int               `json:"port,omitempty"`
	Path    string            `json:"path,omitempty"`
	Method  string            `json:"method,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	From    *routeCaller      `json:"from,omitempty"`
	Gateway string            `json:"gateway,omitempty"`
}

type routeCaller struct {
	Namespace string            `json:"namespace"`
	Labels    map[string]string `json:"labels,omitempty"`
}

type routesResult struct {
	Files   int           `json:"files"`
	Answers []routeAnswer `json:"answers"`
}

func runRoutes(o options, stdout, stderr io.Writer) int {
	if len(o.args) < 2 {
		fmt.Fprintln(stderr, "verify routes: name the manifests (files or folders) and then the requests file")
		return 2
	}
	reqFile := o.args[len(o.args)-1]
	data, err := os.ReadFile(reqFile)
	if err != nil {
		fmt.Fprintln(stderr, "verify routes:", err)
		return 2
	}
	var requests []routeRequest
	if err := json.Unmarshal(data, &requests); err != nil {
		fmt.Fprintf(stderr, "verify routes: %s: a JSON list of requests is expected: %v\n", reqFile, err)
		return 2
	}
	for i, r := range requests {
		if r.Host == "" {
			fmt.Fprintf(stderr, "verify routes: %s: request %d has no host\n", reqFile, i+1)
			return 2
		}
		if r.From != nil && r.Gateway != "" {
			fmt.Fprintf(stderr, "verify routes: %s: request %d names both from and gateway; give one\n", reqFile, i+1)
			return 2
		}
	}
	in, err := readInputs(o, o.args[:len(o.args)-1])
	if err != nil {
		fmt.Fprintln(stderr, "verify routes:", err)
		return 2
	}
	w, err := buildWorld(in.docs, in.schemas)
	if err != nil {
		fmt.Fprintln(stderr, "verify routes:", err)
		return 2
	}
	if w.ambient && os.Getenv("PILOT_ENABLE_AMBIENT") == "" {
		// istiod reads PILOT_ENABLE_AMBIENT when it starts (pilot/pkg/features/ambient.go): run again with it set, as
		// the ambient profile installs istiod.
		return reexecWith("PILOT_ENABLE_AMBIENT=true", stdout, stderr)
	}
	var answers []routeAnswer
	// Istio's fake discovery server takes a test.Failer; test.Wrap gives one that turns a failure into an error.
	err = test.Wrap(func(t test.Failer) {
		s := xds.NewFakeDiscoveryServer(t, xds.FakeOptions{Configs: w.configs, KubernetesObjects: w.kube})
		// One proxy's configuration at a time (a proxy sees every Service: holding all of them at once grows with
		// the square of the manifests), requests grouped by proxy, answers in the requests' order.
		answers = make([]routeAnswer, len(requests))
		order := make([]int, len(requests))
		keys := make([]string, len(requests))
		for i, r := range requests {
			order[i] = i
			_, keys[i], _ = w.proxyFor(r)
		}
		sort.SliceStable(order, func(a, b int) bool { return keys[order[a]] < keys[order[b]] })
		cache := &proxyCache{}
		for _, i := range order {
			answers[i] = w.answer(s, cache, requests[i])
		}
	})
	if err != nil {
		fmt.Fprintln(stderr, "verify routes: Istio's pilot failed on these manifests:", err)
		return 2
	}
	res := routesResult{Files: len(in.files), Answers: answers}
	if o.json {
		printJSON(stdout, res)
		return 0
	}
	counts := map[string]int{}
	for _, a := range answers {
		counts[a.Status]++
		fmt.Fprintln(stdout, a.text())
	}
	var parts []string
	for k, n := range counts {
		parts = append(parts, fmt.Sprintf("%d %s", n, k))
	}
	sort.Strings(parts)
	fmt.Fprintf(stdout, "routes: %s in %s (%s)\n", plural(len(answers), "request"), plural(len(in.files), "file"), strings.Join(parts, ", "))
	return 0
}

// proxyFor returns the proxy a request goes through: a sidecar in the caller's namespace with its labels, or the
// gateway's pod.
func (w *world) proxyFor(r routeRequest) (*model.Proxy, string, error) {
	if r.Gateway == "" {
		ns, labels := "default", map[string]string{}
		if r.From != nil {
			if r.From.Namespace != "" {
				ns = r.From.Namespace
			}
			if r.From.Labels != nil {
				labels = r.From.Labels
			}
		}
		key := "mesh|" + ns + "|" + fmt.Sprint(sortedPairs(labels))
		return &model.Proxy{
			Type:            model.SidecarProxy,
			ConfigNamespace: ns,
			Labels:          labels,
			IPAddresses:     []string{"10.254.0.1"},
			Metadata:        &model.NodeMetadata{Labels: labels, Namespace: ns},
		}, key, nil
	}
	ns, name, found := strings.Cut(r.Gateway, "/")
	if !found {
		return nil, "", fmt.Errorf("gateway %q: write it as <namespace>/<name>", r.Gateway)
	}
	key := "gateway|" + r.Gateway
	for _, c := range w.configs {
		if c.GroupVersionKind.Kind == gvk.Gateway.Kind && c.GroupVersionKind.Group == gvk.Gateway.Group &&
			c.Namespace == ns && c.Name == name {
			return w.gatewayProxy(selectorOf(c), "", key)
		}
	}
	if cls, ok := w.kubeGateways[ns+"/"+name]; ok {
		if cls == "istio-waypoint" {
			pod, _ := w.gatewayPod(map[string]string{"gateway.networking.k8s.io/gateway-name": name}, ns)
			if pod == nil {
				return nil, "", fmt.Errorf("no pod of waypoint %s", r.Gateway)
			}
			return &model.Proxy{
				Type:            model.Waypoint,
				ConfigNamespace: ns,
				Labels:          pod.Labels,
				IPAddresses:     []string{pod.Status.PodIP},
				Metadata:        &model.NodeMetadata{Labels: pod.Labels, Namespace: ns},
			}, key, nil
		}
		return w.gatewayProxy(map[string]string{"gateway.networking.k8s.io/gateway-name": name}, ns, key)
	}
	return nil, "", fmt.Errorf("no Gateway %s in the manifests", r.Gateway)
}

// gatewayProxy is the router proxy of the gateway pod the selector picks (Istio's installation's or one the
// deployment controller made), with the pod's address, so istiod binds the gateway's config to it.
func (w *world) gatewayProxy(selector map[string]string, ns, key string) (*model.Proxy, string, error) {
	pod, _ := w.gatewayPod(selector, ns)
	if pod == nil {
		return nil, "", fmt.Errorf("no gateway pod has the labels %v: the Gateway selects no workload", sortedPairs(selector))
	}
	return &model.Proxy{
		Type:            model.Router,
		ConfigNamespace: pod.Namespace,
		Labels:          pod.Labels,
		IPAddresses:     []string{pod.Status.PodIP},
		Metadata:        &model.NodeMetadata{Labels: pod.Labels, Namespace: pod.Namespace},
	}, key, nil
}

func selectorOf(c config.Config) map[string]string {
	type withSelector interface{ GetSelector() map[string]string }
	if s, ok := c.Spec.(withSelector); ok {
		return s.GetSelector()
	}
	return map[string]string{}
}

func sortedPairs(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// proxyCache holds the configuration of the last proxy asked about.
type proxyCache struct {
	key       string
	sim       *simulation.Simulation
	endpoints map[string]int
}

func (w *world) answer(s *xds.FakeDiscoveryServer, cache *proxyCache, r routeRequest) routeAnswer {
	a := routeAnswer{Request: r, Clusters: map[string]float64{}}
	proxy, key, err := w.proxyFor(r)
	if err != nil {
		a.Status = "error"
		a.Note = err.Error()
		return a
	}
	if cache.key != key || cache.sim == nil {
		proxy = s.SetupProxy(proxy)
		// What simulation.NewSimulation builds, without its *testing.T (used only to report its own failures).
		listeners := s.Listeners(proxy)
		cache.key = key
		cache.sim = &simulation.Simulation{Listeners: listeners, Clusters: s.Clusters(proxy), Routes: s.RoutesFromListeners(proxy, listeners)}
		if os.Getenv("VERIFY_DEBUG") != "" {
			var names []string
			for _, l := range listeners {
				names = append(names, l.GetName())
			}
			fmt.Fprintf(os.Stderr, "verify routes: proxy %s (%s %s %v): listeners %v, gateways %v, ambient %v, service targets %d, waypoint services %d\n",
				key, proxy.Type, proxy.ConfigNamespace, proxy.IPAddresses, names, proxy.MergedGateway != nil, features.EnableAmbient,
				len(proxy.ServiceTargets), len(s.PushContext().ServicesForWaypoint(model.WaypointKeyForProxy(proxy))))
		}
		cache.endpoints = healthyEndpoints(s.Endpoints(proxy))
	}
	sim := cache.sim
	path := r.Path
	if path == "" {
		path = "/"
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	headers := http.Header{}
	for k, v := range r.Headers {
		headers.Set(k, v)
	}
	call := simulation.Call{Path: path, HostHeader: r.Host, Headers: headers, Protocol: simulation.HTTP}
	if r.Gateway != "" {
		call.CallMode = simulation.CallModeGateway
		call.Port = r.Port
		if call.Port == 0 {
			call.Port = 80
		}
		// The client reaches the gateway's Service port; the pod listens on its target port.
		if _, ports := w.gatewayPod(proxy.Labels, proxy.ConfigNamespace); ports[call.Port] != 0 {
			call.Port = ports[call.Port]
		}
	} else {
		call.CallMode = simulation.CallModeOutbound
		ns := "default"
		if r.From != nil && r.From.Namespace != "" {
			ns = r.From.Namespace
		}
		svc := w.serviceFor(r.Host, ns)
		call.Port = r.Port
		if svc != nil {
			call.Address = svc.clusterIP
			if call.Port == 0 && len(svc.ports) == 1 {
				call.Port = svc.ports[0]
			}
		}
		if call.Port == 0 {
			a.Status = "error"
			a.Note = "give the request's port: the host has no Service with a single port in the manifests"
			return a
		}
	}
	a.Port = call.Port
	if r.Gateway != "" && r.Port != 0 {
		a.Port = r.Port
	}
	if proxy.Type == model.Waypoint {
		w.answerAtWaypoint(&a, cache, r, method, call)
		return a
	}
	res, err := runSimulation(sim, call)
	if err != nil {
		a.Status = "error"
		a.Note = err.Error()
		return a
	}
	a.Listener = res.ListenerMatched
	a.RouteConfig = res.RouteConfigMatched
	a.VirtualHost = res.VirtualHostMatched
	switch res.Error {
	case nil, simulation.ErrNoRoute:
	case simulation.ErrNoListener, simulation.ErrNoFilterChain:
		if r.Gateway != "" {
			a.Status = "no listener"
			a.Note = fmt.Sprintf("the gateway has no listener on port %d", call.Port)
		} else {
			a.Status = "passthrough"
			a.Note = fmt.Sprintf("no listener for %s:%d: the sidecar forwards to the original destination", r.Host, call.Port)
		}
		return a
	case simulation.ErrNoVirtualHost:
		a.Status = "404 NR"
		a.Note = "no virtual host for " + r.Host
		return a
	case simulation.ErrTLSRedirect:
		a.Status = "301"
		a.Redirect = &redirectAnswer{Scheme: "https"}
		return a
	default:
		a.Status = "error"
		a.Note = res.Error.Error()
		return a
	}
	if res.RouteConfigMatched == "" {
		// TCP or TLS: the filter chain's cluster.
		if res.ClusterMatched != "" {
			a.Clusters[res.ClusterMatched] = 100
		}
		finish(&a, cache)
		return a
	}
	vh := findVirtualHost(sim, res.RouteConfigMatched, res.VirtualHostMatched)
	if vh == nil {
		a.Status = "404 NR"
		return a
	}
	rt := matchRoute(vh, method, r.Host, path, headers)
	if rt == nil {
		a.Status = "404 NR"
		a.Note = "no route of virtual host " + vh.Name + " matches"
		return a
	}
	describeRoute(&a, rt)
	if a.Status == "" {
		finish(&a, cache)
	}
	return a
}

// runSimulation matches the listener, filter chain and virtual host as Envoy would (Istio's pilot/pkg/simulation);
// the simulation reports what it cannot model by failing its test, which surfaces here as a panic.
func runSimulation(sim *simulation.Simulation, call simulation.Call) (res simulation.Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("Istio's simulation cannot model this request: %v", r)
		}
	}()
	return sim.Run(call), nil
}

// answerAtWaypoint follows a request a waypoint receives for a Service (HBONE, then its internal listener
// main_internal): the filter chain istiod builds per Service port, inbound-vip|<port>|http|<host>, and its routes.
func (w *world) answerAtWaypoint(a *routeAnswer, cache *proxyCache, r routeRequest, method string, call simulation.Call) {
	sim := cache.sim
	ns, _, _ := strings.Cut(r.Gateway, "/")
	svc := w.serviceFor(r.Host, ns)
	if svc == nil {
		a.Status = "error"
		a.Note = "the host is no Service in the manifests: a waypoint serves Services"
		return
	}
	host := svc.name + "." + svc.namespace + ".svc.cluster.local"
	port := r.Port
	if port == 0 && len(svc.ports) == 1 {
		port = svc.ports[0]
	}
	a.Port = port
	chain := fmt.Sprintf("inbound-vip|%d|http|%s", port, host)
	for _, l := range sim.Listeners {
		if l.GetName() != "main_internal" {
			continue
		}
		a.Listener = l.GetName()
		for _, fc := range l.GetFilterChains() {
			if fc.GetName() != chain {
				continue
			}
			hcm := xdstest.ExtractHTTPConnectionManager(nil, fc)
			if hcm == nil || hcm.GetRouteConfig() == nil {
				a.Status = "error"
				a.Note = "filter chain " + chain + " has no HTTP routes"
				return
			}
			rc := hcm.GetRouteConfig()
			a.RouteConfig = rc.GetName()
			vh := virtualHostFor(rc, r.Host, port)
			if vh == nil {
				a.Status = "404 NR"
				a.Note = "no virtual host for " + r.Host
				return
			}
			a.VirtualHost = vh.GetName()
			rt := matchRoute(vh, method, r.Host, call.Path, call.Headers)
			if rt == nil {
				a.Status = "404 NR"
				a.Note = "no route of " + chain + " matches"
				return
			}
			describeRoute(a, rt)
			if a.Status == "" {
				finish(a, cache)
			}
			return
		}
	}
	if os.Getenv("VERIFY_DEBUG") != "" {
		for _, l := range sim.Listeners {
			var names []string
			for _, fc := range l.GetFilterChains() {
				names = append(names, fc.GetName())
			}
			fmt.Fprintf(os.Stderr, "verify routes: waypoint listener %s: filter chains %v\n", l.GetName(), names)
		}
	}
	a.Status = "no listener"
	a.Note = "the waypoint has no filter chain " + chain + " (is the Service bound to this waypoint with istio.io/use-waypoint?)"
}

// virtualHostFor is Envoy's virtual host selection for an inline route configuration: an exact domain (the host
// or host:port), then the longest suffix wildcard, then the longest prefix wildcard, then "*".
func virtualHostFor(rc *route.RouteConfiguration, host string, port int) *route.VirtualHost {
	withPort := fmt.Sprintf("%s:%d", host, port)
	var best *route.VirtualHost
	bestRank, bestLen := 0, -1
	for _, vh := range rc.GetVirtualHosts() {
		for _, d := range vh.GetDomains() {
			rank, n := 0, len(d)
			switch {
			case d == host || d == withPort:
				rank = 4
			case d == "*":
				rank = 1
			case strings.HasPrefix(d, "*") && (strings.HasSuffix(host, d[1:]) || strings.HasSuffix(withPort, d[1:])):
				rank = 3
			case strings.HasSuffix(d, "*") && (strings.HasPrefix(host, d[:len(d)-1]) || strings.HasPrefix(withPort, d[:len(d)-1])):
				rank = 2
			}
			if rank > bestRank || rank == bestRank && rank > 0 && n > bestLen {
				best, bestRank, bestLen = vh, rank, n
			}
		}
	}
	return best
}
