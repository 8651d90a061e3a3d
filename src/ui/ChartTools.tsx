/** Per-chart buttons: download as PNG, SVG or CSV, and show the values as a table. */
import { type RefObject, useState } from 'react';
import { downloadBlob, downloadText } from '../state/download';
import { type CsvLine, chartsCsv, fileSlug } from './chartCsv';
import { type ChartImage, chartSvg, type LegendEntry, svgToPng } from './chartExport';

export function ChartTools(props: {
  figure: RefObject<HTMLElement | null>;
  title: string;
  metric: string;
  legend: () => LegendEntry[];
  csvLines: () => CsvLine[];
  table: boolean;
  onTable: (on: boolean) => void;
}) {
  const { figure, title, metric, legend, csvLines, table, onTable } = props;
  const image = () => {
    if (!figure.current) throw new Error('the chart is not on the page');
    return chartSvg(figure.current, title, legend());
  };
  return (
    <ExportTools
      title={title}
      svg={image}
      csv={() => chartsCsv([{ metric, lines: csvLines() }])}
      table={table}
      onTable={onTable}
    />
  );
}

/**
 * The same buttons for any view: `svg` builds the image (the PNG is drawn from it), `csv`
 * the values shown. Button names say what they do, not which chart (the group says that):
 * e2e tests find "Train" by substring, and "Download PNG of Train cross-entropy" would match.
 */
export function ExportTools(props: {
  title: string;
  svg: () => ChartImage;
  csv: () => string;
  table: boolean;
  onTable: (on: boolean) => void;
}) {
  const { title, svg, csv, table, onTable } = props;
  const [error, setError] = useState<string | null>(null);
  const slug = fileSlug(title);
  const run = (f: () => Promise<void> | void) => async () => {
    setError(null);
    try {
      await f();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <fieldset className="chart-tools" aria-label={`${title} chart tools`}>
      <Tool
        label="Download PNG"
        text="PNG"
        onClick={run(async () => downloadBlob(`${slug}.png`, await svgToPng(svg())))}
      />
      <Tool
        label="Download SVG"
        text="SVG"
        onClick={run(() => downloadText(`${slug}.svg`, svg().svg, 'image/svg+xml'))}
      />
      <Tool
        label="Download CSV"
        text="CSV"
        hint="the drawn values, with run names and steps"
        onClick={run(() => downloadText(`${slug}.csv`, csv(), 'text/csv'))}
      />
      <Tool label="Show as table" text="Table" pressed={table} onClick={() => onTable(!table)} />
      {error ? (
        <span className="chart-tool-error" role="alert">
          {error}
        </span>
      ) : null}
    </fieldset>
  );
}

function Tool(props: {
  label: string;
  text: string;
  hint?: string;
  pressed?: boolean;
  onClick: () => void;
}) {
  return (
    <button
      type="button"
      className="chart-tool"
      aria-label={props.label}
      aria-pressed={props.pressed}
      title={props.hint ? `${props.label}: ${props.hint}` : props.label}
      onClick={props.onClick}
    >
      {props.text}
    </button>
  );
}
