import { SpanStatusCode, type Span } from '@opentelemetry/api';

/** Marks a span as failed with `error` (recorded as an exception event). Does not end it. */
export function markSpanFailed(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR });
}

/** Runs `work`, marks `span` failed when it throws, and ends the span either way. */
export async function endSpanAfter<T>(span: Span, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    markSpanFailed(span, error);
    throw error;
  } finally {
    span.end();
  }
}
