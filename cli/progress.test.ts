import { describe, expect, it } from 'vitest';
import { createProgress } from './progress';

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('createProgress (one display for npm run train, npm run data and the dev server)', () => {
  it('terminal: redraws in place with step/max, steps/s, elapsed, ETA and a note, ≤ 10/s', () => {
    const c = clock();
    let out = '';
    const p = createProgress({ write: (s) => (out += s), tty: true, unit: 'steps', now: c.now });
    c.advance(1000);
    p.update(10, 100, { note: 'test acc 81.0%' });
    c.advance(50); // within 100 ms: not redrawn
    p.update(11, 100);
    c.advance(60);
    p.update(12, 100);
    p.end();
    const draws = out.split('\r').filter(Boolean);
    expect(draws).toHaveLength(2);
    expect(draws[0]).toMatch(
      /^\[###-+\] {2}10% {2}step 10\/100 {2}10 steps\/s {2}elapsed 1 s {2}ETA 9 s {2}test acc 81\.0%/,
    );
    expect(draws[1]).toMatch(/step 12\/100/);
    expect(out.endsWith('\n')).toBe(true);
  });

  it('log mode: plain lines, one per tenth, no carriage returns; bytes in MB = 10^6', () => {
    const c = clock();
    const lines: string[] = [];
    const p = createProgress({
      write: (s) => lines.push(s),
      tty: false,
      unit: 'bytes',
      prefix: 'cifar-10-binary.tar.gz: ',
      now: c.now,
    });
    for (let i = 0; i <= 100; i++) {
      c.advance(100);
      p.update(i * 1_700_521.71, 170_052_171);
    }
    p.line('MD5 ok');
    expect(lines.join('')).not.toContain('\r');
    expect(lines).toHaveLength(12);
    expect(lines[10]).toMatch(
      /^cifar-10-binary\.tar\.gz: 100% {2}170\.1 MB \/ 170\.1 MB {2}16\.8 MB\/s {2}elapsed 10 s {2}ETA 0 s\n$/,
    );
    expect(lines[11]).toBe('MD5 ok\n');
  });

  it('a phase line on a terminal goes above the bar and the bar is redrawn', () => {
    let out = '';
    const p = createProgress({ write: (s) => (out += s), tty: true, unit: 'steps', now: () => 0 });
    p.update(1, 10, { force: true });
    p.line('[step 5] diverged');
    expect(out).toContain('\r\x1b[K[step 5] diverged\n[');
  });
});
