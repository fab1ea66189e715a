// Node ESM resolve hook for the CLI. In Node, `@tensorflow/tfjs-core` resolves to its CommonJS build, but its
// op gradients exist only as an ES-module file (for bundlers); loading that file would create a second tfjs-core.
// The CLI therefore swaps it for a CommonJS shim that registers the same gradients into the CommonJS tfjs-core.
const GRADIENTS = '@tensorflow/tfjs-core/dist/register_all_gradients';

export async function resolve(specifier, context, nextResolve) {
  if (specifier === GRADIENTS) return nextResolve(new URL('./register_gradients_node.cjs', import.meta.url).href, context);
  return nextResolve(specifier, context);
}
