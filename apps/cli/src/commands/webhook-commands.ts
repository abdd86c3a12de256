import { expectOperands, integerOption, stringOption } from '../cli-args.js';
import { usageError } from '../cli-error.js';
import { isUuid } from '../files/remote-path.js';
import { formatTable, formatTimestamp } from '../output/format.js';
import { parseSince } from '../time-input.js';
import { result, type CommandSpec } from './command-spec.js';

function webhookId(text: string | undefined): string {
  if (text === undefined || !isUuid(text)) throw usageError(`"${text ?? ''}" is not a webhook id (see \`coffer webhooks ls\`)`);
  return text.toLowerCase();
}

/** `file.uploaded,file.*` → ["file.uploaded", "file.*"]; every event type (`*`) by default. */
export function parseEventTypes(text: string | undefined): string[] {
  if (text === undefined) return ['*'];
  const types = [...new Set(text.split(',').map((type) => type.trim()).filter(Boolean))];
  const invalid = types.find((type) => !/^(\*|[a-z]+\.\*|[a-z]+\.[a-z_]+)$/.test(type));
  if (types.length === 0 || invalid !== undefined) throw usageError(`--events takes event types such as file.uploaded,file.*,share.* (or *), not "${invalid ?? text}"`);
  return types;
}

export const webhooksAddCommand: CommandSpec = {
  name: 'webhooks add',
  summary: 'Subscribe an https endpoint to events (prints the signing secret once)',
  usage: 'webhooks add <url> [--events TYPES] [--description TEXT]',
  options: { events: { type: 'string' }, description: { type: 'string' } },
  optionHelp: [
    ['--events TYPES', 'comma-separated event types or wildcards: file.uploaded,share.* (default *)'],
    ['--description TEXT', 'a note for yourself'],
  ],
  examples: ['coffer webhooks add https://hooks.example.com/coffer --events file.*,share.created'],
  run: async (context, { options, operands }) => {
    expectOperands(operands, 1, 1, webhooksAddCommand.usage);
    const description = stringOption(options, 'description');
    const created = await context.signedInClient().webhooks.create({
      url: operands[0] ?? '',
      eventTypes: parseEventTypes(stringOption(options, 'events')),
      ...(description === undefined ? {} : { description }),
    });
    return result(
      created,
      `webhook ${created.webhook.id} → ${created.webhook.url} (${created.webhook.eventTypes.join(', ')})\nsigning secret (shown once, keep it safe): ${created.secret}`,
    );
  },
};

export const webhooksLsCommand: CommandSpec = {
  name: 'webhooks ls',
  summary: 'List your webhook subscriptions',
  usage: 'webhooks ls',
  options: {},
  optionHelp: [],
  examples: ['coffer webhooks ls --json'],
  run: async (context, { operands }) => {
    expectOperands(operands, 0, 0, webhooksLsCommand.usage);
    const webhooks = await context.signedInClient().webhooks.list();
    const human =
      webhooks.length === 0
        ? 'no webhooks'
        : formatTable(
            ['ID', 'ENABLED', 'EVENTS', 'URL'],
            webhooks.map((hook) => [hook.id, hook.enabled ? 'yes' : `no (${hook.disabledReason ?? 'disabled'})`, hook.eventTypes.join(','), hook.url]),
          );
    return result({ webhooks }, human);
  },
};

export const webhooksRmCommand: CommandSpec = {
  name: 'webhooks rm',
  summary: 'Remove a subscription and its pending deliveries',
  usage: 'webhooks rm <webhook-id>',
  options: {},
  optionHelp: [],
  examples: ['coffer webhooks rm 7d0c…-id'],
  run: async (context, { operands }) => {
    expectOperands(operands, 1, 1, webhooksRmCommand.usage);
    const id = webhookId(operands[0]);
    await context.signedInClient().webhooks.delete(id);
    return result({ id, deleted: true }, `removed webhook ${id}`);
  },
};

