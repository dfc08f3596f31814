// Writes a set of binary masks in one of the formats labeling pipelines read:
//   png-0-255 / png-0-1  one grey PNG per photo, FOLDER/<id>.png
//   coco                 FOLDER/annotations.json (compressed RLE, see coco-json.ts)
//   yolo                 FOLDER/<id>.txt per photo (polygons, see yolo-seg.ts) + FOLDER/classes.txt
// The caller supplies the writer (it decides whether an existing file may be replaced and keeps
// versions) and checks `plannedFiles` against the disk before calling, so a refused export writes nothing.
import { join } from 'node:path';
import type { BinaryMask } from '../../types';
import { encodeMaskPng } from '../../infer/mask-png-file';
import { CocoAnnotationsBuilder } from './coco-json';
import { yoloSegLines, type YoloSegOptions } from './yolo-seg';

export type MaskExportFormat = 'png-0-255' | 'png-0-1' | 'coco' | 'yolo';
export const MASK_EXPORT_FORMATS: readonly MaskExportFormat[] = ['png-0-255', 'png-0-1', 'coco', 'yolo'];
export const COCO_FILE = 'annotations.json';
export const YOLO_CLASSES_FILE = 'classes.txt';

/** The older spellings '0-255' and '0-1' (exports.masks before COCO/YOLO) mean the PNG formats. */
export function normalizeMaskFormat(format: string): MaskExportFormat {
  if (format === '0-255' || format === 'png') return 'png-0-255';
  if (format === '0-1') return 'png-0-1';
  if ((MASK_EXPORT_FORMATS as readonly string[]).includes(format)) return format as MaskExportFormat;
  throw new Error(`unknown mask format "${format}" (expected png-0-255, png-0-1, coco or yolo)`);
}

export interface MaskExportItem {
  /** File stem of the output (the sample id). */
  id: string;
  /** The photo's file name, as COCO's file_name and for messages. */
  fileName: string;
  load(): Promise<BinaryMask>;
}

export interface MaskExportCategory {
  name: string;
  supercategory?: string;
}

/** Every file an export of these ids writes, for the existence check before any work. */
export function plannedFiles(folder: string, format: MaskExportFormat, ids: readonly string[]): string[] {
  if (format === 'coco') return [join(folder, COCO_FILE)];
  if (format === 'yolo') return [...ids.map((id) => join(folder, `${id}.txt`)), join(folder, YOLO_CLASSES_FILE)];
  return ids.map((id) => join(folder, `${id}.png`));
}

export interface MaskExportSinkOptions {
  folder: string;
  format: MaskExportFormat;
  category: MaskExportCategory;
  /** COCO info.description. */
  description: string;
  yolo?: YoloSegOptions;
  /** Writes one file; returns true when it replaced an existing one. */
  writeFile(path: string, bytes: Uint8Array): boolean;
}

export interface MaskExportOptions extends MaskExportSinkOptions {
  items: readonly MaskExportItem[];
  onProgress?(done: number, total: number): void;
}

export interface MaskExportSummary {
  /** Files written (annotations.json counts as one; classes.txt is included for yolo). */
  files: number;
  replaced: number;
  /** Masks exported. */
  images: number;
  /** COCO annotations or YOLO polygon lines written (null for PNG). */
  objects: number | null;
}

const text = (s: string) => new TextEncoder().encode(s);

/** Takes masks one at a time (per-photo files are written at once; annotations.json and classes.txt at `finish`). */
export class MaskExportSink {
  private files = 0;
  private replaced = 0;
  private objects = 0;
  private images = 0;
  private readonly coco: CocoAnnotationsBuilder | null;

  constructor(private readonly opts: MaskExportSinkOptions) {
    this.coco = opts.format === 'coco' ? new CocoAnnotationsBuilder({ description: opts.description, category: opts.category }) : null;
  }

  private write(path: string, bytes: Uint8Array): void {
    if (this.opts.writeFile(path, bytes)) this.replaced++;
    this.files++;
  }

  async add(id: string, fileName: string, mask: BinaryMask): Promise<void> {
    const { format, folder } = this.opts;
    if (format === 'coco') {
      if (this.coco!.add(fileName, mask)) this.objects++;
    } else if (format === 'yolo') {
      const lines = yoloSegLines(mask, this.opts.yolo);
      this.objects += lines.length;
      this.write(join(folder, `${id}.txt`), text(lines.length ? `${lines.join('\n')}\n` : ''));
    } else {
      this.write(join(folder, `${id}.png`), await encodeMaskPng(mask.data, mask.width, mask.height, format));
    }
    this.images++;
  }

  finish(): MaskExportSummary {
    if (this.coco) this.write(join(this.opts.folder, COCO_FILE), text(this.coco.toJson()));
    if (this.opts.format === 'yolo') this.write(join(this.opts.folder, YOLO_CLASSES_FILE), text(`${this.opts.category.name}\n`));
    return { files: this.files, replaced: this.replaced, images: this.images, objects: this.opts.format.startsWith('png') ? null : this.objects };
  }
}

export async function writeMaskExport(opts: MaskExportOptions): Promise<MaskExportSummary> {
  const sink = new MaskExportSink(opts);
  let done = 0;
  for (const item of opts.items) {
    await sink.add(item.id, item.fileName, await item.load());
    opts.onProgress?.(++done, opts.items.length);
  }
  return sink.finish();
}
