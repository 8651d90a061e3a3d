/** Small labelled form controls shared by the panels. */
import { type ReactNode, useEffect, useId, useState } from 'react';

interface NumberFieldProps {
  label: string;
  value: number;
  /** Returns an error message, or null when the value is acceptable. */
  validate: (n: number) => string | null;
  onCommit: (n: number) => void;
  step?: number | 'any';
  min?: number;
  max?: number;
  disabled?: boolean;
  title?: string;
  hint?: ReactNode;
  /** A problem between this setting and others (it is valid on its own): shown as an error. */
  problem?: string | null;
}

/** A spinbutton that only commits valid values; invalid text stays visible with its reason. */
export function NumberField(props: NumberFieldProps) {
  const { label, value, validate, onCommit, step, min, max, disabled, title, hint, problem } =
    props;
  const id = useId();
  const [text, setText] = useState(String(value));
  const [error, setError] = useState<string | null>(null);

  // Follow outside changes (restore defaults, a link) unless the user is mid-edit on them.
  useEffect(() => {
    setText((t) => (Number(t) === value && t.trim() !== '' ? t : String(value)));
    setError(null);
  }, [value]);

  const onChange = (t: string) => {
    setText(t);
    const n = t.trim() === '' ? Number.NaN : Number(t);
    const err = Number.isFinite(n) ? validate(n) : 'Enter a number';
    setError(err);
    if (!err && n !== value) onCommit(n);
  };

  return (
    <div className="field" title={title}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        inputMode="decimal"
        value={text}
        step={step}
        min={min}
        max={max}
        disabled={disabled}
        aria-invalid={error || problem ? true : undefined}
        aria-describedby={error || problem ? `${id}-err` : undefined}
        onChange={(e) => onChange(e.target.value)}
        onBlur={() => {
          if (error) {
            setText(String(value));
            setError(null);
          }
        }}
      />
      <FieldNote id={`${id}-err`} error={error ?? problem} hint={hint} />
    </div>
  );
}

/** Under a field: its error if any, else its hint. */
function FieldNote({ id, error, hint }: { id: string; error?: string | null; hint?: ReactNode }) {
  if (error)
    return (
      <span id={id} className="field-error">
        {error}
      </span>
    );
  return hint ? <span className="field-hint">{hint}</span> : null;
}

interface ListFieldProps<T> {
  label: string;
  value: T;
  /** The text a value shows as; the field follows outside changes through it. */
  format: (v: T) => string;
  /** A typed text as a value, or the reason it is not one. */
  parse: (text: string) => { value: T } | { error: string };
  onCommit: (v: T) => void;
  placeholder?: string;
  disabled?: boolean;
  title?: string;
  hint?: ReactNode;
  problem?: string | null;
}

/** A text box for a typed list ("1000, 2000"): commits parsed values only, like NumberField. */
export function ListField<T>(props: ListFieldProps<T>) {
  const { label, value, format, parse, onCommit, placeholder, disabled, title, hint, problem } =
    props;
  const id = useId();
  const shown = format(value);
  const [text, setText] = useState(shown);
  const [error, setError] = useState<string | null>(null);

  // Follow outside changes unless the text already means the same value ("1000,2000").
  useEffect(() => {
    setText((t) => {
      const r = parse(t);
      return 'value' in r && format(r.value) === shown ? t : shown;
    });
    setError(null);
  }, [shown, parse, format]);

  const onChange = (t: string) => {
    setText(t);
    const r = parse(t);
    setError('error' in r ? r.error : null);
    if ('value' in r && format(r.value) !== shown) onCommit(r.value);
  };

  return (
    <div className="field" title={title}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        value={text}
        placeholder={placeholder}
        disabled={disabled}
        spellCheck={false}
        aria-invalid={error || problem ? true : undefined}
        aria-describedby={error || problem ? `${id}-err` : undefined}
        onChange={(e) => onChange(e.target.value)}
        onBlur={() => {
          if (error) {
            setText(shown);
            setError(null);
          }
        }}
      />
      <FieldNote id={`${id}-err`} error={error ?? problem} hint={hint} />
    </div>
  );
}

/** A labelled checkbox. */
export function CheckField(props: {
  label: string;
  checked: boolean;
  onChange: (v: boolean) => void;
  disabled?: boolean;
  title?: string;
}) {
  const { label, checked, onChange, disabled, title } = props;
  return (
    <label className={`check${disabled ? ' disabled' : ''}`} title={title}>
      <input
        type="checkbox"
        checked={checked}
        disabled={disabled}
        onChange={(e) => onChange(e.target.checked)}
      />
      {label}
    </label>
  );
}

interface SelectFieldProps<T extends string> {
  label: string;
  value: T;
  options: readonly { value: T; label: string; disabled?: boolean }[];
  onChange: (v: T) => void;
  disabled?: boolean;
  title?: string;
  describedBy?: string;
  after?: ReactNode;
  /** A problem between this setting and others: shown under the field. */
  problem?: string | null;
}

export function SelectField<T extends string>(props: SelectFieldProps<T>) {
  const { label, value, options, onChange, disabled, title, describedBy, after, problem } = props;
  const id = useId();
  return (
    <div className="field" title={title}>
      <div className="field-label-row">
        <label htmlFor={id}>{label}</label>
        {after}
      </div>
      <select
        id={id}
        value={value}
        disabled={disabled}
        aria-invalid={problem ? true : undefined}
        aria-describedby={
          [describedBy, problem ? `${id}-err` : undefined].filter(Boolean).join(' ') || undefined
        }
        onChange={(e) => onChange(e.target.value as T)}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value} disabled={o.disabled}>
            {o.label}
          </option>
        ))}
      </select>
      <FieldNote id={`${id}-err`} error={problem} />
    </div>
  );
}

interface SliderFieldProps {
  label: string;
  value: number;
  min: number;
  max: number;
  step: number;
  onInput: (v: number) => void;
  /** Pointer/key released: the final value of a drag. */
  onRelease?: () => void;
  disabled?: boolean;
  format?: (v: number) => string;
  hint?: ReactNode;
  dim?: boolean;
}

export function SliderField(props: SliderFieldProps) {
  const { label, value, min, max, step, onInput, onRelease, disabled, format, hint, dim } = props;
  const id = useId();
  const shown = format ? format(value) : String(value);
  return (
    <div className={`field slider-field${dim ? ' dim' : ''}`}>
      <div className="field-label-row">
        <label htmlFor={id}>{label}</label>
        <output htmlFor={id}>{shown}</output>
      </div>
      <input
        id={id}
        type="range"
        min={min}
        max={max}
        step={step}
        value={value}
        disabled={disabled}
        aria-valuetext={shown}
        onChange={(e) => {
          // Round to the step so 0.65 does not become 0.6500000000000001.
          const decimals = (String(step).split('.')[1] ?? '').length;
          onInput(Number(Number(e.target.value).toFixed(decimals)));
        }}
        onPointerUp={onRelease}
        onKeyUp={onRelease}
      />
      {hint ? <span className="field-hint">{hint}</span> : null}
    </div>
  );
}

/** A "?" that shows a one-line explanation on hover and focus. */
export function InfoTip({ id, text }: { id: string; text: string }) {
  return (
    <span className="infotip">
      <button
        type="button"
        className="infotip-btn"
        aria-label="What is this?"
        aria-describedby={id}
      >
        ?
      </button>
      <span role="tooltip" id={id} className="infotip-text">
        {text}
      </span>
    </span>
  );
}
