import { describe, expect, it } from 'vitest';
import { augmentationDefaults, DEFAULT_CONFIG } from '../engine/config';
import { useConfigStore } from './configStore';

describe('config store', () => {
  it('applies the dataset’s augmentation defaults when the dataset changes', () => {
    const store = useConfigStore.getState();
    store.restoreDefaults();
    store.setConfig({ dataset: 'cifar10' });
    expect(useConfigStore.getState().config).toMatchObject(augmentationDefaults('cifar10'));
    expect(useConfigStore.getState().config.augment).toBe(true);
    // Changed by hand, kept while the dataset stays; back to the 28×28 defaults on a switch.
    store.setConfig({ flip: false });
    store.setConfig({ model: 'tiny' });
    expect(useConfigStore.getState().config.flip).toBe(false);
    store.setConfig({ dataset: 'kmnist' });
    expect(useConfigStore.getState().config).toMatchObject({
      augment: false,
      cropPadding: 2,
      flip: false,
    });
    // A patch that sets both keeps its own augmentation.
    store.setConfig({ dataset: 'cifar10', augment: false });
    expect(useConfigStore.getState().config.augment).toBe(false);
    store.restoreDefaults();
    expect(useConfigStore.getState().config).toEqual(DEFAULT_CONFIG);
  });
});
