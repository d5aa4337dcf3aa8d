package main

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	"sigs.k8s.io/yaml"

	"istio.io/istio/pilot/pkg/config/kube/crd"
	"istio.io/istio/pkg/config"
	kubelib "istio.io/istio/pkg/kube"
)

// world is the cluster the manifests describe, as the API server and its controllers would make it: Services get
// cluster IPs, workloads get ready pods, Services get EndpointSlices, and istiod's built-in GatewayClasses exist.
type world struct {
	configs        []config.Config
	kube           []runtime.Object
	services       []*serviceInfo
	pods           []*corev1.Pod
	kubeGateways   map[string]string // ns/name -> class of the Gateway API Gateways
	extraServices  []*corev1.Service // what Istio's installation and deployment controller add
	serviceObjects []*corev1.Service // every Service, with its defaults and cluster IP
	ambient        bool              // a waypoint: istiod runs with ambient enabled, as the ambient profile installs it
}

type serviceInfo struct {
	namespace, name, clusterIP string
	ports                      []int
}

func buildWorld(docs []document, schemas *crdSchemas) (*world, error) {
	w := &world{kubeGateways: map[string]string{}}
	var istioYAML []string
	var services []*corev1.Service
	used, declared := map[string]bool{}, map[string]bool{}
	ambientNamespaces := map[string]bool{}
	classes := map[string]bool{}
	decode := kubelib.IstioCodec.UniversalDeserializer().Decode
	for _, d := range docs {
		obj := d.Obj.DeepCopy()
		group := obj.GroupVersionKind().Group
		if obj.GetNamespace() == "" && !clusterScoped[obj.GetKind()] && obj.GetKind() != "GatewayClass" {
			// kubectl apply puts objects without a namespace in the context's namespace: "default" here.
			obj.SetNamespace("default")
		}
		// The API server stores custom resources with their schema defaults (an HTTPRoute match's path, a
		// listener's allowedRoutes); istiod reads them so.
		schemas.applyDefaults(obj)
		if obj.GetKind() == "Namespace" && group == "" {
			// The API server labels every namespace with its name (NamespaceDefaultLabelName); Gateway API
			// listeners select namespaces by it.
			obj.SetNamespace("")
			obj.SetLabels(mergeLabels(obj.GetLabels(), map[string]string{"kubernetes.io/metadata.name": obj.GetName()}))
			declared[obj.GetName()] = true
			if obj.GetLabels()["istio.io/dataplane-mode"] == "ambient" {
				ambientNamespaces[obj.GetName()] = true
			}
		} else if ns := obj.GetNamespace(); ns != "" {
			used[ns] = true
		}
		if strings.HasSuffix(group, ".istio.io") {
			y, err := yaml.Marshal(obj.Object)
			if err != nil {
				return nil, err
			}
			istioYAML = append(istioYAML, string(y))
			continue
		}
		switch obj.GetKind() {
		case "Deployment", "Rollout", "StatefulSet", "ReplicaSet":
			pods, err := podsOf(obj, len(w.pods))
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %v", d.where(), d.id(), err)
			}
			w.pods = append(w.pods, pods...)
			if obj.GetKind() == "Rollout" {
				continue
			}
		}
		raw, err := obj.MarshalJSON()
		if err != nil {
			return nil, err
		}
		o, _, err := decode(raw, nil, nil)
		if err != nil {
			continue // a kind pilot does not read (Flagger, Argo Rollouts): not part of the routing
		}
		if svc, ok := o.(*corev1.Service); ok {
			services = append(services, svc)
			continue
		}
		if obj.GetKind() == "GatewayClass" {
			classes[obj.GetName()] = true
		}
		if obj.GetKind() == "Gateway" && group == "gateway.networking.k8s.io" {
			cls, _, _ := unstructured.NestedString(obj.Object, "spec", "gatewayClassName")
			w.kubeGateways[obj.GetNamespace()+"/"+obj.GetName()] = cls
			if cls == "istio-waypoint" {
				w.addWaypointDeployment(obj)
			} else {
				w.addGatewayDeployment(obj)
			}
		}
		w.kube = append(w.kube, o)
	}
	if len(istioYAML) > 0 {
		cfgs, _, err := crd.ParseInputs(strings.Join(istioYAML, "\n---\n"))
		if err != nil {
			return nil, fmt.Errorf("Istio's parser refused the Istio objects: %v", err)
		}
		w.configs = cfgs
	}
	// Namespaces the manifests use but do not declare exist in the cluster, without labels.
	var nsNames []string
	for ns := range used {
		if !declared[ns] {
			nsNames = append(nsNames, ns)
		}
	}
	sort.Strings(nsNames)
	for _, ns := range nsNames {
		w.kube = append(w.kube, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"kubernetes.io/metadata.name": ns}}})
	}
	// istiod creates its built-in GatewayClasses at start.
	for _, cls := range []string{"istio", "istio-waypoint", "istio-remote"} {
		if !classes[cls] {
			w.kube = append(w.kube, gatewayClass(cls))
		}
	}
	w.addIstioGateways(&services)
	services = append(services, w.extraServices...)
	for i, svc := range services {
		svc = svc.DeepCopy()
		// The API server's defaults for a Service (pkg/apis/core/v1/defaults.go): type ClusterIP, protocol TCP,
		// targetPort the port.
		if svc.Spec.Type == "" {
			svc.Spec.Type = corev1.ServiceTypeClusterIP
		}
		for j := range svc.Spec.Ports {
			p := &svc.Spec.Ports[j]
			if p.Protocol == "" {
				p.Protocol = corev1.ProtocolTCP
			}
			if p.TargetPort.Type == intstr.Int && p.TargetPort.IntVal == 0 {
				p.TargetPort = intstr.FromInt32(p.Port)
			}
		}
		if svc.Spec.Type != corev1.ServiceTypeExternalName && svc.Spec.ClusterIP == "" {
			// The API server allocates from the service CIDR; deterministic here, in input order.
			svc.Spec.ClusterIP = fmt.Sprintf("10.96.%d.%d", (i+1)/250, (i+1)%250+1)
			svc.Spec.ClusterIPs = []string{svc.Spec.ClusterIP}
		}
		info := &serviceInfo{namespace: svc.Namespace, name: svc.Name, clusterIP: svc.Spec.ClusterIP}
		for _, p := range svc.Spec.Ports {
			info.ports = append(info.ports, int(p.Port))
		}
		w.services = append(w.services, info)
		w.serviceObjects = append(w.serviceObjects, svc)
		w.kube = append(w.kube, svc)
		if slice := w.endpointSlice(svc); slice != nil {
			w.kube = append(w.kube, slice)
		}
	}
	w.reportWaypointAddresses()
	for _, p := range w.pods {
		if ambientNamespaces[p.Namespace] && p.Labels["istio.io/dataplane-mode"] != "none" {
			// istio-cni marks the pods whose traffic ztunnel captures; the ambient index reads the mark.
			p.Annotations = mergeLabels(p.Annotations, map[string]string{"ambient.istio.io/redirection": "enabled"})
		}
		w.kube = append(w.kube, p)
	}
	return w, nil
}

