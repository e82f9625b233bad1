import type { ScopeMetrics } from '@opentelemetry/sdk-metrics';
import {
  decodeSnapshot,
  emptyFolded,
  encodeSnapshot,
  plainScopes,
  SNAPSHOT_FORMAT,
} from '../../../src/cluster/snapshot.js';
import { SCRAPE_SLICE_MS, TimeSlice } from '../../../src/runtime/time-slice.js';

/** Scopes as another member reads them: through a snapshot file's encoding and decoding. */
export async function throughFile(scopes: ScopeMetrics[]): Promise<ScopeMetrics[]> {
  const member = { id: crypto.randomUUID(), pid: 1, threadId: 0, host: 'h', startedAt: 0, socket: '' };
  const bytes = await encodeSnapshot(
    {
      format: SNAPSHOT_FORMAT,
      member,
      writtenAt: 0,
      resource: {},
      own: plainScopes(scopes),
      folded: emptyFolded(),
    },
    new TimeSlice(SCRAPE_SLICE_MS),
  );
  return (await decodeSnapshot(bytes, new TimeSlice(SCRAPE_SLICE_MS)))!.own;
}
