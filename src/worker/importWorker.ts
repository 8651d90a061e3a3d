/**
 * Reads, parses and validates an imported run file off the main thread (a file can be tens of
 * MB: JSON.parse and the schema check would freeze the page). One file per worker.
 */
import { parseRunFile, RunFileError } from '../engine/runRecord';
import type { ImportReply } from '../state/importRuns';

declare const self: DedicatedWorkerGlobalScope;

self.onmessage = async (ev: MessageEvent<{ file: Blob }>) => {
  let reply: ImportReply;
  try {
    const text = await ev.data.file.text();
    const runs = parseRunFile(text);
    // "Export with weights" files carry a checkpoint beside the runs (read again only then).
    const checkpoint = text.includes('"checkpoint"')
      ? (JSON.parse(text) as { checkpoint?: unknown }).checkpoint
      : undefined;
    reply = { ok: true, runs, checkpoint };
  } catch (e) {
    const message =
      e instanceof RunFileError ? e.message : `Could not read it: ${(e as Error).message}`;
    reply = { ok: false, message };
  }
  self.postMessage(reply);
};
