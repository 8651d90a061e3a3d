/**
 * A stand-in for the training worker in unit tests of the controller: it records what the
 * page posts and lets the test answer as the worker would (or crash it). Plugged in through
 * `createWorkerClient`'s factory, or as the global `Worker` the default factory constructs.
 */
import { DEFAULT_CONFIG, type TrainConfig } from '../src/engine/config';
import type { RunRecord } from '../src/engine/runRecord';
import type { BackendInfo, FromWorker, ToWorker } from '../src/protocol';
import { liveRun } from './recordFixture';

export class FakeWorker {
  static all: FakeWorker[] = [];
  static get latest(): FakeWorker {
    const w = FakeWorker.all.at(-1);
    if (!w) throw new Error('no worker was started');
    return w;
  }
  readonly posted: ToWorker[] = [];
  terminated = false;
  onmessage: ((ev: MessageEvent<FromWorker>) => void) | null = null;
  onerror: ((ev: ErrorEvent | Event) => void) | null = null;
  onmessageerror: (() => void) | null = null;

  constructor() {
    FakeWorker.all.push(this);
  }
  postMessage(msg: ToWorker): void {
    if (this.terminated) throw new Error('posted to a terminated worker');
    this.posted.push(msg);
  }
  terminate(): void {
    this.terminated = true;
  }
  /** The worker says `msg`. */
  reply(msg: FromWorker): void {
    this.onmessage?.({ data: msg } as MessageEvent<FromWorker>);
  }
  /** An uncaught error inside the worker. */
  crash(message = 'boom'): void {
    this.onerror?.({ message, preventDefault() {} } as unknown as ErrorEvent);
  }
  sent<T extends ToWorker['type']>(type: T): Extract<ToWorker, { type: T }>[] {
    return this.posted.filter((m): m is Extract<ToWorker, { type: T }> => m.type === type);
  }
  asWorker(): Worker {
    return this as unknown as Worker;
  }
}

export const CPU_INFO: BackendInfo = {
  backend: 'cpu',
  fallbackReasons: [],
  notes: [],
  tfjsVersion: 'test',
};

export function fakeRun(
  id: string,
  opts: { twin?: 'A' | 'B'; config?: Partial<TrainConfig> } = {},
): RunRecord {
  return liveRun(id, {
    config: { ...DEFAULT_CONFIG, ...opts.config },
    ...(opts.twin ? { twin: { pairId: 'pair', side: opts.twin } } : {}),
  });
}
