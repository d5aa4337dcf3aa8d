import { Construct } from 'constructs';
import { Release, Weights, checkRelease, subjectOf } from './model/release';
import { HeaderRouteOptions, RouteOptions, headerRoute, ruleFromOptions } from './model/route-options';

/**
 * A construct that routes one host by a release model: the rule and weight mutators CanaryService and
 * TrafficSplit share. Every change is checked as a whole before it is kept, so a rejected call leaves the
 * routing as it was.
 */
export abstract class RoutedRelease extends Construct {
  private own?: Release;
  private revisionCount = 0;
  private readonly renders = new Map<string, { revision: number; value: unknown }>();

  /** The routing model as it stands and is rendered: versions (or backends), the default split and the rules. */
  public get release(): Release {
    return this.decorate(this.own!);
  }

  /** Counts the changes to the routing; a render made at one revision holds until the next. */
  public get revision(): number {
    return this.revisionCount;
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
    this.commit({ ...this.own!, rules: [...this.own!.rules, ruleFromOptions(subjectOf(this.own!), options, this.own!.rules)] });
  }

  /**
   * Replaces the default route's split (percent per version, adding up to 100); a service whose default route was
   * even or followed the pods (`defaultRoute`) is split by these weights from now on.
   */
  public setWeights(weights: Weights): void {
    this.commit({ ...this.own!, weights: { ...weights }, defaultRoute: undefined });
  }

  /** Checks a candidate release and keeps it; a failed check leaves the routing as it was. */
  protected commit(release: Release): void {
    checkRelease(this.decorate(release));
    this.own = release;
    this.revisionCount += 1;
  }

  /**
   * `render()` once per revision, under `key`: a synth renders each spec for the manifest and again for the mesh
   * analysis, and the routing cannot change in between.
   */
  protected rendered<T>(key: string, render: () => T): T {
    const cached = this.renders.get(key);
    if (cached && cached.revision === this.revisionCount) return cached.value as T;
    const value = render();
    this.renders.set(key, { revision: this.revisionCount, value });
    return value;
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
