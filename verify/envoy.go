package main

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpoint "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	fault "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/fault/v3"
	matcher "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	envoytype "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"google.golang.org/protobuf/types/known/durationpb"

	"istio.io/istio/pilot/pkg/simulation"
)

// routeAnswer is Envoy's answer to one request from the configuration istiod generated.
type routeAnswer struct {
	Request      routeRequest       `json:"request"`
	Status       string             `json:"status"`
	Clusters     map[string]float64 `json:"clusters"`
	Unhealthy    []string           `json:"unhealthy,omitempty"` // clusters with no healthy endpoint (503 UH)
	Missing      []string           `json:"missing,omitempty"`   // clusters the proxy does not have (503 NC)
	Port         int                `json:"port,omitempty"`
	Listener     string             `json:"listener,omitempty"`
	RouteConfig  string             `json:"routeConfig,omitempty"`
	VirtualHost  string             `json:"virtualHost,omitempty"`
	Route        string             `json:"route,omitempty"`
	Timeout      string             `json:"timeout,omitempty"`
	Retries      *retryAnswer       `json:"retries,omitempty"`
	Fault        *faultAnswer       `json:"fault,omitempty"`
	Mirror       []mirrorAnswer     `json:"mirror,omitempty"`
	Redirect     *redirectAnswer    `json:"redirect,omitempty"`
	Rewrite      *rewriteAnswer     `json:"rewrite,omitempty"`
	DirectStatus int                `json:"directResponse,omitempty"`
	Note         string             `json:"note,omitempty"`
}

type retryAnswer struct {
	Attempts      uint32 `json:"attempts"`
	PerTryTimeout string `json:"perTryTimeout,omitempty"`
	RetryOn       string `json:"retryOn,omitempty"`
}

type faultAnswer struct {
	AbortStatus  uint32  `json:"abortStatus,omitempty"`
	AbortPercent float64 `json:"abortPercent,omitempty"`
	Delay        string  `json:"delay,omitempty"`
	DelayPercent float64 `json:"delayPercent,omitempty"`
}

type mirrorAnswer struct {
	Cluster string  `json:"cluster"`
	Percent float64 `json:"percent"`
}

type redirectAnswer struct {
	Scheme string `json:"scheme,omitempty"`
	Host   string `json:"host,omitempty"`
	Port   uint32 `json:"port,omitempty"`
	Path   string `json:"path,omitempty"`
	Prefix string `json:"prefix,omitempty"`
}

type rewriteAnswer struct {
	Prefix       string `json:"prefix,omitempty"`
	Regex        string `json:"regex,omitempty"`
	Substitution string `json:"substitution,omitempty"`
	Host         string `json:"host,omitempty"`
}

func (a routeAnswer) text() string {
	r := a.Request
	var b strings.Builder
	via := "mesh"
	if r.Gateway != "" {
		via = "gateway " + r.Gateway
	} else if r.From != nil {
		via = "mesh from " + r.From.Namespace
		if len(r.From.Labels) > 0 {
			via += " " + strings.Join(sortedPairs(r.From.Labels), ",")
		}
	}
	method := r.Method
	if method == "" {
		method = "GET"
	}
	path := r.Path
	if path == "" {
		path = "/"
	}
	fmt.Fprintf(&b, "%s %s:%d%s", method, r.Host, a.Port, path)
	for _, h := range sortedPairs(r.Headers) {
		fmt.Fprintf(&b, " [%s]", strings.Replace(h, "=", ": ", 1))
	}
	fmt.Fprintf(&b, " via %s -> %s", via, a.Status)
	if a.Route != "" {
		fmt.Fprintf(&b, " (route %q)", a.Route)
	}
	names := make([]string, 0, len(a.Clusters))
	for c := range a.Clusters {
		names = append(names, c)
	}
	sort.Strings(names)
	failing := map[string]string{}
	for _, c := range a.Missing {
		failing[c] = " (503 NC: the proxy has no such cluster)"
	}
	for _, c := range a.Unhealthy {
		failing[c] = " (503 UH: no healthy endpoint)"
	}
	for _, c := range names {
		fmt.Fprintf(&b, "\n  %g%% %s%s", a.Clusters[c], c, failing[c])
	}
	fields := func(pairs ...string) string {
		var out []string
		for i := 0; i+1 < len(pairs); i += 2 {
			if pairs[i+1] != "" && pairs[i+1] != "0" {
				out = append(out, pairs[i]+" "+pairs[i+1])
			}
		}
		return strings.Join(out, ", ")
	}
	if a.Redirect != nil {
		fmt.Fprintf(&b, "\n  redirect: %s", fields("scheme", a.Redirect.Scheme, "host", a.Redirect.Host,
			"port", fmt.Sprint(a.Redirect.Port), "path", a.Redirect.Path, "prefix", a.Redirect.Prefix))
	}
	if a.Rewrite != nil {
		fmt.Fprintf(&b, "\n  rewrite: %s", fields("prefix", a.Rewrite.Prefix, "regex", a.Rewrite.Regex,
			"substitution", a.Rewrite.Substitution, "host", a.Rewrite.Host))
	}
	switch a.Timeout {
	case "":
	case "0s":
		b.WriteString("\n  timeout: none")
	default:
		fmt.Fprintf(&b, "\n  timeout: %s", a.Timeout)
	}
	if a.Retries != nil {
		fmt.Fprintf(&b, "\n  retries: %d%s", a.Retries.Attempts, map[bool]string{true: ", per try " + a.Retries.PerTryTimeout, false: ""}[a.Retries.PerTryTimeout != ""])
	}
	if f := a.Fault; f != nil {
		if f.AbortStatus != 0 {
			fmt.Fprintf(&b, "\n  fault: abort %d for %g%%", f.AbortStatus, f.AbortPercent)
		}
		if f.Delay != "" {
			fmt.Fprintf(&b, "\n  fault: delay %s for %g%%", f.Delay, f.DelayPercent)
		}
	}
	for _, m := range a.Mirror {
		fmt.Fprintf(&b, "\n  mirror: %g%% to %s", m.Percent, m.Cluster)
	}
	if a.Note != "" {
		fmt.Fprintf(&b, "\n  note: %s", a.Note)
	}
	return b.String()
}

