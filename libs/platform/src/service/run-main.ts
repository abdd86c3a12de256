import { ConfigError } from '../config/load-config.js';

/**
 * Runs a service's start-up. A failure is reported as one JSON line on stderr with a clear
 * message (a ConfigError lists each bad key) and the process exits with status 1; no stack
 * trace is printed for configuration mistakes.
 */
export function runMain(service: string, start: () => Promise<void>): void {
  start().catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    const line: Record<string, unknown> = { time: new Date().toISOString(), level: 'fatal', service, msg: `failed to start: ${message}` };
    if (!(error instanceof ConfigError) && error instanceof Error) line['stack'] = error.stack;
    process.stderr.write(`${JSON.stringify(line)}\n`);
    process.exit(1);
  });
}
