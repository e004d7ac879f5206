// Words for the revision list. The library stores why it kept a version (byline-library `store_revision`):
// `edit` is the text as it was before a save changed it, `restore` the text replaced by a restore.
import { messages, tr } from './i18n.svelte';

const REASONS = messages(
  { edit: 'Earlier version', restore: 'Before a restore' },
  { edit: '较早版本', restore: '恢复前的版本' },
);

/** A plain label for a revision's reason; reasons the library adds later read as they are spelled. */
export function revisionReason(reason: string): string {
  const reasons: Record<string, string> = tr(REASONS);
  const key = reason.trim();
  if (Object.hasOwn(reasons, key)) return reasons[key];
  const r = reason.replace(/[_-]+/g, ' ').trim();
  return r ? r[0].toUpperCase() + r.slice(1) : reasons.edit;
}
