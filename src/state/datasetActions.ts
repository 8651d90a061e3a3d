/**
 * Dataset actions from the Dataset panel and from Train: download (cache first) or open
 * files, verify and cache them, offer carving when one split is missing, and load them into
 * the worker. Failures are shown in the panel and as alerts, and lose nothing.
 */
import type { DatasetId } from '../data/dataset';
import type { RawDatasetFiles } from '../protocol';
import { alert } from './alerts';
import { useConfigStore } from './configStore';
import { canCarve, guessDataset, splitPresence } from './datasetFiles';
import {
  cacheContents,
  clearDatasetCache,
  DATASETS,
  describeDatasetError,
  downloadDataset,
  importOpenedFiles,
} from './datasetSource';
import { useDatasetStore } from './datasetStore';
import { isActive, useTrainingStore } from './trainingStore';
import { HandledError, workerLink } from './workerLink';

let downloadAbort: AbortController | null = null;
let lastProgressAt = 0;

function transferList(data: RawDatasetFiles): ArrayBuffer[] {
  return [...new Set(Object.values(data.files))];
}

function sendDataset(data: RawDatasetFiles): Promise<void> {
  if (!workerLink.alive) return Promise.reject(new HandledError('worker not running'));
  const p = workerLink.expectDataset();
  useDatasetStore.setState({
    task: { kind: 'parse', id: data.id, task: 'Parsing', done: 0, total: 0 },
    error: null,
    pending: null,
  });
  workerLink.send({ type: 'load-dataset', data }, transferList(data));
  return p;
}

/**
 * Sends obtained files, or holds them for the carve offer when only one split is present
 * and the user has not agreed to carving yet (`autoCarve`: Train was pressed, so carve and say so).
 */
async function deliverFiles(
  data: RawDatasetFiles,
  missing: string[],
  autoCarve: boolean,
): Promise<'loaded' | 'pending'> {
  const presence = splitPresence(data.id, Object.keys(data.files));
  const oneSplit = data.carve || canCarve(presence);
  if (oneSplit && !autoCarve) {
    useDatasetStore.setState({ pending: { data, presence, missing }, task: null });
    return 'pending';
  }
  if (oneSplit) {
    alert({
      id: `dataset:carved:${data.id}`,
      level: 'info',
      title: `${DATASETS[data.id].name}: only the ${presence.test ? 'test' : 'train'} split is available`,
      message: `Training on a seeded train/test split carved from it; the run record says so.${missing.length ? ` Missing: ${missing.join(', ')}.` : ''}`,
      hint: 'For the official split, open the missing files with "Open files…" or run `npm run data -- import <dir>`.',
    });
  }
  await workerLink.ensureReady();
  await sendDataset({ ...data, carve: oneSplit ? true : data.carve });
  return 'loaded';
}

/**
 * Downloads (cache first) and loads a dataset into the worker. From Train (`autoCarve`) a
 * one-split dataset is carved at once; from the Download button the user is asked first.
 */
export async function loadDatasetFromServer(
  id: DatasetId,
  autoCarve = false,
): Promise<'loaded' | 'pending'> {
  downloadAbort?.abort();
  const ac = new AbortController();
  downloadAbort = ac;
  useDatasetStore.setState({
    task: { kind: 'download', id, loaded: 0, total: 0, file: '', fileIndex: 0, fileCount: 0 },
    error: null,
    pending: null,
  });
  const warnings: string[] = [];
  // Speed of the file being downloaded: from its first progress report (a resumed part
  // does not count as speed).
  let speed = { file: '', t0: 0, loaded0: 0 };
  try {
    const { missing, ...data } = await downloadDataset(id, {
      signal: ac.signal,
      onProgress: (p) => {
        const now = performance.now();
        if (p.file !== speed.file) speed = { file: p.file, t0: now, loaded0: p.loaded };
        // Progress fires per chunk: update the store at most ~10 times a second.
        if (now - lastProgressAt < 100 && p.phase === 'download') return;
        lastProgressAt = now;
        const secs = (now - speed.t0) / 1000;
        useDatasetStore.setState({
          task: {
            kind: 'download',
            id,
            loaded: p.loaded,
            total: p.total,
            file: p.file,
            fileIndex: p.fileIndex,
            fileCount: p.fileCount,
            phase: p.phase,
            rate:
              p.phase === 'download' && secs >= 0.3 ? (p.loaded - speed.loaded0) / secs : undefined,
          },
        });
      },
      onWarning: (message) => warnings.push(message),
    });
    if (ac.signal.aborted) throw new DOMException('Cancelled', 'AbortError');
    // Download failures of a missing split are summed up by the carve notice; show the rest.
    const other = warnings.filter((w) => !missing.some((f) => w.includes(f)));
    if (other.length) {
      alert({
        id: `dataset:warning:${id}`,
        level: 'warning',
        title: `${DATASETS[id].name}: loaded, with a note`,
        message: other.join(' '),
      });
    }
    void refreshCache();
    return await deliverFiles(data, missing, autoCarve);
  } catch (e) {
    if (e instanceof HandledError) throw e;
    const view = describeDatasetError(e);
    if (view.aborted) {
      useDatasetStore.setState({ task: null });
      throw new HandledError('cancelled');
    }
    useDatasetStore.setState({
      task: null,
      error: { id, message: view.message, urls: view.urls, hint: view.hint },
    });
    alert({
      id: `dataset:failed:${id}`,
      level: 'error',
      title: `${DATASETS[id].name} failed to load`,
      message: view.urls.length ? `Could not download ${view.urls.join(', ')}.` : view.message,
      hint: 'See the Dataset panel: run `npm run data -- import <dir>`, or use "Open files…" to pick the official files.',
    });
    throw new HandledError(view.message);
  } finally {
    if (downloadAbort === ac) downloadAbort = null;
  }
}

