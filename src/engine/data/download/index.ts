// Public face of the Oxford-IIIT Pet downloader.
export { downloadDataset, existingDataset, overwriteBlocker, DatasetExistsError, OverwriteRefusedError } from './download-dataset';
export { MANIFEST_FILE, readManifest, type DownloadManifest } from './manifest';
export type { DownloadDatasetOptions, DownloadDatasetResult, ArchiveOutcome } from './download-dataset';
export type { DownloadProgress, DownloadPhase } from './progress-emitter';
export { DEFAULT_IMAGES_URL, DEFAULT_ANNOTATIONS_URL, resolveSource } from './sources';
export { verifyArchive } from './verify';
export { extractArchive } from './extract';
export { safeEntryPath, UnsafeEntryError } from './safe-path';
export { downloadResumable } from './resumable-download';
