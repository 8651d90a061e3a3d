/** A short sample of a run's line (colour and dash), for legends and readouts. */
export function RunSwatch({ color, dash }: { color: string; dash?: string }) {
  return (
    <svg className="swatch-line" width="22" height="8" aria-hidden="true" focusable="false">
      <line x1="1" y1="4" x2="21" y2="4" stroke={color} strokeWidth="2.4" strokeDasharray={dash} />
    </svg>
  );
}
