/**
 * Summarises a V8 .cpuprofile (`node --cpu-prof`, or `npm run bench --
 * --profile DIR`): the functions with the most self time, and self time by
 * package (node_modules/<name>, Baylight's own files, node internals, GC).
 *
 *   npm run bench:profile -w server -- <file.cpuprofile> [top=25]
 */
import { readFileSync } from 'node:fs';

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

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: profile.ts <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
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

const functions = new Map<string, number>();
const packages = new Map<string, number>();
const inclusive = new Map<string, number>();
const ownInclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  if (functionName === '(idle)') continue;
  const own = pkgOf(id);
  const pkg = ['(gc)', '(program)'].includes(own) ? own : ownerOf(id);
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
const pct = (us: number) => `${((us / busy) * 100).toFixed(1).padStart(5)} %`;
console.log(`${file}: busy ${(busy / 1e6).toFixed(2)} s of ${(total / 1e6).toFixed(2)} s sampled`);
console.log('\nself time by package');
for (const [name, us] of [...packages].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${pct(us)}  ${name}`);
console.log('\ntime with the package on the stack (inclusive)');
for (const [name, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${pct(us)}  ${name}`);
console.log(`\ntop ${top} Baylight functions, inclusive`);
for (const [name, us] of [...ownInclusive].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${pct(us)}  ${name}`);
console.log(`\ntop ${top} functions by self time`);
for (const [name, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${name}`);
