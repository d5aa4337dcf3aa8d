/** The Kubernetes Services our constructs write, with the plain view the analysis reads. */
import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { registerAnalysisView } from './analysis-view';
import { Protocol } from '../model/protocol';

/** A Service port and the container port behind it. */
export interface ServicePortSpec {
  /** Port name, `<protocol>[-<suffix>]`. */
  readonly name: string;
  /** Service port. */
  readonly number: number;
  /** Application protocol, written as `appProtocol`. */
  readonly protocol: Protocol;
  /** The containers' port. */
  readonly containerPort: number;
}

/** A Service `name` selecting (and labelled with) `selector`, each port with its name and `appProtocol`. */
export function createService(scope: Construct, id: string, name: string, namespace: string, selector: Readonly<Record<string, string>>,
  ports: readonly ServicePortSpec[]): ApiObject {
  const servicePorts = ports.map((p) => ({ name: p.name, port: p.number, protocol: 'TCP', appProtocol: p.protocol }));
  const service = new kplus.k8s.KubeService(scope, id, {
    metadata: { name, namespace, labels: { ...selector } },
    spec: {
      selector: { ...selector },
      ports: servicePorts.map((p, i) => ({ ...p, targetPort: kplus.k8s.IntOrString.fromNumber(ports[i].containerPort) })),
    },
  });
  registerAnalysisView(service, () => ({
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector: { ...selector }, ports: servicePorts },
  }));
  return service;
}
