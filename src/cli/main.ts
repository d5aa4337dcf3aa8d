/**
 * The `istio-canary` command: `explain`, `report` and `diff` over any Istio YAML (files or folders).
 * `main(argv, io)` returns the exit code; the bin (bin/istio-canary.js) calls it with the process's streams.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { TrafficRequest, explain, formatExplanation } from '../analysis/explain';
import { K8sObject, setSource } from '../analysis/manifest';
import { diffTraffic, renderDiff, renderReport, summarize } from '../analysis/report';

/** Where the command writes. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export const USAGE = `usage: istio-canary <command> [options]

commands:
  explain <files or folders> --host <host> [--path /p] [-H name=value]... [--method GET]
          [--gateway <namespace>/<name> | --from <namespace>[/<label>=<value>,...]] [--port N]
      which VirtualService (or HTTPRoute) and rule a request meets, which versions get it with what probability and why,
      or the failure a client would see (404 NR, 503 NC, 503 UH)
  report <files or folders>
      Markdown: per VirtualService (or HTTPRoute, GRPCRoute) its versions, rules in order, default split and a Mermaid flowchart
  diff <base> <head> [--exit-code]
      the traffic changes between two synth outputs, in Markdown, and a change that cannot be applied at once
      without failed requests, with its two steps; --exit-code exits 1 when there are changes

options:
  --json     print JSON instead of text or Markdown
  --help     this help

Files are YAML or JSON manifests (several documents per file); folders are read recursively.`;

/** Thrown for bad usage or unreadable input: printed without a stack, exit code 2. */
export class CliError extends Error {}

/**
 * Reads every object of the YAML/JSON files named, folders recursively, in the order `kubectl apply -f` reads them
 * (a folder's entries sorted by name). Each object remembers its file and document, for the notes that name it. A
 * document that does not parse or is not an object (a list, a scalar) is an error naming the file and the document.
 */
export function loadManifests(paths: readonly string[]): K8sObject[] {
  if (paths.length === 0) throw new CliError('no files or folders given');
  return paths.flatMap((p) => listFiles(p)).flatMap((file) => {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
    }
    let docs: ReturnType<typeof parseAllDocuments>;
    try {
      docs = parseAllDocuments(text);
    } catch (e) {
      throw new CliError(`${file}: not valid YAML: ${firstLine(e)}`);
    }
    const list = Array.isArray(docs) ? docs : [docs];
    return list.flatMap((doc, i) => {
      const where = `${file}: document ${i + 1}`;
      // `<file>: not valid YAML (document N): ...`, as before (test/cli.test.ts pins it).
      if (doc.errors.length > 0) throw new CliError(`${file}: not valid YAML (document ${i + 1}): ${firstLine(doc.errors[0])}`);
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: 1000 });
      } catch (e) {
        throw new CliError(`${where}: ${firstLine(e)}`);
      }
      if (value === null || value === undefined) return [];
      if (typeof value !== 'object' || Array.isArray(value)) {
        throw new CliError(`${where}: ${Array.isArray(value) ? 'a list' : `${typeof value === 'string' ? 'the string' : 'the value'} ${JSON.stringify(value)}`}`
          + ', not a Kubernetes object');
      }
      setSource(value, list.length > 1 ? `${file} document ${i + 1}` : file);
      return [value as K8sObject];
    });
  });
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}

function listFiles(p: string): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(p);
  } catch {
    throw new CliError(`cannot read ${p}: no such file or folder`);
  }
  if (!stat.isDirectory()) return [p];
  // kubectl's file visitor (filepath.Walk) reads a folder's entries sorted by name, byte order.
  return fs.readdirSync(p).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))).flatMap((f) => {
    const full = path.join(p, f);
    let isDirectory: boolean;
    try {
      isDirectory = fs.statSync(full).isDirectory();
    } catch {
      throw new CliError(`cannot read ${full}: a broken link or no permission`);
    }
    return isDirectory ? listFiles(full) : /\.(ya?ml|json)$/.test(f) ? [full] : [];
  });
}

interface Parsed {
  readonly positional: string[];
  readonly flags: Record<string, string[]>;
}

const VALUE_FLAGS = ['--host', '--path', '-H', '--header', '--method', '--gateway', '--from', '--port'];
const BOOLEAN_FLAGS = ['--json', '--help', '-h', '--exit-code'];

