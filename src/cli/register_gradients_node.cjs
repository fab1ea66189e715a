// Registers every tfjs op gradient into the CommonJS tfjs-core that Node resolves (the union package's Node build
// does this on load). Used only by the CLI through resolve_hook.mjs.
require('@tensorflow/tfjs');