func findVirtualHost(sim *simulation.Simulation, rcName, vhName string) *route.VirtualHost {
	for _, rc := range sim.Routes {
		if rc.Name != rcName {
			continue
		}
		for _, vh := range rc.VirtualHosts {
			if vh.Name == vhName {
				return vh
			}
		}
	}
	return nil
}

// matchRoute is Envoy's route selection within a virtual host: the first route whose path, headers and query
// parameters all match (envoy/source/common/router/config_impl.cc, header_utility.cc).
func matchRoute(vh *route.VirtualHost, method, host, rawPath string, headers http.Header) *route.Route {
	pathOnly, query, _ := strings.Cut(rawPath, "?")
	if i := strings.Index(pathOnly, "#"); i >= 0 {
		pathOnly = pathOnly[:i]
	}
	params, _ := url.ParseQuery(query)
	get := func(name string) (string, bool) {
		switch strings.ToLower(name) {
		case ":method":
			return method, true
		case ":authority", "host":
			return host, true
		case ":path":
			return rawPath, true
		case ":scheme":
			return "http", true
		}
		v, ok := headers[http.CanonicalHeaderKey(name)]
		if !ok {
			return "", false
		}
		return strings.Join(v, ","), true
	}
	for _, r := range vh.Routes {
		m := r.GetMatch()
		if !pathMatches(m, rawPath, pathOnly) {
			continue
		}
		ok := true
		for _, h := range m.GetHeaders() {
			if !headerMatches(h, get) {
				ok = false
				break
			}
		}
		for _, q := range m.GetQueryParameters() {
			if !ok {
				break
			}
			vals, present := params[q.GetName()]
			switch {
			case q.GetPresentMatch():
				ok = present
			case q.GetStringMatch() != nil:
				ok = present && stringMatches(q.GetStringMatch(), vals[0])
			default:
				ok = present
			}
		}
		if ok {
			return r
		}
	}
	return nil
}

func pathMatches(m *route.RouteMatch, rawPath, pathOnly string) bool {
	caseSensitive := m.GetCaseSensitive() == nil || m.GetCaseSensitive().GetValue()
	fold := func(s string) string {
		if caseSensitive {
			return s
		}
		return strings.ToLower(s)
	}
	switch ps := m.GetPathSpecifier().(type) {
	case *route.RouteMatch_Prefix:
		return strings.HasPrefix(fold(rawPath), fold(ps.Prefix))
	case *route.RouteMatch_Path:
		return fold(pathOnly) == fold(ps.Path)
	case *route.RouteMatch_SafeRegex:
		return fullMatch(ps.SafeRegex.GetRegex(), pathOnly)
	case *route.RouteMatch_PathSeparatedPrefix:
		p := fold(ps.PathSeparatedPrefix)
		q := fold(pathOnly)
		return q == p || strings.HasPrefix(q, p+"/")
	case nil:
		return true
	default:
		return false
	}
}