function parseArgs(args: readonly string[]): Parsed {
  const positional: string[] = [];
  const flags: Record<string, string[]> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (VALUE_FLAGS.includes(name)) {
      const value = inline ?? args[++i];
      if (value === undefined) throw new CliError(`${name} needs a value`);
      (flags[name] ??= []).push(value);
    } else if (BOOLEAN_FLAGS.includes(name)) {
      flags[name] = ['true'];
    } else if (arg.startsWith('-') && arg !== '-') {
      throw new CliError(`unknown option ${arg}`);
    } else {
      positional.push(arg);
    }
  }
  return { positional, flags };
}

function one(p: Parsed, name: string): string | undefined {
  const values = p.flags[name];
  if (values && values.length > 1) throw new CliError(`${name} given more than once`);
  return values?.[0];
}

function labelsOf(text: string, what: string): Record<string, string> {
  return Object.fromEntries(text.split(',').filter(Boolean).map((pair) => {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`${what} takes name=value, got ${JSON.stringify(pair)}`);
    return [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
  }));
}

function requestOf(p: Parsed): TrafficRequest {
  const host = one(p, '--host');
  if (!host) throw new CliError('explain needs --host');
  const gateway = one(p, '--gateway');
  const from = one(p, '--from');
  if (gateway && from) throw new CliError('give --gateway or --from, not both');
  if (gateway && !/^[^/]+\/[^/]+$/.test(gateway)) throw new CliError(`--gateway takes <namespace>/<name>, got ${JSON.stringify(gateway)}`);
  const portText = one(p, '--port');
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) throw new CliError(`--port takes a port number, got ${JSON.stringify(portText)}`);
  const headers = labelsOf([...(p.flags['-H'] ?? []), ...(p.flags['--header'] ?? [])].join(','), '-H');
  const [fromNamespace, fromLabels] = from ? [from.split('/')[0], from.split('/').slice(1).join('/')] : [];
  return {
    host,
    path: one(p, '--path'),
    method: one(p, '--method'),
    headers,
    port,
    gateway,
    from: from ? { namespace: fromNamespace!, labels: fromLabels ? labelsOf(fromLabels, '--from labels') : undefined } : undefined,
  };
}

/** Runs the command; returns the exit code (0 ok, 1 changes with --exit-code, 2 bad usage or input, 3 an internal error). */
export function main(argv: readonly string[], io: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }): number {
  let positional: string[] = [];
  try {
    const [command, ...rest] = argv;
    if (!command || command === '--help' || command === '-h' || command === 'help') {
      io.out(`${USAGE}\n`);
      return command ? 0 : 2;
    }
    const p = parseArgs(rest);
    positional = p.positional;
    if (p.flags['--help'] || p.flags['-h']) {
      io.out(`${USAGE}\n`);
      return 0;
    }
    const json = Boolean(p.flags['--json']);
    const print = (value: unknown, text: string) => io.out(json ? `${JSON.stringify(value, undefined, 2)}\n` : text.endsWith('\n') ? text : `${text}\n`);
    switch (command) {
      case 'explain': {
        const request = requestOf(p);
        const result = explain(loadManifests(p.positional), request);
        print(result, formatExplanation(result));
        return 0;
      }
      case 'report': {
        const objects = loadManifests(p.positional);
        print(summarize(objects), renderReport(objects));
        return 0;
      }
      case 'diff': {
        if (p.positional.length !== 2) throw new CliError('diff takes two files or folders: <base> <head>');
        const changes = diffTraffic(loadManifests([p.positional[0]]), loadManifests([p.positional[1]]));
        print({ changes }, renderDiff(changes));
        return p.flags['--exit-code'] && changes.length > 0 ? 1 : 0;
      }
      default:
        throw new CliError(`unknown command ${JSON.stringify(command)}; use explain, report or diff`);
    }
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`istio-canary: ${e.message}\n`);
      return 2;
    }
    // A bug of ours, not of the input: one line naming the files read, no stack (exit code 3).
    const files = positional.join(', ');
    io.err(`istio-canary: internal error reading ${files}: ${(e as Error)?.name ?? 'Error'}: ${String((e as Error)?.message ?? e).split('\n')[0]}`
      + ' (please report it, with the files)\n');
    return 3;
  }
}
