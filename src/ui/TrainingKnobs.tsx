/**
 * The training knobs a fair comparison needs (issue #15): weight decay (live), the
 * learning-rate schedule, augmentation and label noise. All but weight decay are fixed for a
 * run; twin sides share them (they shape the batches both sides see).
 */
import { LR_SCHEDULES, type LrSchedule, MAX_LABEL_NOISE } from '../engine/config';
import { useConfigStore } from '../state/configStore';
import { changeLive } from '../state/liveChanges';
import { isActive, useTrainingStore } from '../state/trainingStore';
import { formatMilestones, parseMilestones } from '../state/urlConfig';
import { check, crossProblem, LOCKED } from './configCheck';
import { CheckField, ListField, NumberField, SelectField } from './fields';
import { LR_SCHEDULE_LABELS } from './labels';

const scheduleOptions = LR_SCHEDULES.map((s) => ({ value: s, label: LR_SCHEDULE_LABELS[s] }));
const checkNoise = check('labelNoise');
/** Label noise is typed in percent; the schema (and its message) is on the fraction. */
const percentToFraction = (pct: number) => Number((pct / 100).toFixed(6));

export function TrainingKnobs() {
  const config = useConfigStore((s) => s.config);
  const setConfig = useConfigStore((s) => s.setConfig);
  const locked = useTrainingStore((s) => isActive(s.phase));
  const lockedTitle = (title?: string) => (locked ? LOCKED : title);

  return (
    <fieldset className="group">
      <legend>Training</legend>
      <NumberField
        label="Weight decay"
        value={config.weightDecay}
        step="any"
        min={0}
        validate={check('weightDecay')}
        onCommit={(weightDecay) => changeLive({ weightDecay })}
        title="Live: L2, coupled for SGD, decoupled (AdamW) for Adam; applies to both twin sides"
        hint="0 = none; 5e-4 is usual for CIFAR-10"
      />
      <SelectField<LrSchedule>
        label="Learning-rate schedule"
        value={config.lrSchedule}
        options={scheduleOptions}
        onChange={(lrSchedule) => setConfig({ lrSchedule })}
        disabled={locked}
        title={lockedTitle('Scales the learning rate step by step; a live lr change rescales it')}
        problem={crossProblem(config, 'lrSchedule')}
      />
      {config.lrSchedule === 'step' ? (
        <div className="field-row">
          <ListField
            label="Milestones (steps)"
            value={config.lrMilestones}
            format={formatMilestones}
            parse={parseMilestones}
            onCommit={(lrMilestones) => setConfig({ lrMilestones })}
            placeholder="1000, 2000"
            disabled={locked}
            title={lockedTitle('Steps at which the learning rate is multiplied by γ')}
            problem={crossProblem(config, 'lrMilestones')}
          />
          <NumberField
            label="Decay γ"
            value={config.lrGamma}
            step={0.05}
            min={0}
            max={1}
            validate={check('lrGamma')}
            onCommit={(lrGamma) => setConfig({ lrGamma })}
            disabled={locked}
            title={lockedTitle()}
          />
        </div>
      ) : null}
      {config.lrSchedule === 'cosine' ? (
        <NumberField
          label="Cosine floor (× lr)"
          value={config.lrFloor}
          step={0.01}
          min={0}
          max={1}
          validate={check('lrFloor')}
          onCommit={(lrFloor) => setConfig({ lrFloor })}
          disabled={locked}
          title={lockedTitle('The learning rate reached at max steps, as a fraction of lr')}
          hint={`Over max steps (${config.maxSteps || 'not set'}, in More settings)`}
        />
      ) : null}
      <NumberField
        label="Learning-rate warm-up steps"
        value={config.lrWarmup}
        step={10}
        min={0}
        validate={check('lrWarmup')}
        onCommit={(lrWarmup) => setConfig({ lrWarmup })}
        disabled={locked}
        title={lockedTitle('Linear ramp of the learning rate over the first steps (0 = none)')}
      />
      <CheckField
        label="Augment training images"
        checked={config.augment}
        onChange={(augment) => setConfig({ augment })}
        disabled={locked}
        title={lockedTitle(
          'Seeded random crop (and flip) of the training split; test images never',
        )}
      />
      <div className="field-row">
        <NumberField
          label="Crop padding (px)"
          value={config.cropPadding}
          step={1}
          min={0}
          max={8}
          validate={check('cropPadding')}
          onCommit={(cropPadding) => setConfig({ cropPadding })}
          disabled={locked || !config.augment}
          title={lockedTitle()}
        />
        <div className="field check-cell">
          <CheckField
            label="Horizontal flip"
            checked={config.flip}
            onChange={(flip) => setConfig({ flip })}
            disabled={locked || !config.augment}
            title={lockedTitle('Off by default for characters: a flipped character is another one')}
          />
        </div>
      </div>
      <NumberField
        label="Label noise (%)"
        value={Number((config.labelNoise * 100).toFixed(4))}
        step={5}
        min={0}
        max={MAX_LABEL_NOISE * 100}
        validate={(pct) => checkNoise(percentToFraction(pct))}
        onCommit={(pct) => setConfig({ labelNoise: percentToFraction(pct) })}
        disabled={locked}
        title={lockedTitle(
          'Training labels replaced by a seeded different class; the test split stays clean',
        )}
        hint="0–80% of the training labels made wrong, fixed for the run"
      />
    </fieldset>
  );
}
