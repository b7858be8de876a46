/**
 * Summarises a V8 .cpuprofile (`node --cpu-prof`, or `npm run bench --
 * --profile DIR`): the functions with the most self time, and self time by
 * package (node_modules/<name>, Baylight's own files, node internals, GC).
 *
 *   npm run bench:profile -w server -- <file.cpuprofile> [top=25]
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  /** Microseconds the thread was busy (not idle) and sampled in all. */
  busyUs: number;
  totalUs: number;
  /** Each list sorted by time, largest first: [name, microseconds]. */
  packages: [string, number][];
  inclusive: [string, number][];
  ownInclusive: [string, number][];
  functions: [string, number][];
}

/** Where a profile's busy time went: by package (self and inclusive) and by function. */
export function summarise(file: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  // Idle time is not server work: shares are of the time the thread was busy.
  const idle = [...selfUs].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)');
  const busy = total - idle.reduce((a, [, us]) => a + us, 0);
  function packageOf(url: string, name: string): string {
    if (name === '(garbage collector)') return '(gc)';
    if (name === '(program)' || name === '(idle)') return name;
    const nm = url.lastIndexOf('node_modules/');
    if (nm >= 0) {
      const rest = url.slice(nm + 'node_modules/'.length).split('/');
      return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
    }
    if (url.startsWith('node:') || url === '') return '(node)';
    return `baylight:${url.replace(/^.*\/(server|drizzle)\//, '$1/')}`;
  }

  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const pkgOf = (id: number) => {
    const { url, functionName } = byId.get(id)!.callFrame;
    return packageOf(url, functionName);
  };
  /** A native frame (no url: better-sqlite3's Statement and all, JSON.stringify, …) counts for its caller's package. */
  const ownerOf = (id: number): string => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const pkg = pkgOf(at);
      if (pkg !== '(node)' || byId.get(at)!.callFrame.url !== '') return pkg;
    }
    return '(node)';
  };
  /**
   * SQLite itself: better-sqlite3's native statement methods, called from better-sqlite3,
   * drizzle's better-sqlite3 session or Baylight's SQLite adapter. Shown apart from the package
   * that called them, so "drizzle-orm" is the time its JavaScript takes.
   */
  const NATIVE_SQLITE = new Set(['all', 'get', 'run', 'exec', 'iterate', 'Statement', 'prepare']);
  const isSqlite = (id: number): boolean => {
    const { functionName, url } = byId.get(id)!.callFrame;
    if (url !== '' || !NATIVE_SQLITE.has(functionName)) return false;
    for (let at = parent.get(id); at !== undefined; at = parent.get(at)) {
      const caller = byId.get(at)!.callFrame.url;
      if (caller !== '') return /better-sqlite3|server\/src\/db\//.test(caller);
    }
    return false;
  };

  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const ownInclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') continue;
    const own = pkgOf(id);
    const pkg = ['(gc)', '(program)'].includes(own) ? own : isSqlite(id) ? 'SQLite (native)' : ownerOf(id);
    const where = own === '(node)' && url === '' ? `native in ${pkg}` : own;
    const key = `${functionName || '(anonymous)'}  ${where.startsWith('baylight:') ? where.slice(9) : where}:${lineNumber + 1}`;
    functions.set(key, (functions.get(key) ?? 0) + us);
    const group = pkg.startsWith('baylight:') ? 'baylight' : pkg;
    packages.set(group, (packages.get(group) ?? 0) + us);
    // Inclusive: every package and every Baylight function on this sample's stack, once each.
    const seen = new Set<string>();
    const seenOwn = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const p = pkgOf(at);
      const g = p.startsWith('baylight:') ? 'baylight' : p;
      if (!seen.has(g)) {
        seen.add(g);
        inclusive.set(g, (inclusive.get(g) ?? 0) + us);
      }
      if (p.startsWith('baylight:')) {
        const f = byId.get(at)!.callFrame;
        const name = `${f.functionName || '(anonymous)'}  ${p.slice(9)}:${f.lineNumber + 1}`;
        if (!seenOwn.has(name)) {
          seenOwn.add(name);
          ownInclusive.set(name, (ownInclusive.get(name) ?? 0) + us);
        }
      }
    }
  }
  const sorted = (m: Map<string, number>) => [...m].sort((x, y) => y[1] - x[1]);
  return {
    file,
    busyUs: busy,
    totalUs: total,
    packages: sorted(packages),
    inclusive: sorted(inclusive),
    ownInclusive: sorted(ownInclusive),
    functions: sorted(functions),
  };
}

/** The summary as the lines the CLI prints. */
export function describe(s: ProfileSummary, top = 25): string[] {
  const pct = (us: number) => `${((us / s.busyUs) * 100).toFixed(1).padStart(5)} %`;
  return [
    `${s.file}: busy ${(s.busyUs / 1e6).toFixed(2)} s of ${(s.totalUs / 1e6).toFixed(2)} s sampled`,
    '',
    'self time by package',
    ...s.packages.slice(0, 15).map(([name, us]) => `${pct(us)}  ${name}`),
    '',
    'time with the package on the stack (inclusive)',
    ...s.inclusive.slice(0, 15).map(([name, us]) => `${pct(us)}  ${name}`),
    '',
    `top ${top} Baylight functions, inclusive`,
    ...s.ownInclusive.slice(0, top).map(([name, us]) => `${pct(us)}  ${name}`),
    '',
    `top ${top} functions by self time`,
    ...s.functions.slice(0, top).map(([name, us]) => `${pct(us)}  ${name}`),
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [file, topArg] = process.argv.slice(2);
  if (!file) {
    console.error('usage: profile.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  for (const line of describe(summarise(file), Number(topArg ?? 25))) console.log(line);
}
