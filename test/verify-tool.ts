/**
 * The verification tool (verify/, Go, Istio 1.30's own code) from the tests: build it once, write objects as
 * manifests, run a verb, and ask explain and Istio's pilot the same requests.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Yaml } from 'cdk8s';
import { K8sObject, TrafficExplanation, TrafficRequest, explain } from '../src/analysis';

const ROOT = path.join(__dirname, '..');
const BIN = path.join(ROOT, 'verify', '.bin', 'verify');
/** The pinned CRDs, as the CRD conformance tests read them. */
export const CRD_DIR = process.env.CRD_DIR ?? path.join(ROOT, '..', 'shared', 'crds');

let built = false;
/** The tool's binary; `npm test` builds it first, a lone jest run builds it here (`go build` is a no-op when current). */
export function verifyTool(): string {
  if (!built) {
    execFileSync('go', ['-C', path.join(ROOT, 'verify'), 'build', '-o', '.bin/verify', '.'], { stdio: 'inherit' });
    built = true;
  }
  return BIN;
}

/** Runs a verb; returns the exit code and the output. */
export function runVerify(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(verifyTool(), args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, cwd: ROOT });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Writes objects to a new folder, a YAML file per entry of `files` (file name -> objects), as `cdk8s synth` writes
 * them (YAML 1.1: `on` and `yes` quoted, as kubectl reads them); returns the folder.
 */
export function writeManifests(files: Record<string, readonly K8sObject[]>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-'));
  for (const [name, objects] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), Yaml.stringify(...objects));
  }
  return dir;
}

/** A request for the tool: explain's request with the caller or the gateway. */
export interface VerifyRequest extends TrafficRequest {
  readonly name?: string;
}

/** The tool's answer (verify/envoy.go routeAnswer). */
export interface RouteAnswer {
  readonly status: string;
  readonly clusters: Record<string, number>;
  readonly unhealthy?: string[];
  readonly missing?: string[];
  readonly route?: string;
  readonly listener?: string;
  readonly timeout?: string;
  readonly redirect?: { scheme?: string; host?: string; port?: number; path?: string; prefix?: string };
  readonly note?: string;
}

/** Istio's answers for the requests, in order. */
export function pilotRoutes(dir: string, requests: readonly VerifyRequest[]): RouteAnswer[] {
  const reqFile = path.join(dir, '..', `${path.basename(dir)}-requests.json`);
  fs.writeFileSync(reqFile, JSON.stringify(requests));
  try {
    const r = runVerify(['routes', dir, reqFile, '--json']);
    if (r.status !== 0) throw new Error(`verify routes failed (${r.status}): ${r.stderr}`);
    return JSON.parse(r.stdout).answers;
  } finally {
    fs.rmSync(reqFile, { force: true });
  }
}

/** One answer in common terms: the status and the share of each destination (`host|subset`, in percent). */
export interface Verdict {
  readonly status: string;
  readonly shares: Record<string, number>;
}

const round = (n: number) => Math.round(n * 100) / 100;

/** explain's answer in common terms. */
export function explainVerdict(e: TrafficExplanation): Verdict {
  const shares: Record<string, number> = {};
  for (const d of e.destinations) {
    if (d.probability <= 0) continue;
    const key = `${d.host}|${d.subset ?? ''}`;
    shares[key] = round((shares[key] ?? 0) + d.probability * 100);
  }
  let status = e.outcome;
  if (status === 'redirect') status = e.response!.split(' ')[0];
  return { status, shares };
}

/** The tool's answer in common terms: clusters `outbound|<port>|<subset>|<host>` (or a waypoint's) as `host|subset`. */
export function pilotVerdict(a: RouteAnswer): Verdict {
  const shares: Record<string, number> = {};
  for (const [cluster, pct] of Object.entries(a.clusters ?? {})) {
    // A waypoint's clusters are `inbound-vip|<port>|http[/<subset>]|<host>`.
    const [direction, , field, host] = cluster.split('|');
    const subset = direction === 'inbound-vip' ? field?.split('/')[1] ?? '' : field;
    const key = host === undefined ? cluster : `${host}|${subset}`;
    shares[key] = round((shares[key] ?? 0) + pct);
  }
  let status = a.status;
  // A fault that aborts every request is explained as routed with a note: compare the routing.
  if (/^\d+ FI$/.test(status)) status = 'routed';
  const failing = (a.missing?.length ?? 0) + (a.unhealthy?.length ?? 0);
  if (status === 'routed' && failing > 0) status = 'partly failing';
  return { status, shares };
}

/** A request where explain and Istio's pilot disagree, with both answers. */
export interface Disagreement {
  readonly request: VerifyRequest;
  readonly explain: Verdict & { reason: string; notes: string[] };
  readonly pilot: RouteAnswer;
}

/** Asks explain and Istio's pilot the same requests; returns where they disagree. */
export function compareWithPilot(objects: readonly K8sObject[], requests: readonly VerifyRequest[], dir?: string): Disagreement[] {
  if (requests.length === 0) return [];
  const folder = dir ?? writeManifests({ 'manifests.yaml': objects });
  try {
    const answers = pilotRoutes(folder, requests);
    const out: Disagreement[] = [];
    requests.forEach((request, i) => {
      const e = explain(objects, request);
      if (e.outcome === 'unknown') return; // explain says the manifests do not tell; nothing to compare
      const ours = explainVerdict(e);
      const theirs = pilotVerdict(answers[i]);
      if (ours.status !== theirs.status || JSON.stringify(sortKeys(ours.shares)) !== JSON.stringify(sortKeys(theirs.shares))) {
        out.push({ request, explain: { ...ours, reason: e.reason, notes: e.notes }, pilot: answers[i] });
      }
    });
    return out;
  } finally {
    if (!dir) fs.rmSync(folder, { recursive: true, force: true });
  }
}

function sortKeys(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

/** The first disagreement, for a failing test's message. */
export function describeDisagreement(d: Disagreement | undefined): string {
  return d === undefined ? 'none' : JSON.stringify(d, null, 2);
}
