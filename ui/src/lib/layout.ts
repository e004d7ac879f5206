// The panels that open beside the editor, one at a time.
import { messages, tr } from './i18n.svelte';

export type SideTab = 'revisions' | 'related' | 'assistant' | 'sentiment' | 'quotes' | 'images';

const M = messages(
  {
    revisions: 'Revisions',
    title_revisions: 'Earlier versions of this article',
    related: 'Related',
    title_related: 'Your earlier articles that matter to this one',
    assistant: 'Assistant',
    title_assistant: 'Headlines, summaries and rewrites from a local model',
    sentiment: 'Tone',
    title_sentiment: 'Sentiment of the draft and of readers’ comments',
    quotes: 'Quotes',
    title_quotes: 'The draft’s quotations checked against your recordings',
    images: 'Images',
    title_images: 'Illustrations generated on this computer',
  },
  {
    revisions: '修订记录',
    title_revisions: '这篇文章的早先版本',
    related: '相关文章',
    title_related: '与这篇相关的往期文章',
    assistant: '写作助手',
    title_assistant: '本地模型拟标题、写摘要、改写',
    sentiment: '语气',
    title_sentiment: '草稿与读者评论的情感倾向',
    quotes: '引语',
    title_quotes: '对照录音核查草稿中的引语',
    images: '配图',
    title_images: '在本机生成的插图',
  },
);

type Tab = { id: SideTab; readonly label: string; readonly title: string; shortcut: string };

/** A panel's tab; its label and title are read in the current language each time. */
function tab(id: SideTab, shortcut: string): Tab {
  return {
    id,
    shortcut,
    get label() {
      return tr(M)[id];
    },
    get title() {
      return tr(M)[`title_${id}`];
    },
  };
}

export const SIDE_TABS: Tab[] = [
  tab('revisions', 'Ctrl+Shift+H'),
  tab('related', 'Ctrl+Shift+R'),
  tab('assistant', 'Ctrl+Shift+G'),
  tab('sentiment', 'Ctrl+Shift+T'),
  tab('quotes', 'Ctrl+Shift+Q'),
  tab('images', 'Ctrl+Shift+I'),
];

/** Opening the open panel closes it; opening another switches to it. */
export function toggleSide(current: SideTab | null, tab: SideTab): SideTab | null {
  return current === tab ? null : tab;
}
