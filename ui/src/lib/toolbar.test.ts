import { describe, expect, it } from 'vitest';
import { TOOLBAR_GROUPS, toolbarPlan } from './toolbar';

describe('toolbarPlan', () => {
  it('shows everything in the bar on a wide window', () => {
    expect(toolbarPlan(1440)).toEqual({ inline: TOOLBAR_GROUPS, more: [] });
  });

  it('moves the less used groups into More below 1300 px', () => {
    const plan = toolbarPlan(1280);
    expect(plan.more).toEqual(['export', 'delete', 'theme']);
    expect(plan.inline).toContain('revisions');
    expect(plan.inline).toContain('panels');
  });

  it('keeps every group reachable at every width', () => {
    for (const width of [720, 1024, 1100, 1280, 1300, 1920]) {
      const plan = toolbarPlan(width);
      expect([...plan.inline, ...plan.more].sort()).toEqual([...TOOLBAR_GROUPS].sort());
    }
    const small = toolbarPlan(1024);
    expect(small.more).toEqual(['import', 'export', 'transcripts', 'delete', 'theme']);
    expect(small.inline).toEqual(['file', 'panels', 'models', 'revisions']);
  });
});
