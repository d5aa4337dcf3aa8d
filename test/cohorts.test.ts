/**
 * Cohorts of users (issue 27, item 3): `Match.userCohort(header, percent, ids)` takes a fixed share of users by the
 * last two characters of their id, so each user always lands on the same version, under both routing APIs. `explain`
 * tells where an id lands; every two-character ending is counted, so the share is exact, and random ids fall in it at
 * about the share. A share that is not a whole number of buckets is refused with the nearest ones that are.
 */
import * as fs from 'fs';
import { Chart, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { CRD_DIR, VerifyRequest, compareWithPilot, describeDisagreement } from './verify-tool';
import { CanaryService, Match, MeshGateway, RoutingApi, UserIdFormat } from '../src';
import { K8sObject, explain } from '../src/analysis';

const haveCrds = fs.existsSync(CRD_DIR);
const describeWithCrds = haveCrds ? describe : describe.skip;

const APIS = [RoutingApi.ISTIO, RoutingApi.GATEWAY_API];
const HEX = '0123456789abcdef';

/** Uniformly random ids (fast-check without its bias to small values), the same on every run: UUIDs (upper case one time in four: ids are compared as sent), or numbers. */
function randomIds(format: UserIdFormat, n: number, seed: number): string[] {
  if (format === UserIdFormat.HEX) {
    const uuids = fc.noBias(fc.tuple(fc.uuid(), fc.integer({ min: 0, max: 3 })));
    return fc.sample(uuids, { numRuns: n, seed }).map(([id, up]) => (up === 0 ? id.toUpperCase() : id));
  }
  return fc.sample(fc.noBias(fc.integer({ min: 10, max: 2 ** 40 })), { numRuns: n, seed }).map(String);
}

/** web: v1 for everyone, the cohort of `percent` of users to v2; exposed at a gateway too. */
function synth(api: RoutingApi, percent: number, ids: UserIdFormat): K8sObject[] {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'shop' });
  const web = new CanaryService(chart, 'web', {
    port: 8080, routingApi: api, versions: [{ name: 'v1', image: 'web:1' }, { name: 'v2', image: 'web:2' }],
  });
  web.addRoute({ name: 'cohort', match: [Match.userCohort('x-user-id', percent, ids)], to: 'v2' });
  web.exposeVia(new MeshGateway(chart, 'edge', { hosts: ['web.example.com'], routingApi: api }));
  return Testing.synth(chart);
}

/** Where a request with user id `id` lands: the one version, or the split. */
function landsOn(objects: K8sObject[], id: string | undefined, atGateway = false): string {
  const headers: Record<string, string> = id === undefined ? {} : { 'x-user-id': id };
  const request = atGateway
    ? { host: 'web.example.com', headers, gateway: 'shop/edge', port: 80 }
    : { host: 'web.shop.svc.cluster.local', headers, from: { namespace: 'shop' } };
  const e = explain(objects, request);
  return e.destinations.map((d) => `${d.workloads.map((w) => w.name).join('+')}${d.probability < 1 ? `=${d.probability}` : ''}`).join(',');
}

describe('Match.userCohort: the regex of the first buckets', () => {
  test.each([
    [10, UserIdFormat.DECIMAL, '.*0[0-9]'],
    [1, UserIdFormat.DECIMAL, '.*00'],
    [5, UserIdFormat.DECIMAL, '.*0[0-4]'],
    [25, UserIdFormat.DECIMAL, '.*(?:[01][0-9]|2[0-4])'],
    [100, UserIdFormat.DECIMAL, '.*[0-9][0-9]'],
    [6.25, UserIdFormat.HEX, '.*0[0-9a-fA-F]'],
    [25, UserIdFormat.HEX, '.*[0-3][0-9a-fA-F]'],
    [50, UserIdFormat.HEX, '.*[0-7][0-9a-fA-F]'],
    [75, UserIdFormat.HEX, '.*[0-9abAB][0-9a-fA-F]'],
    [0.390625, UserIdFormat.HEX, '.*00'],
    [68.75, UserIdFormat.HEX, '.*[0-9aA][0-9a-fA-F]'],
  ])('%d%% of %s ids', (percent, ids, regex) => {
    expect(Match.userCohort('x-user-id', percent, ids).conditions).toEqual({ headers: { 'x-user-id': { regex } } });
  });

  test.each([
    [10, UserIdFormat.HEX, 'Match.userCohort: a cohort of 10% of users cannot be said with the 256 buckets of the last two hex digits of header "x-user-id" '
      + '(got 10); use 9.765625% (25 of 256 buckets) or 10.15625% (26 of 256 buckets), or, if the ids end in two decimal digits, UserIdFormat.DECIMAL, which has 1% steps'],
    [1, UserIdFormat.HEX, 'use 0.78125% (2 of 256 buckets) or 1.171875% (3 of 256 buckets)'],
    [0.1, UserIdFormat.HEX, 'use 0.390625% (1 of 256 buckets)'],
    [2.5, UserIdFormat.DECIMAL, 'Match.userCohort: a cohort of 2.5% of users cannot be said with the 100 buckets of the last two decimal digits of header "x-user-id" (got 2.5); use 2% (2 of 100 buckets) or 3% (3 of 100 buckets)'],
    [0, UserIdFormat.DECIMAL, 'the share of users of header "x-user-id" must be a number more than 0 and at most 100 (got 0)'],
    [101, UserIdFormat.HEX, 'must be a number more than 0 and at most 100 (got 101)'],
    [NaN, UserIdFormat.HEX, 'must be a number more than 0 and at most 100 (got NaN)'],
    [10, 'uuid' as unknown as UserIdFormat, 'Match.userCohort: ids must be a UserIdFormat (got "uuid")'],
  ])('%d%% of %s ids is refused', (percent, ids, message) => {
    expect(() => Match.userCohort('x-user-id', percent, ids)).toThrow(message);
  });

  test('the header is checked as every header match is', () => {
    const chart = new Chart(Testing.app(), 'h');
    const web = new CanaryService(chart, 'web', { port: 8080, versions: [{ name: 'v1', image: 'web:1' }, { name: 'v2', image: 'web:2' }] });
    expect(() => web.addRoute({ match: [Match.userCohort('X-User-Id', 10, UserIdFormat.DECIMAL)], to: 'v2' })).toThrow('Istio only accepts lower-case header names');
    expect(() => Match.userCohort(undefined as unknown as string, 10, UserIdFormat.DECIMAL)).toThrow('Match.userCohort: header must be a string');
  });
});

