// The panels that open beside the editor, one at a time.

export type SideTab = 'revisions' | 'related' | 'assistant' | 'sentiment' | 'quotes' | 'images';

export const SIDE_TABS: { id: SideTab; label: string; title: string; shortcut: string }[] = [
  { id: 'revisions', label: 'Revisions', title: 'Earlier versions of this article', shortcut: 'Ctrl+Shift+H' },
  { id: 'related', label: 'Related', title: 'Your earlier articles that matter to this one', shortcut: 'Ctrl+Shift+R' },
  { id: 'assistant', label: 'Assistant', title: 'Headlines, summaries and rewrites from a local model', shortcut: 'Ctrl+Shift+G' },
  { id: 'sentiment', label: 'Tone', title: 'Sentiment of the draft and of readers’ comments', shortcut: 'Ctrl+Shift+T' },
  { id: 'quotes', label: 'Quotes', title: 'The draft’s quotations checked against your recordings', shortcut: 'Ctrl+Shift+Q' },
  { id: 'images', label: 'Images', title: 'Illustrations generated on this computer', shortcut: 'Ctrl+Shift+I' },
];

/** Opening the open panel closes it; opening another switches to it. */
export function toggleSide(current: SideTab | null, tab: SideTab): SideTab | null {
  return current === tab ? null : tab;
}