func fullMatch(re, s string) bool {
	compiled, err := regexp.Compile("^(?:" + re + ")$")
	return err == nil && compiled.MatchString(s)
}

func stringMatches(sm *matcher.StringMatcher, v string) bool {
	ic := sm.GetIgnoreCase()
	cmp := func(s string) string {
		if ic {
			return strings.ToLower(s)
		}
		return s
	}
	switch p := sm.GetMatchPattern().(type) {
	case *matcher.StringMatcher_Exact:
		return cmp(v) == cmp(p.Exact)
	case *matcher.StringMatcher_Prefix:
		return strings.HasPrefix(cmp(v), cmp(p.Prefix))
	case *matcher.StringMatcher_Suffix:
		return strings.HasSuffix(cmp(v), cmp(p.Suffix))
	case *matcher.StringMatcher_Contains:
		return strings.Contains(cmp(v), cmp(p.Contains))
	case *matcher.StringMatcher_SafeRegex:
		return fullMatch(p.SafeRegex.GetRegex(), v)
	}
	return false
}

// headerMatches follows Envoy's HeaderUtility::matchHeaders, including its handling of absent headers.
func headerMatches(h *route.HeaderMatcher, get func(string) (string, bool)) bool {
	v, present := get(h.GetName())
	_, isPresent := h.GetHeaderMatchSpecifier().(*route.HeaderMatcher_PresentMatch)
	if !present && !h.GetTreatMissingHeaderAsEmpty() {
		if h.GetInvertMatch() {
			return isPresent && h.GetPresentMatch()
		}
		return isPresent && !h.GetPresentMatch()
	}
	var match bool
	switch s := h.GetHeaderMatchSpecifier().(type) {
	case *route.HeaderMatcher_PresentMatch:
		match = s.PresentMatch
	case *route.HeaderMatcher_StringMatch:
		match = stringMatches(s.StringMatch, v)
	case *route.HeaderMatcher_ExactMatch:
		match = v == s.ExactMatch
	case *route.HeaderMatcher_PrefixMatch:
		match = strings.HasPrefix(v, s.PrefixMatch)
	case *route.HeaderMatcher_SuffixMatch:
		match = strings.HasSuffix(v, s.SuffixMatch)
	case *route.HeaderMatcher_ContainsMatch:
		match = strings.Contains(v, s.ContainsMatch)
	case *route.HeaderMatcher_SafeRegexMatch:
		match = fullMatch(s.SafeRegexMatch.GetRegex(), v)
	case nil:
		match = true
	}
	return match != h.GetInvertMatch()
}

func duration(d *durationpb.Duration) string {
	if d == nil {
		return ""
	}
	return d.AsDuration().String()
}