describe.each(APIS)('%s: explain tells which version each id lands on', (api) => {
  test.each([
    [UserIdFormat.DECIMAL, [1, 5, 10, 25, 50], '0123456789'],
    [UserIdFormat.HEX, [6.25, 12.5, 25, 50], HEX],
  ] as const)('%s ids: every two-character ending counted, and random ids', (ids, shares, digits) => {
    for (const percent of shares) {
      const objects = synth(api, percent, ids);
      // Every ending of two digits, in both cases for hex: exactly the share, and the first buckets.
      const endings = [...digits].flatMap((a) => [...digits].map((b) => `${a}${b}`));
      const inCohort = endings.filter((end) => landsOn(objects, `user-${end}`) === 'web-v2');
      expect({ percent, share: (inCohort.length * 100) / endings.length }).toEqual({ percent, share: percent });
      expect(inCohort).toEqual(endings.slice(0, inCohort.length));
      if (ids === UserIdFormat.HEX) expect(inCohort.every((end) => landsOn(objects, `U-${end.toUpperCase()}`) === 'web-v2')).toBe(true);
      // Random ids: each lands on one version, the same every time, and the cohort's fraction is near the share.
      const n = 1500;
      let canary = 0;
      randomIds(ids, n, Math.round(percent * 100) + 7).forEach((id, i) => {
        const first = landsOn(objects, id);
        expect([id, first]).toEqual([id, expect.stringMatching(/^web-v[12]$/)]);
        if (i < 200) expect(landsOn(objects, id)).toBe(first);
        if (first === 'web-v2') canary++;
      });
      // Within four standard deviations of the share.
      const sd = Math.sqrt((percent / 100) * (1 - percent / 100) / n);
      expect(Math.abs(canary / n - percent / 100)).toBeLessThan(4 * sd);
    }
  });

  test('no header, or an id of one digit: the default route; at the gateway as in the mesh', () => {
    const objects = synth(api, 10, UserIdFormat.DECIMAL);
    expect([landsOn(objects, undefined), landsOn(objects, '7'), landsOn(objects, 'user-x'), landsOn(objects, '1205')]).toEqual(['web-v1', 'web-v1', 'web-v1', 'web-v2']);
    expect([landsOn(objects, undefined, true), landsOn(objects, '1205', true), landsOn(objects, '1215', true)]).toEqual(['web-v1', 'web-v2', 'web-v1']);
  });
});

test('Gateway API says the cohort as a header RegularExpression match', () => {
  const route = synth(RoutingApi.GATEWAY_API, 25, UserIdFormat.HEX).find((o) => o.kind === 'HTTPRoute' && o.metadata?.name === 'web');
  expect(route?.spec.rules[0].matches).toEqual([{ headers: [{ type: 'RegularExpression', name: 'x-user-id', value: '.*[0-3][0-9a-fA-F]' }] }]);
});

describeWithCrds('verify routes: Istio\'s pilot puts each id where explain does', () => {
  test('hex and decimal ids, in the mesh and at the gateway', () => {
    for (const [percent, ids, sample] of [[12.5, UserIdFormat.HEX, ['a-1f', 'a-20', 'B-1F', 'b-ff', 'c-0']], [10, UserIdFormat.DECIMAL, ['u-09', 'u-10', '7', 'u-00']]] as const) {
      const objects = synth(RoutingApi.ISTIO, percent, ids);
      const requests: VerifyRequest[] = [undefined, ...sample].flatMap((id) => {
        const headers: Record<string, string> = id === undefined ? {} : { 'x-user-id': id };
        return [
          { host: 'web.shop.svc.cluster.local', headers, from: { namespace: 'shop' } },
          { host: 'web.example.com', headers, gateway: 'shop/edge', port: 80 },
        ];
      });
      expect(describeDisagreement(compareWithPilot(objects, requests)[0])).toBe('none');
    }
  });
});
