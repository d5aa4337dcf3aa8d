import * as fc from 'fast-check';
import { checkVirtualServiceHosts, hostsIntersect, parseServerHost, serverAdmits } from '../src/model/hosts';

describe('host matching', () => {
  test.each([
    ['a.example.com', 'a.example.com', true],
    ['*', 'anything.io', true],
    ['*.example.com', 'a.example.com', true],
    ['*.example.com', 'a.b.example.com', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', '*.shop.example.com', true],
    ['*.shop.example.com', '*.example.com', true],
    ['*.a.com', '*.b.com', false],
    ['a.example.com', 'b.example.com', false],
    ['Cat.Example.com', 'cat.example.com', true],
  ])('%s and %s intersect: %s', (a, b, expected) => {
    expect(hostsIntersect(a, b)).toBe(expected);
    expect(hostsIntersect(b, a)).toBe(expected);
  });

  test('server hosts carry a namespace part', () => {
    expect(parseServerHost('shop/cat.example.com')).toEqual({ namespace: 'shop', host: 'cat.example.com' });
    expect(parseServerHost('./cat.example.com')).toEqual({ namespace: '.', host: 'cat.example.com' });
    expect(parseServerHost('*')).toEqual({ namespace: '*', host: '*' });
    expect(serverAdmits('shop/*', 'istio-system', 'cat.example.com', 'shop')).toBe(true);
    expect(serverAdmits('shop/*', 'istio-system', 'cat.example.com', 'other')).toBe(false);
    expect(serverAdmits('./*.example.com', 'shop', 'cat.example.com', 'shop')).toBe(true);
    expect(serverAdmits('./*.example.com', 'istio-system', 'cat.example.com', 'shop')).toBe(false);
  });

  test('a mesh-bound VirtualService cannot claim every host; a gateway-only one can', () => {
    expect(() => checkVirtualServiceHosts('canary "x"', ['*'], [])).toThrow('canary "x": a VirtualService bound to the mesh cannot have host "*" (got ["*"])');
    expect(() => checkVirtualServiceHosts('canary "x"', ['*'], ['mesh', 'gw'])).toThrow('bound to the mesh cannot have host "*"');
    expect(() => checkVirtualServiceHosts('canary "x"', ['*'], ['gw'])).not.toThrow();
    expect(() => checkVirtualServiceHosts('canary "x"', [], ['gw'])).toThrow('a VirtualService needs hosts (got []); name the hosts');
  });

  // An independent oracle: two host patterns intersect when some concrete host name matches both globs.
  const labels = ['a', 'b', 'c'];
  const concrete: string[] = [];
  const grow = (prefix: string[], depth: number) => {
    if (prefix.length > 0) concrete.push(prefix.join('.'));
    if (depth === 0) return;
    for (const l of labels) grow([l, ...prefix], depth - 1);
  };
  grow([], 4);
  const glob = (pattern: string) => new RegExp(`^${pattern === '*' ? '.+' : pattern.replace(/\./g, '\\.').replace(/^\*/, '.+')}$`);
  const pattern = fc.tuple(fc.constantFrom('', '*.'), fc.array(fc.constantFrom(...labels), { minLength: 1, maxLength: 3 }))
    .map(([wild, parts]) => wild + parts.join('.'));

  test('hostsIntersect agrees with brute force over concrete host names', () => {
    fc.assert(fc.property(fc.oneof(pattern, fc.constant('*')), pattern, (a, b) => {
      const oracle = concrete.some((h) => glob(a).test(h) && glob(b).test(h)) || (a === b);
      expect(hostsIntersect(a, b)).toBe(oracle);
    }), { numRuns: 500 });
  });
});
