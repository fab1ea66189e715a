/**
 * Class activation maps (MMPretrain `tools/visualization/vis_cam.py` on pytorch-grad-cam 1.4): GradCAM,
 * GradCAM++, XGradCAM, EigenCAM, EigenGradCAM and LayerCAM, with gradients through tfjs.
 */
export { CAM_METHODS, parseCamMethod, usesGradients, methodFileName, type CamMethod } from './methods';
export { captureLayer, type CamModel, type LayerCapture, type CaptureOptions } from './activations';
export { camImage, camWeights, minMaxScale, reluScale, CAM_EPS, type LayerMaps } from './formulas';
export { firstComponentProjection } from './projection';
export { reshapeToMaps, type NHWCMaps } from './reshape';
export { defaultTargetLayer, suggestTargetLayer, type SuggestedLayer, resolveTargetLayer, layerPathSegments, moduleTree, isNorm, extraTokensOf, backboneExtraTokens, type TargetLayer, type ModuleRow } from './target_layers';
export { computeCam, computeCams, targetLayersOf, AUG_SMOOTH_TRANSFORMS, type CamOptions, type CamResult, type LayerCam, type CamClassifier } from './grad_cam';
export { resizeBilinearF32, applyJet, showCamOnImage, JET_LUT_BGR } from './image_ops';
export { bgrToRgb, camOnOriginal, originalOverlayRGB, type InputGeometry } from './overlay';
