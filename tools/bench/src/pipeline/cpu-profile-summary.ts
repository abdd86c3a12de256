/** The parts of a V8 CPU profile (`.cpuprofile`, CDP Profiler.Profile) the summary reads. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
    readonly hitCount?: number;
  }[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
}

/** Self time of one function or one code owner (package), as a share of the profiled wall time. */
export interface ProfileShare {
  readonly name: string;
  readonly share: number;
}

/** Where the sampled time went: by function and by owner (package, app, Node internals, idle). */
export interface ProfileSummary {
  readonly seconds: number;
  /** Share of samples that ran JavaScript or native code (not idle). */
  readonly busy: number;
  readonly functions: readonly ProfileShare[];
  readonly owners: readonly ProfileShare[];
}

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/** Who owns a script URL: `kafkajs`, `@clickhouse/client`, `apps/audit`, `libs/events`, `node:internal`, … */
export function ownerOfUrl(url: string): string {
  if (url === '') return '(native)';
  if (url.startsWith('node:')) return 'node (built-in modules)';
  const nodeModules = url.lastIndexOf('/node_modules/');
  if (nodeModules >= 0) {
    const parts = url.slice(nodeModules + '/node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1] ?? ''}` : (parts[0] ?? url);
  }
  const project = /\/(apps|libs|tools)\/([^/]+)\//.exec(url);
  if (project) return `${project[1]}/${project[2]}`;
  return url;
}

/** Sums self samples per function and per owner; the top `limit` of each, largest first. */
export function summarizeProfile(profile: CpuProfile, limit = 10): ProfileSummary {
  const hits = new Map<number, number>();
  if (profile.samples !== undefined && profile.samples.length > 0) {
    for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  } else {
    for (const node of profile.nodes) hits.set(node.id, node.hitCount ?? 0);
  }
  let total = 0;
  let idle = 0;
  const byFunction = new Map<string, number>();
  const byOwner = new Map<string, number>();
  for (const node of profile.nodes) {
    const count = hits.get(node.id) ?? 0;
    if (count === 0) continue;
    total += count;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') idle += count;
    const special = SPECIAL.has(functionName);
    const owner = special ? functionName : ownerOfUrl(url);
    const name = special ? functionName : `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + count);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + count);
  }
  const top = (map: Map<string, number>): ProfileShare[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, count]) => ({ name, share: total === 0 ? 0 : count / total }));
  return { seconds: (profile.endTime - profile.startTime) / 1e6, busy: total === 0 ? 0 : 1 - idle / total, functions: top(byFunction), owners: top(byOwner) };
}

/** One line for a report: `busy 34 %: kafkajs 9 %, pg 6 %, …`. */
export function describeProfile(summary: ProfileSummary, owners = 6): string {
  const parts = summary.owners
    .filter((owner) => owner.name !== '(idle)')
    .slice(0, owners)
    .map((owner) => `${owner.name} ${(owner.share * 100).toFixed(1)} %`);
  return `busy ${(summary.busy * 100).toFixed(0)} % of ${summary.seconds.toFixed(1)} s sampled; self time by owner: ${parts.join(', ')}`;
}
