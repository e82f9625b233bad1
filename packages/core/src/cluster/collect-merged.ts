import { type Attributes, ValueType } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  type CollectionResult,
  DataPointType,
  type ScopeMetrics,
} from '@opentelemetry/sdk-metrics';
import { SCRAPE_SLICE_MS, TimeSlice } from '../runtime/time-slice.js';
import { ATTR_LLM_CLUSTER_PROCESS_STATE, METRIC_LLM_CLUSTER_PROCESSES } from '../semconv.js';
import { METER_NAME, VERSION } from '../version.js';
import type { PingResult } from './control.js';
import { askMember, ofCluster } from './liveness.js';
import type { ClusterMember } from './member.js';
import { commonAttributes, EXITED_LABEL, Merger } from './merge.js';
import { reportUnreadable, type SnapshotFile } from './store.js';

/**
 * One scrape of the whole cluster, from whichever member the scraper reached:
 * 1. ask every registered member to flush its snapshot, and flush our own, all at once, waiting at most
 *    `collectTimeoutMillis` — a busy or hung member is answered for by its last snapshot;
 * 2. read every snapshot file as one consistent set;
 * 3. merge them (merge.ts) oldest member first, in time slices (decoding too), and add the
 *    `llm.cluster.processes` self-metric;
 * 4. if a member turned out to be gone, fold it into our totals after answering.
 * Every file only ever grows, and is written before its data is shown, so no scrape shows less than
 * an earlier one did, whichever process served either.
 */
export async function collectMerged(member: ClusterMember): Promise<CollectionResult> {
  const { store, info, config } = member;
  const timeout = config.collectTimeoutMillis;
  const ours = ofCluster(info);
  const registrations = (await store.members()).filter(ours);
  const statuses = new Map<string, PingResult>();
  await Promise.all([
    within(member.flush(), timeout).then((s) => statuses.set(info.id, s)),
    ...registrations
      .filter((r) => r.id !== info.id)
      .map((r) => askMember(r, 'flush', timeout).then((s) => statuses.set(r.id, s))),
  ]);

  // Our own file is the snapshot we just wrote: not read back nor decoded again.
  const { files } = await store.snapshots((name) => member.ownFile(name));
  const foldedSomewhere = new Set(files.flatMap((f) => f.head.folded.ids));
  const counted = files
    .filter((f) => !foldedSomewhere.has(f.id) && ours(f.head.member))
    .sort(
      (a, b) => a.head.member.startedAt - b.head.member.startedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
  await markLeft(member, counted, statuses);
  const merger = new Merger({
    rules: config.merge,
    processLabel: config.processLabel,
    cardinalityLimit: config.cardinalityLimit,
  });
  // Decoding and merging are synchronous work on the app's event loop: one time slice for both, so
  // that no turn of the loop holds the end of one and the start of the other.
  const slice = new TimeSlice(SCRAPE_SLICE_MS);
  const resources: Attributes[] = [];
  let exited = 0;
  let gone = false;
  for (const file of counted) {
    // One file's points at a time: decoded, merged, and garbage while still young.
    const snapshot = await file.load(slice);
    if (!snapshot) {
      // Whole frames holding points no member writes (see snapshot-check.ts).
      reportUnreadable(store.dir, 1);
      continue;
    }
    const status = file.claimedBy === undefined ? (statuses.get(file.id) ?? 'late') : 'gone';
    const live = status !== 'gone';
    if (live) resources.push(snapshot.resource);
    else {
      gone = true;
      exited += 1;
    }
    const instance = snapshot.resource['service.instance.id'];
    await merger.addSliced(
      snapshot.own,
      { live, label: typeof instance === 'string' ? instance : file.id },
      slice,
    );
    exited += snapshot.folded.processes;
    await merger.addSliced(snapshot.folded.scopes, { live: false, label: EXITED_LABEL }, slice);
  }
  let answered = 0;
  let late = 0;
  for (const s of statuses.values()) {
    if (s === 'answered') answered++;
    else if (s === 'late') late++;
  }
  merger.add([selfMetric({ answered, late, exited })], { live: true, unbounded: true });
  // Something to fold: a snapshot of a gone member, or a registration whose member died early.
  if (gone || [...statuses.values()].includes('gone')) member.foldInBackground();
  const scopeMetrics = await merger.resultSliced(slice);
  // The exposition starts a time slice of its own: in a turn of its own.
  await slice.pause();
  return {
    resourceMetrics: {
      resource: resourceFromAttributes(
        commonAttributes(resources.length > 0 ? resources : [member.resource]),
      ),
      scopeMetrics,
    },
    errors: [],
  };
}

/**
 * A member that left (`shutdown()`: `pm2 scale` down, a graceful stop) removed its registration and
 * closed its socket; its last snapshot stays until a live member folds it. Such a file is not a late
 * member: it is gone (its
 * requests in flight and queue depths leave the merge, its totals stay, and it gets folded). A member
 * registers before its first snapshot, so registrations listed after the snapshots name every member
 * still there — the first listing may predate one that joined since.
 */
async function markLeft(
  member: ClusterMember,
  counted: readonly SnapshotFile[],
  statuses: Map<string, PingResult>,
): Promise<void> {
  const unasked = counted.filter((f) => f.claimedBy === undefined && !statuses.has(f.id));
  if (unasked.length === 0) return;
  const registered = new Set((await member.store.members()).map((r) => r.id));
  // Unregistered and still answering: alive, its registration removed by something else (an age-based
  // cleaner of the temp directory); it re-registers on its next periodic flush (member.ts).
  await Promise.all(
    unasked
      .filter((f) => !registered.has(f.id))
      .map(async (f) => {
        const verdict = await askMember(f.head.member, 'ping', member.config.collectTimeoutMillis);
        statuses.set(f.id, verdict === 'gone' ? 'gone' : 'late');
      }),
  );
}

function within(promise: Promise<unknown>, ms: number): Promise<PingResult> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('late'), ms);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve('answered');
      },
      () => {
        clearTimeout(timer);
        resolve('late');
      },
    );
  });
}

/** `llm.cluster.processes`: how many processes answered this scrape, were late, or have exited. */
function selfMetric(counts: Record<'answered' | 'late' | 'exited', number>): ScopeMetrics {
  const now: [number, number] = [Math.floor(Date.now() / 1000), (Date.now() % 1000) * 1e6];
  return {
    scope: { name: METER_NAME, version: VERSION },
    metrics: [
      {
        descriptor: {
          name: METRIC_LLM_CLUSTER_PROCESSES,
          description:
            'Processes of the cluster by llm.cluster.process.state: answered this scrape, late (alive, its last snapshot used), exited (totals kept).',
          unit: '{process}',
          valueType: ValueType.INT,
        },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.GAUGE,
        dataPoints: (['answered', 'late', 'exited'] as const).map((state) => ({
          attributes: { [ATTR_LLM_CLUSTER_PROCESS_STATE]: state },
          startTime: now,
          endTime: now,
          value: counts[state],
        })),
      },
    ],
  };
}