export function cancelDatasetDownload(): void {
  downloadAbort?.abort();
}

/** "Open files…" and drag-and-drop: reads, verifies and caches the files, then loads them. */
export async function openDatasetFiles(files: readonly File[]): Promise<void> {
  if (files.length === 0) return;
  if (isActive(useTrainingStore.getState().phase)) {
    alert({
      id: 'dataset:busy',
      level: 'warning',
      title: 'Training is in progress',
      message: 'A dataset cannot be swapped under a running model.',
      hint: 'Press Reset, then open the files again.',
    });
    return;
  }
  const names = files.map((f) => f.name);
  const selected = useConfigStore.getState().config.dataset;
  const guess = guessDataset(names, selected);
  if ('error' in guess) {
    useDatasetStore.setState({ error: { id: selected, message: guess.error, urls: [] } });
    return;
  }
  if (guess.switched) {
    useConfigStore.getState().setConfig({ dataset: guess.id });
    alert({
      id: 'dataset:switched',
      level: 'info',
      title: `Switched the dataset to ${DATASETS[guess.id].name}`,
      message: 'The opened files are CIFAR-10 files.',
    });
  }
  useDatasetStore.setState({
    task: { kind: 'read', id: guess.id, files: files.length },
    error: null,
    pending: null,
  });
  try {
    // Read, checked and cached in the dataset worker: never parsed on this thread.
    const res = await importOpenedFiles(guess.id, [...files]);
    if (res.ignored.length) {
      alert({
        id: 'dataset:ignored',
        level: 'warning',
        title: 'Some files were ignored',
        message: `Not official ${DATASETS[guess.id].name} files: ${res.ignored.join(', ')}.`,
      });
    }
    void refreshCache();
    await deliverFiles({ id: guess.id, files: res.files }, [], false);
  } catch (e) {
    if (e instanceof HandledError) return;
    const view = describeDatasetError(e);
    useDatasetStore.setState({
      task: null,
      error: { id: guess.id, message: view.message, urls: view.urls, hint: view.hint },
    });
  }
}

/** The user's answer to the carve offer. */
export async function acceptPending(carve: boolean): Promise<void> {
  const p = useDatasetStore.getState().pending;
  if (!p) return;
  try {
    await workerLink.ensureReady();
    await sendDataset({ ...p.data, carve });
  } catch {
    // Shown by the error handlers.
  }
}

export function discardPending(): void {
  useDatasetStore.setState({ pending: null });
}

export async function refreshCache(): Promise<void> {
  try {
    const items = await cacheContents();
    useDatasetStore.setState({ cache: items ?? 'unavailable' });
  } catch {
    useDatasetStore.setState({ cache: 'unavailable' });
  }
}

export async function clearCache(): Promise<void> {
  try {
    await clearDatasetCache();
  } catch (e) {
    alert({
      id: 'cache:clear',
      level: 'warning',
      title: 'Could not clear the dataset cache',
      message: (e as Error).message,
    });
  }
  await refreshCache();
}
