/**
 * @coffer/http-content: the HTTP semantics of serving file content, as pure functions —
 * Range requests (RFC 9110 §14), conditional requests (§13) and a safe Content-Disposition
 * for user-supplied names (RFC 6266, RFC 8187).
 */
export {
  chooseRangeToServe,
  contentRangeHeader,
  MAX_RANGE_SPECS,
  parseRangeHeader,
  unsatisfiedContentRange,
  type InclusiveByteRange,
  type RangeDecision,
  type RangeRequest,
} from './byte-ranges.js';
export {
  evaluatePreconditions,
  formatEtag,
  ifRangeAllowsPartial,
  parseEtagList,
  type ConditionalRequest,
  type EntityTag,
  type PreconditionOutcome,
  type RepresentationValidators,
} from './preconditions.js';
export { formatHttpDate, parseHttpDate, toHttpSeconds } from './http-date.js';
export { contentDisposition, FALLBACK_FILENAME, MAX_FILENAME_BYTES } from './content-disposition.js';
