/** Twin (A/B): side B's own method and weights, and the comparisons people run most. */
import {
  DEFAULT_CONFIG,
  type Estimator,
  type Method,
  PAPER_LAMBDA,
  usesMatching,
} from '../engine/config';
import { useConfigStore } from '../state/configStore';
import { changeLive, flushLive } from '../state/liveChanges';
import { isActive, useTrainingStore } from '../state/trainingStore';
import { LOCKED } from './configCheck';
import { SelectField, SliderField } from './fields';
import { estimatorOptions, methodOptions, WEIGHT_SLIDER } from './MethodControls';

export function TwinControls() {
  const config = useConfigStore((s) => s.config);
  const twin = useConfigStore((s) => s.twin);
  const setConfig = useConfigStore((s) => s.setConfig);
  const setTwin = useConfigStore((s) => s.setTwin);
  const locked = useTrainingStore((s) => isActive(s.phase));
  const paperLambda = PAPER_LAMBDA[config.dataset];

  const presets: Array<{ label: string; apply: () => void }> = [
    {
      label: 'Vanilla vs ITRA-c',
      apply: () => {
        setConfig({ method: 'vanilla' });
        setTwin({ method: 'itra-c', estimator: config.estimator, lambda: paperLambda });
      },
    },
    {
      label: 'Biased vs unbiased, no warm-up',
      apply: () => {
        setConfig({ method: 'itra-c', estimator: 'biased', warmup: 0 });
        setTwin({ method: 'itra-c', estimator: 'unbiased', lambda: config.lambda });
      },
    },
    {
      label: 'ITRA-c vs Gini + KL',
      apply: () => {
        setConfig({ method: 'itra-c', lambda: paperLambda });
        setTwin({
          method: 'discern',
          estimator: config.estimator,
          lambda: paperLambda,
          lambdaGini: DEFAULT_CONFIG.lambdaGini,
          lambdaKl: DEFAULT_CONFIG.lambdaKl,
        });
      },
    },
    {
      // The paper's future work: ITRA-c should keep to each class's high-density part.
      label: 'ITRA-c vs vanilla at 40% label noise',
      apply: () => {
        setConfig({ method: 'vanilla', labelNoise: 0.4 });
        setTwin({ method: 'itra-c', estimator: config.estimator, lambda: paperLambda });
      },
    },
  ];

  return (
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
            {...WEIGHT_SLIDER}
            onInput={(lambda) => changeLive({ lambda }, 'B')}
            onRelease={flushLive}
            dim={!usesMatching(twin.method)}
          />
          {twin.method === 'discern' ? (
            <>
              <SliderField
                label="Side B λ_gini"
                value={twin.lambdaGini}
                {...WEIGHT_SLIDER}
                onInput={(lambdaGini) => changeLive({ lambdaGini }, 'B')}
                onRelease={flushLive}
              />
              <SliderField
                label="Side B λ_kl"
                value={twin.lambdaKl}
                {...WEIGHT_SLIDER}
                onInput={(lambdaKl) => changeLive({ lambdaKl }, 'B')}
                onRelease={flushLive}
              />
            </>
          ) : null}
          <div className="twin-presets">
            {presets.map((p) => (
              <button
                key={p.label}
                type="button"
                className="link-btn"
                disabled={locked}
                onClick={p.apply}
              >
                {p.label}
              </button>
            ))}
          </div>
        </div>
      ) : null}
    </fieldset>
  );
}
