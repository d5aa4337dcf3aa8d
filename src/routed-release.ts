import { Construct } from 'constructs';
import { Release, Weights, checkRelease } from './release';
import { HeaderRouteOptions, RouteOptions, headerRoute, ruleFromOptions } from './route-options';

/**
 * A construct that routes one host by a release model: the rule and weight mutators CanaryService and
 * TrafficSplit share. Every change is checked as a whole before it is kept, so a rejected call leaves the
 * routing as it was.
 */
export abstract class RoutedRelease extends Construct {
  private own?: Release;

  /** The routing model as it stands and is rendered: versions (or backends), the default split and the rules. */
  public get release(): Release {
    return this.decorate(this.own!);
  }

  /**
   * Sends requests whose header `name` equals `value` to one version (a backend Service, for a TrafficSplit), e.g.
   * `routeHeader('end-user', 'jason', 'v2')`. Rules keep the order they are added in; the first match wins.
   */
  public routeHeader(name: string, value: string, version: string, options: HeaderRouteOptions = {}): void {
    this.addRoute(headerRoute(name, value, version, options));
  }

  /** Adds a rule after the existing ones and before the default route. */
  public addRoute(options: RouteOptions): void {
    this.commit({ ...this.own!, rules: [...this.own!.rules, ruleFromOptions(options, this.own!.rules)] });
  }

  /** Replaces the default route's split (percent per version, adding up to 100). */
  public setWeights(weights: Weights): void {
    this.commit({ ...this.own!, weights: { ...weights } });
  }

  /** Checks a candidate release and keeps it; a failed check leaves the routing as it was. */
  protected commit(release: Release): void {
    checkRelease(this.decorate(release));
    this.own = release;
  }

  /** Checks the routing again after something `decorate` reads has changed. */
  protected recheck(): void {
    this.commit(this.own!);
  }

  /** What the construct adds to the rules and split given to it (a CanaryService's lane rules); nothing by default. */
  protected decorate(release: Release): Release {
    return release;
  }
}
