import { describe, expect, it } from 'vitest';
import {
  countCharacters,
  countText,
  countWords,
  excerpt,
  fileNameFor,
  isMostlyCjk,
  lengthLabel,
  padInline,
  sizeDelta,
  tailEllipsis,
} from './text';

describe('countWords', () => {
  it('counts English words', () => {
    expect(countWords('')).toBe(0);
    expect(countWords('   ')).toBe(0);
    expect(countWords('The quick brown fox.')).toBe(4);
    expect(countWords("Don't stop — it's e-mail, 3.5 times")).toBe(6);
    expect(countWords('# Heading\n\n- one\n- two')).toBe(3);
  });

  it('counts each CJK character as a word', () => {
    expect(countWords('记者今天报道')).toBe(6);
    expect(countWords('中文，标点。')).toBe(4);
    expect(countWords('ひらがなカタカナ')).toBe(8);
  });

  it('counts mixed text', () => {
    expect(countWords('新华社 reported 今天 the news')).toBe(3 + 1 + 2 + 2);
    expect(countWords('abc中文def')).toBe(4);
    expect(countText('Beijing 北京').cjk).toBe(2);
  });
});

describe('countCharacters', () => {
  it('counts code points, not UTF-16 units, without line breaks', () => {
    expect(countCharacters('abc')).toBe(3);
    expect(countCharacters('中文')).toBe(2);
    expect(countCharacters('𠀀')).toBe(1);
    expect(countCharacters('a b\nc\r\n')).toBe(4);
  });
});

describe('helpers', () => {
  it('excerpts long text', () => {
    expect(excerpt('short')).toBe('short');
    const long = 'word '.repeat(40);
    const e = excerpt(long, 20);
    expect(e.endsWith('…')).toBe(true);
    expect(Array.from(e).length).toBeLessThanOrEqual(21);
  });

  it('describes size changes', () => {
    expect(sizeDelta('abc', 'abcd')).toBe('+1 char');
    expect(sizeDelta('abcd', 'a')).toBe('−3 chars');
    expect(sizeDelta('中', '文')).toBe('same size');
  });

  it('makes safe file names', () => {
    expect(fileNameFor('A/B: story?', 'md')).toBe('A B story.md');
    expect(fileNameFor('', 'html')).toBe('untitled.html');
    expect(fileNameFor('北京 新闻', 'md')).toBe('北京 新闻.md');
  });

  it('shortens paths from the front', () => {
    expect(tailEllipsis('/a/b.md', 20)).toBe('/a/b.md');
    expect(tailEllipsis('/home/me/feeds/wire.jsonl', 12)).toBe('…/wire.jsonl');
  });
});

describe('padInline', () => {
  const link = '[Flood report](byline://article/20)';
  it('keeps a link apart from the words around it', () => {
    expect(padInline('See the report', 7, 7, link, 'replace').text).toBe(` ${link}`);
    expect(padInline('Seereport', 3, 3, link, 'replace').text).toBe(` ${link} `);
    expect(padInline('See the', 7, 7, link, 'replace').text).toBe(` ${link}`);
    expect(padInline('See ', 4, 4, link, 'replace').text).toBe(link);
    expect(padInline('(', 1, 1, link, 'replace').text).toBe(link);
    expect(padInline('', 0, 0, link, 'replace').text).toBe(link);
    expect(padInline('word.', 4, 4, link, 'replace').text).toBe(` ${link}`);
  });
  it('leaves blocks alone', () => {
    expect(padInline('text', 4, 4, '\n\n![x](y)\n\n', 'after').text).toBe('\n\n![x](y)\n\n');
  });
});

describe('lengthLabel', () => {
  it('counts words in English text', () => {
    expect(lengthLabel('The council approved the budget.')).toBe('5 words');
    expect(lengthLabel('')).toBe('0 words');
  });

  it('counts characters in Chinese text, as editors do', () => {
    const zh = '市议会周一批准了新的防洪工程，以保护镇中心。';
    expect(lengthLabel(zh)).toBe(`${Array.from(zh).length} characters`);
    expect(lengthLabel('新华社 北京 3 月 5 日电')).toBe('10 characters');
    expect(isMostlyCjk('The mayor said 你好 twice in English.')).toBe(false);
  });

  it('groups thousands', () => {
    expect(lengthLabel('字'.repeat(1234))).toBe('1,234 characters');
  });
});