func gatewayClass(name string) runtime.Object {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "gateway.networking.k8s.io/v1",
		"kind":       "GatewayClass",
		"metadata":   map[string]any{"name": name},
		"spec":       map[string]any{"controllerName": "istio.io/gateway-controller"},
	}}
	switch name {
	case "istio-waypoint":
		u.Object["spec"] = map[string]any{"controllerName": "istio.io/mesh-controller"}
	case "istio-remote":
		u.Object["spec"] = map[string]any{"controllerName": "istio.io/unmanaged-gateway"}
	}
	raw, _ := u.MarshalJSON()
	o, _, err := kubelib.IstioCodec.UniversalDeserializer().Decode(raw, nil, nil)
	if err != nil {
		panic(err)
	}
	return o
}

// podsOf makes the ready pods a workload's controller would run: spec.replicas (default 1) copies of the template.
func podsOf(obj *unstructured.Unstructured, offset int) ([]*corev1.Pod, error) {
	replicas, found, err := unstructured.NestedInt64(obj.Object, "spec", "replicas")
	if err != nil {
		return nil, err
	}
	if !found {
		replicas = 1
	}
	tmpl, found, err := unstructured.NestedMap(obj.Object, "spec", "template")
	if err != nil || !found {
		return nil, fmt.Errorf("no pod template (spec.template)")
	}
	var pt corev1.PodTemplateSpec
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(tmpl, &pt); err != nil {
		return nil, err
	}
	var pods []*corev1.Pod
	for i := 0; i < int(replicas); i++ {
		n := offset + i + 1
		ip := fmt.Sprintf("10.244.%d.%d", n/250, n%250+1)
		pods = append(pods, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{
				Name: fmt.Sprintf("%s-%d", obj.GetName(), i), Namespace: obj.GetNamespace(),
				Labels: pt.Labels, Annotations: pt.Annotations,
			},
			Spec: pt.Spec,
			Status: corev1.PodStatus{
				Phase: corev1.PodRunning, PodIP: ip, PodIPs: []corev1.PodIP{{IP: ip}},
				Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
			},
		})
	}
	return pods, nil
}