export const webhooksTestCommand: CommandSpec = {
  name: 'webhooks test',
  summary: 'Send a test event (webhook.ping) to the endpoint',
  usage: 'webhooks test <webhook-id>',
  options: {},
  optionHelp: [],
  examples: ['coffer webhooks test 7d0c…-id && coffer webhooks deliveries 7d0c…-id'],
  run: async (context, { operands }) => {
    expectOperands(operands, 1, 1, webhooksTestCommand.usage);
    const id = webhookId(operands[0]);
    const queued = await context.signedInClient().webhooks.ping(id);
    return result({ webhookId: id, ...queued }, `ping queued as delivery ${queued.deliveryId} (see: coffer webhooks deliveries ${id})`);
  },
};

export const webhooksDeliveriesCommand: CommandSpec = {
  name: 'webhooks deliveries',
  summary: "A subscription's deliveries, newest first",
  usage: 'webhooks deliveries <webhook-id> [--status pending|succeeded|dead] [--limit N]',
  options: { status: { type: 'string' }, limit: { type: 'string', short: 'n' } },
  optionHelp: [
    ['--status STATUS', 'pending, succeeded or dead (dead-lettered)'],
    ['-n, --limit N', 'at most N deliveries (default 50)'],
  ],
  examples: ['coffer webhooks deliveries 7d0c…-id --status dead'],
  run: async (context, { options, operands }) => {
    expectOperands(operands, 1, 1, webhooksDeliveriesCommand.usage);
    const id = webhookId(operands[0]);
    const status = stringOption(options, 'status');
    if (status !== undefined && status !== 'pending' && status !== 'succeeded' && status !== 'dead') throw usageError(`--status takes pending, succeeded or dead, not "${status}"`);
    const limit = integerOption(options, 'limit', 50, 1, 10_000);
    const deliveries = [];
    for await (const delivery of context.signedInClient().webhooks.deliveries(id, status === undefined ? {} : { status })) {
      deliveries.push(delivery);
      if (deliveries.length >= limit) break;
    }
    const human =
      deliveries.length === 0
        ? 'no deliveries'
        : formatTable(
            ['ID', 'EVENT', 'STATUS', 'ATTEMPTS', 'LAST', 'CREATED'],
            deliveries.map((delivery) => [
              delivery.id,
              delivery.eventType,
              delivery.status,
              String(delivery.attempts),
              delivery.lastStatusCode === undefined ? (delivery.lastError ?? '-') : String(delivery.lastStatusCode),
              formatTimestamp(delivery.createdAt),
            ]),
          );
    return result({ deliveries }, human);
  },
};

export const webhooksReplayCommand: CommandSpec = {
  name: 'webhooks replay',
  summary: 'Send a delivery again, or every dead-lettered one since a time',
  usage: 'webhooks replay <webhook-id> (--delivery DELIVERY_ID | --since WHEN)',
  options: { delivery: { type: 'string' }, since: { type: 'string' } },
  optionHelp: [
    ['--delivery ID', 'one delivery (msg_…), whatever its state'],
    ['--since WHEN', 'every dead-lettered delivery created since a time or a duration ago (1h, 2d)'],
  ],
  examples: ['coffer webhooks replay 7d0c…-id --since 1d', 'coffer webhooks replay 7d0c…-id --delivery msg_2b…'],
  run: async (context, { options, operands }) => {
    expectOperands(operands, 1, 1, webhooksReplayCommand.usage);
    const id = webhookId(operands[0]);
    const delivery = stringOption(options, 'delivery');
    const since = stringOption(options, 'since');
    if ((delivery === undefined) === (since === undefined)) throw usageError('give exactly one of --delivery and --since');
    const body = delivery !== undefined ? { deliveryId: delivery } : { since: parseSince(since ?? '', context.now(), '--since') };
    const replayed = await context.signedInClient().webhooks.replay(id, body);
    return result({ webhookId: id, ...replayed }, `${replayed.replayed} deliveries queued again`);
  },
};

export const WEBHOOK_COMMANDS: readonly CommandSpec[] = [
  webhooksAddCommand,
  webhooksLsCommand,
  webhooksRmCommand,
  webhooksTestCommand,
  webhooksDeliveriesCommand,
  webhooksReplayCommand,
];
