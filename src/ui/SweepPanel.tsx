/**
 * The Sweep panel: the values to vary (seeds, λ, methods, any other setting as a comma list)
 * on top of the current settings, checked with the grid module before anything is queued;
 * then the queue (SweepQueueView).
 */
import { useId, useMemo, useState } from 'react';
import { METHOD_LABELS, type Method, usesMatching } from '../engine/config';
import { VARIABLE_SETTINGS } from '../reproduce/grid';
import { useConfigStore } from '../state/configStore';
import { planSweep, type VaryRow } from '../state/sweepForm';
import { queueSweep } from '../state/sweepQueue';
import { METHOD_ORDER } from './labels';
import { SweepQueueView } from './SweepQueueView';

export function SweepPanel() {
  const config = useConfigStore((s) => s.config);
  const twin = useConfigStore((s) => s.twin.enabled);
  const [seeds, setSeeds] = useState('1-3');
  const [methods, setMethods] = useState<Method[]>(() => [config.method]);
  const [lambdas, setLambdas] = useState(() => String(config.lambda));
  const [vary, setVary] = useState<VaryRow[]>([{ setting: '', values: '' }]);
  const [refused, setRefused] = useState<string | null>(null);
  const [queued, setQueued] = useState<string | null>(null);
  const listId = useId();

  const plan = useMemo(
    () => planSweep({ seeds, methods, lambdas, vary }, config),
    [seeds, methods, lambdas, vary, config],
  );
  const edit = () => {
    setRefused(null);
    setQueued(null);
  };
  const toggleMethod = (m: Method, on: boolean) => {
    edit();
    setMethods((ms) =>
      on ? METHOD_ORDER.filter((x) => x === m || ms.includes(x)) : ms.filter((x) => x !== m),
    );
  };
  const setRow = (i: number, patch: Partial<VaryRow>) => {
    edit();
    setVary((rows) => rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  };
  const onQueue = () => {
    if (!plan.ok) {
      setRefused(plan.error);
      return;
    }
    queueSweep(plan.runs, plan.label);
    setQueued(`Queued ${plan.label}.`);
  };
  const matching = methods.some(usesMatching);

  return (
    <section className="panel sweep" aria-labelledby="sweep-h">
      <div className="panel-head">
        <h2 id="sweep-h">Sweep</h2>
      </div>
      <div className="sweep-cols">
        <form
          className="sweep-form"
          aria-label="Sweep grid"
          onSubmit={(e) => {
            e.preventDefault();
            onQueue();
          }}
        >
          <p className="note">
            Runs one after another on top of the current settings ({config.dataset}, {config.model},{' '}
            {config.maxSteps ? `${config.maxSteps} steps` : 'no max steps set'})
            {twin ? '; twin mode is not used: each sweep run is a single run' : ''}. Each run keeps
            the settings it was queued with: changes made while it trains are not sent to it.
          </p>
          <div className="field">
            <label htmlFor="sweep-seeds">Seeds</label>
            <input
              id="sweep-seeds"
              type="text"
              value={seeds}
              placeholder="1-3 or 1,2,3"
              onChange={(e) => {
                edit();
                setSeeds(e.target.value);
              }}
            />
          </div>
          <fieldset className="field sweep-methods">
            <legend>Methods</legend>
            {METHOD_ORDER.map((m) => (
              <label key={m} className="check">
                <input
                  type="checkbox"
                  checked={methods.includes(m)}
                  onChange={(e) => toggleMethod(m, e.target.checked)}
                />
                {METHOD_LABELS[m]}
              </label>
            ))}
          </fieldset>
          <div className={`field${matching ? '' : ' dim'}`}>
            <label htmlFor="sweep-lambdas">λ values (ITRA, ITRA-c)</label>
            <input
              id="sweep-lambdas"
              type="text"
              value={lambdas}
              placeholder="0.4, 0.8"
              onChange={(e) => {
                edit();
                setLambdas(e.target.value);
              }}
            />
          </div>
          <fieldset className="field sweep-vary">
            <legend>Other settings (comma lists)</legend>
            <datalist id={listId}>
              {VARIABLE_SETTINGS.map((k) => (
                <option key={k} value={k} />
              ))}
            </datalist>
            {vary.map((row, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their place
              <div key={i} className="sweep-vary-row">
                <input
                  type="text"
                  list={listId}
                  aria-label={`Setting ${i + 1}`}
                  placeholder="lr"
                  value={row.setting}
                  onChange={(e) => setRow(i, { setting: e.target.value })}
                />
                <input
                  type="text"
                  aria-label={`Values of setting ${i + 1}`}
                  placeholder="0.01, 0.05"
                  value={row.values}
                  onChange={(e) => setRow(i, { values: e.target.value })}
                />
                <button
                  type="button"
                  className="link-btn"
                  aria-label={`Remove setting ${i + 1}`}
                  onClick={() => {
                    edit();
                    setVary((rows) => rows.filter((_, j) => j !== i));
                  }}
                >
                  ×
                </button>
              </div>
            ))}
            <button
              type="button"
              className="link-btn"
              onClick={() => setVary((rows) => [...rows, { setting: '', values: '' }])}
            >
              + Add a setting
            </button>
          </fieldset>
          <p className={`sweep-plan${plan.ok ? '' : ' bad'}`} aria-live="polite">
            {plan.ok ? plan.label : plan.error}
          </p>
          {refused ? (
            <p role="alert" className="inline-msg error">
              Not queued: {refused}
            </p>
          ) : null}
          {queued ? (
            <p role="status" className="inline-msg ok">
              {queued}
            </p>
          ) : null}
          <button type="submit" className="btn primary">
            Queue{plan.ok ? ` ${plan.runs.length} run${plan.runs.length === 1 ? '' : 's'}` : ''}
          </button>
        </form>
        <SweepQueueView />
      </div>
    </section>
  );
}
