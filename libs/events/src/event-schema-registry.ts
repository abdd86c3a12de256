import { AppError } from '@coffer/platform';
import type { ValidateFunction } from 'ajv';
import { createAjv, describeAjvError } from './ajv.js';
import type { CloudEvent } from './cloud-event.js';
import { EVENT_TYPE_PATTERN } from './cloud-event.js';

/** A JSON Schema (2020-12) for one event type's `data`. */
export type EventDataSchema = Readonly<Record<string, unknown>>;

const typePattern = new RegExp(EVENT_TYPE_PATTERN);

/**
 * Event type → JSON Schema of its `data`. The bus validates every event against it when it is
 * published and again when it is consumed; a type that is not registered is refused.
 */
export class EventSchemaRegistry {
  readonly #ajv = createAjv();
  readonly #validators = new Map<string, ValidateFunction>();

  /** Registers the schema of `type`. A type is registered once; a second schema is a conflict. */
  register(type: string, schema: EventDataSchema): this {
    if (!typePattern.test(type)) throw new AppError('invalid_argument', { detail: `Invalid event type ${JSON.stringify(type)}.` });
    if (this.#validators.has(type)) throw new AppError('conflict', { detail: `Event type ${type} is already registered.` });
    let validate: ValidateFunction;
    try {
      validate = this.#ajv.compile(schema);
    } catch (error) {
      throw new AppError('invalid_argument', { detail: `The schema of event type ${type} is not a valid JSON Schema.`, cause: error });
    }
    this.#validators.set(type, validate);
    return this;
  }

  has(type: string): boolean {
    return this.#validators.has(type);
  }

  /** The registered types, sorted. */
  types(): string[] {
    return [...this.#validators.keys()].sort();
  }

  /** Throws `AppError('invalid_argument')` for an unknown type or data that does not match. */
  validate(event: CloudEvent): void {
    const validate = this.#validators.get(event.type);
    if (validate === undefined) throw new AppError('invalid_argument', { detail: `Unknown event type ${event.type}.` });
    if (validate(event.data)) return;
    const { path, message } = describeAjvError(validate.errors?.[0], 'data');
    const attribute = path === 'data' ? 'data' : `data.${path}`;
    throw new AppError('invalid_argument', { detail: `Invalid ${event.type} event: "${attribute}" ${message}.` });
  }
}