func percentOf(p *envoytype.FractionalPercent) float64 {
	if p == nil {
		return 100
	}
	den := 100.0
	switch p.GetDenominator() {
	case envoytype.FractionalPercent_TEN_THOUSAND:
		den = 10000
	case envoytype.FractionalPercent_MILLION:
		den = 1000000
	}
	return round2(float64(p.GetNumerator()) * 100 / den)
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// describeRoute fills the answer from the route istiod generated: destinations with weights in percent, or the
// redirect or direct response, and the route's options.
func describeRoute(a *routeAnswer, rt *route.Route) {
	a.Route = rt.GetName()
	if cfg, ok := rt.GetTypedPerFilterConfig()["envoy.filters.http.fault"]; ok {
		var f fault.HTTPFault
		if err := cfg.UnmarshalTo(&f); err == nil {
			fa := &faultAnswer{}
			if ab := f.GetAbort(); ab != nil {
				fa.AbortStatus = ab.GetHttpStatus()
				fa.AbortPercent = percentOf(ab.GetPercentage())
			}
			if d := f.GetDelay(); d != nil {
				fa.Delay = duration(d.GetFixedDelay())
				fa.DelayPercent = percentOf(d.GetPercentage())
			}
			a.Fault = fa
		}
	}
	switch act := rt.GetAction().(type) {
	case *route.Route_Redirect:
		rd := act.Redirect
		codes := map[route.RedirectAction_RedirectResponseCode]string{
			route.RedirectAction_MOVED_PERMANENTLY: "301", route.RedirectAction_FOUND: "302",
			route.RedirectAction_SEE_OTHER: "303", route.RedirectAction_TEMPORARY_REDIRECT: "307",
			route.RedirectAction_PERMANENT_REDIRECT: "308",
		}
		a.Status = codes[rd.GetResponseCode()]
		a.Redirect = &redirectAnswer{Scheme: rd.GetSchemeRedirect(), Host: rd.GetHostRedirect(), Port: rd.GetPortRedirect(),
			Path: rd.GetPathRedirect(), Prefix: rd.GetPrefixRewrite()}
		if rd.GetHttpsRedirect() {
			a.Redirect.Scheme = "https"
		}
	case *route.Route_DirectResponse:
		a.DirectStatus = int(act.DirectResponse.GetStatus())
		a.Status = fmt.Sprint(act.DirectResponse.GetStatus())
	case *route.Route_Route:
		ra := act.Route
		switch cs := ra.GetClusterSpecifier().(type) {
		case *route.RouteAction_Cluster:
			a.Clusters[cs.Cluster] = 100
		case *route.RouteAction_WeightedClusters:
			total := 0.0
			for _, c := range cs.WeightedClusters.GetClusters() {
				total += float64(c.GetWeight().GetValue())
			}
			for _, c := range cs.WeightedClusters.GetClusters() {
				if w := float64(c.GetWeight().GetValue()); w > 0 && total > 0 {
					a.Clusters[c.GetName()] += round2(w * 100 / total)
				}
			}
		}
		if ra.GetTimeout() != nil {
			a.Timeout = duration(ra.GetTimeout())
		}
		if rp := ra.GetRetryPolicy(); rp != nil {
			a.Retries = &retryAnswer{Attempts: rp.GetNumRetries().GetValue(), PerTryTimeout: duration(rp.GetPerTryTimeout()), RetryOn: rp.GetRetryOn()}
		}
		for _, m := range ra.GetRequestMirrorPolicies() {
			pct := 100.0
			if rf := m.GetRuntimeFraction(); rf != nil {
				pct = percentOf(rf.GetDefaultValue())
			}
			a.Mirror = append(a.Mirror, mirrorAnswer{Cluster: m.GetCluster(), Percent: pct})
		}
		rw := &rewriteAnswer{Prefix: ra.GetPrefixRewrite(), Host: ra.GetHostRewriteLiteral()}
		if rr := ra.GetRegexRewrite(); rr != nil {
			rw.Regex = rr.GetPattern().GetRegex()
			rw.Substitution = rr.GetSubstitution()
		}
		if *rw != (rewriteAnswer{}) {
			a.Rewrite = rw
		}
	}
	if a.Fault != nil && a.Fault.AbortStatus != 0 && a.Fault.AbortPercent >= 100 {
		a.Status = fmt.Sprintf("%d FI", a.Fault.AbortStatus)
	}
}

// finish judges the destinations: a cluster the proxy lacks is 503 NC, an EDS cluster without a healthy endpoint
// 503 UH; static clusters (PassthroughCluster, BlackHoleCluster) are the proxy's own.
func finish(a *routeAnswer, cache *proxyCache) {
	sim := cache.sim
	known := map[string]bool{}
	for _, c := range sim.Clusters {
		known[c.GetName()] = true
	}
	eps := cache.endpoints
	served := 0
	for c := range a.Clusters {
		switch {
		case !known[c]:
			a.Missing = append(a.Missing, c)
		case eps != nil && isEDS(sim, c) && eps[c] == 0:
			a.Unhealthy = append(a.Unhealthy, c)
		default:
			served++
		}
	}
	sort.Strings(a.Missing)
	sort.Strings(a.Unhealthy)
	if a.Status != "" {
		return
	}
	switch {
	case served > 0 || len(a.Clusters) == 0:
		if _, ok := a.Clusters["BlackHoleCluster"]; ok && len(a.Clusters) == 1 {
			a.Status = "502 BH"
		} else {
			a.Status = "routed"
		}
	case len(a.Missing) > 0:
		a.Status = "503 NC"
	default:
		a.Status = "503 UH"
	}
}

func isEDS(sim *simulation.Simulation, name string) bool {
	for _, c := range sim.Clusters {
		if c.GetName() == name {
			return c.GetType().String() == "EDS"
		}
	}
	return false
}

func healthyEndpoints(cla []*endpoint.ClusterLoadAssignment) map[string]int {
	out := map[string]int{}
	for _, c := range cla {
		n := 0
		for _, l := range c.GetEndpoints() {
			for _, e := range l.GetLbEndpoints() {
				if hs := e.GetHealthStatus(); hs == core.HealthStatus_HEALTHY || hs == core.HealthStatus_UNKNOWN {
					n++
				}
			}
		}
		out[c.GetClusterName()] = n
	}
	return out
}