// endpointSlice is what the EndpointSlice controller writes for a Service with a selector: its ready pods, with the
// target port resolved against each pod's container ports.
func (w *world) endpointSlice(svc *corev1.Service) *discoveryv1.EndpointSlice {
	if len(svc.Spec.Selector) == 0 || svc.Spec.Type == corev1.ServiceTypeExternalName {
		return nil
	}
	sel := labels.SelectorFromSet(svc.Spec.Selector)
	ready := true
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			Name: svc.Name + "-verify", Namespace: svc.Namespace,
			Labels: map[string]string{discoveryv1.LabelServiceName: svc.Name},
		},
		AddressType: discoveryv1.AddressTypeIPv4,
	}
	for _, p := range w.pods {
		if p.Namespace != svc.Namespace || !sel.Matches(labels.Set(p.Labels)) {
			continue
		}
		slice.Endpoints = append(slice.Endpoints, discoveryv1.Endpoint{
			Addresses:  []string{p.Status.PodIP},
			Conditions: discoveryv1.EndpointConditions{Ready: &ready},
			TargetRef:  &corev1.ObjectReference{Kind: "Pod", Name: p.Name, Namespace: p.Namespace},
		})
	}
	for _, sp := range svc.Spec.Ports {
		name, proto := sp.Name, sp.Protocol
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		port := targetPort(sp, w.podsOf(svc.Namespace, sel))
		slice.Ports = append(slice.Ports, discoveryv1.EndpointPort{Name: &name, Port: &port, Protocol: &proto, AppProtocol: sp.AppProtocol})
	}
	return slice
}

func (w *world) podsOf(ns string, sel labels.Selector) []*corev1.Pod {
	var out []*corev1.Pod
	for _, p := range w.pods {
		if p.Namespace == ns && sel.Matches(labels.Set(p.Labels)) {
			out = append(out, p)
		}
	}
	return out
}

func targetPort(sp corev1.ServicePort, pods []*corev1.Pod) int32 {
	switch {
	case sp.TargetPort.Type == intstr.Int && sp.TargetPort.IntVal != 0:
		return sp.TargetPort.IntVal
	case sp.TargetPort.Type == intstr.String && sp.TargetPort.StrVal != "":
		for _, p := range pods {
			for _, c := range p.Spec.Containers {
				for _, cp := range c.Ports {
					if cp.Name == sp.TargetPort.StrVal {
						return cp.ContainerPort
					}
				}
			}
		}
	}
	return sp.Port
}

// serviceFor resolves a host as a pod's DNS would: a name, name.namespace, or the full name.
func (w *world) serviceFor(host, callerNs string) *serviceInfo {
	for _, s := range w.services {
		full := s.name + "." + s.namespace + ".svc.cluster.local"
		if host == full || host == s.name+"."+s.namespace || host == s.name+"."+s.namespace+".svc" ||
			(host == s.name && s.namespace == callerNs) {
			return s
		}
	}
	return nil
}

