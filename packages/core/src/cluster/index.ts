export { ClusterMember } from './member.js';
export type { MergeRule } from './merge-rules.js';
export { MERGE_RULES } from './merge-rules.js';
export type { ClusterOptions, ResolvedCluster } from './options.js';
export { resolveCluster } from './options.js';
export { findServingUrl, openClusterListener } from './serving.js';
