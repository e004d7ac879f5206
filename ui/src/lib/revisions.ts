// Words for the revision list. The library stores why it kept a version (byline-library `store_revision`):
// `edit` is the text as it was before a save changed it, `restore` the text replaced by a restore.

const REASONS: Record<string, string> = {
  edit: 'Earlier version',
  restore: 'Before a restore',
};

/** A plain label for a revision's reason; reasons the library adds later read as they are spelled. */
export function revisionReason(reason: string): string {
  const known = REASONS[reason.trim()];
  if (known) return known;
  const r = reason.replace(/[_-]+/g, ' ').trim();
  return r ? r[0].toUpperCase() + r.slice(1) : REASONS.edit;
}
