/** The method and its knobs: λ (ITRA), λ_gini and λ_kl (Gini + KL), the warm-up, the estimator. */
import {
  ESTIMATORS,
  type Estimator,
  METHOD_LABELS,
  type Method,
  PAPER_LAMBDA,
  usesMatching,
} from '../engine/config';
import { useConfigStore } from '../state/configStore';
import { changeLive, flushLive } from '../state/liveChanges';
import { isActive, useTrainingStore } from '../state/trainingStore';
import { check, LOCKED } from './configCheck';
import { InfoTip, NumberField, SelectField, SliderField } from './fields';
import { ESTIMATOR_HELP, METHOD_ORDER } from './labels';

export const methodOptions = METHOD_ORDER.map((m) => ({ value: m, label: METHOD_LABELS[m] }));
export const estimatorOptions = ESTIMATORS.map((e) => ({
  value: e,
  label: e === 'biased' ? 'Biased (paper)' : 'Unbiased',
}));

/** λ, λ_gini and λ_kl share one range: 0..2 in steps of 0.05. */
export const WEIGHT_SLIDER = { min: 0, max: 2, step: 0.05, format: (v: number) => v.toFixed(2) };

export function MethodControls() {
  const config = useConfigStore((s) => s.config);
  const setConfig = useConfigStore((s) => s.setConfig);
  const locked = useTrainingStore((s) => isActive(s.phase));

  const matching = usesMatching(config.method);
  const discern = config.method === 'discern';
  const paperLambda = PAPER_LAMBDA[config.dataset];
  const collapseRisk =
    matching && config.estimator === 'biased' && config.warmup === 0
      ? 'Biased MMD with no warm-up: expect the features to collapse (the unbiased estimator or a warm-up avoids it).'
      : null;

  return (
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
        {...WEIGHT_SLIDER}
        onInput={(lambda) => changeLive({ lambda })}
        onRelease={flushLive}
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
      <SliderField
        label="λ_gini"
        value={config.lambdaGini}
        {...WEIGHT_SLIDER}
        onInput={(lambdaGini) => changeLive({ lambdaGini })}
        onRelease={flushLive}
        dim={!discern}
        hint={
          discern
            ? 'Gini impurity: each feature fires for one class (live).'
            : 'λ_gini and λ_kl apply to Gini + KL.'
        }
      />
      <SliderField
        label="λ_kl"
        value={config.lambdaKl}
        {...WEIGHT_SLIDER}
        onInput={(lambdaKl) => changeLive({ lambdaKl })}
        onRelease={flushLive}
        dim={!discern}
        hint={
          discern
            ? 'KL to the batch’s class frequencies: the features cover the classes as often as they occur (live).'
            : undefined
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
        title={
          locked
            ? LOCKED
            : 'Steps of plain cross-entropy before the matching or Gini + KL loss starts'
        }
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
  );
}
