import { Testing } from 'cdk8s';
import { CanaryService, ClientTlsMode, ExternalProtocol, ExternalService, LoadBalancer, MeshSidecar, Resolution } from '../src';
import { newChart, only, synth } from './util';
import { renderEgressVirtualService, renderHostDestinationRules, renderServiceEntry } from '../src/istio/egress';
import { External, checkExternal } from '../src/model/egress';

const cnn: External = {
  name: 'cnn',
  namespace: 'default',
  hosts: ['edition.cnn.com'],
  ports: [{ number: 80, protocol: ExternalProtocol.HTTP, name: 'http' }, { number: 443, protocol: ExternalProtocol.HTTPS, name: 'https' }],
  resolution: Resolution.DNS,
};

describe('external service model (pure)', () => {
  test('ServiceEntry: MESH_EXTERNAL, DNS, ports as given; TLS origination sends the HTTP port to 443', () => {
    expect(renderServiceEntry(cnn)).toEqual({
      hosts: ['edition.cnn.com'],
      location: 'MESH_EXTERNAL',
      ports: [{ number: 80, name: 'http', protocol: 'HTTP' }, { number: 443, name: 'https', protocol: 'HTTPS' }],
      resolution: 'DNS',
    });
    const originating = { ...cnn, originateTls: true };
    expect(renderServiceEntry(originating).ports[0]).toEqual({ number: 80, name: 'http', protocol: 'HTTP', targetPort: 443 });
    expect(renderServiceEntry({ ...originating, ports: [{ ...cnn.ports[0], targetPort: 8443 }] }).ports[0].targetPort).toBe(8443);
    expect(renderHostDestinationRules(originating)).toEqual([{
      host: 'edition.cnn.com',
      trafficPolicy: { portLevelSettings: [{ port: { number: 80 }, tls: { mode: 'SIMPLE', sni: 'edition.cnn.com', caCertificates: 'system' } }] },
    }]);
    expect(renderHostDestinationRules(cnn)).toEqual([]);
  });

  test('a traffic policy lands on a DestinationRule per host, with TLS origination when both apply (google-apis sample)', () => {
    const roundRobin = { ...cnn, trafficPolicy: { loadBalancer: LoadBalancer.roundRobin() } };
    expect(renderHostDestinationRules(roundRobin)).toEqual([{ host: 'edition.cnn.com', trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } } }]);
    expect(renderHostDestinationRules({ ...roundRobin, originateTls: true })).toEqual([{
      host: 'edition.cnn.com',
      trafficPolicy: {
        loadBalancer: { simple: 'ROUND_ROBIN' },
        portLevelSettings: [{ port: { number: 80 }, tls: { mode: 'SIMPLE', sni: 'edition.cnn.com', caCertificates: 'system' } }],
      },
    }]);
    expect(() => checkExternal({ ...roundRobin, originateTls: true, trafficPolicy: { tls: { mode: ClientTlsMode.SIMPLE, sni: 'edition.cnn.com' } } }))
      .toThrow('external service "cnn": TLS is set twice: by originateTls and by trafficPolicy.tls');
    const chart = newChart('egress');
    const google = new ExternalService(chart, 'googleapis', {
      hosts: ['www.googleapis.com'], ports: [{ number: 443, protocol: ExternalProtocol.HTTPS }], trafficPolicy: { loadBalancer: LoadBalancer.roundRobin() },
    });
    const rule = only(synth(chart), 'DestinationRule', 'googleapis');
    expect(rule.spec).toEqual({ host: 'www.googleapis.com', trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } } });
    expect(google.hostDestinationRules).toHaveLength(1);
  });

  test('egress VirtualService: mesh -> egress gateway subset, egress gateway -> host, for HTTP by port and TLS by SNI', () => {
    const vs = renderEgressVirtualService(cnn, 'edition.cnn.com', 'cnn-egress');
    expect(vs.gateways).toEqual(['cnn-egress', 'mesh']);
    expect(vs.http.map((r: any) => [r.match[0].gateways[0], r.match[0].port, r.route[0].destination])).toEqual([
      ['mesh', 80, { host: 'istio-egressgateway.istio-system.svc.cluster.local', subset: 'cnn', port: { number: 80 } }],
      ['cnn-egress', 80, { host: 'edition.cnn.com', port: { number: 80 } }],
    ]);
    expect(vs.tls.map((r: any) => [r.match[0].gateways[0], r.match[0].port, r.match[0].sniHosts, r.route[0].destination])).toEqual([
      ['mesh', 443, ['edition.cnn.com'], { host: 'istio-egressgateway.istio-system.svc.cluster.local', subset: 'cnn', port: { number: 443 } }],
      ['cnn-egress', 443, ['edition.cnn.com'], { host: 'edition.cnn.com', port: { number: 443 } }],
    ]);
  });

  test.each([
    [{ hosts: [] }, 'external service "cnn": needs at least one host (got []); set hosts'],
    [{ hosts: ['Edition.cnn.com'] }, 'host must be a DNS name: lower-case letters, digits and "-" in labels separated by "." (got "Edition.cnn.com"); write it like "edition.cnn.com"'],
    [{ hosts: ['203.0.113.7'] }, 'external service "cnn": host is an IP address where Istio needs a DNS name (got "203.0.113.7")'],
    [{ hosts: ['https://edition.cnn.com/world'] }, 'host must be a bare DNS name, without a scheme, port or path (got "https://edition.cnn.com/world"); write "edition.cnn.com"'],
    [{ hosts: ['*'], resolution: Resolution.NONE }, 'a host cannot be "*": it would claim all external traffic'],
    [{ hosts: ['reviews.default.svc.cluster.local'] }, 'host is inside the cluster, not external (got "reviews.default.svc.cluster.local")'],
    [{ hosts: ['*.wikipedia.org'] }, 'a wildcard host cannot be resolved by DNS (Istio requires fully qualified hosts then) (got "*.wikipedia.org"); set resolution: Resolution.NONE'],
    [{ hosts: ['a.com', 'a.com'] }, 'hosts must be unique (got "a.com")'],
    [{ resolution: 'STATIC' as Resolution }, 'unknown resolution (got "STATIC")'],
    [{ ports: [] }, 'needs at least one port'],
    [{ ports: [{ number: 0, protocol: ExternalProtocol.HTTP, name: 'http' }] }, 'port'],
    [{ ports: [{ number: 80, protocol: 'SMTP' as ExternalProtocol, name: 'smtp' }] }, 'port 80 has an unknown protocol (got "SMTP")'],
    [{ ports: [cnn.ports[0], { ...cnn.ports[1], number: 80 }] }, 'port numbers must be unique (got 80)'],
    [{ ports: [cnn.ports[0], { ...cnn.ports[1], name: 'http' }] }, 'port names must be unique (got "http")'],
    [{ ports: [{ ...cnn.ports[0], name: 'Http' }] }, 'external service "cnn": port name must be a DNS-1123 label (got "Http"); use at most 63 lower-case letters'],
    [{ ports: [cnn.ports[1]], originateTls: true }, 'TLS origination upgrades plain HTTP ports, and there is none (got 443/HTTPS)'],
    [{ hosts: ['*.cnn.com'], resolution: Resolution.NONE, originateTls: true }, 'TLS origination needs the host to be resolved by the mesh'],
  ] as Array<[Partial<External>, string]>)('refuses %j', (change, message) => {
    expect(() => checkExternal({ ...cnn, ...change })).toThrow(message);
  });

  test('egress gateway limits: named hosts, HTTP and TLS ports only, one of each', () => {
    const egress = { namespace: 'istio-system', service: 'istio-egressgateway', selector: { istio: 'egressgateway' } };
    expect(() => checkExternal({ ...cnn, egressGateway: egress })).not.toThrow();
    expect(() => checkExternal({ ...cnn, hosts: ['*.cnn.com'], resolution: Resolution.NONE, egressGateway: egress }))
      .toThrow('the egress gateway routes named hosts, not wildcards');
    expect(() => checkExternal({ ...cnn, ports: [{ number: 27017, protocol: ExternalProtocol.MONGO, name: 'mongo' }], egressGateway: egress }))
      .toThrow('through the egress gateway only HTTP and TLS ports can be routed (by host or SNI) (got 27017/MONGO)');
    expect(() => checkExternal({ ...cnn, ports: [cnn.ports[0], { number: 8080, protocol: ExternalProtocol.HTTP, name: 'http-8080' }], egressGateway: egress }))
      .toThrow('the egress gateway takes one HTTP port (its port 80), got several (got 80, 8080)');
  });
});

