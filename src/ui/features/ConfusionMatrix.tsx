/** K×K confusion matrix: counts, each cell shaded by its share of the row (true class). */

export function ConfusionMatrix({
  confusion,
  classNames,
  label,
}: {
  confusion: readonly number[][];
  classNames: readonly string[];
  label: string;
}) {
  const total = confusion.flat().reduce((a, b) => a + b, 0);
  return (
    <table className="confusion" aria-label={label} data-total={total}>
      <thead>
        <tr>
          <th scope="col" className="confusion-corner">
            true ↓ / predicted →
          </th>
          {confusion.map((_, c) => (
            <th scope="col" key={classNames[c] ?? c} title={classNames[c]}>
              {short(classNames[c] ?? String(c))}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {confusion.map((row, r) => {
          const n = row.reduce((a, b) => a + b, 0) || 1;
          return (
            <tr key={classNames[r] ?? r}>
              <th scope="row" title={classNames[r]}>
                {short(classNames[r] ?? String(r))}
              </th>
              {row.map((v, c) => {
                const share = v / n;
                const hue = r === c ? '30, 122, 70' : '180, 35, 24';
                return (
                  <td
                    // biome-ignore lint/suspicious/noArrayIndexKey: fixed K×K grid
                    key={c}
                    className="confusion-cell"
                    title={`${classNames[r]} → ${classNames[c]}: ${v} (${(share * 100).toFixed(1)}% of the row)`}
                    // At most 0.65 opaque: the count stays legible (WCAG AA, axe) on light and dark.
                    style={{ background: v ? `rgba(${hue}, ${0.08 + 0.57 * share})` : undefined }}
                  >
                    {v || ''}
                  </td>
                );
              })}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

const short = (s: string) => (s.length > 7 ? `${s.slice(0, 6)}…` : s);
