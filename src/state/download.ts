/** Saves JSON as a file download (no server round trip). */
export function downloadJson(fileName: string, data: unknown): void {
  downloadText(fileName, JSON.stringify(data), 'application/json');
}

/** Saves text (CSV, Markdown, JSON) as a file download. */
export function downloadText(fileName: string, text: string, type: string): void {
  downloadBlob(fileName, new Blob([text], { type }));
}

/** Saves any bytes (a zip, …) as a file download. */
export function downloadBlob(fileName: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // Revoke later: some browsers read the URL after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
