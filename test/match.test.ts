import { Match } from '../src';

describe('Match', () => {
  test.each([
    [Match.headerExact('end-user', 'jason'), { headers: { 'end-user': { exact: 'jason' } } }, 'header end-user=jason'],
    [Match.headerPrefix('version', '2'), { headers: { version: { prefix: '2' } } }, 'header version prefix 2'],
    [Match.headerRegex('cookie', '.*user=jason.*'), { headers: { cookie: { regex: '.*user=jason.*' } } }, 'header cookie regex .*user=jason.*'],
    [Match.headerPresent('x-canary'), { headers: { 'x-canary': {} } }, 'header x-canary present'],
    [Match.uriExact('/productpage'), { uri: { exact: '/productpage' } }, 'uri /productpage'],
    [Match.uriPrefix('/static'), { uri: { prefix: '/static' } }, 'uri prefix /static'],
    [Match.uriRegex('/api/v[0-9]+/.*'), { uri: { regex: '/api/v[0-9]+/.*' } }, 'uri regex /api/v[0-9]+/.*'],
    [Match.grpcMethod('helloworld.Greeter', 'SayHello'), { uri: { exact: '/helloworld.Greeter/SayHello' } }, 'uri /helloworld.Greeter/SayHello'],
    [Match.method('POST'), { method: { exact: 'POST' } }, 'method POST'],
    [Match.queryParam('lane', 'gray'), { queryParams: { lane: { exact: 'gray' } } }, 'query lane=gray'],
    [Match.queryParamRegex('id', '[0-9]+'), { queryParams: { id: { regex: '[0-9]+' } } }, 'query id regex [0-9]+'],
    [Match.sourceLabels({ app: 'cat', version: 'gray' }), { sourceLabels: { app: 'cat', version: 'gray' } }, 'source label app=cat and source label version=gray'],
    [Match.port(9080), { port: 9080 }, 'port 9080'],
  ])('%s renders its condition', (match, conditions, text) => {
    expect(match.conditions).toEqual(conditions);
    expect(match.toString()).toBe(text);
    expect(match.isCatchAll).toBe(false);
  });

  test('and() combines conditions (AND), all() likewise', () => {
    const m = Match.headerExact('end-user', 'jason').and(Match.uriPrefix('/api')).and(Match.headerExact('env', 'gray'));
    expect(m.conditions).toEqual({ headers: { 'end-user': { exact: 'jason' }, 'env': { exact: 'gray' } }, uri: { prefix: '/api' } });
    expect(Match.all(Match.method('GET'), Match.port(80), Match.sourceLabels({ app: 'a' })).conditions)
      .toEqual({ method: { exact: 'GET' }, port: 80, sourceLabels: { app: 'a' } });
  });

  test('and() refuses two values for one field', () => {
    expect(() => Match.uriPrefix('/a').and(Match.uriExact('/b'))).toThrow(
      'match "uri prefix /a": cannot also require another uri (got "uri /b"); a request has one uri: use two matches in the route\'s match list (OR) instead');
    expect(() => Match.headerExact('env', 'a').and(Match.headerPrefix('env', 'b'))).toThrow('match on header "env": the header is constrained twice');
  });

  test('catch-all matches are recognised', () => {
    expect(Match.uriPrefix('/').isCatchAll).toBe(true);
    expect(Match.uriRegex('.*').isCatchAll).toBe(true);
    expect(Match._fromConditions({}).isCatchAll).toBe(true);
    expect(Match.uriPrefix('/').and(Match.headerExact('a', 'b')).isCatchAll).toBe(false);
  });
});