describe('ExternalService', () => {
  test('by default: a ServiceEntry for HTTPS on 443 with DNS resolution, nothing else', () => {
    const chart = newChart('shop');
    new ExternalService(chart, 'payments', { hosts: ['api.payments.example.com'] });
    const out = synth(chart);
    expect(out.map((o) => o.kind)).toEqual(['ServiceEntry']);
    expect(out[0].metadata).toEqual({ name: 'payments', namespace: 'shop', labels: { app: 'payments' } });
    expect(out[0].spec).toEqual({
      hosts: ['api.payments.example.com'], location: 'MESH_EXTERNAL', ports: [{ number: 443, name: 'https', protocol: 'HTTPS' }], resolution: 'DNS',
    });
  });

  test('egress gateway: Gateway, DestinationRule subset and a VirtualService per host, after the ServiceEntry', () => {
    const chart = newChart('shop');
    const api = new ExternalService(chart, 'api', {
      hosts: ['a.example.com', 'b.example.com'],
      ports: [{ number: 80, protocol: ExternalProtocol.HTTP }],
      egressGateway: { namespace: 'egress', service: 'egw', selector: { app: 'egw' } },
    });
    const out = synth(chart);
    expect(out.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ServiceEntry/api', 'Gateway/api-egress', 'DestinationRule/egressgateway-for-api', 'VirtualService/api-egress-1', 'VirtualService/api-egress-2',
    ]);
    expect(only(out, 'Gateway').spec).toEqual({
      selector: { app: 'egw' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['a.example.com', 'b.example.com'] }],
    });
    expect(only(out, 'DestinationRule').spec).toEqual({ host: 'egw.egress.svc.cluster.local', subsets: [{ name: 'api' }] });
    expect(only(out, 'VirtualService', 'api-egress-2').spec.hosts).toEqual(['b.example.com']);
    expect(only(out, 'VirtualService', 'api-egress-2').spec.http[1].route[0].destination).toEqual({ host: 'b.example.com', port: { number: 80 } });
    expect(api.egressObjects).toHaveLength(4);
  });

  test('TLS origination: a DestinationRule per host, SIMPLE with the host as SNI', () => {
    const chart = newChart();
    const api = new ExternalService(chart, 'api', {
      hosts: ['a.example.com', 'b.example.com'], ports: [{ number: 80, protocol: ExternalProtocol.HTTP }], originateTls: true,
    });
    const rules = synth(chart).filter((o) => o.kind === 'DestinationRule');
    expect(rules.map((r) => [r.metadata.name, r.spec.host, r.spec.trafficPolicy.portLevelSettings[0].tls.sni])).toEqual([
      ['api-1', 'a.example.com', 'a.example.com'], ['api-2', 'b.example.com', 'b.example.com'],
    ]);
    expect(api.hostDestinationRules).toHaveLength(2);
  });

  test('two routes for one external host in the app fail the synth (IST0109)', () => {
    const chart = newChart();
    new ExternalService(chart, 'cnn', { hosts: ['edition.cnn.com'], ports: [{ number: 80, protocol: ExternalProtocol.HTTP }], egressGateway: true });
    new ExternalService(chart, 'cnn2', { hosts: ['edition.cnn.com'], ports: [{ number: 80, protocol: ExternalProtocol.HTTP }], egressGateway: true });
    expect(() => Testing.synth(chart)).toThrow('external service "cnn": another CanaryService, TrafficSplit or ExternalService routes the same host (got edition.cnn.com at test/cnn2)');
  });
});

