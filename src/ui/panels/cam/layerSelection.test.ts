import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildClassifier } from '../../../models/builder';
import { refPath } from '../../../models/testing/reference';
import { moduleTree, resolveTargetLayer } from '../../../visualization/cam';
import { layersForNewModel, parseTypedLayers, pickLayer, removeLayer, resolveInTree, uniqueLayerNames } from './layerSelection';
import { missingShared } from '../../../testing/shared';

describe('target layer list', () => {
  it('a click picks one layer; an additive click toggles one, never emptying the list', () => {
    expect(pickLayer([], 'backbone.layer4', false)).toEqual(['backbone.layer4']);
    expect(pickLayer(['backbone.layer3', 'backbone.layer4'], 'backbone.conv1', false)).toEqual(['backbone.conv1']);
    expect(pickLayer(['backbone.layer4'], 'backbone.layer3', true)).toEqual(['backbone.layer4', 'backbone.layer3']);
    expect(pickLayer(['backbone.layer4', 'backbone.layer3'], 'backbone.layer4', true)).toEqual(['backbone.layer3']);
    expect(pickLayer(['backbone.layer3'], 'backbone.layer3', true)).toEqual(['backbone.layer3']);
    expect(removeLayer(['a', 'b', 'c'], 'b')).toEqual(['a', 'c']);
  });

  it('typed names: several at once as on the command line, repeats and blanks dropped', () => {
    expect(parseTypedLayers(' backbone.layer3, backbone.layer4[-1]  backbone.layer3 ')).toEqual(['backbone.layer3', 'backbone.layer4[-1]']);
    expect(parseTypedLayers(' , ')).toEqual([]);
    expect(uniqueLayerNames(['a', ' a', 'b', ''])).toEqual(['a', 'b']);
  });

  const cfgPath = refPath('resnet18_cifar_w16', '_cfg.json');
  it.skipIf(missingShared(cfgPath))('names resolve on the page as the engine resolves them on the model (index forms, negative indices)', () => {
    const model = buildClassifier(JSON.parse(readFileSync(cfgPath, 'utf8')) as Record<string, unknown>);
    const names = moduleTree(model).map((r) => r.name);
    const asked = ['backbone.layer4', 'backbone.layer4[-1]', 'backbone.layer4.-1', 'backbone.layer4.1.bn2', 'backbone.layer3[0].conv1', 'backbone.layer2[-2]', 'head.fc', 'backbone.layer4[-3]', 'backbone.layer9', 'backbone.layer4[x]', 'backbone..conv1'];
    for (const name of asked) {
      let engine: string | null;
      try {
        engine = resolveTargetLayer(model, name).name;
      } catch {
        engine = null;
      }
      expect([name, resolveInTree(name, names)]).toEqual([name, engine]);
    }
    expect(resolveInTree('backbone.layer4[-1]', names)).toBe('backbone.layer4.1');
    // another model: layers it has are kept (canonical), the others dropped
    expect(layersForNewModel(['backbone.layer4[-1]', 'backbone.layers[-1].ln1', 'backbone.conv1', 'backbone.layer4.1'], names)).toEqual(['backbone.layer4.1', 'backbone.conv1']);
    model.dispose();
  });
});
