/**
 * The layering the code keeps (checked in `npm test`, `npm run lint:deps`):
 * the engine (config, registry, fileio, image, datasets, models, engine, evaluation, visualization maths, apis,
 * backends, utils, workers' engine parts) runs in the tab, in a Web Worker and in Node, so it never imports the
 * UI, the CLI or the tools; the tools (MMPretrain's tools/ as reusable steps) never import the UI or the CLI;
 * and no module imports itself through a cycle.
 */
/** Tests may drive a layer from above (a tool's test through the CLI); cycles are checked for them too. */
const TESTS = '\\.test\\.tsx?$';
const ENGINE = '^src/(config|registry|fileio|image|datasets|models|engine|evaluation|visualization|apis|backends|utils|testing)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'engine-not-to-ui-cli-tools',
      comment: 'The engine runs without a DOM and without Node: move what it needs from ui/, cli/ or tools/ down into it.',
      severity: 'error',
      from: { path: ENGINE, pathNot: TESTS },
      to: { path: '^src/(ui|cli|tools)/' },
    },
    {
      name: 'tools-not-to-ui-cli',
      comment: "tools/ are MMPretrain's tools as steps the CLI and the studio share: they never import either.",
      severity: 'error',
      from: { path: '^src/tools/', pathNot: TESTS },
      to: { path: '^src/(ui|cli)/' },
    },
    {
      name: 'cli-not-to-ui',
      severity: 'error',
      from: { path: '^src/cli/', pathNot: TESTS },
      to: { path: '^src/ui/' },
    },
    {
      name: 'no-circular',
      comment: 'A cycle makes import order matter and the layers meaningless.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)__fixtures__/|\\.d\\.ts$' },
    // TypeScript 7 (the native compiler) has no JS API for dependency-cruiser: Babel's TypeScript preset strips the
    // types (so `import type` lines are not counted), acorn reads the rest; @swc/core only makes .ts/.tsx scannable.
    babelConfig: { fileName: '.babelrc.dependency-cruiser.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