describe('MeshSidecar', () => {
  test('egress: own namespace, istio-system, named namespaces and external hosts; REGISTRY_ONLY by default', () => {
    const chart = newChart('shop');
    const cnn2 = new ExternalService(chart, 'cnn', { namespace: 'egress', hosts: ['edition.cnn.com'] });
    new CanaryService(chart, 'web', { port: 8080, versions: [{ name: 'v1', image: 'web:1' }] });
    new MeshSidecar(chart, 'sidecar', { externalServices: [cnn2], namespaces: ['payments', 'shop', 'istio-system'] });
    // An external service in an allowed namespace is covered by that namespace's `ns/*`.
    const covered = newChart('shop');
    const local = new ExternalService(covered, 'cnn', { namespace: 'payments', hosts: ['edition.cnn.com'] });
    new MeshSidecar(covered, 'sidecar', { externalServices: [local], namespaces: ['payments'] });
    expect(only(synth(covered), 'Sidecar').spec.egress).toEqual([{ hosts: ['./*', 'istio-system/*', 'payments/*'] }]);
    const sidecar = only(synth(chart), 'Sidecar');
    expect(sidecar.metadata).toEqual({ name: 'default', namespace: 'shop' });
    expect(sidecar.spec).toEqual({
      egress: [{ hosts: ['./*', 'istio-system/*', 'payments/*', 'egress/edition.cnn.com'] }],
      outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
    });
    const open = newChart('shop');
    new MeshSidecar(open, 'sidecar', { registryOnly: false });
    expect(only(synth(open), 'Sidecar').spec.outboundTrafficPolicy).toEqual({ mode: 'ALLOW_ANY' });
  });

  test('one namespace-wide Sidecar per namespace', () => {
    const chart = newChart('shop');
    new MeshSidecar(chart, 'a');
    expect(() => new MeshSidecar(chart, 'b')).toThrow('sidecar "shop": a namespace takes one Sidecar without a workload selector, and this one already has one (got test/a)');
    expect(() => new MeshSidecar(chart, 'c', { namespace: 'other' })).not.toThrow();
    expect(() => new MeshSidecar(chart, 'd', { namespace: 'x', namespaces: ['Bad'] })).toThrow('sidecar "x": allowed namespace');
  });
});
