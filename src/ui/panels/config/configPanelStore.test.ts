import { describe, expect, it } from 'vitest';
import { MemoryFS } from '../../../config';
import { mainDroppedConfig, useConfigPanelStore } from './configPanelStore';
import { StudioConfigFS } from './studioFs';

describe('Config panel store', () => {
  it('selects the dropped config that is nobody’s base', () => {
    const files = [
      { relativePath: 'lenet5.py', text: "model = dict(type='ImageClassifier')\n" },
      { relativePath: 'lenet5_mnist.py', text: "_base_ = ['./lenet5.py', './mnist.py']\n" },
      { relativePath: 'mnist.py', text: "dataset_type = 'MNIST'\n" },
    ];
    const placed = files.map((f) => `configs/user/${f.relativePath}`);
    expect(mainDroppedConfig(files, placed)).toBe('configs/user/lenet5_mnist.py');
    // Inside a folder, _base_ files are never the main config.
    const folder = [
      { relativePath: 'p/_base_/a.py', text: "_base_ = './b.py'\n" },
      { relativePath: 'p/exp/c.py', text: "x = 1\n" },
    ];
    expect(mainDroppedConfig(folder, ['configs/p/_base_/a.py', 'configs/p/exp/c.py'])).toBe('configs/p/exp/c.py');
  });

  it('adds and removes dropped files, bumping the version and keeping the selection sane', () => {
    const fs = new StudioConfigFS(new MemoryFS({ 'configs/lenet/lenet5_mnist.py': 'x = 1\n' }));
    const store = useConfigPanelStore;
    store.getState().select('configs/lenet/lenet5_mnist.py');
    const v0 = store.getState().version;
    store.getState().addDropped(fs, [{ relativePath: 'mine.py', text: "_base_ = '../lenet/lenet5_mnist.py'\n" }]);
    expect(store.getState()).toMatchObject({ selected: 'configs/user/mine.py', dropped: ['configs/user/mine.py'], version: v0 + 1 });
    store.getState().addDropped(fs, []);
    expect(store.getState().version).toBe(v0 + 1);
    store.getState().removeDropped(fs, 'configs/user/mine.py');
    expect(store.getState()).toMatchObject({ selected: null, dropped: [], version: v0 + 2 });
    expect(fs.exists('configs/user/mine.py')).toBe(false);
  });
});
