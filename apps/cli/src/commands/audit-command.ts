import type { CofferClient, AuditEvent, ListAuditEventsQuery as AuditListQuery } from '@coffer/sdk';
import { expectOperands, flagOption, integerOption, stringOption, type OptionValues } from '../cli-args.js';
import { usageError } from '../cli-error.js';
import type { CommandContext } from '../command-context.js';
import { resolveFileId } from '../files/resolve-file.js';
import { formatTable, formatTimestamp } from '../output/format.js';
import { parseSince } from '../time-input.js';
import type { CommandResult, CommandSpec } from './command-spec.js';

const OUTCOMES = ['success', 'failure', 'denied'] as const;
/** How far back each poll of --follow looks again: an event may be appended after a newer one's time. */
const FOLLOW_OVERLAP_MS = 60_000;

export const auditCommand: CommandSpec = {
  name: 'audit',
  summary: 'Show the audit trail (yours; everything for administrators)',
  usage: 'audit [--action TYPE] [--outcome success|failure|denied] [--actor USER_ID] [--resource ID|/folder/name] [--since WHEN] [--until WHEN] [--limit N] [--follow [--interval SECONDS]]',
  description: 'Prints events oldest first (the newest at the bottom); --json prints {"events": [...]} newest first, as the API does. --follow keeps polling and prints new events as they come (with --json: one JSON object per line) until Ctrl-C.',
  options: {
    action: { type: 'string' },
    outcome: { type: 'string' },
    actor: { type: 'string' },
    resource: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    limit: { type: 'string', short: 'n' },
    follow: { type: 'boolean', short: 'f' },
    interval: { type: 'string' },
  },
  optionHelp: [
    ['--action TYPE', 'only this event type, e.g. file.uploaded'],
    ['--outcome OUTCOME', 'success, failure or denied'],
    ['--actor USER_ID', 'only events caused by this user'],
    ['--resource ID', 'only events about this resource (a file id or /folder/name, a user id)'],
    ['--since WHEN', 'from a time (2026-11-26T10:00:00Z) or a duration ago (15m, 1h, 7d)'],
    ['--until WHEN', 'before a time or a duration ago'],
    ['-n, --limit N', 'at most N events (default 50; up to 10000)'],
    ['-f, --follow', 'keep printing new events (polls)'],
    ['--interval SECONDS', 'seconds between polls with --follow (default 2)'],
  ],
  examples: ['coffer audit --since 1h', 'coffer audit --action file.downloaded --resource /docs/plan.pdf --json', 'coffer audit --follow'],
  run: async (context, { options, operands }) => {
    expectOperands(operands, 0, 0, auditCommand.usage);
    const client = context.signedInClient();
    const query = await auditQuery(context, client, options);
    const limit = integerOption(options, 'limit', 50, 1, 10_000);
    const events: AuditEvent[] = [];
    for await (const event of client.audit.list(query)) {
      events.push(event);
      if (events.length >= limit) break;
    }
    if (!flagOption(options, 'follow')) return { json: { events }, human: formatEvents([...events].reverse()) };
    return follow(context, client, query, events, integerOption(options, 'interval', 2, 1, 3600));
  },
};

async function auditQuery(context: CommandContext, client: CofferClient, options: OptionValues): Promise<AuditListQuery> {
  const outcome = stringOption(options, 'outcome');
  if (outcome !== undefined && !(OUTCOMES as readonly string[]).includes(outcome)) throw usageError(`--outcome takes success, failure or denied, not "${outcome}"`);
  const action = stringOption(options, 'action');
  if (action !== undefined && !/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/.test(action)) throw usageError(`--action takes an event type such as file.uploaded, not "${action}"`);
  const since = stringOption(options, 'since');
  const until = stringOption(options, 'until');
  const actor = stringOption(options, 'actor');
  const resourceText = stringOption(options, 'resource');
  // A path names a file: the trail knows it by id.
  const resource = resourceText?.includes('/') ? await resolveFileId(client, resourceText) : resourceText;
  return {
    ...(action === undefined ? {} : { action }),
    ...(outcome === undefined ? {} : { outcome: outcome as (typeof OUTCOMES)[number] }),
    ...(actor === undefined ? {} : { actor }),
    ...(resource === undefined ? {} : { resource }),
    ...(since === undefined ? {} : { from: parseSince(since, context.now(), '--since') }),
    ...(until === undefined ? {} : { to: parseSince(until, context.now(), '--until') }),
  };
}

/** Prints what was found, then polls for newer events until Ctrl-C. */
async function follow(context: CommandContext, client: CofferClient, query: AuditListQuery, initial: readonly AuditEvent[], intervalSeconds: number): Promise<CommandResult> {
  const { stdout } = context.io;
  const json = context.global.json;
  const print = (events: readonly AuditEvent[]) => {
    if (events.length === 0) return;
    if (json) for (const event of events) stdout.write(`${JSON.stringify(event)}\n`);
    else for (const event of events) stdout.write(`${formatEventLine(event)}\n`);
  };
  const chronological = [...initial].reverse();
  print(chronological);
  let newestSeq = Math.max(0, ...initial.map((event) => event.seq));
  let newestTime = Math.max(context.now() - FOLLOW_OVERLAP_MS, ...initial.map((event) => Date.parse(event.time)));
  while (!context.signal.aborted) {
    await sleep(intervalSeconds * 1000, context.signal);
    if (context.signal.aborted) break;
    const fresh: AuditEvent[] = [];
    const from = new Date(newestTime - FOLLOW_OVERLAP_MS).toISOString();
    for await (const event of client.audit.list({ ...query, from: query.from !== undefined && query.from > from ? query.from : from })) {
      if (event.seq > newestSeq) fresh.push(event);
    }
    fresh.sort((a, b) => a.seq - b.seq);
    print(fresh);
    for (const event of fresh) {
      newestSeq = Math.max(newestSeq, event.seq);
      newestTime = Math.max(newestTime, Date.parse(event.time));
    }
  }
  return { json: null, human: '', streamed: true };
}

const EVENT_HEADER = ['TIME', 'EVENT', 'OUTCOME', 'ACTOR', 'SUBJECT'];

function eventCells(event: AuditEvent): string[] {
  return [formatTimestamp(event.time), event.type, event.outcome, event.actorId ?? '-', event.subject ?? '-'];
}

function formatEvents(events: readonly AuditEvent[]): string {
  if (events.length === 0) return 'no events';
  return formatTable(EVENT_HEADER, events.map(eventCells));
}

/** One event with fixed column widths, for --follow (a table cannot be re-aligned once printed). */
function formatEventLine(event: AuditEvent): string {
  const [time = '', type = '', outcome = '', actor = '', subject = ''] = eventCells(event);
  return `${time}  ${type.padEnd(26)}  ${outcome.padEnd(7)}  ${actor.padEnd(36)}  ${subject}`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
