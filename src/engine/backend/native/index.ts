// The native oneDNN backend (docs/speed.md, docs/backends.md): the one entry the rest of the
// engine imports. Registering the tfjs backend, the compiled inference and training plans, and
// the pooled output storage; the kernels, graph walk and addon loading stay inside this folder.
export {
  NATIVE_BACKEND, NATIVE_KERNELS, nativeKernelInfo, nativeKernelStats, nativeThreadCount, registerNativeBackend, resetNativeKernelStats,
  type NativeBackendResult, type NativeKernelInfo,
} from './backend';
export { NativeInferencePlan, predictFast } from './inference-plan';
export { NativeTrainingPlan, trainingPlanFor, type TrainingStepResult } from './training-plan';
export { NativeCpuBackend, releasePooledStorage } from './cpu-backend';
export { loadNativeAddon, nativeAddonPath, type NativeAddon } from './addon';
