// Virtual time for hosts side by side. VirtualClock moves time on at every sleep, so two hosts
// that each sleep a second would take two virtual seconds. Here a sleep waits for its moment:
// time moves to the earliest pending wake-up only once nothing else can run (every host is asleep
// or waiting on one that is), so a batch of a hundred hosts polling every 250 ms takes the virtual
// time one host would. For simulations with recording executors (bench/fleet-sim.ts): work that
// waits on real I/O does not hold virtual time back.
import type { Clock } from './clock.ts';

type Wake = { at: number; seq: number; resolve: () => void; cancelled?: boolean };

export class EventClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly queue: Wake[] = [];
  private scheduled = false;
  /** Wake-ups delivered so far (a simulation's measure of its own work). */
  wakeUps = 0;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        wake.cancelled = true; // left in the queue, skipped when its time comes
        reject(signal?.reason);
      };
      const wake: Wake = {
        at: this.t + Math.max(0, ms),
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.push(wake);
      this.schedule();
    });
  }

  // setImmediate runs once the promise jobs queued so far have all run: whoever can still make
  // progress without time passing has done so.
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const first = this.queue[0];
      if (!first) return;
      this.t = Math.max(this.t, first.at);
      // Everyone due at this moment wakes together, in the order they went to sleep.
      while (this.queue[0] && this.queue[0].at <= this.t) {
        const wake = this.pop();
        if (wake.cancelled) continue;
        wake.resolve();
        this.wakeUps++;
      }
      if (this.queue.length > 0) this.schedule();
    });
  }

  // A binary heap on (at, seq).
  private less(a: Wake, b: Wake): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
  private push(w: Wake): void {
    const q = this.queue;
    q.push(w);
    let i = q.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(q[i]!, q[p]!)) break;
      [q[i], q[p]] = [q[p]!, q[i]!];
      i = p;
    }
  }
  private pop(): Wake {
    const q = this.queue;
    const top = q[0]!;
    const last = q.pop()!;
    if (q.length > 0) {
      q[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < q.length && this.less(q[l]!, q[m]!)) m = l;
        if (r < q.length && this.less(q[r]!, q[m]!)) m = r;
        if (m === i) break;
        [q[i], q[m]] = [q[m]!, q[i]!];
        i = m;
      }
    }
    return top;
  }
}
