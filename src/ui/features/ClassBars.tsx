/**
 * Per-class bars (HTML, K rows): accuracy in [0, 1], intra-class distance, or a signed
 * difference B − A centred on zero.
 */

export function ClassBars({
  values,
  classNames,
  label,
  signed = false,
  max = 1,
  format = (v: number) => `${(v * 100).toFixed(1)}%`,
}: {
  values: ReadonlyArray<number | null>;
  classNames: readonly string[];
  label: string;
  signed?: boolean;
  max?: number;
  format?: (v: number) => string;
}) {
  const scale = signed ? Math.max(1e-9, ...values.map((v) => Math.abs(v ?? 0))) : max;
  return (
    <ul className="class-bars" aria-label={label}>
      {values.map((v, k) => {
        const frac = v === null ? 0 : Math.min(1, Math.abs(v) / scale);
        return (
          <li className="class-bar" key={classNames[k] ?? k}>
            <span className="class-bar-name">{classNames[k] ?? k}</span>
            <span className={`class-bar-track${signed ? ' signed' : ''}`}>
              <span
                className={`class-bar-fill${signed && (v ?? 0) < 0 ? ' negative' : ''}`}
                style={
                  signed
                    ? (v ?? 0) < 0
                      ? { right: '50%', width: `${frac * 50}%` }
                      : { left: '50%', width: `${frac * 50}%` }
                    : { width: `${frac * 100}%` }
                }
              />
            </span>
            <span className="class-bar-value">
              {v === null ? '—' : `${signed && v > 0 ? '+' : ''}${format(v)}`}
            </span>
          </li>
        );
      })}
    </ul>
  );
}