// addGatewayDeployment adds what istiod's deployment controller makes for a Gateway API Gateway: a Service
// `<name>-istio` with the listeners' ports and a ready pod behind it labelled with the gateway's name
// (pilot/pkg/config/kube/gatewaycommon, GetDefaultName; the gateway's Istio config binds to that Service).
func (w *world) addGatewayDeployment(gw *unstructured.Unstructured) {
	name, ns := gw.GetName(), gw.GetNamespace()
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name + "-istio", Namespace: ns},
		Spec:       corev1.ServiceSpec{Selector: map[string]string{"gateway.networking.k8s.io/gateway-name": name}},
	}
	for _, l := range listenersOf(gw) {
		svc.Spec.Ports = append(svc.Spec.Ports, corev1.ServicePort{Name: fmt.Sprintf("%s-%d", strings.ToLower(l.protocol), l.port), Port: l.port})
	}
	w.extraServices = append(w.extraServices, svc)
	w.addGatewayPod(ns, name+"-istio", map[string]string{"gateway.networking.k8s.io/gateway-name": name, "istio.io/gateway-name": name})
}

type gatewayListener struct {
	name, protocol string
	port           int32
}

// listenersOf is a Gateway API Gateway's listeners, the first of each port (a Service port each).
func listenersOf(gw *unstructured.Unstructured) []gatewayListener {
	listeners, _, _ := unstructured.NestedSlice(gw.Object, "spec", "listeners")
	seen := map[int64]bool{}
	var out []gatewayListener
	for _, l := range listeners {
		port, _, _ := unstructured.NestedInt64(l.(map[string]any), "port")
		if port == 0 || seen[port] {
			continue
		}
		seen[port] = true
		name, _, _ := unstructured.NestedString(l.(map[string]any), "name")
		proto, _, _ := unstructured.NestedString(l.(map[string]any), "protocol")
		out = append(out, gatewayListener{name: name, protocol: proto, port: int32(port)})
	}
	return out
}

// addWaypointDeployment adds what istiod's deployment controller renders for a waypoint (class istio-waypoint,
// template files/waypoint.yaml; apply labels every object gateway.istio.io/managed): a ClusterIP Service named
// as the Gateway, ports status-port and one per listener (named by it, appProtocol its protocol), and a ready
// pod with the waypoint's labels and service account. The pod is out of ambient capture (istio.io/dataplane-mode
// none).
func (w *world) addWaypointDeployment(gw *unstructured.Unstructured) {
	name, ns, class := gw.GetName(), gw.GetNamespace(), "istio-waypoint"
	w.ambient = true
	// The Gateway's labels are copied (PILOT_ENABLE_GATEWAY_API_COPY_LABELS_ANNOTATIONS, on by default).
	common := map[string]string{}
	for k, v := range gw.GetLabels() {
		if !strings.HasPrefix(k, "gateway.networking.k8s.io/") {
			common[k] = v
		}
	}
	common = mergeLabels(common, map[string]string{
		"gateway.networking.k8s.io/gateway-name":       name,
		"gateway.networking.k8s.io/gateway-class-name": class,
		"gateway.istio.io/managed":                     "istio.io-mesh-controller",
	})
	tcp := "tcp"
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: common},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"gateway.networking.k8s.io/gateway-name": name},
			Ports:    []corev1.ServicePort{{Name: "status-port", Port: 15021, AppProtocol: &tcp}},
		},
	}
	for _, l := range listenersOf(gw) {
		appProtocol := strings.ToLower(l.protocol)
		svc.Spec.Ports = append(svc.Spec.Ports, corev1.ServicePort{Name: strings.ReplaceAll(l.name, ".", "-"), Port: l.port, AppProtocol: &appProtocol})
	}
	w.extraServices = append(w.extraServices, svc)
	w.addGatewayPod(ns, name, mergeLabels(common, map[string]string{
		"istio.io/dataplane-mode":             "none",
		"sidecar.istio.io/inject":             "false",
		"service.istio.io/canonical-name":     name,
		"service.istio.io/canonical-revision": "latest",
	}))
	w.pods[len(w.pods)-1].Spec.ServiceAccountName = name
}

