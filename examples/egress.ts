/**
 * Services outside the mesh: edition.cnn.com through the egress gateway (Istio's egress gateway task), with the
 * namespace's egress restricted to it, and TLS origination for www.googleapis.com (bookinfo's google-apis sample).
 */
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ExternalProtocol, ExternalService, MeshNamespace, MeshSidecar } from '../src';

const HTTP_AND_HTTPS = [{ number: 80, protocol: ExternalProtocol.HTTP }, { number: 443, protocol: ExternalProtocol.HTTPS }];

/**
 * edition.cnn.com on 80 and 443, reached through `istio-egressgateway`: HTTP via the gateway's port 80, HTTPS as
 * TLS passthrough via 443. The namespace's sidecars may call only the mesh's own services and cnn.
 */
export class CnnEgressChart extends Chart {
  public readonly cnn: ExternalService;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'egress' });
    new MeshNamespace(this, 'egress');
    this.cnn = new ExternalService(this, 'cnn', { hosts: ['edition.cnn.com'], ports: HTTP_AND_HTTPS, egressGateway: true });
    new MeshSidecar(this, 'sidecar', { externalServices: [this.cnn] });
  }
}

/** www.googleapis.com: applications call http://www.googleapis.com, the sidecar opens HTTPS to port 443. */
export class GoogleApisTlsOriginationChart extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'bookinfo-egress' });
    new ExternalService(this, 'googleapis', { hosts: ['www.googleapis.com'], ports: HTTP_AND_HTTPS, originateTls: true });
  }
}

/** The egress charts, by output file name. */
export const EGRESS_CHARTS = {
  'cnn-egress': CnnEgressChart,
  'googleapis-tls-origination': GoogleApisTlsOriginationChart,
} as const;
