// Which toolbar groups stay in the bar and which move into its "More" menu, by window width, so that every
// action stays reachable without a sideways scroll down to 1024 px (and the 720 px minimum window).

export type ToolbarGroup =
  | 'file'
  | 'import'
  | 'export'
  | 'panels'
  | 'transcripts'
  | 'models'
  | 'revisions'
  | 'delete'
  | 'theme';

/** Every group, in bar order. */
export const TOOLBAR_GROUPS: ToolbarGroup[] = [
  'file',
  'import',
  'export',
  'panels',
  'transcripts',
  'models',
  'revisions',
  'delete',
  'theme',
];

/** Below this width a group moves into "More"; groups not listed always stay. */
const COLLAPSE_BELOW: Partial<Record<ToolbarGroup, number>> = {
  export: 1300,
  delete: 1300,
  theme: 1300,
  import: 1100,
  transcripts: 1100,
  panels: 860,
  revisions: 860,
};

export type ToolbarPlan = { inline: ToolbarGroup[]; more: ToolbarGroup[] };

export function toolbarPlan(width: number): ToolbarPlan {
  const more = TOOLBAR_GROUPS.filter((g) => width < (COLLAPSE_BELOW[g] ?? 0));
  return { inline: TOOLBAR_GROUPS.filter((g) => !more.includes(g)), more };
}
