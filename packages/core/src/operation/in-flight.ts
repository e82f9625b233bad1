/**
 * Operations started and not yet ended, across every GenAiMetrics of this copy of core. Read by
 * `withMetricsFlush` to tell a Response that relays an operation still running (a streamed answer,
 * whose flush must wait for the body) from one built after every operation ended (returned as it is).
 * A plain counter: one increment and one decrement per operation, nothing per record.
 */
export const operationsInFlight = { count: 0 };
