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
}

/** A spinbutton that only commits valid values; invalid text stays visible with its reason. */
export function NumberField(props: NumberFieldProps) {
  const { label, value, validate, onCommit, step, min, max, disabled, title, hint } = props;
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
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-err` : undefined}
        onChange={(e) => onChange(e.target.value)}
        onBlur={() => {
          if (error) {
            setText(String(value));
            setError(null);
          }
        }}
      />
      {error ? (
        <span id={`${id}-err`} className="field-error">
          {error}
        </span>
      ) : hint ? (
        <span className="field-hint">{hint}</span>
      ) : null}
    </div>
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
}

export function SelectField<T extends string>(props: SelectFieldProps<T>) {
  const { label, value, options, onChange, disabled, title, describedBy, after } = props;
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
        aria-describedby={describedBy}
        onChange={(e) => onChange(e.target.value as T)}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value} disabled={o.disabled}>
            {o.label}
          </option>
        ))}
      </select>
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
