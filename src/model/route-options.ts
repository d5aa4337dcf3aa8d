/** The options of a rule as constructs take them, and how they become a rule of the release model. */
import { checkList, checkObject, refuse, show } from './errors';
import { Match } from './match';
import { RouteRule, Weights, routeNameFrom } from './release';
import { Redirect, RoutePolicy } from './route-policy';

/** A rule ahead of the default route, with its route options. */
export interface RouteOptions extends RoutePolicy {
  /**
   * Route name, unique within the service (shows up in Envoy stats and in the traffic report).
   * @default `rule-<n>`, n counting the service's rules from 1
   */
  readonly name?: string;
  /** Requests matching any of these (OR) take this route; each match's conditions must all hold (AND). */
  readonly match: Match[];
  /**
   * Where matching requests go: one version, or percent per version adding up to 100.
   * @default none: then give redirect
   */
  readonly to?: string | Weights;
  /**
   * Answer matching requests with a redirect instead of forwarding them (HTTP ports only; not with `to`,
   * `rewrite` or other route options).
   * @default none
   */
  readonly redirect?: Redirect;
}

/** Options of `routeHeader`. */
export interface HeaderRouteOptions extends RoutePolicy {
  /**
   * Route name.
   * @default `<header>-<value>`, lower-cased, other characters replaced by "-"
   */
  readonly name?: string;
}

/** The options of a header rule: `name: value` to one version. */
export function headerRoute(subject: string, name: string, value: string, to: string, options: HeaderRouteOptions = {}): RouteOptions {
  checkObject(subject, 'the options of routeHeader', options, '{ name: "testers", timeout: Duration.seconds(2) }');
  return { ...options, name: options.name ?? routeNameFrom(`${name}-${value}`), match: [Match.headerExact(name, value)], to };
}

/**
 * The release rule for route options, named `rule-<n>` after the existing rules when unnamed.
 * @throws when `match` is not a list of `Match`es (as can arrive from JavaScript or a config file)
 */
export function ruleFromOptions(subject: string, options: RouteOptions, existing: readonly RouteRule[]): RouteRule {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    refuse(subject, 'addRoute takes the route\'s options', show(options), 'pass e.g. { match: [Match.headerExact("env", "gray")], to: "v2" }');
  }
  const name = options.name ?? `rule-${existing.length + 1}`;
  if (typeof name !== 'string') refuse(subject, 'a route name must be text', show(name), 'quote it');
  const match = checkList(subject, `route ${show(name)} match`, options.match ?? [], '[Match.headerExact("env", "gray")]');
  const notMatch = match.find((m) => !(m instanceof Match));
  if (notMatch) {
    refuse(subject, `route ${show(name)}: every match must be made with the Match factories`, show(notMatch),
      'e.g. Match.headerExact("env", "gray") or Match.uriPrefix("/api")');
  }
  return {
    ...options,
    name,
    match: [...match],
    to: typeof options.to === 'string' ? { [options.to]: 100 } : options.to ?? {},
  };
}
