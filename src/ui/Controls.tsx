/** The settings panel: dataset, model, method and its knobs, optimisation, training, twin (A/B). */
import { useState } from 'react';
import {
  DEFAULT_CONFIG,
  MODEL_IDS,
  type ModelId,
  OPTIMIZERS,
  type OptimizerId,
} from '../engine/config';
import { useConfigStore } from '../state/configStore';
import { changeLive } from '../state/liveChanges';
import { isActive, useTrainingStore } from '../state/trainingStore';
import { check, LOCKED } from './configCheck';
import { ExportPyTorchSettingsButton } from './ExportPyTorchButton';
import { NumberField, SelectField } from './fields';
import { DATASET_LABELS, DATASET_ORDER, MODEL_LABELS } from './labels';
import { MethodControls } from './MethodControls';
import { TrainingKnobs } from './TrainingKnobs';
import { TwinControls } from './TwinControls';

export function Controls() {
  const config = useConfigStore((s) => s.config);
  const setConfig = useConfigStore((s) => s.setConfig);
  const restoreDefaults = useConfigStore((s) => s.restoreDefaults);
  const phase = useTrainingStore((s) => s.phase);
  const locked = isActive(phase);
  const [copied, setCopied] = useState(false);

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

      <MethodControls />

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
            label="Embedding subset"
            value={config.embedSize}
            step={100}
            min={0}
            validate={check('embedSize')}
            onCommit={(embedSize) => setConfig({ embedSize })}
            disabled={locked}
            title="Test images (class-balanced) projected in the Features panel at each eval step, up to 2,000; 0 turns the feature views off"
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

      <TrainingKnobs />

      <TwinControls />
      <ExportPyTorchSettingsButton />
      <p className="note defaults-note">
        Defaults: SGD, momentum {DEFAULT_CONFIG.momentum}, lr {DEFAULT_CONFIG.lr}, batch{' '}
        {DEFAULT_CONFIG.batchSize}, warm-up {DEFAULT_CONFIG.warmup}.
      </p>
    </section>
  );
}
