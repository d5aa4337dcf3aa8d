import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';

/** A chart in a fresh test app. */
export function newChart(namespace?: string): Chart {
  return new Chart(Testing.app(), 'test', { namespace });
}

/** The objects a chart synthesizes, in output order. */
export function synth(chart: Chart): any[] {
  return Testing.synth(chart);
}

/** The one object of `kind` (and `name`, when given); fails when there is not exactly one. */
export function only(objects: any[], kind: string, name?: string): any {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata?.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0];
}

/** Synthesizes an app into a new temporary folder and returns the files it wrote, by name. */
export function synthToFiles(build: (app: App) => void): Record<string, string> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'canary-synth-'));
  try {
    const app = new App({ outdir });
    build(app);
    app.synth();
    return Object.fromEntries(fs.readdirSync(outdir).sort().map((f) => [f, fs.readFileSync(path.join(outdir, f), 'utf8')]));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}
