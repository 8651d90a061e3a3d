/** The settings panel: dataset, model, method and its knobs, optimisation, twin (A/B). */
import { useState } from 'react';
import {
  DEFAULT_CONFIG,
  ESTIMATORS,
  type Estimator,
  METHOD_LABELS,
  type Method,
  MODEL_IDS,
  type ModelId,
  OPTIMIZERS,
  type OptimizerId,
  PAPER_LAMBDA,
  type TrainConfig,
  trainConfigSchema,
  usesMatching,
} from '../engine/config';
import { useConfigStore } from '../state/configStore';
import { changeLive, flushLive } from '../state/session';
import { isActive, useSessionStore } from '../state/sessionStore';
import { InfoTip, NumberField, SelectField, SliderField } from './fields';
import {
  DATASET_LABELS,
  DATASET_ORDER,
  ESTIMATOR_HELP,
  METHOD_ORDER,
  MODEL_LABELS,
} from './labels';

type NumKey = {
  [K in keyof TrainConfig]: TrainConfig[K] extends number ? K : never;
}[keyof TrainConfig];

/** Field-level check with the run schema's own messages. */
const check = (key: NumKey) => (n: number) => {
  const r = trainConfigSchema.shape[key].safeParse(n);
  return r.success ? null : (r.error.issues[0]?.message ?? 'Invalid value');
};

const methodOptions = METHOD_ORDER.map((m) => ({ value: m, label: METHOD_LABELS[m] }));
const estimatorOptions = ESTIMATORS.map((e) => ({
  value: e,
  label: e === 'biased' ? 'Biased (paper)' : 'Unbiased',
}));
const LOCKED = 'Fixed while a run is in progress: press Reset to change it.';

