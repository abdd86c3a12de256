import { Counter, type Registry } from 'prom-client';
import type { ReasonKind } from './policy-engine.js';

/** The policy service's own metrics, registered in the service's registry. */
export class PolicyMetrics {
  readonly decisions: Counter<'effect' | 'reason_kind'>;
  readonly cacheHits: Counter;
  readonly cacheMisses: Counter;

  constructor(registry: Registry) {
    this.decisions = new Counter({
      name: 'policy_decisions_total',
      help: 'Authorize decisions, by effect and kind of reason (never ids).',
      labelNames: ['effect', 'reason_kind'],
      registers: [registry],
    });
    this.cacheHits = new Counter({ name: 'policy_decision_cache_hits_total', help: 'Authorize answers served from the decision cache.', registers: [registry] });
    this.cacheMisses = new Counter({ name: 'policy_decision_cache_misses_total', help: 'Authorize answers computed (cache miss).', registers: [registry] });
  }

  recordDecision(effect: 'allow' | 'deny', reasonKind: ReasonKind): void {
    this.decisions.inc({ effect, reason_kind: reasonKind });
  }
}
