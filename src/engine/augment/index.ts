// The augmentation module's public surface (training's batch loader and the studio preview).
export { augmentSample, resizeSample, type AugmentResult } from './pipeline';
export { normalizeImageNet, IMAGENET_MEAN, IMAGENET_STD } from './normalize';
export { resizeImage, resizeMask, resizeImageRegion, resizeMaskRegion, type Rect } from './resize';
export { randomCropRect, cropResize, rotate, flip } from './geometric';
export { brightnessContrast, gammaCorrect } from './photometric';
export { gaussNoise, gaussianBlur } from './noise';
