import { diag } from '@opentelemetry/api';
import { SCRAPE_SLICE_MS, TimeSlice } from '../runtime/time-slice.js';
import { askMember, ofCluster } from './liveness.js';
import type { ClusterMember } from './member.js';
import { Merger } from './merge.js';
import type { SnapshotFile } from './store.js';

/** Folded totals keep at most this many series per metric; more go to one overflow series. */
export const FOLDED_SERIES_LIMIT = 20_000;

/**
 * Folds the snapshots of members that are gone into this member's `folded` totals, so that what they
 * counted stays in every later scrape while their files go away (the directory does not grow with
 * restarts). Without locks, and safe against several members folding at once or dying half-way:
 * 1. a file is claimed by renaming it to `<id>.snap.claimed-<this member>` (only one rename wins);
 * 2. the claimed file is read again and its data added to this member's folded totals, whose `ids`
 *    now name the member — read again because the listing may be old by then: deciding that a member
 *    is gone takes a round trip per member, and until it died the member went on writing its file
 *    (its snapshot may even have folded another member meanwhile, whose data would be lost with it);
 * 3. this member's snapshot is written (atomically) — from here on readers skip the claimed file;
 * 4. only then is the claimed file removed.
 * A reader that sees a file vanish mid-read starts again (ClusterStore.snapshots), and any file whose
 * id is in some snapshot's folded `ids` is skipped, so every total is counted exactly once at every
 * moment. A claim left by a folder that died is claimed again by the next one.
 */
export async function foldExited(member: ClusterMember): Promise<void> {
  const { store, info, config } = member;
  const { files } = await store.snapshots();
  const registrations = new Map((await store.members()).map((r) => [r.id, r]));
  const ours = ofCluster(info);
  const foldedSomewhere = new Set(files.flatMap((f) => f.head.folded.ids));
  const present = new Set(files.map((f) => f.id));
  // In our folded totals but not yet in our file: the fold's write failed (a full disk). Our next
  // snapshot shows them; folding them again would count them twice.
  const unwritten = new Set(member.folded.ids);

  const considered: SnapshotFile[] = [];
  for (const f of files) {
    if (f.id === info.id || !ours(f.head.member)) continue;
    if (foldedSomewhere.has(f.id)) {
      // Its totals are already in someone's folded data: a file left by a folder that died half-way.
      await store.remove(f.name);
      continue;
    }
    if (!unwritten.has(f.id)) considered.push(f);
  }
  const isGone = (f: SnapshotFile): Promise<boolean> => {
    // Claimed by another member that is still alive: that member finishes the fold.
    const owner = f.claimedBy === undefined ? f.id : f.claimedBy;
    if (owner === info.id) return Promise.resolve(true);
    // Registrations are listed after the snapshots, and a member registers before its first snapshot:
    // a live owner of any file read above is in `registrations` — unless something else removed its
    // registration (an age-based cleaner of the temp directory): its own file says where to ask it.
    const asked = registrations.get(owner) ?? (owner === f.id ? f.head.member : undefined);
    return askMember(asked, 'ping', config.collectTimeoutMillis).then((verdict) => verdict === 'gone');
  };
  // A member that died before writing its first snapshot leaves only its registration (and socket).
  const unsnapshotted = [...registrations.values()].filter(
    (r) => r.id !== info.id && !present.has(r.id) && ours(r),
  );
  // Every member is asked at once: one after another, each busy or hung member added
  // collectTimeoutMillis to the fold, which leave() (shutdown(), handleSignals) waits for.
  const [verdicts, unsnapshottedGone] = await Promise.all([
    Promise.all(considered.map(isGone)),
    Promise.all(unsnapshotted.map((r) => askMember(r, 'ping', config.collectTimeoutMillis))),
  ]);
  for (const [i, r] of unsnapshotted.entries()) {
    if (unsnapshottedGone[i] === 'gone') await removeLeftovers(member, r.id, r.socket);
  }
  // In the listing's order, whichever answer came first.
  const candidates = considered.filter((_, i) => verdicts[i]);
  const claimed: Array<{ file: SnapshotFile; name: string }> = [];
  for (const candidate of candidates) {
    const name = await store.claim(candidate.name, candidate.id, info.id);
    if (!name) continue;
    // What the file holds now, not what the listing read (see step 2 above). Removed since: a folder
    // found its data already in some member's folded totals. Damaged since: the listing's copy. A
    // failed read ends this fold (the claim stays ours: the next fold takes it up again).
    const file = await store.read(name);
    if (file !== 'gone') claimed.push({ file: file ?? candidate, name });
  }
  if (claimed.length === 0) return;

  const merger = new Merger({ rules: config.merge, seriesLimit: FOLDED_SERIES_LIMIT });
  // Up to FOLDED_SERIES_LIMIT series per metric, on the app's event loop: in slices.
  const slice = new TimeSlice(SCRAPE_SLICE_MS);
  await merger.addSliced(member.folded.scopes, { live: false }, slice);
  let processes = member.folded.processes;
  const ids = new Set(member.folded.ids.filter((id) => present.has(id)));
  for (const { file } of claimed) {
    const snapshot = await file.load(slice);
    if (snapshot) {
      await merger.addSliced(snapshot.own, { live: false }, slice);
      await merger.addSliced(snapshot.folded.scopes, { live: false }, slice);
    } else {
      // Points damaged inside frames of the right lengths (the disk, not us): none can be kept.
      diag.warn(
        `genai-metrics cluster: the snapshot of exited member ${file.id} is damaged; its data is lost`,
      );
    }
    processes += 1 + file.head.folded.processes;
    ids.add(file.id);
    for (const id of file.head.folded.ids) ids.add(id);
  }
  const scopes = await merger.resultSliced(slice, { keepExact: true });
  member.folded = { ids: [...ids], processes, scopes };
  await member.writeSnapshot();

  for (const { file, name } of claimed) {
    await store.remove(name);
    // What the folded member itself had claimed but not yet removed when it died.
    for (const id of file.head.folded.ids) await store.remove(store.claimedName(id, file.id));
    await removeLeftovers(member, file.id, file.head.member.socket);
  }
}

async function removeLeftovers(member: ClusterMember, id: string, socket: string): Promise<void> {
  const { store } = member;
  await store.remove(`${id}.member`);
  for (const name of await store.names()) {
    if (name.startsWith(`${id}.`) && name.includes('.tmp-')) await store.remove(name);
  }
  if (process.platform !== 'win32') await store.removePath(socket);
}