// reportWaypointAddresses writes what istiod's status controller reports for a waypoint once its pod is ready:
// the Service's cluster IP and hostname (the class reports both address types; pilot/pkg/config/kube/gateway,
// conversion.go). The ambient index takes only a Gateway with addresses as a waypoint
// (pilot/pkg/serviceregistry/ambient/waypoints.go, gatewayToWaypointTransform).
func (w *world) reportWaypointAddresses() {
	ipType, hostType := gatewayv1.IPAddressType, gatewayv1.HostnameAddressType
	for _, o := range w.kube {
		gw, ok := o.(*gatewayv1.Gateway)
		if !ok || gw.Spec.GatewayClassName != "istio-waypoint" {
			continue
		}
		for _, svc := range w.serviceObjects {
			if svc.Namespace == gw.Namespace && svc.Name == gw.Name {
				gw.Status.Addresses = []gatewayv1.GatewayStatusAddress{
					{Type: &ipType, Value: svc.Spec.ClusterIP},
					{Type: &hostType, Value: gw.Name + "." + gw.Namespace + ".svc.cluster.local"},
				}
			}
		}
	}
}

// addIstioGateways adds the ingress and egress gateways of Istio's installation (istio-system, the demo profile's
// Services with their target ports) unless the manifests have them: explain and istioctl analyze take them as
// present too.
func (w *world) addIstioGateways(services *[]*corev1.Service) {
	for _, gw := range []string{"ingressgateway", "egressgateway"} {
		name := "istio-" + gw
		found := false
		for _, s := range *services {
			found = found || (s.Name == name && s.Namespace == "istio-system")
		}
		if found {
			continue
		}
		labels := map[string]string{"app": name, "istio": gw}
		w.extraServices = append(w.extraServices, &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "istio-system", Labels: labels},
			Spec: corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{
				{Name: "http2", Port: 80, TargetPort: intstr.FromInt32(8080)},
				{Name: "https", Port: 443, TargetPort: intstr.FromInt32(8443)},
			}},
		})
		w.addGatewayPod("istio-system", name, labels)
	}
}

func (w *world) addGatewayPod(ns, name string, labels map[string]string) {
	n := len(w.pods) + 1
	ip := fmt.Sprintf("10.244.%d.%d", n/250, n%250+1)
	w.pods = append(w.pods, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name + "-0", Namespace: ns, Labels: labels},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "istio-proxy", Image: "istio/proxyv2"}}},
		Status: corev1.PodStatus{
			Phase: corev1.PodRunning, PodIP: ip, PodIPs: []corev1.PodIP{{IP: ip}},
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
		},
	})
}

// gatewayPod is the pod of a gateway, by its labels, and the Service port mapping in front of it.
// A Gateway API gateway's pods are in its namespace; an Istio Gateway's selector picks pods in any namespace
// (ns empty).
func (w *world) gatewayPod(selector map[string]string, ns string) (*corev1.Pod, map[int]int) {
	if len(selector) == 0 {
		return nil, nil
	}
	sel := labels.SelectorFromSet(selector)
	for _, p := range w.pods {
		if !sel.Matches(labels.Set(p.Labels)) || (ns != "" && p.Namespace != ns) {
			continue
		}
		ports := map[int]int{}
		for _, s := range w.serviceObjects {
			if s.Namespace != p.Namespace || len(s.Spec.Selector) == 0 || !labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(p.Labels)) {
				continue
			}
			for _, sp := range s.Spec.Ports {
				ports[int(sp.Port)] = int(targetPort(sp, []*corev1.Pod{p}))
			}
		}
		return p, ports
	}
	return nil, nil
}

func mergeLabels(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
