/** mmcv.image equivalents on plain typed-array images (no tfjs, no DOM): the public API of `src/image`. */
export * from './image';
export * from './geometric';
export * from './photometric';
export * from './colorspace';
export { imfrombytes, imfrombytesAsync, decodeRaw, pixelsToImage, imageFormat, setAsyncImageDecoder, browserImageDecoder, COLOR_TYPES } from './io';
export type { ColorType, RawPixels, AsyncImageDecoder } from './io';
export { initJpegTurbo, jpegTurboAvailable, decodeJpegTurbo } from './jpeg_turbo';
export { resizeCv2, type Cv2Interpolation } from './resize_cv2';
export { resizePillow, type PillowInterpolation } from './resize_pillow';
export { warpAffine, invertAffine, type AffineMatrix, type WarpInterpolation } from './warp_affine';
