import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { descendantPids, procStatus, resetPeak, RssSampler } from './proc_memory';

describe('proc_memory (Linux /proc)', () => {
  it('reads this process: a reset peak drops to about the resident set, the peak stays ≥ the resident set; a gone process is null', () => {
    const rss = procStatus('self', 'VmRSS')!;
    expect(rss).toBeGreaterThan(10 << 20);
    expect(resetPeak('self')).toBe(true);
    const reset = procStatus('self', 'VmHWM')!;
    expect(reset).toBeLessThanOrEqual(procStatus('self', 'VmRSS')! + (8 << 20));
    // 64 MB touched (in a long-lived worker it may come from pages already resident, so the growth is not asserted)
    const big = new Uint8Array(64 << 20).fill(1);
    expect(procStatus('self', 'VmHWM')!).toBeGreaterThanOrEqual(Math.max(reset, procStatus('self', 'VmRSS')! - (1 << 20)));
    big.fill(0);
    expect(procStatus(2 ** 22 + 12345, 'VmRSS')).toBeNull();
  });

  it('descendantPids finds a grandchild; the sampler sums its resident memory and keeps the peak', async () => {
    // sh → node child holding 100 MB
    const child = spawn('sh', ['-c', `exec node -e "const b = Buffer.alloc(100 << 20, 1); console.log('ready'); setTimeout(() => {}, 60000)" & wait`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((ok) => child.stdout!.once('data', () => ok()));
      const pids = descendantPids(process.pid);
      expect(pids).toContain(child.pid);
      const mine = descendantPids(child.pid!);
      expect(mine).toHaveLength(1);
      const sampler = new RssSampler(() => descendantPids(child.pid!), 5);
      const now = sampler.mark();
      expect(now).toBeGreaterThan(100 << 20);
      sampler.start();
      await new Promise((r) => setTimeout(r, 30));
      sampler.stop();
      expect(sampler.peak).toBeGreaterThanOrEqual(now * 0.95);
    } finally {
      for (const pid of [...descendantPids(child.pid!), child.pid!]) process.kill(pid, 'SIGKILL'); // the grandchild first: an orphan would hold the pipe open
    }
  });
});
