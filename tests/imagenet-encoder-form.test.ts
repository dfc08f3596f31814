// The run form's ImageNet encoder choice: the resnet34-imagenet preset sets it (and is then the
// active preset), it reaches the config only for a ResNet34-UNet, another preset resets it, and
// the config parses (parseRunConfig: resnet34_unet, base 64). And the same for train's flags.
import { describe, expect, it } from 'vitest';
import { parseRunConfig, RUN_PRESETS } from '../src/shared/run-config';
import { DEFAULT_AUGMENT } from '../src/renderer/src/pages/augment/augment-state';
import { activePreset, applyPreset, initialValues, toConfig } from '../src/renderer/src/pages/runs/run-form-state';
import { configFromFlags } from '../src/cli/commands/train';
import { resolve } from 'node:path';

const presets = Object.entries(RUN_PRESETS).map(([name, p]) => ({ name, config: p.config }));

describe('run form: encoder weights', () => {
  it('the resnet34-imagenet preset reaches the config; other presets and the UNet leave it out', () => {
    const start = initialValues('/data/pets', DEFAULT_AUGMENT);
    expect(toConfig(start).encoderWeights).toBeUndefined();
    const imagenet = applyPreset(start, RUN_PRESETS['resnet34-imagenet']!.config);
    expect(imagenet.encoderWeights).toBe('imagenet');
    expect(activePreset(imagenet, presets)).toBe('resnet34-imagenet');
    expect(parseRunConfig(toConfig(imagenet))).toMatchObject({ model: 'resnet34_unet', base: 64, encoderWeights: 'imagenet' });
    // The same numbers without ImageNet weights are not that preset.
    expect(activePreset({ ...imagenet, encoderWeights: 'none' }, presets)).not.toBe('resnet34-imagenet');
    // Switching the model to the UNet drops the choice from the config (it has no pretrained encoder).
    expect(toConfig({ ...imagenet, model: 'unet' }).encoderWeights).toBeUndefined();
    // Another preset resets it.
    expect(applyPreset(imagenet, RUN_PRESETS['resnet34-reference']!.config).encoderWeights).toBe('none');
  });

  it('train --encoder-weights / --encoder-weights-path / --preset resnet34-imagenet reach the config', () => {
    const c = parseRunConfig(configFromFlags({ data: 'sample', model: 'resnet34_unet', base: 64, 'encoder-weights': 'imagenet', 'encoder-weights-path': 'w/resnet34.pth' }));
    expect(c).toMatchObject({ encoderWeights: 'imagenet', encoderWeightsPath: resolve('w/resnet34.pth') });
    expect(parseRunConfig(configFromFlags({ data: 'sample', preset: 'resnet34-imagenet' }))).toMatchObject({ model: 'resnet34_unet', base: 64, encoderWeights: 'imagenet' });
    expect(parseRunConfig(configFromFlags({ data: 'sample', model: 'resnet34_unet' })).encoderWeights).toBe('none');
    expect(() => parseRunConfig(configFromFlags({ data: 'sample', model: 'unet', 'encoder-weights': 'imagenet' }))).toThrow(/needs model resnet34_unet/);
    expect(() => parseRunConfig(configFromFlags({ data: 'sample', model: 'resnet34_unet', 'encoder-weights': 'ImageNet' }))).toThrow(/encoderWeights/);
  });
});
