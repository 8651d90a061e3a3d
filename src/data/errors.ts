/**
 * The one error type of the data layer. `code` lets the UI and CLI react (retry, offer
 * "Open files…", carve a split); `message` is written for the user and names the file.
 */
export type DatasetErrorCode =
  | 'bad-magic'
  | 'wrong-slot'
  | 'bad-dims'
  | 'truncated'
  | 'trailing-data'
  | 'empty'
  | 'count-mismatch'
  | 'label-range'
  | 'bad-gzip'
  | 'too-large'
  | 'bad-archive'
  | 'bad-record-length'
  | 'checksum'
  | 'missing-file'
  | 'unknown-dataset'
  | 'network'
  | 'aborted'
  | 'quota'
  | 'storage';

export interface DatasetErrorDetails {
  /** The file the error is about (official name where known). */
  file?: string;
  /** URL(s) that failed, for 'network'. */
  urls?: string[];
  /** One line per URL tried: "<url>: <why it failed>". */
  reasons?: string[];
  /** What the user can do next, shown under the message. */
  hint?: string;
  cause?: unknown;
}

export class DatasetError extends Error {
  readonly code: DatasetErrorCode;
  readonly file?: string;
  readonly urls?: string[];
  readonly reasons?: string[];
  readonly hint?: string;

  constructor(code: DatasetErrorCode, message: string, details: DatasetErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'DatasetError';
    this.code = code;
    this.file = details.file;
    this.urls = details.urls;
    this.reasons = details.reasons;
    this.hint = details.hint;
  }
}

/** Structured clone (postMessage) drops the class; this survives it by checking the shape. */
export function isDatasetError(e: unknown): e is DatasetError {
  return (
    e instanceof DatasetError ||
    (typeof e === 'object' &&
      e !== null &&
      (e as { name?: unknown }).name === 'DatasetError' &&
      typeof (e as { code?: unknown }).code === 'string')
  );
}

/** The two ways to get data onto a machine that cannot reach the publisher. */
export const OFFLINE_HINT =
  'Two ways out: (1) get the official files on another machine and run `npm run data -- import <dir>`, ' +
  'or (2) in the app, use "Open files…" and pick the official files.';