export function Controls() {
  const config = useConfigStore((s) => s.config);
  const twin = useConfigStore((s) => s.twin);
  const setConfig = useConfigStore((s) => s.setConfig);
  const setTwin = useConfigStore((s) => s.setTwin);
  const restoreDefaults = useConfigStore((s) => s.restoreDefaults);
  const phase = useSessionStore((s) => s.phase);
  const locked = isActive(phase);
  const [copied, setCopied] = useState(false);

  const matching = usesMatching(config.method);
  const paperLambda = PAPER_LAMBDA[config.dataset];
  const collapseRisk =
    matching && config.estimator === 'biased' && config.warmup === 0
      ? 'Biased MMD with no warm-up: expect the features to collapse (the unbiased estimator or a warm-up avoids it).'
      : null;

  const copyLink = async () => {
    try {
      await navigator.clipboard.writeText(window.location.href);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      window.prompt('Copy this link', window.location.href);
    }
  };

  return (
    <section className="panel controls" aria-labelledby="settings-h">
      <div className="panel-head">
        <h2 id="settings-h">Settings</h2>
        <div className="panel-head-actions">
          <button type="button" className="link-btn" onClick={copyLink}>
            {copied ? 'Link copied' : 'Copy link'}
          </button>
          <button
            type="button"
            className="link-btn"
            onClick={restoreDefaults}
            disabled={locked}
            title={locked ? LOCKED : 'Back to the default settings'}
          >
            Restore defaults
          </button>
        </div>
      </div>

      <fieldset className="group">
        <legend>Data and model</legend>
        <SelectField
          label="Dataset"
          value={config.dataset}
          options={DATASET_ORDER.map((d) => ({ value: d, label: DATASET_LABELS[d] }))}
          onChange={(dataset) => setConfig({ dataset })}
          disabled={locked}
          title={locked ? LOCKED : undefined}
        />
        <SelectField<ModelId>
          label="Model"
          value={config.model}
          options={MODEL_IDS.map((m) => ({
            value: m,
            label: MODEL_LABELS[m],
            disabled: m === 'resnet' && config.dataset !== 'cifar10',
          }))}
          onChange={(model) => setConfig({ model })}
          disabled={locked}
          title={locked ? LOCKED : undefined}
        />
      </fieldset>

      <fieldset className="group">
        <legend>Method</legend>
        <SelectField<Method>
          label="Method"
          value={config.method}
          options={methodOptions}
          onChange={(method) => changeLive({ method })}
          title="Live: switching during a run keeps the model and marks the switch on the charts"
        />
        <SliderField
          label="λ"
          value={config.lambda}
          min={0}
          max={2}
          step={0.05}
          onInput={(lambda) => changeLive({ lambda })}
          onRelease={flushLive}
          format={(v) => v.toFixed(2)}
          dim={!matching}
          hint={
            <>
              {matching ? 'Weight of the matching loss (live). ' : 'λ applies to ITRA and ITRA-c. '}
              {config.lambda !== paperLambda ? (
                <button
                  type="button"
                  className="link-btn"
                  onClick={() => {
                    changeLive({ lambda: paperLambda });
                    flushLive();
                  }}
                >
                  Paper: {paperLambda}
                </button>
              ) : (
                <span>Paper’s value for this dataset.</span>
              )}
            </>
          }
        />
        <NumberField
          label="Warm-up steps"
          value={config.warmup}
          step={10}
          min={0}
          validate={check('warmup')}
          onCommit={(warmup) => setConfig({ warmup })}
          disabled={locked}
          title={locked ? LOCKED : 'Steps with λ = 0 before the matching loss starts'}
        />
        <SelectField<Estimator>
          label="MMD estimator"
          value={config.estimator}
          options={estimatorOptions}
          onChange={(estimator) => changeLive({ estimator })}
          describedBy="estimator-help"
          after={<InfoTip id="estimator-help" text={ESTIMATOR_HELP} />}
        />
        {collapseRisk ? <p className="note warn">{collapseRisk}</p> : null}
      </fieldset>

      <fieldset className="group">
        <legend>Optimisation</legend>
        <NumberField
          label="Learning rate"
          value={config.lr}
          step="any"
          min={0}
          validate={check('lr')}
          onCommit={(lr) => changeLive({ lr })}
          title="Live: changes take effect at the next step"
        />
        <div className="field-row">
          <NumberField
            label="Batch size"
            value={config.batchSize}
            step={1}
            min={1}
            validate={check('batchSize')}
            onCommit={(batchSize) => setConfig({ batchSize, batchSize2: batchSize })}
            disabled={locked}
            title={locked ? LOCKED : undefined}
          />
          <NumberField
            label="Seed"
            value={config.seed}
            step={1}
            validate={check('seed')}
            onCommit={(seed) => setConfig({ seed })}
            disabled={locked}
            title={locked ? LOCKED : undefined}
          />
        </div>
        <NumberField
          label="Eval interval"
          value={config.evalEvery}
          step={10}
          min={1}
          validate={check('evalEvery')}
          onCommit={(evalEvery) => setConfig({ evalEvery })}
          disabled={locked}
          title={locked ? LOCKED : 'Steps between points on the charts'}
        />
        <details className="more">
          <summary>More settings</summary>
          <SelectField<OptimizerId>
            label="Optimizer"
            value={config.optimizer}
            options={OPTIMIZERS.map((o) => ({ value: o, label: o === 'sgd' ? 'SGD' : 'Adam' }))}
            onChange={(optimizer) => setConfig({ optimizer })}
            disabled={locked}
          />
          <NumberField
            label="Momentum"
            value={config.momentum}
            step={0.01}
            min={0}
            max={0.999}
            validate={check('momentum')}
            onCommit={(momentum) => setConfig({ momentum })}
            disabled={locked}
          />
          <NumberField
            label="Second batch size (m2)"
            value={config.batchSize2}
            step={1}
            min={1}
            validate={check('batchSize2')}
            onCommit={(batchSize2) => setConfig({ batchSize2 })}
            disabled={locked}
          />
          <NumberField
            label="Eval size"
            value={config.evalSize}
            step={100}
            min={1}
            validate={check('evalSize')}
            onCommit={(evalSize) => setConfig({ evalSize })}
            disabled={locked}
            title="Test images evaluated at each eval step (a fixed, seeded subset)"
          />
          <NumberField
            label="Max steps"
            value={config.maxSteps}
            step={100}
            min={0}
            validate={check('maxSteps')}
            onCommit={(maxSteps) => setConfig({ maxSteps })}
            disabled={locked}
            hint="0 = until stopped"
          />
          <NumberField
            label="Label smoothing ε"
            value={config.labelSmoothing}
            step={0.01}
            min={0}
            max={1}
            validate={check('labelSmoothing')}
            onCommit={(labelSmoothing) => setConfig({ labelSmoothing })}
            disabled={locked}
          />
          <NumberField
            label="Center loss λc"
            value={config.centerLambda}
            step={0.01}
            min={0}
            validate={check('centerLambda')}
            onCommit={(centerLambda) => setConfig({ centerLambda })}
            disabled={locked}
          />
          <NumberField
            label="Center update α"
            value={config.centerAlpha}
            step={0.05}
            min={0}
            max={1}
            validate={check('centerAlpha')}
            onCommit={(centerAlpha) => setConfig({ centerAlpha })}
            disabled={locked}
          />
          <SelectField
            label="Forward passes"
            value={config.forwardPasses}
            options={[
              { value: 'auto', label: 'Auto' },
              { value: 'concat', label: 'One pass (S1+S2)' },
              { value: 'separate', label: 'Two passes' },
            ]}
            onChange={(forwardPasses) => setConfig({ forwardPasses })}
            disabled={locked}
          />
        </details>
      </fieldset>

      <fieldset className="group twin">
        <legend>Compare</legend>
        <label className="check" title={locked ? LOCKED : undefined}>
          <input
            type="checkbox"
            checked={twin.enabled}
            disabled={locked}
            onChange={(e) => setTwin({ enabled: e.target.checked })}
          />
          Twin (A/B)
        </label>
        <p className="note">
          Two runs from identical initial weights on identical batches. Side A uses the settings
          above; side B changes only what you pick here.
        </p>
        {twin.enabled ? (
          <div className="twin-b">
            <SelectField<Method>
              label="Side B method"
              value={twin.method}
              options={methodOptions}
              onChange={(method) => changeLive({ method }, 'B')}
            />
            <SelectField<Estimator>
              label="Side B estimator"
              value={twin.estimator}
              options={estimatorOptions}
              onChange={(estimator) => changeLive({ estimator }, 'B')}
            />
            <SliderField
              label="Side B λ"
              value={twin.lambda}
              min={0}
              max={2}
              step={0.05}
              onInput={(lambda) => changeLive({ lambda }, 'B')}
              onRelease={flushLive}
              format={(v) => v.toFixed(2)}
              dim={!usesMatching(twin.method)}
            />
            <div className="twin-presets">
              <button
                type="button"
                className="link-btn"
                disabled={locked}
                onClick={() => {
                  setConfig({ method: 'vanilla' });
                  setTwin({
                    method: 'itra-c',
                    estimator: config.estimator,
                    lambda: PAPER_LAMBDA[config.dataset],
                  });
                }}
              >
                Vanilla vs ITRA-c
              </button>
              <button
                type="button"
                className="link-btn"
                disabled={locked}
                onClick={() => {
                  setConfig({ method: 'itra-c', estimator: 'biased', warmup: 0 });
                  setTwin({ method: 'itra-c', estimator: 'unbiased', lambda: config.lambda });
                }}
              >
                Biased vs unbiased, no warm-up
              </button>
            </div>
          </div>
        ) : null}
      </fieldset>
      <p className="note defaults-note">
        Defaults: SGD, momentum {DEFAULT_CONFIG.momentum}, lr {DEFAULT_CONFIG.lr}, batch{' '}
        {DEFAULT_CONFIG.batchSize}, warm-up {DEFAULT_CONFIG.warmup}.
      </p>
    </section>
  );
}
