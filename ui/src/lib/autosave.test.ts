import { describe, expect, it } from 'vitest';
import { AutosaveController, STATUS_LABEL, type SaveStatus } from './autosave';
import { FakeTimer, settle } from './testing/fakeTimer';

function setup(save: (v: string) => Promise<void>, initial = 'a') {
  const timer = new FakeTimer();
  const statuses: SaveStatus[] = [];
  const errors: unknown[] = [];
  const ctl = new AutosaveController<string>({
    initial,
    save,
    delayMs: 3000,
    timer,
    onStatus: (s) => statuses.push(s),
    onError: (e) => errors.push(e),
  });
  return { ctl, timer, statuses, errors };
}

describe('AutosaveController', () => {
  it('debounces: saves once, the last value, after typing stops', async () => {
    const saved: string[] = [];
    const { ctl, timer } = setup(async (v) => void saved.push(v));
    ctl.update('ab');
    timer.advance(2000);
    ctl.update('abc');
    timer.advance(2000);
    ctl.update('abcd');
    timer.advance(2999);
    await settle();
    expect(saved).toEqual([]);
    expect(ctl.status).toBe('dirty');
    timer.advance(1);
    await settle();
    expect(saved).toEqual(['abcd']);
    expect(ctl.status).toBe('saved');
    expect(ctl.dirty).toBe(false);
  });

  it('flush saves at once and cancels the timer', async () => {
    const saved: string[] = [];
    const { ctl, timer } = setup(async (v) => void saved.push(v));
    ctl.update('changed');
    expect(await ctl.flush()).toBe(true);
    expect(saved).toEqual(['changed']);
    expect(timer.pending).toBe(0);
    timer.advance(10_000);
    await settle();
    expect(saved).toEqual(['changed']);
  });

  it('does not save unchanged text', async () => {
    const saved: string[] = [];
    const { ctl, timer } = setup(async (v) => void saved.push(v));
    ctl.update('a');
    timer.advance(5000);
    await settle();
    expect(await ctl.flush()).toBe(true);
    ctl.update('ab');
    ctl.update('a'); // typed back to the saved text
    timer.advance(5000);
    await settle();
    expect(saved).toEqual([]);
    expect(ctl.status).toBe('saved');
  });

  it('keeps the text and reports failure when save rejects, then retries on the next edit', async () => {
    let fail = true;
    const saved: string[] = [];
    const { ctl, timer, errors, statuses } = setup(async (v) => {
      if (fail) throw { code: 'db', message: 'disk full' };
      saved.push(v);
    });
    ctl.update('important words');
    timer.advance(3000);
    await settle();
    expect(ctl.status).toBe('failed');
    expect(STATUS_LABEL[ctl.status]).toBe('Save failed');
    expect(errors).toEqual([{ code: 'db', message: 'disk full' }]);
    expect(ctl.value).toBe('important words');
    expect(ctl.dirty).toBe(true);
    expect(await ctl.flush()).toBe(false);

    fail = false;
    ctl.update('important words!');
    timer.advance(3000);
    await settle();
    expect(saved).toEqual(['important words!']);
    expect(ctl.status).toBe('saved');
    expect(statuses).toContain('saving');
  });

  it('retries a failed save by itself, waiting longer each time, without another edit', async () => {
    let failures = 2;
    const saved: string[] = [];
    const { ctl, timer } = setup(async (v) => {
      if (failures > 0) {
        failures -= 1;
        throw { code: 'database', message: 'database is locked' };
      }
      saved.push(v);
    });
    ctl.update('words typed during an import');
    timer.advance(3000);
    await settle();
    expect(ctl.status).toBe('failed');
    timer.advance(1999);
    await settle();
    expect(failures).toBe(1); // the first retry waits 2 s
    timer.advance(1);
    await settle();
    expect(failures).toBe(0);
    expect(ctl.status).toBe('failed');
    timer.advance(3999);
    await settle();
    expect(saved).toEqual([]); // the second waits 4 s
    timer.advance(1);
    await settle();
    expect(saved).toEqual(['words typed during an import']);
    expect(ctl.status).toBe('saved');
    expect(timer.pending).toBe(0);
  });

  it('saves edits made while a save is running', async () => {
    const saved: string[] = [];
    let release: () => void = () => {};
    const { ctl, timer } = setup(
      (v) =>
        new Promise<void>((resolve) => {
          release = () => {
            saved.push(v);
            resolve();
          };
        }),
    );
    ctl.update('one');
    const first = ctl.flush();
    expect(ctl.status).toBe('saving');
    ctl.update('one two');
    release();
    await settle();
    release();
    expect(await first).toBe(true);
    expect(saved).toEqual(['one', 'one two']);
    expect(timer.pending).toBe(0);
    expect(ctl.status).toBe('saved');
  });

  it('uses the custom equality', async () => {
    const saved: { t: string }[] = [];
    const timer = new FakeTimer();
    const ctl = new AutosaveController<{ t: string }>({
      initial: { t: 'x' },
      save: async (v) => void saved.push(v),
      delayMs: 100,
      timer,
      equals: (a, b) => a.t === b.t,
    });
    ctl.update({ t: 'x' });
    expect(ctl.dirty).toBe(false);
    expect(timer.pending).toBe(0);
    ctl.update({ t: 'y' });
    timer.advance(100);
    await settle();
    expect(saved).toEqual([{ t: 'y' }]);
  });
});
