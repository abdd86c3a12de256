/** What a `make bench` run does, parsed once from the command line. */
export interface BenchOptions {
  /** Fewer repetitions and smaller sizes, for development; the report says so. */
  readonly quick: boolean;
  /** Sections (the 1..9) to run; all when absent. */
  readonly only: ReadonlySet<number> | undefined;
  readonly transferBytes: number;
  readonly transferRepetitions: number;
  readonly loadSeconds: number;
  readonly loadRepetitions: number;
  /** Where the services write V8 CPU profiles (`--cpu-prof`), to see where the time goes; none when absent. */
  readonly cpuProfileDir: string | undefined;
}

export const USAGE = 'usage: node tools/bench/dist/main.js [--quick] [--only 1,2,3] [--cpu-prof DIR]   (sections 1–9 of issue 10)';

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  let quick = false;
  let only: Set<number> | undefined;
  let cpuProfileDir: string | undefined;
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index];
    if (argument === '--quick') quick = true;
    else if (argument === '--cpu-prof') {
      cpuProfileDir = argv[(index += 1)];
      if (cpuProfileDir === undefined) throw new Error(`--cpu-prof needs a folder\n${USAGE}`);
    }
    else if (argument === '--only' || argument?.startsWith('--only=')) {
      const list = argument === '--only' ? argv[(index += 1)] : argument.slice('--only='.length);
      if (list === undefined || list.length === 0) throw new Error(`--only needs a list of sections\n${USAGE}`);
      only = new Set(
        list.split(',').map((item) => {
          const section = Number(item.trim());
          if (!Number.isInteger(section) || section < 1 || section > 9) throw new Error(`--only: ${JSON.stringify(item)} is not a section 1–9\n${USAGE}`);
          return section;
        }),
      );
    } else throw new Error(`unknown argument ${JSON.stringify(argument)}\n${USAGE}`);
  }
  return {
    quick,
    only,
    transferBytes: quick ? 128 * 1024 ** 2 : 1024 ** 3,
    transferRepetitions: quick ? 1 : 3,
    loadSeconds: quick ? 3 : 5,
    loadRepetitions: quick ? 1 : 3,
    cpuProfileDir,
  };
}

/** Whether any of `sections` is selected. */
export function selects(options: BenchOptions, ...sections: number[]): boolean {
  return options.only === undefined || sections.some((section) => options.only?.has(section));
}
