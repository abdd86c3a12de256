import { randomBytes } from 'node:crypto';

/**
 * A new delivery id, the `webhook-id` header: `msg_` + 12 hex digits of the time in ms + 20
 * random hex digits, so ids sort by creation and never repeat. Kept on every retry and replay.
 */
export function newDeliveryId(nowMs = Date.now()): string {
  return `msg_${nowMs.toString(16).padStart(12, '0')}${randomBytes(10).toString('hex')}`;
}

/** Whether a string has the shape of a delivery id (checked before any query). */
export function isDeliveryId(id: string): boolean {
  return /^msg_[A-Za-z0-9]{1,64}$/.test(id);
}
