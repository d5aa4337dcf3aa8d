/**
 * istiod's test of whether an earlier VirtualService HTTP match takes every request a later one would
 * (pkg/config/validation/validation.go: genMatchHTTPRoutes, coveredValidation, analyzeUnreachableHTTPRules). It
 * compares only matches with a path prefix, by prefix, port, method (GET when unset), authority, headers, query
 * parameters and withoutHeaders, each value as `exact:` or `prefix:` text; regex values count as unset and source
 * labels are not compared. A covered match is reported as "not used" (IST0131), even where the fields istiod skips
 * still tell the two apart.
 */

/** The fields of an HTTP match with a path prefix that istiod compares. */
export interface IstioPrefixView {
  readonly prefix: string;
  readonly port: unknown;
  readonly method: string;
  readonly authority: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly queryParams: Readonly<Record<string, string>>;
  readonly withoutHeaders: Readonly<Record<string, string>>;
}

function exactOrPrefix(m: any): string {
  if (m?.exact) return `exact:${m.exact}`;
  if (m?.prefix) return `prefix:${m.prefix}`;
  return '';
}

/** What istiod compares of an Istio HTTP match (`{ uri, port, method, headers, ... }`), or undefined without a path prefix. */
export function istioPrefixView(match: any): IstioPrefixView | undefined {
  const prefix = match?.uri?.prefix;
  if (!prefix) return undefined;
  const values = (o: any) => Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [k, exactOrPrefix(v)]));
  return {
    prefix,
    port: match.port,
    method: exactOrPrefix(match.method) || 'exact:GET',
    authority: exactOrPrefix(match.authority),
    headers: values(match.headers),
    queryParams: values(match.queryParams),
    withoutHeaders: values(match.withoutHeaders),
  };
}

/** True when istiod reports match `b` as covered by the earlier match `a` (their prefixes differ; equal ones are duplicates). */
export function istioPrefixCovers(a: IstioPrefixView, b: IstioPrefixView): boolean {
  if (a.prefix === b.prefix || !b.prefix.startsWith(a.prefix) || a.port !== b.port) return false;
  const covers = (x: string, y: string) => x === y || x.startsWith(y);
  if (!covers(a.method, b.method) || !covers(a.authority, b.authority)) return false;
  const mapCovers = (x: Readonly<Record<string, string>>, y: Readonly<Record<string, string>>) => Object.keys(x).length === Object.keys(y).length
    && Object.entries(x).every(([k, v]) => k in y && covers(v, y[k]));
  return mapCovers(a.headers, b.headers) && mapCovers(a.queryParams, b.queryParams) && mapCovers(a.withoutHeaders, b.withoutHeaders);
}

/**
 * The matches of one route in an order where none is covered by an earlier one, as far as an order can (the matches
 * of one route are alternatives to the same destinations, so their order changes nothing else): each match goes before
 * the first match that would cover it.
 */
export function coveredFirst<T>(matches: readonly T[]): T[] {
  const ordered: T[] = [];
  for (const match of matches) {
    const view = istioPrefixView(match);
    const at = view ? ordered.findIndex((m) => { const v = istioPrefixView(m); return v !== undefined && istioPrefixCovers(v, view); }) : -1;
    if (at < 0) ordered.push(match);
    else ordered.splice(at, 0, match);
  }
  return ordered;
}
